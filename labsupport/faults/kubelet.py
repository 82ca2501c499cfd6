"""Fault `kubelet-stopped`: the kubelet on a worker is stopped (`systemctl stop kubelet` inside the node).

The node container keeps running, and so do its containers (containerd does not need the kubelet), but nobody
reports the node's status any more: after the grace period the node is Ready=Unknown and tainted
node.kubernetes.io/unreachable (NoSchedule, NoExecute); its pods are evicted 300 s later (their default
toleration) and recreated elsewhere by their controllers. Repair: `systemctl start kubelet`.
"""

from __future__ import annotations

import time

from labsupport.faults import nodestate, record
from labsupport.faults.base import RECREATE_HINT, Fault, FaultError, Repair, Target, timed
from labsupport.podexec import run_in_node

REPAIR_TIMEOUT = 60


def systemctl(node: str, verb: str) -> str:
    done = run_in_node(node, ["systemctl", verb, "kubelet"], timeout=30)
    if verb == "is-active":
        return done.stdout.strip() or "unknown"
    if not done.ok:
        raise FaultError(f"`systemctl {verb} kubelet` failed in node {node}: {done.stderr.strip()[:300]}",
                         hint=f"Look at `docker exec {node} journalctl -u kubelet -n 50`. {RECREATE_HINT}")
    return verb


class KubeletStopped(Fault):
    def __init__(self, node: str | None = None) -> None:
        super().__init__("kubelet-stopped", "the kubelet on a worker is stopped: the node goes NotReady",
                         __doc__, {"node": node})

    def _node(self, target: Target) -> str:
        rec = record.load(target.clients, self.name)
        return (rec or {}).get("node") or self.options.get("node") or target.worker

    def inject(self, target: Target) -> dict:
        node = self._node(target)
        if nodestate.get(target.clients, node) is None:
            raise FaultError(f"No node {node} in cluster {target.cluster}.", hint="Name a worker with --node.")
        rec = record.save(target.clients, self.name, {"node": node, "kubelet-was": systemctl(node, "is-active")})
        systemctl(node, "stop")
        return rec

    def check(self, target: Target):
        node = self._node(target)
        obj = nodestate.get(target.clients, node)
        return self.status(nodestate.is_lost(obj), f"node {node}: {nodestate.describe(obj)}")

    def detect(self, target: Target, *, timeout: float = 120):
        node = self._node(target)
        nodestate.wait(target.clients, node, nodestate.is_lost, timeout=timeout)
        return self.check(target)

    def repair(self, target: Target) -> Repair:
        start = time.monotonic()
        rec = record.load(target.clients, self.name)
        node = self._node(target)
        actions = []
        if systemctl(node, "is-active") != "active":
            systemctl(node, "start")
            actions.append(f"started the kubelet on {node}")
        if rec is not None or actions:
            nodestate.wait(target.clients, node, nodestate.is_back, timeout=REPAIR_TIMEOUT)
        if rec is not None:
            record.delete(target.clients, self.name)
            actions.append("deleted the fault record")
        return timed(self.name, start, actions, self.check(target))
