"""What the cluster said about lab 08's faults: the Warning events it recorded, and the pods of each tier.

A diagnosis the learner records (an event reason such as ``ProvisioningFailed``, a waiting reason such as
``ErrImagePull``) is right only if the cluster itself reported it about the object at fault: the checks compare
it with these events, never with a string of their own. Events outlive the pods they are about (an hour, the API
server's --event-ttl), so a diagnosis stays verifiable after the fault is repaired and the pods replaced.

    >>> terms([{"reason": "Failed", "message": "Error: ErrImagePull"}])
    {'ErrImagePull', 'Failed'}
"""

from __future__ import annotations

import re

from kubernetes.client.exceptions import ApiException

from labsupport import find
from labsupport.facts import is_terminating
from labsupport.kube import list_items, resource_for

# Reasons that say only that something failed, not what: a diagnosis names the failure itself.
GENERIC = frozenset({"Failed", "BackOff", "FailedMount", "FailedCreate"})
_ERROR = re.compile(r"\bError: ([A-Z][A-Za-z]+)")


def warnings(ctx) -> list[dict]:
    """Every Warning event in the lab namespace (one list call), oldest first."""
    items, _ = list_items(ctx.clients, resource_for(ctx.clients, "Event"), namespace=ctx.namespace,
                          field_selector="type=Warning")
    return sorted(items, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "")


def about(events: list[dict], kind: str, *, name: str | None = None, prefix: str | None = None,
          words: tuple[str, ...] = ()) -> list[dict]:
    """The events about ``kind`` objects named ``name`` (or starting with ``prefix``) whose message mentions one of
    ``words`` (any message when none is given; case-insensitive)."""
    out = []
    for event in events:
        involved = event.get("involvedObject") or {}
        target = involved.get("name") or ""
        if involved.get("kind") != kind or (name and target != name) or (prefix and not target.startswith(prefix)):
            continue
        message = (event.get("message") or "").lower()
        if not words or any(w in message for w in words):
            out.append(event)
    return out


def terms(events: list[dict]) -> set[str]:
    """The reasons of ``events`` and the reasons their messages give after "Error: " (the kubelet's way of
    naming a container's waiting reason: reason Failed, message "Error: ErrImagePull")."""
    found = set()
    for event in events:
        if event.get("reason"):
            found.add(event["reason"])
        found.update(_ERROR.findall(event.get("message") or ""))
    return found


def waiting_reasons(pods: list[dict]) -> set[str]:
    """The waiting reasons of the pods' containers now (ErrImagePull, ImagePullBackOff, CrashLoopBackOff...)."""
    return {((cs.get("state") or {}).get("waiting") or {}).get("reason")
            for p in pods for cs in (p.get("status") or {}).get("containerStatuses") or []} - {None}


def deployment_pods(ctx, name: str) -> list[dict]:
    """The live pods of Deployment ``name``: those its own selector matches (whatever the Services select)."""
    deployment = find.get(ctx.clients, "Deployment", name, ctx.namespace)
    labels = (((deployment or {}).get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    if not labels:
        return []
    selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return [p for p in find.pods(ctx.clients, ctx.namespace, selector) if not is_terminating(p)]


def pods_selected(ctx, selector: str) -> set[str] | str:
    """Names of the live pods the API server selects with label selector ``selector``, or why it refused it."""
    try:
        pods = find.pods(ctx.clients, ctx.namespace, selector)
    except ApiException as exc:
        return f"the API server refused it as a label selector ({exc.status} {exc.reason})"
    return {p["metadata"]["name"] for p in pods if not is_terminating(p)}


def short(text: str | None, cap: int = 60) -> str:
    """Text from the cluster or a submission, quoted and capped for a message."""
    text = "<unset>" if text is None else text
    return repr(text if len(text) <= cap else text[:cap] + "…")
