"""Wait for conditions by WATCH with an overall deadline; on timeout, say what the object is doing and why.

Every wait first LISTs (so a condition that already holds returns at once), then watches from that list's
resourceVersion, so no change between the two is missed (``watching.Follow``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from kubernetes.client.exceptions import ApiException

from labsupport import find
from labsupport.errors import WaitTimeout
from labsupport.facts import condition_true, is_ready, is_terminating
from labsupport.kube import Clients, canonical_kind, resource_for
from labsupport.watching import Follow

Condition = Callable[[dict], bool] | str
EVENT_LIMIT = 5


def condition_met(obj: dict | None, condition: Condition) -> bool:
    """Whether ``obj`` (None when absent) satisfies ``condition``.

    Strings: "deleted"; "Bound" (status.phase); otherwise a status condition of that type with status "True"
    ("Ready", "Available", "Complete", ...) or, failing that, a status.phase of that name ("Running").
    """
    if condition == "deleted":
        return obj is None
    if obj is None:
        return False
    if callable(condition):
        return bool(condition(obj))
    if condition_true(obj, condition):
        return True
    return (obj.get("status") or {}).get("phase") == condition


def rolled_out(deployment: dict) -> bool:
    """Like `kubectl rollout status`: the newest spec is observed and all replicas are updated and available."""
    meta, spec, status = deployment.get("metadata") or {}, deployment.get("spec") or {}, deployment.get("status") or {}
    want = spec.get("replicas", 1)
    return (status.get("observedGeneration", 0) >= meta.get("generation", 0)
            and status.get("updatedReplicas", 0) == want
            and status.get("replicas", 0) == want
            and status.get("availableReplicas", 0) == want)


def describe_status(obj: dict | None) -> str:
    """One line on what an object is doing: phase, replica counts, conditions, waiting containers."""
    if obj is None:
        return "it does not exist"
    status = obj.get("status") or {}
    parts = []
    if status.get("phase"):
        parts.append(f"phase {status['phase']}")
    counts = [f"{key} {status[key]}" for key in ("replicas", "updatedReplicas", "readyReplicas",
                                                   "availableReplicas", "succeeded", "failed", "active")
              if key in status]
    if counts:
        parts.append(", ".join(counts))
    for cond in status.get("conditions") or []:
        text = f"{cond.get('type')}={cond.get('status')}"
        detail = ": ".join(x for x in (cond.get("reason"), cond.get("message")) if x)
        parts.append(f"{text} ({detail})" if detail and cond.get("status") != "True" else text)
    for cs in status.get("containerStatuses") or []:
        for state, info in (cs.get("state") or {}).items():
            if state != "running" and info:
                why = ": ".join(x for x in (info.get("reason"), info.get("message")) if x)
                parts.append(f"container {cs.get('name')} {state}" + (f" ({why})" if why else ""))
        if cs.get("restartCount"):
            parts.append(f"container {cs.get('name')} restarted {cs['restartCount']}x")
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        parts.append("being deleted, finalizers " + str(obj["metadata"].get("finalizers") or []))
    return "; ".join(parts) or "no status reported yet"


def _event_time(event: dict) -> datetime:
    meta = event.get("metadata") or {}
    for stamp in (event.get("lastTimestamp"), event.get("eventTime"), meta.get("creationTimestamp")):
        if stamp:
            return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return datetime.min.replace(tzinfo=timezone.utc)


def recent_events(clients: Clients, namespace: str | None, kind: str, name: str, limit: int = EVENT_LIMIT) -> list[str]:
    """The ``limit`` most recent events about one object, oldest first: "Warning FailedScheduling: ... (x3)"."""
    _, kind = canonical_kind(kind)
    try:
        items = find.events_about(clients, namespace, kind, name)
    except ApiException as exc:  # events are a diagnostic: never let them hide the real error
        return [f"(events unavailable: {exc.status} {exc.reason})"]
    items = sorted(items, key=_event_time)[-limit:]
    return [f"{e.get('type')} {e.get('reason')}: {(e.get('message') or '').strip()}"
            + (f" (x{e['count']})" if (e.get("count") or 0) > 1 else "") for e in items]


def wait_for(clients: Clients, kind: str, name: str, *, namespace: str | None = None, condition: Condition,
             timeout: float = 120, api_version: str | None = None) -> dict | None:
    """Wait until object ``kind``/``name`` meets ``condition``; return it (None for "deleted").

    >>> wait_for(clients, "Pod", "web", namespace="lab-02", condition="Ready", timeout=60)  # doctest: +SKIP
    """
    resource = resource_for(clients, kind, api_version)
    if resource.namespaced and not namespace:
        raise ValueError(f"{resource.kind} is namespaced: pass namespace=")
    follow = Follow(clients, resource.kind, namespace, name=name, resource=resource)
    if not follow.run(timeout, until=lambda objs: condition_met(objs.get(name), condition)):
        obj = follow.objects.get(name)
        label = condition if isinstance(condition, str) else getattr(condition, "__name__", "<lambda>")
        what = "to meet its condition" if label == "<lambda>" else "to be " + label.replace("_", " ")
        where = f"{namespace}/{name}" if resource.namespaced else name
        raise WaitTimeout(
            _timeout_message(f"{resource.kind} {where} {what}", timeout, obj,
                             recent_events(clients, namespace if resource.namespaced else None, resource.kind, name)),
            hint=f"Read the status and events above; `kubectl describe {resource.kind.lower()} {name}"
                 + (f" -n {namespace}`" if resource.namespaced else "`") + " shows more.")
    return follow.objects.get(name)


def _pod_ready(pod: dict) -> bool:
    return is_ready(pod) and not is_terminating(pod)


def wait_pods_ready(clients: Clients, namespace: str, selector: str, *, count: int, timeout: float = 120) -> list[dict]:
    """Wait until at least ``count`` pods matching label ``selector`` are Ready; return the Ready pods."""
    follow = Follow(clients, "Pod", namespace, selector=selector)
    if not follow.run(timeout, until=lambda objs: sum(map(_pod_ready, objs.values())) >= count):
        pods = follow.objects
        ready = [n for n, p in pods.items() if _pod_ready(p)]
        lines = [f"Timed out after {timeout:g}s waiting for {count} Ready pods with labels {selector} in "
                 f"{namespace}: {len(ready)} of {len(pods)} matching pods are Ready."]
        for pod_name, pod in sorted(pods.items())[:3]:
            if not _pod_ready(pod):
                lines.append(f"Pod {pod_name}: {describe_status(pod)}")
                lines += [f"  {e}" for e in recent_events(clients, namespace, "Pod", pod_name)]
        hint = ("No pod has these labels: check the selector against the pod template's labels "
                f"(`kubectl get pods -n {namespace} --show-labels`)." if not pods else
                f"Read the pod status and events above; `kubectl describe pods -n {namespace} -l {selector}`.")
        raise WaitTimeout("\n".join(lines), hint=hint)
    return [p for p in follow.objects.values() if _pod_ready(p)]


def wait_rollout(clients: Clients, namespace: str, deployment: str, *, timeout: float = 180) -> dict:
    """Wait until Deployment ``deployment`` has rolled out its current spec (see ``rolled_out``)."""
    return wait_for(clients, "Deployment", deployment, namespace=namespace, condition=rolled_out, timeout=timeout)


def _timeout_message(what: str, timeout: float, obj: dict | None, events: list[str]) -> str:
    lines = [f"Timed out after {timeout:g}s waiting for {what}.", f"Status: {describe_status(obj)}."]
    lines.append("Recent events:" if events else "Recent events: none.")
    lines += [f"  {e}" for e in events]
    return "\n".join(lines)
