"""Reading Services, endpoints and pods for checks: helpers the labs' checks share.

Objects are plain dicts as the API returns them (``find.get`` / ``find.by_label``), never client models.
"""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException

from labsupport import find
from labsupport.checks import fail, ok, partial

__all__ = ["container_status", "endpoint_addresses", "is_ready", "labels_of", "missing_answer", "read_or_none",
           "score_parts", "selector_mismatch", "selector_text", "selects", "summarize"]


def missing_answer(*keys: str):
    """The outcome of a check whose task has not recorded its answer(s) yet."""
    shown = ", ".join(repr(k) for k in keys)
    return fail(f"No answer recorded for {shown} (the task records it with lab.answer(ctx, {keys[0]!r}, ...)).")


def summarize(score: float, problems: list[str], hints: list[str], success: str):
    """Partial credit: ``ok(success)`` at full score, else the problems found and their (deduplicated) hints."""
    if score >= 1.0:
        return ok(success)
    return partial(score, "; ".join(problems) + "." if problems else "Not all parts are in place yet.",
                   " ".join(dict.fromkeys(hints)) or None)


def score_parts(parts: list[tuple[bool, str, str | None]], success: str):
    """Partial credit over independent, equally weighted parts: (passed, problem message, hint)."""
    failed = [(msg, hint) for passed, msg, hint in parts if not passed]
    return summarize((len(parts) - len(failed)) / len(parts), [m for m, _ in failed],
                     [h for _, h in failed if h], success)


def read_or_none(read, *args):
    """The object ``read(*args)`` returns (a typed client call), or None when it does not exist."""
    try:
        return read(*args)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


def labels_of(obj: dict) -> dict:
    return (obj.get("metadata") or {}).get("labels") or {}


def is_ready(pod: dict) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def container_status(pod: dict, name: str | None = None) -> dict:
    """The status of container ``name`` (the first one when None), or {} before the kubelet reports it."""
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if name is None or cs.get("name") == name:
            return cs
    return {}


def selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def selector_text(selector: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "(none)"


def selector_mismatch(service: dict, pods: list[dict]) -> str | None:
    """Why ``service`` does not select ``pods`` (the pods it should select), or None when it selects them all.

    "its selector is app=gates but the pods carry app=gate"
    """
    selector = (service.get("spec") or {}).get("selector") or {}
    if not selector:
        return "it has no selector, so it selects no pods at all"
    wrong = []
    for key, value in sorted(selector.items()):
        carried = sorted({labels_of(p).get(key, "") for p in pods if labels_of(p).get(key) != value})
        if carried:
            have = " / ".join(f"{key}={c}" if c else f"no {key} label" for c in carried)
            offenders = sum(labels_of(p).get(key) != value for p in pods)
            wrong.append(f"{'the pods carry' if offenders == len(pods) else 'some pods carry'} {have}")
    if not wrong:
        return None
    return f"its selector is {selector_text(selector)} but " + " and ".join(wrong)


def endpoint_addresses(ctx, service: str) -> tuple[set[str], set[str]]:
    """Names of the pods behind ``service``'s endpoint slices: (ready, not ready)."""
    ready, unready = set(), set()
    for eps in find.by_label(ctx.clients, "EndpointSlice", ctx.namespace, f"kubernetes.io/service-name={service}"):
        for ep in eps.get("endpoints") or []:
            name = (ep.get("targetRef") or {}).get("name")
            if name:
                ((ready if (ep.get("conditions") or {}).get("ready") else unready)).add(name)
    return ready, unready
