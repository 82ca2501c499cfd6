"""The objects a diagram draws, as small frozen dataclasses: only what a diagram shows of each API object.

`parse.py` builds them from API objects; `model.Snapshot` holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

CONTROL_PLANE_COMPONENTS = ("kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager")


@dataclass(frozen=True)
class Ref:
    """The controller named in an object's ownerReferences."""

    kind: str
    name: str
    uid: str = ""


@dataclass(frozen=True)
class Node:
    name: str
    roles: tuple[str, ...] = ()
    ready: bool = False
    kubelet_version: str = ""
    runtime: str = ""
    internal_ip: str = ""
    pod_cidr: str = ""
    unschedulable: bool = False
    taints: tuple[str, ...] = ()
    control_plane: bool = False  # facts.is_control_plane


@dataclass(frozen=True)
class Volume:
    """One entry of a pod's spec.volumes: `kind` is the volume type (emptyDir, configMap, ...)."""

    name: str
    kind: str
    source: str = ""


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    uid: str = ""
    node: str = ""
    phase: str = "Unknown"
    status: str = "Unknown"  # kubectl's STATUS column: Running, Pending, CrashLoopBackOff, Completed ...
    ready: bool = False
    ready_count: int = 0
    container_count: int = 0
    restarts: int = 0
    ip: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    images: tuple[str, ...] = ()
    owner: Ref | None = None
    volumes: tuple[Volume, ...] = ()
    created: str = ""

    @property
    def component(self) -> str | None:
        """The control plane component this static pod runs (kube-apiserver, etcd ...), else None."""
        if self.namespace == "kube-system" and self.labels.get("tier") == "control-plane":
            return self.labels.get("component")
        return None

    @property
    def health(self) -> str:
        return health(self.status, self.ready)

    @property
    def claims(self) -> tuple[str, ...]:
        return tuple(v.source for v in self.volumes if v.kind == "persistentVolumeClaim")


@dataclass(frozen=True)
class Workload:
    """A Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob."""

    kind: str
    name: str
    namespace: str
    uid: str = ""
    owner: Ref | None = None
    desired: int | None = None
    ready: int | None = None
    revision: str = ""
    images: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    selector: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""  # kind-specific one-liner: "2/3 succeeded", "schedule */5 * * * *"
    created: str = ""


@dataclass(frozen=True)
class ServicePort:
    port: int
    target_port: str = ""
    protocol: str = "TCP"
    name: str = ""
    node_port: int | None = None

    def __str__(self) -> str:
        text = f"{self.port}"
        if self.target_port and self.target_port != str(self.port):
            text += f"→{self.target_port}"
        if self.node_port:
            text += f" (node {self.node_port})"
        return f"{text}/{self.protocol}"


@dataclass(frozen=True)
class Service:
    name: str
    namespace: str
    type: str = "ClusterIP"
    cluster_ip: str = ""
    ports: tuple[ServicePort, ...] = ()
    selector: Mapping[str, str] = field(default_factory=dict)
    external_name: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def headless(self) -> bool:
        return self.cluster_ip == "None"


@dataclass(frozen=True)
class Endpoint:
    addresses: tuple[str, ...]
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    node: str = ""
    pod: str = ""  # targetRef name when the target is a Pod


@dataclass(frozen=True)
class EndpointPort:
    port: int | None
    protocol: str = "TCP"
    name: str = ""

    def __str__(self) -> str:
        return f"{self.port if self.port is not None else '*'}/{self.protocol}"


@dataclass(frozen=True)
class EndpointSlice:
    name: str
    namespace: str
    service: str = ""
    address_type: str = "IPv4"
    ports: tuple[EndpointPort, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()


@dataclass(frozen=True)
class IngressPath:
    host: str
    path: str
    service: str
    port: str = ""


@dataclass(frozen=True)
class Ingress:
    name: str
    namespace: str
    class_name: str = ""
    paths: tuple[IngressPath, ...] = ()
    addresses: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    """A PersistentVolumeClaim."""

    name: str
    namespace: str
    phase: str = "Pending"
    volume: str = ""
    storage_class: str = ""
    request: str = ""
    capacity: str = ""
    access_modes: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PersistentVolume:
    name: str
    phase: str = "Available"
    capacity: str = ""
    storage_class: str = ""
    claim: tuple[str, str] | None = None  # (namespace, name)
    reclaim_policy: str = ""
    source: str = ""  # "hostPath /var/local-path-provisioner/..."
    node: str = ""  # from nodeAffinity, for node-local volumes
    access_modes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StorageClass:
    name: str
    provisioner: str = ""
    binding_mode: str = "Immediate"
    reclaim_policy: str = "Delete"
    default: bool = False


def health(status: str, ready: bool) -> str:
    """One of ok, progress, bad, done: the colour a pod gets."""
    if status in ("Completed", "Succeeded"):
        return "done"
    if status == "Running":
        return "ok" if ready else "progress"
    if status in ("Pending", "ContainerCreating", "PodInitializing", "Terminating") or status.startswith("Init:"):
        return "bad" if status.startswith("Init:") and not status[5:6].isdigit() else "progress"
    return "bad"
