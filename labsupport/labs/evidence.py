"""What the cluster itself records about an action, for checks that must not trust state a learner can write.

A pod's ``spec.nodeName`` and ``status`` can be set by hand (bind a pod with ``spec.nodeName``, patch its status
to Running); the events that the scheduler, the kubelet and the controllers write cannot be produced by a
notebook that only creates and deletes its own objects. So:

- placed by the scheduler: a ``Scheduled`` event from the default-scheduler about the pod's uid, naming a node
  that exists;
- deleted and replaced: the controller's ``SuccessfulCreate`` event (or the scheduler's) names the pod, the
  kubelet's ``Killing`` event says it was stopped, and a pod the controller owns (by uid) was created after;
- cordoned: the kubelet's ``NodeNotSchedulable`` event about the node.

Events live an hour by default: a grader checks right after the tasks, well inside that. For a learner who
checks later, a pod's placement falls back to its managedFields (a nodeName that no client wrote was set by the
scheduler's binding); a deletion or a cordon must be redone, and the message says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from labsupport import find
from labsupport.errors import WaitTimeout
from labsupport.watching import Follow

SCHEDULER = "default-scheduler"
# Event times have one-second resolution and controllers race the kubelet by a moment: allow that much.
SLACK = timedelta(seconds=2)
NODE_EVENTS_NAMESPACE = "default"  # the kubelet records node events in namespace default
EVENT_TTL = timedelta(minutes=55)  # the API server keeps events an hour (--event-ttl): older ones may be gone


def when(obj: dict) -> datetime:
    """An event's last time (or an object's creation time), timezone-aware."""
    meta = obj.get("metadata") or {}
    for stamp in (obj.get("lastTimestamp"), obj.get("eventTime"), meta.get("creationTimestamp")):
        if stamp:
            return datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    return datetime.min.replace(tzinfo=timezone.utc)


def first_time(event: dict) -> datetime:
    stamp = event.get("firstTimestamp") or event.get("eventTime")
    return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if stamp else when(event)


def _source(event: dict) -> str:
    return event.get("reportingComponent") or (event.get("source") or {}).get("component") or ""


def _events(ctx, kind: str, name: str, namespace: str | None, reason: str, source: str | None = None) -> list[dict]:
    return sorted((e for e in find.events_about(ctx.clients, namespace, kind, name)
                   if e.get("reason") == reason and (source is None or _source(e) == source)), key=when)


# ---- placed by the scheduler ---------------------------------------------------------------------------------

def scheduled_event(ctx, pod: dict) -> dict | None:
    """The default-scheduler's ``Scheduled`` event about this very pod (same uid), or None."""
    meta = pod["metadata"]
    return next((e for e in reversed(_events(ctx, "Pod", meta["name"], meta.get("namespace"), "Scheduled", SCHEDULER))
                 if (e.get("involvedObject") or {}).get("uid") == meta.get("uid")), None)


def _node_name_written(pod: dict) -> bool:
    """spec.nodeName was written by a client (create, apply, patch): the scheduler's binding leaves no manager."""
    return any("f:nodeName" in (((m.get("fieldsV1") or {}).get("f:spec")) or {})
               for m in pod["metadata"].get("managedFields") or [])


def _events_expired(obj: dict) -> bool:
    return datetime.now(timezone.utc) - when(obj) > EVENT_TTL


def not_scheduled(ctx, pod: dict) -> str | None:
    """Why the cluster does not confirm that the scheduler placed ``pod`` on a real node; None when it does."""
    node = (pod.get("spec") or {}).get("nodeName")
    name = pod["metadata"]["name"]
    if not node:
        return f"pod {name!r} is bound to no node"
    if find.get(ctx.clients, "Node", node) is None:
        return f"pod {name!r} names node {node!r}, which does not exist"
    event = scheduled_event(ctx, pod)
    if event is None and _events_expired(pod) and not _node_name_written(pod):
        return None  # the event is gone, and no writer but the binding (which records no manager) set nodeName
    if event is None:
        return (f"no Scheduled event from the {SCHEDULER} for pod {name!r}: it was bound to {node} directly "
                "(spec.nodeName), which bypasses the scheduler")
    if not (event.get("message") or "").endswith(f" to {node}"):
        return f"the scheduler assigned pod {name!r} elsewhere ({event.get('message')!r}), yet it names {node}"
    return None


# ---- deleted and replaced by a controller --------------------------------------------------------------------

@dataclass(frozen=True)
class Healing:
    """What the cluster shows about one deleted pod of a controller: ``problem`` is None when all is confirmed."""

    problem: str | None
    deleted_at: datetime | None = None
    replacements: tuple[str, ...] = ()


def _created_by(ctx, owner: dict, pod_name: str) -> bool:
    meta = owner["metadata"]
    created = _events(ctx, owner["kind"], meta["name"], meta.get("namespace"), "SuccessfulCreate")
    if any((e.get("involvedObject") or {}).get("uid") == meta["uid"]
           and (e.get("message") or "").endswith(f"Created pod: {pod_name}") for e in created):
        return True
    # Past ten similar events the recorder folds them into one: the scheduler's per-pod event still names it.
    return pod_name.startswith(f"{meta['name']}-") and bool(
        _events(ctx, "Pod", pod_name, meta.get("namespace"), "Scheduled", SCHEDULER))


def healing(ctx, owner: dict, deleted: str, pods: list[dict]) -> Healing:
    """Did ``owner`` (a ReplicaSet) create pod ``deleted``, was it deleted, and which of ``pods`` replaced it?"""
    namespace, kind = owner["metadata"].get("namespace"), owner["kind"]
    if not _created_by(ctx, owner, deleted):
        return Healing(f"{kind} {owner['metadata']['name']} never created a pod named {deleted!r} "
                       "(no event of the controller or the scheduler names it)")
    live = find.get(ctx.clients, "Pod", deleted, namespace)
    if live is not None and not live["metadata"].get("deletionTimestamp"):
        return Healing(f"pod {deleted} still exists")
    killed = _events(ctx, "Pod", deleted, namespace, "Killing")
    if not killed:
        return Healing(f"no event says pod {deleted}'s containers were stopped: it was not deleted while running "
                       "(or over an hour ago: events expire, so delete a pod again)")
    deleted_at = first_time(killed[0])
    uid = owner["metadata"]["uid"]
    newer = tuple(sorted(p["metadata"]["name"] for p in pods
                         if any(r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or [])
                         and p["metadata"]["name"] != deleted and when(p) >= deleted_at - SLACK))
    if not newer:
        return Healing(f"{kind} {owner['metadata']['name']} has no pod created after {deleted} was deleted",
                       deleted_at)
    return Healing(None, deleted_at, newer)


# ---- cordoned ------------------------------------------------------------------------------------------------

def cordon_events(ctx, node: str) -> list[dict]:
    """The kubelet's NodeNotSchedulable events about ``node``, oldest first."""
    return _events(ctx, "Node", node, NODE_EVENTS_NAMESPACE, "NodeNotSchedulable", "kubelet")


def wait_cordon_seen(ctx, node: str, *, since: datetime, timeout: float = 30) -> dict:
    """Wait until the kubelet of ``node`` has seen its cordon (a NodeNotSchedulable event at or after ``since``).

    The kubelet notices within its status period (about 10 s): a pod created before that may still be compared
    against a schedulable node by whoever grades the cordon.
    """
    def seen(objs: dict) -> dict | None:
        return next((e for e in objs.values() if e.get("reason") == "NodeNotSchedulable"
                     and (e.get("involvedObject") or {}).get("name") == node and when(e) >= since - SLACK), None)

    follow = Follow(ctx.clients, "Event", NODE_EVENTS_NAMESPACE)
    if not follow.run(timeout, until=lambda objs: seen(objs) is not None):
        spec = (find.get(ctx.clients, "Node", node) or {}).get("spec") or {}
        raise WaitTimeout(f"Timed out after {timeout:g}s waiting for the kubelet of {node} to report it cordoned "
                          f"(spec.unschedulable is {spec.get('unschedulable', False)}).",
                          hint=f"Cordon it with `kubectl cordon {node}`; the kubelet reports it within ~10 s.")
    return seen(follow.objects)
