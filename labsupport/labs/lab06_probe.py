"""What lab 06's checks do to the learner's pods to see what survives: write a token of their own into a
mounted path, restart a container (crictl on its node), delete a pod and wait for its replacement, read back.

The checks never trust a file the learner wrote: each run writes a fresh random token and reads it back.
"""

from __future__ import annotations

import secrets
import shlex

from labsupport import find
from labsupport.errors import ExecError, WaitTimeout
from labsupport.facts import container_status, is_ready, is_terminating
from labsupport.podexec import exec_in_pod, run_in_node
from labsupport.waits import wait_for, wait_pods_ready

TOKEN_FILE = ".grader-token"
# A path in the container's own writable layer (not a volume): gone with every container restart.
LAYER_PATH = "/.grader-layer-token"
VOLUME_KINDS = ("emptyDir", "hostPath", "configMap", "secret", "persistentVolumeClaim", "projected")


def new_token() -> str:
    return "token-" + secrets.token_hex(6)


def mounts(pod: dict) -> dict[str, tuple[str, str, dict]]:
    """The first container's mounts: mountPath -> (volume name, volume kind, the volume's source dict)."""
    volumes = {v["name"]: v for v in pod["spec"].get("volumes") or []}
    out = {}
    for m in (pod["spec"]["containers"][0].get("volumeMounts") or []):
        vol = volumes.get(m["name"]) or {}
        kind = next((k for k in VOLUME_KINDS if k in vol), "other")
        out[m["mountPath"].rstrip("/") or "/"] = (m["name"], kind, vol.get(kind) or {})
    return out


def write(ctx, pod: str, path: str, text: str) -> bool:
    """Write ``text`` to file ``path`` in ``pod`` (first container); whether it worked."""
    script = f"printf %s {shlex.quote(text)} > {shlex.quote(path)}"
    return exec_in_pod(ctx.clients, ctx.namespace, pod, ["sh", "-c", script], timeout=20).ok


def read(ctx, pod: str, path: str) -> str | None:
    """The content of file ``path`` in ``pod``, or None when it is not there."""
    result = exec_in_pod(ctx.clients, ctx.namespace, pod, ["cat", path], timeout=20)
    return result.stdout if result.ok else None


def restart_container(ctx, pod: dict, timeout: float = 90) -> dict:
    """Stop the pod's first container with crictl on its node (as a crash would) and wait until the kubelet has
    restarted it and the pod is Ready again; return the pod."""
    name = pod["metadata"]["name"]
    status = container_status(pod)
    container_id = (status.get("containerID") or "").split("://")[-1]
    node = pod["spec"].get("nodeName")
    if not container_id or not node:
        raise ExecError(f"Pod {name} has no running container to restart.",
                        hint="Wait until the pod is Running and Ready, then check again.")
    before = status.get("restartCount", 0)
    # crictl's own connection deadline is 2 s by default, too short on a loaded machine; `stop --timeout 1`
    # gives the process 1 s after SIGTERM (a shell as PID 1 ignores it) before SIGKILL.
    stopped = run_in_node(node, ["crictl", "--timeout=30s", "stop", "--timeout=1", container_id], timeout=60)
    try:
        return wait_for(ctx.clients, "Pod", name, namespace=ctx.namespace, timeout=timeout,
                        condition=lambda p: container_status(p).get("restartCount", 0) > before and is_ready(p))
    except WaitTimeout as exc:
        if stopped.ok:
            raise
        # Even when crictl gave up waiting, the runtime may have stopped it: only then is its error the reason.
        raise ExecError(f"crictl could not stop container {container_id[:13]} of pod {name} on {node}: "
                        f"{stopped.stderr.strip()[:200]}", hint="Check again once the pod is Ready.") from exc


def delete_and_replace(ctx, pod: dict, selector: str, timeout: float = 90) -> dict:
    """Delete ``pod`` and wait for its controller's replacement (a Ready pod with another uid); return it.

    A StatefulSet brings back a pod of the same name; a ReplicaSet one of a new name matching ``selector``.
    """
    name, uid = pod["metadata"]["name"], pod["metadata"]["uid"]
    ctx.clients.core.delete_namespaced_pod(name, ctx.namespace, grace_period_seconds=1)

    def replaced(p: dict) -> bool:
        return p["metadata"]["uid"] != uid and is_ready(p) and not is_terminating(p)

    if any(o.get("kind") == "StatefulSet" for o in pod["metadata"].get("ownerReferences") or []):
        return wait_for(ctx.clients, "Pod", name, namespace=ctx.namespace, condition=replaced, timeout=timeout)
    wait_for(ctx.clients, "Pod", name, namespace=ctx.namespace, condition="deleted", timeout=timeout)
    return wait_pods_ready(ctx.clients, ctx.namespace, selector, count=1, timeout=timeout)[0]


def ready_pod(ctx, selector: str) -> dict | None:
    """One Ready pod matching ``selector`` in the lab namespace (not being deleted), or None."""
    pods = [p for p in find.pods(ctx.clients, ctx.namespace, selector) if is_ready(p) and not is_terminating(p)]
    return pods[0] if pods else None
