"""Fault `node-container-stopped`: a worker's node container is stopped (`docker stop`), like a machine that
lost power.

Everything on it stops at once: kubelet, containerd, the pods. The control plane sees what it saw for a stopped
kubelet (Ready=Unknown, the unreachable taints, eviction after 300 s, workloads recreated elsewhere), but here the
pods are really gone and the node answers nothing (`docker exec` fails). Repair: `docker start`; kind's node
entrypoint boots systemd again, the kubelet re-registers and the node is Ready again (the container keeps its
address on kind's network when no other container took it meanwhile).
"""

from __future__ import annotations

import subprocess
import time

from labsupport.faults import nodestate, record
from labsupport.faults.base import RECREATE_HINT, Fault, FaultError, Repair, Target, timed

REPAIR_TIMEOUT = 60


def docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FaultError(f"`docker {' '.join(args)}` failed: {exc}",
                         hint="The Docker engine must be running: `docker info`.") from exc


def running(node: str) -> bool | None:
    """Whether node container ``node`` runs (None: there is no such container)."""
    out = docker("inspect", "-f", "{{.State.Running}}", node)
    return None if out.returncode != 0 else out.stdout.strip() == "true"


def _address(target: Target, node: str) -> str:
    obj = nodestate.get(target.clients, node) or {}
    return next((a["address"] for a in (obj.get("status") or {}).get("addresses") or []
                 if a.get("type") == "InternalIP"), "")


class NodeContainerStopped(Fault):
    def __init__(self, node: str | None = None) -> None:
        super().__init__("node-container-stopped", "a worker's node container is stopped: the node disappears",
                         __doc__, {"node": node})

    def _node(self, target: Target) -> str:
        rec = record.load(target.clients, self.name)
        return (rec or {}).get("node") or self.options.get("node") or target.worker2

    def inject(self, target: Target) -> dict:
        node = self._node(target)
        if running(node) is None or nodestate.get(target.clients, node) is None:
            raise FaultError(f"No node container {node} in cluster {target.cluster}.",
                             hint="Name a worker with --node (`kubectl get nodes`).")
        if node == target.control_plane:
            raise FaultError("Stopping the control-plane node would take the API server with it.",
                             hint="Name a worker with --node.")
        rec = record.save(target.clients, self.name, {"node": node, "address": _address(target, node)})
        out = docker("stop", "-t", "5", node)
        if out.returncode != 0:
            raise FaultError(f"`docker stop {node}` failed: {out.stderr.strip()[:300]}", hint="Check `docker ps`.")
        return rec

    def check(self, target: Target):
        node = self._node(target)
        obj = nodestate.get(target.clients, node)
        state = {True: "running", False: "stopped", None: "absent"}[running(node)]
        return self.status(nodestate.is_lost(obj), f"node {node} (container {state}): {nodestate.describe(obj)}")

    def detect(self, target: Target, *, timeout: float = 120):
        nodestate.wait(target.clients, self._node(target), nodestate.is_lost, timeout=timeout)
        return self.check(target)

    def repair(self, target: Target) -> Repair:
        start = time.monotonic()
        rec = record.load(target.clients, self.name)
        node = self._node(target)
        actions = []
        state = running(node)
        if state is None:
            raise FaultError(f"Node container {node} no longer exists: it cannot be started again.",
                             hint=RECREATE_HINT)
        if not state:
            out = docker("start", node)
            if out.returncode != 0:
                raise FaultError(f"`docker start {node}` failed: {out.stderr.strip()[:300]}", hint=RECREATE_HINT)
            actions.append(f"started node container {node}")
        if rec is not None or actions:
            nodestate.wait(target.clients, node, nodestate.is_back, timeout=REPAIR_TIMEOUT)
        if rec is not None:
            now = _address(target, node)
            if rec.get("address") and now != rec["address"]:
                # kind nodes survive a restart only when they keep their address (kubeadm wrote it into configs).
                actions.append(f"NOTE: {node}'s address changed from {rec['address']} to {now}; if pods on it "
                               f"misbehave, {RECREATE_HINT}")
            record.delete(target.clients, self.name)
            actions.append("deleted the fault record")
        return timed(self.name, start, actions, self.check(target))
