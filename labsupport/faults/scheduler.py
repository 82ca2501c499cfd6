"""Fault `scheduler-manifest`: the kube-scheduler static-pod manifest on the control-plane node gets a typo.

The kubelet on the control-plane node runs what /etc/kubernetes/manifests/ holds; the fault changes
``--kubeconfig=/etc/kubernetes/scheduler.conf`` to ``scheduler.config`` (a file that does not exist). The kubelet
replaces the scheduler pod at once; the new one exits at start (CrashLoopBackOff), and from then on every new pod
stays Pending with no node and no scheduling event, as nothing schedules it. Running pods are not affected.
Find it: `kubectl -n kube-system get pods` (kube-scheduler not Ready), `kubectl -n kube-system logs
kube-scheduler-<node>`, or on the node `crictl ps -a` and `crictl logs`. Repair: the original manifest, byte for
byte (kept in the fault record), moved back into place; the kubelet starts the scheduler again.
"""

from __future__ import annotations

import hashlib
import subprocess
import time

from labsupport.errors import WaitTimeout
from labsupport.facts import is_ready
from labsupport.faults import record
from labsupport.faults.base import RECREATE_HINT, Fault, FaultError, Repair, Target, timed
from labsupport.kube import list_items, resource_for
from labsupport.watching import Follow

MANIFEST = "/etc/kubernetes/manifests/kube-scheduler.yaml"
STAGING = "/etc/kubernetes/kube-scheduler.yaml.kindlab"  # outside manifests/: the kubelet must not run it
GOOD, BAD = "--kubeconfig=/etc/kubernetes/scheduler.conf", "--kubeconfig=/etc/kubernetes/scheduler.config"
REPAIR_TIMEOUT = 60


def read_manifest(node: str) -> bytes:
    done = subprocess.run(["docker", "exec", node, "cat", MANIFEST], capture_output=True, timeout=30)
    if done.returncode != 0:
        raise FaultError(f"Cannot read {MANIFEST} on {node}: {done.stderr.decode(errors='replace')[:300]}",
                         hint=f"Is {node} the control-plane node, and running (`docker ps`)?")
    return done.stdout


def write_manifest(node: str, content: bytes) -> None:
    """Write beside the folder, then move into it: the kubelet never sees half a file."""
    script = f"cat > {STAGING} && chmod 600 {STAGING} && mv {STAGING} {MANIFEST}"
    done = subprocess.run(["docker", "exec", "-i", node, "sh", "-c", script], input=content,
                          capture_output=True, timeout=30)
    if done.returncode != 0:
        raise FaultError(f"Cannot write {MANIFEST} on {node}: {done.stderr.decode(errors='replace')[:300]}",
                         hint=RECREATE_HINT)


def scheduler_pods(target: Target) -> list[dict]:
    items, _ = list_items(target.clients, resource_for(target.clients, "Pod"), namespace="kube-system",
                          label_selector="component=kube-scheduler")
    return items


def _healthy(pods: dict) -> bool:
    return bool(pods) and all(is_ready(p) for p in pods.values())


class SchedulerManifest(Fault):
    def __init__(self) -> None:
        super().__init__("scheduler-manifest", "a typo in kube-scheduler's static-pod manifest: new pods stay "
                         "Pending", __doc__)

    def inject(self, target: Target) -> dict:
        node = target.control_plane
        rec = record.load(target.clients, self.name)
        if rec is not None:
            return rec  # already injected: the record holds the manifest from before the first inject
        original = read_manifest(node)
        if GOOD.encode() not in original:
            raise FaultError(f"{MANIFEST} on {node} has no {GOOD}: it is not the manifest kubeadm wrote.",
                             hint="Repair it first (`python -m labsupport doctor`). " + RECREATE_HINT)
        rec = record.save(target.clients, self.name, {"node": node, "path": MANIFEST,
                                                      "sha256": hashlib.sha256(original).hexdigest()},
                          {"manifest": original})
        write_manifest(node, original.replace(GOOD.encode(), BAD.encode()))
        return rec

    def check(self, target: Target):
        pods = scheduler_pods(target)
        if not pods:
            return self.status(True, "no kube-scheduler pod in kube-system: the kubelet runs no scheduler")
        states = [f"{p['metadata']['name']} {'Ready' if is_ready(p) else 'not Ready'}" for p in pods]
        text = read_manifest(target.control_plane)
        typo = BAD.encode() in text
        return self.status(typo or not all(map(is_ready, pods)),
                           "; ".join(states) + ("; the manifest has the typo " + BAD if typo else ""))

    def detect(self, target: Target, *, timeout: float = 60):
        # The kubelet swaps the pod within seconds; the new one is never Ready.
        follow = Follow(target.clients, "Pod", "kube-system", selector="component=kube-scheduler")
        follow.run(timeout, until=lambda pods: not _healthy(pods))
        return self.check(target)

    def repair(self, target: Target) -> Repair:
        start = time.monotonic()
        rec = record.load(target.clients, self.name)
        actions = []
        if rec is not None:
            node, original = rec["node"], rec["manifest"]
            if read_manifest(node) != original:
                write_manifest(node, original)
                actions.append(f"restored {MANIFEST} on {node} ({len(original)} bytes, sha256 {rec['sha256'][:12]})")
            follow = Follow(target.clients, "Pod", "kube-system", selector="component=kube-scheduler")
            if not follow.run(REPAIR_TIMEOUT, until=_healthy):
                raise WaitTimeout(f"kube-scheduler is not Ready {REPAIR_TIMEOUT} s after its manifest was restored: "
                                  f"{self.check(target).evidence}",
                                  hint=f"`docker exec {node} crictl ps -a --name kube-scheduler` and its logs. "
                                       + RECREATE_HINT)
            if read_manifest(node) != original:
                raise FaultError(f"{MANIFEST} on {node} changed again during the repair.", hint=RECREATE_HINT)
            record.delete(target.clients, self.name)
            actions.append("deleted the fault record")
        elif self.check(target).present:
            raise FaultError("kube-scheduler is broken but there is no fault record to restore it from.",
                             hint=f"Compare {MANIFEST} on {target.control_plane} with `kubeadm init phase "
                                  "control-plane scheduler --dry-run` output. " + RECREATE_HINT)
        return timed(self.name, start, actions, self.check(target))
