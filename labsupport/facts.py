"""Kubernetes facts, each coded once, read from plain dicts in the API's JSON shape (what ``find.get`` returns).

Checks, waits, diagrams, widgets and the cluster status all ask these questions the same way:

    >>> pod = {"metadata": {"labels": {"app": "web"}}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    >>> is_ready(pod), selects({"app": "web"}, labels_of(pod))
    (True, True)
"""

from __future__ import annotations

from typing import Mapping

# kubeadm puts this label on control-plane nodes, and a taint of the same key (effect NoSchedule).
CONTROL_PLANE_ROLE = "node-role.kubernetes.io/control-plane"


def labels_of(obj: Mapping) -> dict:
    return (obj.get("metadata") or {}).get("labels") or {}


def annotations_of(obj: Mapping) -> dict:
    return (obj.get("metadata") or {}).get("annotations") or {}


def conditions(obj: Mapping) -> dict[str, dict]:
    """status.conditions by type: ``conditions(job)["Complete"]["status"]``."""
    return {c.get("type"): c for c in (obj.get("status") or {}).get("conditions") or []}


def condition_true(obj: Mapping, kind: str) -> bool:
    """Whether status condition ``kind`` ("Ready", "Available", "Complete", ...) has status "True"."""
    return (conditions(obj).get(kind) or {}).get("status") == "True"


def is_ready(obj: Mapping) -> bool:
    """A pod or node whose Ready condition is "True" (what kubectl's READY / STATUS columns show)."""
    return condition_true(obj, "Ready")


def is_terminating(obj: Mapping) -> bool:
    """Deletion has begun (metadata.deletionTimestamp is set): the object is on its way out."""
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def is_control_plane(node: Mapping) -> bool:
    return CONTROL_PLANE_ROLE in labels_of(node)


def container_status(pod: Mapping, name: str | None = None) -> dict:
    """The status of container ``name`` (the first one when None), or {} before the kubelet reports it."""
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if name is None or cs.get("name") == name:
            return cs
    return {}


def selects(selector: Mapping | None, labels: Mapping) -> bool:
    """Equality selector semantics (Service.spec.selector, matchLabels): an empty selector selects nothing."""
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def selector_text(selector: Mapping) -> str:
    """``{"app": "web", "tier": "db"}`` -> ``"app=web,tier=db"`` (what ``kubectl -l`` takes)."""
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "(none)"
