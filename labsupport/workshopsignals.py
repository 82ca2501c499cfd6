"""What the class view says about a student's namespace beyond the checks: when they last did something, and
whether they are stuck (a pod Pending, crash-looping or unable to pull its image, the quota refusing them).

    act = activity(clients, "ws-w1-ann-02")
    act.last      # newest event, pod or object write in the namespace (epoch seconds) or None
    act.signals   # ("pod web: ImagePullBackOff", "quota refused: exceeded quota: ...")

Read from pods (their state) and events (quota denials only appear there: the API refused the pod, so no pod
exists to show it). Every text from the cluster is capped here and escaped where it is rendered.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from labsupport import find
from labsupport.kube import Clients
from labsupport.labs.traffic import CLIENT, CLIENT_LABEL

STUCK_REASONS = ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError",
                 "CreateContainerError", "InvalidImageName", "RunContainerError", "ErrImageNeverPull")
PENDING_SECONDS = 60  # a pod Pending longer than this (not waiting on an image pull) counts as stuck
MESSAGE_CAP = 160


@dataclass(frozen=True)
class Activity:
    last: float | None
    signals: tuple[str, ...]


def _ts(stamp: str | None) -> float | None:
    """Epoch seconds of an API timestamp ("2026-11-27T09:00:00Z", or a MicroTime with fractions)."""
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() if stamp else None


def _pod_signals(pod: dict, now: float) -> list[str]:
    name = pod["metadata"]["name"]
    status = pod.get("status") or {}
    found = []
    for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason") in STUCK_REASONS:
            found.append(f"pod {name}: {waiting['reason']}")
    if status.get("phase") == "Pending" and not found:
        created = _ts(pod["metadata"].get("creationTimestamp")) or now
        if now - created > PENDING_SECONDS:
            unscheduled = next((c.get("message") for c in status.get("conditions") or []
                                if c.get("type") == "PodScheduled" and c.get("status") == "False"), None)
            found.append(f"pod {name}: Pending {int(now - created)}s" + (f" ({unscheduled})" if unscheduled else ""))
    return [s[:MESSAGE_CAP] for s in found]


def activity(clients: Clients, namespace: str, *, now: float | None = None) -> Activity:
    """Last activity and stuck signals in ``namespace`` (an absent namespace: no activity, no signals).

    The grader's own client pod (``labsupport.labs.traffic``) and the events about it are the class view's doing,
    not the student's: they count neither as activity nor as a signal.
    """
    now = now or time.time()
    pods = [p for p in find.pods(clients, namespace) if CLIENT_LABEL not in (p["metadata"].get("labels") or {})]
    events = [e for e in find.by_label(clients, "Event", namespace)
              if (e.get("involvedObject") or {}).get("name") != CLIENT]
    maps = find.by_label(clients, "ConfigMap", namespace)
    times = [_ts(p["metadata"].get("creationTimestamp")) for p in pods]
    times += [_ts(e.get("lastTimestamp") or e.get("eventTime") or e["metadata"].get("creationTimestamp"))
              for e in events]
    # Writes the learner made (answers, configmaps) show in managedFields; kube-root-ca.crt is the cluster's own.
    times += [_ts(m.get("time")) for cm in maps if cm["metadata"]["name"] != "kube-root-ca.crt"
              for m in cm["metadata"].get("managedFields") or []]
    signals = [s for p in pods for s in _pod_signals(p, now)]
    quota = sorted({(e.get("message") or "")[:MESSAGE_CAP] for e in events
                    if "exceeded quota" in (e.get("message") or "")})
    signals += [f"quota refused: {m}" for m in quota]
    return Activity(max((t for t in times if t), default=None), tuple(signals))
