"""Break-and-fix scenarios beyond one namespace: each fault is injected, detected from the cluster, and repaired.

    t = faults.target(cluster="kindlab")
    fault = faults.get("coredns-scaled-to-zero")
    fault.inject(t); fault.check(t).present   # True: names stop resolving
    fault.repair(t)                           # back as it was; the record is gone

Every fault records what it changed in ConfigMap kube-system/kindlab-fault-<name> (labsupport.faults.record)
before changing it, so repair is exact, safe to run twice, and `doctor` finds faults left in place.
Command line: ``python -m labsupport fault list|inject NAME|check NAME|repair NAME``.
"""

from __future__ import annotations

from labsupport.config import DEFAULT_CLUSTER, context_name
from labsupport.faults import record
from labsupport.faults.base import Fault, FaultError, FaultStatus, Repair, Target
from labsupport.faults.container import NodeContainerStopped
from labsupport.faults.coredns_corefile import CorednsCorefile
from labsupport.faults.coredns_scaled import CorednsScaledToZero
from labsupport.faults.kubeconfig import KubeconfigForeignCert
from labsupport.faults.kubelet import KubeletStopped
from labsupport.faults.scheduler import SchedulerManifest
from labsupport.kube import connect

# name -> factory taking the fault's options (node=, path=); the order is the order of `fault list`.
FAULTS = {
    "kubelet-stopped": lambda node=None, **_: KubeletStopped(node),
    "scheduler-manifest": lambda **_: SchedulerManifest(),
    "coredns-scaled-to-zero": lambda **_: CorednsScaledToZero(),
    "coredns-corefile": lambda **_: CorednsCorefile(),
    "node-container-stopped": lambda node=None, **_: NodeContainerStopped(node),
    "kubeconfig-foreign-cert": lambda path=None, **_: KubeconfigForeignCert(path),
}


def get(name: str, **options) -> Fault:
    """The fault called ``name``; options: ``node=`` (node faults), ``path=`` (the kubeconfig fault)."""
    if name not in FAULTS:
        raise FaultError(f"No fault named {name!r}.", hint=f"Known faults: {', '.join(FAULTS)}.")
    return FAULTS[name](**options)


def every() -> list[Fault]:
    return [factory() for factory in FAULTS.values()]


def target(*, cluster: str = DEFAULT_CLUSTER, kubeconfig: str | None = None, context: str | None = None) -> Target:
    """Admin access to cluster ``cluster`` (its kind name names the node containers)."""
    clients = connect(kubeconfig=kubeconfig, context=context or context_name(cluster))
    return Target(clients, cluster, kubeconfig)


__all__ = ["FAULTS", "Fault", "FaultError", "FaultStatus", "Repair", "Target", "every", "get", "record", "target"]
