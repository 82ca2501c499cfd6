"""Helpers the labs' checks share: partial credit, a missing answer, why a Service misses its pods.

Objects are plain dicts as the API returns them (``find.get`` / ``find.by_label``), never client models; the
Kubernetes facts themselves (Ready, labels, selectors) are in ``labsupport.facts``.
"""

from __future__ import annotations

from labsupport import find
from labsupport.checks import fail, ok, partial
from labsupport.facts import is_control_plane, is_ready, labels_of, selector_text

__all__ = ["endpoint_addresses", "missing_answer", "needs_two_workers", "score_parts", "selector_mismatch",
           "summarize"]


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


def needs_two_workers(ctx, task: str):
    """A failing outcome when the cluster lacks the 2 Ready workers ``task`` needs (a one-node cluster), else None.

    Labs 00 and 01 need the three-node cluster (clusters/kind-3node.yaml); on `kind-1node.yaml` their
    scheduling tasks cannot work, and the check says so instead of failing on a missing worker.
    """
    nodes = find.by_label(ctx.clients, "Node", None)
    workers = sorted(n["metadata"]["name"] for n in nodes if not is_control_plane(n) and is_ready(n))
    if len(workers) >= 2:
        return None
    return fail(f"{task} needs two Ready worker nodes, and this cluster has {len(workers)} ({workers}): it is not "
                "the three-node lab cluster.",
                "Labs 00 and 01 need 1 control plane + 2 workers: `make cluster RECREATE=1` (without "
                "CONFIG=clusters/kind-1node.yaml), then rerun the lab.")
