"""The lab cluster's life cycle with kind: find it, check its health, create or reuse it, delete it.

The cluster's identity lives in kind's node containers (their labels), never in a side file: "is it there" is
`kind get clusters`, "is it healthy" is asking its API server. The node image is chosen, in order: an explicit
image; the image built offline by clusters/build (tagged with a key of every input); the published
kindest/node image when a registry can be resolved; else the offline build is required. After kind, the
add-ons step (labsupport.addons) applies clusters/addons/* and waits for them, and the cluster's info is
written for labs to read (labsupport.clusterinfo).

>>> ensure_cluster(ClusterSpec())      # doctest: +SKIP   (creates or reuses `kindlab`)
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from labsupport import versions
from labsupport.config import DEFAULT_CLUSTER, context_name
from labsupport.errors import ClusterUnavailable, LabError, PreflightError
from labsupport.facts import conditions, is_ready
from labsupport.preflight import require, run_preflight

CLUSTERS = versions.CLUSTERS
# The published image kind pairs with the pinned Kubernetes (kind's own default), for connected machines.
PUBLISHED_IMAGE = versions.get("PUBLISHED_NODE_IMAGE")
REGISTRY_HOST = "registry-1.docker.io"


@dataclass(frozen=True)
class ClusterSpec:
    name: str = DEFAULT_CLUSTER
    config: Path = CLUSTERS / "kind-3node.yaml"
    image: str | None = None
    wait_seconds: int = 180
    # None: kind's default (~/.kube/config, or $KUBECONFIG). Throwaway clusters pass their own file, so that
    # creating and deleting them never changes the current context of the learner's kubeconfig.
    kubeconfig: str | None = None
    # False: only what kind installs. For throwaway clusters beside the lab cluster: a second MetalLB on kind's
    # Docker network would announce the same addresses, and the add-ons step costs a minute per creation.
    addons: bool = True

    @property
    def nodes(self) -> int:
        text = self.config.read_text()
        return max(1, text.count("- role:"))


@dataclass(frozen=True)
class ClusterStatus:
    name: str
    exists: bool
    healthy: bool
    nodes: dict[str, str] = field(default_factory=dict)  # node name -> Ready condition status
    detail: str = ""


def _kind() -> str:
    path = shutil.which("kind")
    if not path:
        raise PreflightError("the kind CLI is not on PATH", hint="Run `make setup` (links kind into .venv/bin).")
    return path


def _run(cmd: list[str], *, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def offline_image_tag() -> str:
    """The tag the offline build gives the node image (a key of every build input)."""
    out = _run(["bash", str(CLUSTERS / "build" / "node-image.sh"), "--print-tag"])
    if out.returncode != 0:
        raise PreflightError(f"cannot compute the offline node image tag: {out.stderr.strip()}")
    return out.stdout.strip()


def _image_present(image: str) -> bool:
    return _run(["docker", "image", "inspect", image]).returncode == 0


def _registry_resolves() -> bool:
    """A name lookup only (no traffic to the registry): air-gapped machines cannot resolve it."""
    try:
        socket.getaddrinfo(REGISTRY_HOST, 443)
        return True
    except OSError:
        return False


def choose_image(spec: ClusterSpec) -> str:
    """The node image to use, or a PreflightError saying how to get one."""
    if spec.image:
        return spec.image
    if env := os.environ.get("KINDLAB_NODE_IMAGE"):
        return env
    offline = offline_image_tag()
    if _image_present(offline):
        return offline
    if _image_present(PUBLISHED_IMAGE.split("@")[0]) or _registry_resolves():
        return PUBLISHED_IMAGE
    raise PreflightError(f"no node image: {offline} is not built and no registry answers here",
                         hint="Build it from source with `make images` (air-gapped build, see README).")


def cluster_exists(name: str) -> bool:
    out = _run([_kind(), "get", "clusters"])
    return name in out.stdout.split()


def _kubeconfig_args(kubeconfig: str | None) -> list[str]:
    return ["--kubeconfig", kubeconfig] if kubeconfig else []


def status(name: str = DEFAULT_CLUSTER, *, kubeconfig: str | None = None) -> ClusterStatus:
    """Exists? All node containers running, API answering, every node Ready?"""
    if not cluster_exists(name):
        return ClusterStatus(name, exists=False, healthy=False, detail="no such kind cluster")
    nodes = _run([_kind(), "get", "nodes", "--name", name]).stdout.split()
    stopped = [n for n in nodes
               if _run(["docker", "inspect", "-f", "{{.State.Running}}", n]).stdout.strip() != "true"]
    if stopped:
        return ClusterStatus(name, True, False, detail=f"node containers not running: {', '.join(stopped)}")
    cmd = ["kubectl", *_kubeconfig_args(kubeconfig), "--context", context_name(name), "get", "nodes",
           "--request-timeout=10s", "-o", "json"]
    out = _run(cmd, timeout=30)
    if out.returncode != 0:
        return ClusterStatus(name, True, False, detail=f"API server does not answer: {out.stderr.strip()[:300]}")
    items = json.loads(out.stdout).get("items") or []
    ready = {n["metadata"]["name"]: (conditions(n).get("Ready") or {}).get("status", "") for n in items}
    healthy = bool(items) and len(items) == len(nodes) and all(is_ready(n) for n in items)
    return ClusterStatus(name, True, healthy, ready,
                         detail="" if healthy else f"nodes not all Ready: {ready or 'none registered'}")


def delete(name: str = DEFAULT_CLUSTER, *, kubeconfig: str | None = None) -> None:
    out = _run([_kind(), "delete", "cluster", "--name", name, *_kubeconfig_args(kubeconfig)], timeout=180)
    if out.returncode != 0:
        raise ClusterUnavailable(f"deleting cluster {name} failed: {out.stderr.strip()}",
                                 hint=f"Remove its containers by hand: docker rm -f $(docker ps -aq --filter label=io.x-k8s.kind.cluster={name})")


def create(spec: ClusterSpec, image: str, *, log=sys.stderr) -> float:
    """`kind create cluster` with a progress bar driven by kind's own step lines; returns seconds taken.

    kind deletes what it made when it fails; the error then quotes the end of its output.
    """
    from labsupport.progress import KIND_STEPS, follow_steps, progress

    # kind's --wait waits for the control-plane node alone. With add-ons, their kind-defaults wait (every node
    # Ready) covers it, and their images and manifests go on while the nodes' network comes up.
    wait = [] if spec.addons else ["--wait", f"{spec.wait_seconds}s"]
    cmd = [_kind(), "create", "cluster", "--name", spec.name, "--config", str(spec.config),
           "--image", image, *wait, *_kubeconfig_args(spec.kubeconfig)]
    print(f"[kindlab] {' '.join(cmd)}", file=log, flush=True)
    steps = [s for s in KIND_STEPS if (spec.nodes > 1 or s != "Joining worker nodes") and (wait or s != "Waiting")]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with progress(f"Creating cluster {spec.name} ({spec.nodes} node{'s' if spec.nodes > 1 else ''})",
                  total=len(steps), stream=log) as bar:
        lines = follow_steps(proc.stdout, bar, steps)
    if proc.wait(timeout=spec.wait_seconds + 300) != 0:
        tail = "\n".join(lines[-15:])
        raise ClusterUnavailable(f"kind could not create cluster {spec.name} with image {image}:\n{tail}",
                                 hint="Rerun the command above with `--retain` to keep the failed nodes, then "
                                      f"`kind export logs --name {spec.name}` collects their logs.")
    return time.monotonic() - start


def node_names(name: str) -> list[str]:
    return _run([_kind(), "get", "nodes", "--name", name]).stdout.split()


def node_image(name: str) -> str:
    """The image cluster ``name``'s nodes run (its control-plane container's image)."""
    nodes = node_names(name)
    out = _run(["docker", "inspect", "-f", "{{.Config.Image}}", nodes[0]]) if nodes else None
    if out is None or out.returncode != 0:
        raise ClusterUnavailable(f"cluster {name} has no node containers",
                                 hint="Create it with `make cluster` (or `python -m labsupport cluster up`).")
    return out.stdout.strip()


def install_addons(name: str, image: str, *, kubeconfig: str | None = None, log=sys.stderr) -> float:
    """Apply every add-on (clusters/addons) and wait for it, then write the cluster's info; seconds taken.

    The add-on kind-defaults is what "ready" means beyond kind's own wait: every node Ready, CoreDNS and
    the storage provisioner available. A wait that times out raises WaitTimeout with status and events.
    """
    from labsupport import addons, clusterinfo
    from labsupport.kube import connect

    start = time.monotonic()
    clients = connect(kubeconfig=kubeconfig, context=context_name(name))
    declared = addons.discover()
    addons.install(clients, name, declared, nodes=node_names(name), log=log)
    info = clusterinfo.describe(clients, image, [(a.name, a.info) for a in declared])
    clusterinfo.write(clients, info)
    print(f"[kindlab] add-ons ready: {', '.join(a.name for a in declared)}; cni {info.cni}, "
          f"network policy {info.policy}", file=log, flush=True)
    return time.monotonic() - start


def ensure_cluster(spec: ClusterSpec, *, recreate: bool = False, log=sys.stderr) -> ClusterStatus:
    """Reuse a healthy cluster; create a missing one; an unhealthy one only with ``recreate``.

    Preflight runs only before creating: a running cluster itself uses the memory that preflight asks for.
    """
    current = status(spec.name, kubeconfig=spec.kubeconfig)
    if current.healthy and not recreate:
        print(f"[kindlab] cluster {spec.name} is healthy: reusing it ({len(current.nodes)} nodes Ready)",
              file=log, flush=True)
        return current
    if current.exists:
        if not recreate:
            raise ClusterUnavailable(
                f"cluster {spec.name} exists but is unhealthy: {current.detail}",
                hint=f"Recreate it with `make cluster RECREATE=1`, or delete it with `kind delete cluster --name {spec.name}`.")
        print(f"[kindlab] deleting cluster {spec.name} ({current.detail or 'recreate requested'})", file=log, flush=True)
        delete(spec.name, kubeconfig=spec.kubeconfig)
    require(run_preflight(nodes=spec.nodes))
    image = choose_image(spec)
    seconds = create(spec, image, log=log)
    if not spec.addons:
        print(f"[kindlab] cluster {spec.name} ready in {seconds:.0f}s from {image} (no add-ons, as asked)",
              file=log, flush=True)
        return status(spec.name, kubeconfig=spec.kubeconfig)
    try:
        seconds += install_addons(spec.name, image, kubeconfig=spec.kubeconfig, log=log)
    except LabError:
        # The cluster itself works: keep it for inspection, and say how to retry only the add-ons.
        print(f"[kindlab] the add-ons step failed; cluster {spec.name} is kept. After fixing the cause, rerun it "
              f"with `python -m labsupport cluster addons --name {spec.name}`, or recreate the cluster.",
              file=log, flush=True)
        raise
    print(f"[kindlab] cluster {spec.name} ready in {seconds:.0f}s from {image}", file=log, flush=True)
    final = status(spec.name, kubeconfig=spec.kubeconfig)
    if not final.healthy:
        raise ClusterUnavailable(f"cluster {spec.name} was created but is not healthy: {final.detail}",
                                 hint=f"Inspect with `kubectl --context {context_name(spec.name)} get nodes,pods -A`.")
    return final
