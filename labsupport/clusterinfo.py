"""What a lab cluster runs, written at create time for labs to read: ConfigMap kube-public/kindlab-cluster-info.

Keys: ``cni`` (flannel | kindnet | unknown: read from the DaemonSets the cluster runs), ``policy`` (the
NetworkPolicy engine: none, kindnet, or what an add-on declares in its ``info``), ``image`` (offline: built here
by clusters/build | published: kind's kindest/node), ``node-image`` and ``addons`` (comma-separated, in order),
and whatever else add-ons declare in their ``info`` (``ingress``, ``gateway``, ``loadbalancer``, ``metrics``), kept
in ``extra``.
kube-public is readable by every authenticated user, so any lab or learner can read it.

>>> read(clients).cni        # doctest: +SKIP
'flannel'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubernetes.client.exceptions import ApiException

from labsupport.kube import Clients
from labsupport.manifests import apply

NAMESPACE, NAME = "kube-public", "kindlab-cluster-info"
OFFLINE_PREFIX = "kindlab.local/"
# Which DaemonSet betrays which CNI, and the NetworkPolicy engine that CNI brings by itself.
CNI_DAEMONSETS = {"flannel": ("kube-flannel", "kube-flannel-ds"), "kindnet": ("kube-system", "kindnet")}
CNI_POLICY = {"flannel": "none", "kindnet": "kindnet", "unknown": "none"}
_KEYS = {"cni", "policy", "image", "node-image", "addons"}


@dataclass(frozen=True)
class ClusterInfo:
    cni: str
    policy: str
    image: str
    node_image: str = ""
    addons: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)  # add-ons' other info: ingress, loadbalancer, ...

    def to_data(self) -> dict[str, str]:
        return {**self.extra, "cni": self.cni, "policy": self.policy, "image": self.image,
                "node-image": self.node_image, "addons": ",".join(self.addons)}

    @classmethod
    def from_data(cls, data: dict[str, str]) -> "ClusterInfo":
        extra = {k: v for k, v in data.items() if k not in _KEYS}
        return cls(data.get("cni", "unknown"), data.get("policy", "none"), data.get("image", "unknown"),
                   data.get("node-image", ""), tuple(a for a in data.get("addons", "").split(",") if a), extra)


def detect_cni(clients: Clients) -> str:
    for cni, (namespace, daemonset) in CNI_DAEMONSETS.items():
        try:
            clients.apps.read_namespaced_daemon_set(daemonset, namespace)
            return cni
        except ApiException as exc:
            if exc.status != 404:
                raise
    return "unknown"


def describe(clients: Clients, node_image: str, addon_info: list[tuple[str, dict[str, str]]]) -> ClusterInfo:
    """The cluster's info: CNI detected, image kind from its name, add-ons' own ``info`` applied in order."""
    cni = detect_cni(clients)
    data = {"cni": cni, "policy": CNI_POLICY[cni],
            "image": "offline" if node_image.startswith(OFFLINE_PREFIX) else "published",
            "node-image": node_image, "addons": ",".join(name for name, _ in addon_info)}
    for _, info in addon_info:
        data.update(info)
    return ClusterInfo.from_data(data)


def write(clients: Clients, info: ClusterInfo) -> None:
    apply(clients, {"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": NAME, "namespace": NAMESPACE,
                                 "labels": {"app.kubernetes.io/managed-by": "labsupport"}},
                    "data": info.to_data()})


def read(clients: Clients) -> ClusterInfo | None:
    """The cluster's info, or None for a cluster made before labsupport wrote it."""
    try:
        cm = clients.core.read_namespaced_config_map(NAME, NAMESPACE)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise
    return ClusterInfo.from_data(cm.data or {})
