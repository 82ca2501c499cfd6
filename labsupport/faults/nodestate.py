"""What the cluster says about a node that stopped reporting: its Ready condition and the taints that follow.

When a node's kubelet stops posting status, the node lifecycle controller (in kube-controller-manager) waits
``--node-monitor-grace-period`` (50 s in Kubernetes 1.34), sets the node's Ready condition to Unknown and adds
the taints ``node.kubernetes.io/unreachable`` with effects NoSchedule and NoExecute (``not-ready`` when the
kubelet reports Ready=False instead). The DefaultTolerationSeconds admission plugin gives every pod a toleration
of those NoExecute taints for 300 s, so the pods are evicted 300 s after the taint appears, and their
controllers (Deployment, StatefulSet, ...) recreate them on other nodes; DaemonSet pods tolerate the taints
forever and stay.
"""

from __future__ import annotations

from labsupport import find
from labsupport.facts import conditions
from labsupport.kube import Clients
from labsupport.waits import wait_for

NODE_TAINTS = ("node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready")


def lost_taints(node: dict | None) -> list[str]:
    """The unreachable/not-ready taints on ``node``, as ``key:effect``."""
    taints = ((node or {}).get("spec") or {}).get("taints") or []
    return sorted(f"{t['key']}:{t['effect']}" for t in taints if t.get("key") in NODE_TAINTS)


def ready_status(node: dict | None) -> str:
    """"True", "False", "Unknown", or "absent"."""
    if node is None:
        return "absent"
    return (conditions(node).get("Ready") or {}).get("status", "Unknown")


def describe(node: dict | None) -> str:
    if node is None:
        return "the node is not registered"
    ready = conditions(node).get("Ready") or {}
    taints = lost_taints(node)
    return (f"Ready={ready.get('status', '?')} ({ready.get('reason', 'no reason')}: "
            f"{(ready.get('message') or '')[:120]}); taints: {', '.join(taints) or 'none of unreachable/not-ready'}")


def is_lost(node: dict | None) -> bool:
    """The control plane has noticed: Ready is not True AND the NoExecute taint that drives eviction is there."""
    return ready_status(node) != "True" and any(t.endswith(":NoExecute") for t in lost_taints(node))


def is_back(node: dict | None) -> bool:
    return ready_status(node) == "True" and not lost_taints(node)


def get(clients: Clients, name: str) -> dict | None:
    return find.get(clients, "Node", name)


def wait(clients: Clients, name: str, condition, *, timeout: float) -> dict:
    """Watch node ``name`` until ``condition`` (is_lost / is_back); WaitTimeout with its status otherwise."""
    return wait_for(clients, "Node", name, condition=condition, timeout=timeout)


__all__ = ["NODE_TAINTS", "describe", "get", "is_back", "is_lost", "lost_taints", "ready_status", "wait"]
