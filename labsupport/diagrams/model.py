"""A snapshot of the cluster as plain dataclasses: what the diagrams draw.

`parse.py` turns API objects (dicts or client models) into the dataclasses of `objects.py`, keeping only what a
diagram shows. Rendering never talks to the cluster: it is a pure function of a `Snapshot`, so it can be tested
on snapshots built from real API objects.

    >>> snap = Snapshot.from_objects([{"kind": "Pod", "metadata": {"name": "web", "namespace": "demo"},
    ...                                "status": {"phase": "Running"}}])
    >>> snap.pods[0].status
    'Running'
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Iterable

from .objects import (CONTROL_PLANE_COMPONENTS, Claim, Endpoint, EndpointPort, EndpointSlice, Ingress,  # noqa: F401
                      IngressPath, Node, PersistentVolume, Pod, Ref, Service, ServicePort, StorageClass, Volume,
                      Workload, health)
from .parse import BUCKETS, PARSERS, as_dict, model_kind


@dataclass(frozen=True)
class Snapshot:
    """What the cluster looked like at `taken_at`; `namespace` None means every namespace was read."""

    namespace: str | None = None
    taken_at: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc))
    nodes: tuple[Node, ...] = ()
    pods: tuple[Pod, ...] = ()
    workloads: tuple[Workload, ...] = ()
    services: tuple[Service, ...] = ()
    endpoint_slices: tuple[EndpointSlice, ...] = ()
    ingresses: tuple[Ingress, ...] = ()
    claims: tuple[Claim, ...] = ()
    volumes: tuple[PersistentVolume, ...] = ()
    storage_classes: tuple[StorageClass, ...] = ()

    @classmethod
    def from_objects(cls, objects: Iterable[Any], *, namespace: str | None = None, **kw: Any) -> "Snapshot":
        """Build a snapshot from API objects of any supported kind (dicts with `kind`, or client models)."""
        buckets: dict[str, list] = {name: [] for name in BUCKETS.values()}
        for obj in objects:
            data = as_dict(obj)
            kind = data.get("kind") or model_kind(obj)
            if kind not in PARSERS:
                raise ValueError(f"no diagram support for kind {kind!r}; supported: {sorted(PARSERS)}")
            buckets[BUCKETS[kind]].append(PARSERS[kind](data))
        return cls(namespace=namespace, **{k: tuple(v) for k, v in buckets.items()}, **kw)

    def in_namespace(self, items: Iterable[Any], namespace: str | None = None) -> list:
        ns = namespace if namespace is not None else self.namespace
        return [i for i in items if ns is None or getattr(i, "namespace", ns) == ns]
