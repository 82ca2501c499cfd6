"""What the class view says about a student's namespace beyond the checks: when they last did something, and
whether they are stuck (a pod Pending, crash-looping or unable to pull its image, the quota refusing them).

    act = activity(clients, "ws-w1-ann-02")
    act.last      # newest event, pod or object write in the namespace (epoch seconds) or None
    act.signals   # ("pod web: ImagePullBackOff", "quota refused: exceeded quota: ...")

Read from pods (their state) and events (quota denials only appear there: the API refused the pod, so no pod
exists to show it). Every text from the cluster is capped here and escaped where it is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubernetes.client.exceptions import ApiException

from labsupport.kube import Clients

STUCK_REASONS = ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError",
                 "CreateContainerError", "InvalidImageName", "RunContainerError", "ErrImageNeverPull")
PENDING_SECONDS = 60  # a pod Pending longer than this (not waiting on an image pull) counts as stuck
MESSAGE_CAP = 160


@dataclass(frozen=True)
class Activity:
    last: float | None
    signals: tuple[str, ...]


def _ts(value) -> float | None:
    return value.timestamp() if value is not None else None


def _pod_signals(pod, now: float) -> list[str]:
    name = pod.metadata.name
    found = []
    statuses = (pod.status.init_container_statuses or []) + (pod.status.container_statuses or [])
    for cs in statuses:
        waiting = cs.state.waiting if cs.state else None
        if waiting and waiting.reason in STUCK_REASONS:
            found.append(f"pod {name}: {waiting.reason}")
    if pod.status.phase == "Pending" and not found:
        created = _ts(pod.metadata.creation_timestamp) or now
        if now - created > PENDING_SECONDS:
            unscheduled = next((c.message for c in pod.status.conditions or []
                                if c.type == "PodScheduled" and c.status == "False"), None)
            found.append(f"pod {name}: Pending {int(now - created)}s" + (f" ({unscheduled})" if unscheduled else ""))
    return [s[:MESSAGE_CAP] for s in found]


def activity(clients: Clients, namespace: str, *, now: float | None = None) -> Activity:
    """Last activity and stuck signals in ``namespace`` (an absent namespace: no activity, no signals)."""
    import time

    now = now or time.time()
    try:
        pods = clients.core.list_namespaced_pod(namespace).items
        events = clients.core.list_namespaced_event(namespace).items
        maps = clients.core.list_namespaced_config_map(namespace).items
    except ApiException as exc:
        if exc.status == 404:
            return Activity(None, ())
        raise
    times = [_ts(p.metadata.creation_timestamp) for p in pods]
    times += [_ts(e.last_timestamp or e.event_time or e.metadata.creation_timestamp) for e in events]
    # Writes the learner made (answers, configmaps) show in managedFields; kube-root-ca.crt is the cluster's own.
    times += [_ts(m.time) for cm in maps if cm.metadata.name != "kube-root-ca.crt"
              for m in cm.metadata.managed_fields or []]
    signals = [s for p in pods for s in _pod_signals(p, now)]
    quota = sorted({(e.message or "")[:MESSAGE_CAP] for e in events if "exceeded quota" in (e.message or "")})
    signals += [f"quota refused: {m}" for m in quota]
    return Activity(max((t for t in times if t), default=None), tuple(signals))
