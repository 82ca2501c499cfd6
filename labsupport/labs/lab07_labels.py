"""Lab 07, task 6: the label scheme the lab asks for, the selectors it asks the learner to write, and how a
selector string is read.

The grader never evaluates a selector itself: it sends the learner's string to the API server (a LIST with
``labelSelector``) and compares the objects that come back with the ones the task describes. It only parses
the string to see which operators it uses (the task asks for ``in``, ``notin``, a bare key, ``!key``, or
equality), following the grammar of ``k8s.io/apimachinery/pkg/labels``.

    >>> operators("environment in (staging, qa),!customer")
    {'in', '!key'}
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError

from labsupport import find
from labsupport.answers import read_answers
from labsupport.checks import fail, ok, partial
from labsupport.facts import annotations_of, is_ready, is_terminating, labels_of, selects
from labsupport.labs.common import endpoint_addresses, missing_answer, score_parts
from labsupport.labs.lab07_access import api_message, ask
from labsupport.labs.lab07_common import (ANNOTATED, BUILD, CHANGE_CAUSE, CONTACT, DEFAULT_CONTAINER, REVISION,
                                          SERVICE, get, short)

# The shop's Deployments and the labels each carries (on itself and on its pods): key absent = label absent.
SCHEME: dict[str, dict[str, str]] = {
    "shop-web": {"app": "shop", "tier": "frontend", "release": "stable", "environment": "production"},
    "shop-web-canary": {"app": "shop", "tier": "frontend", "release": "canary", "environment": "production"},
    "shop-api": {"app": "shop", "tier": "backend", "release": "stable", "environment": "staging"},
    "shop-cache": {"app": "shop", "tier": "cache", "environment": "production"},
    "reports-acme": {"app": "reports", "tier": "backend", "release": "stable", "environment": "production",
                     "customer": "acme"},
    "reports-globex": {"app": "reports", "tier": "backend", "release": "canary", "environment": "qa",
                       "customer": "globex"},
}
SCHEME_KEYS = ("app", "tier", "release", "environment", "customer")


@dataclass(frozen=True)
class Asked:
    """One selector the task asks for: the answer key it is recorded under, the operator it must use, what it
    must select (Deployment names), and the hint for a selector that selects something else."""

    answer: str
    operator: str  # "equality", "in", "notin", "exists", "!key"
    wants: frozenset[str]
    describe: str
    hint: str


ASKED = (
    Asked("selector-canary-frontend", "equality", frozenset({"shop-web-canary"}), "the frontend canary",
          "Combine two equality requirements with a comma (AND): tier=frontend,release=canary."),
    Asked("selector-staging-or-qa", "in", frozenset({"shop-api", "reports-globex"}),
          "everything running in staging or in qa",
          "`environment=staging` matches one value only: select several values of one key with the set-based "
          "`environment in (staging, qa)`."),
    Asked("selector-not-canary", "notin", frozenset({"shop-web", "shop-api", "shop-cache", "reports-acme"}),
          "everything that is not a canary, including what has no release label",
          "`release notin (canary)` also selects objects with no release label at all (shop-cache); "
          "`release=stable` or `release!=canary` alone is not the set-based form asked for."),
    Asked("selector-customer", "exists", frozenset({"reports-acme", "reports-globex"}),
          "everything that belongs to one customer",
          "A bare key selects every object that has the label, whatever its value: `customer`."),
    Asked("selector-shared", "!key", frozenset({"shop-web", "shop-web-canary", "shop-api", "shop-cache"}),
          "everything shared by all customers (no customer label)",
          "`!customer` selects the objects that do not have the label at all."),
)

_KEY = r"(?:[a-zA-Z0-9](?:[-a-zA-Z0-9.]*[a-zA-Z0-9])?/)?[a-zA-Z0-9](?:[-_.a-zA-Z0-9]*[a-zA-Z0-9])?"
_VALUE = r"(?:[a-zA-Z0-9](?:[-_.a-zA-Z0-9]*[a-zA-Z0-9])?)?"
_NOT_EXISTS = re.compile(rf"!\s*{_KEY}")
_EXISTS = re.compile(_KEY)
_SET = re.compile(rf"{_KEY}\s+(?P<op>in|notin)\s*\(.*\)", re.S)
_EQUALITY = re.compile(rf"{_KEY}\s*(==|!=|=)\s*{_VALUE}")


def requirements(selector: str) -> list[str]:
    """The comma-separated requirements of ``selector`` (commas inside a set's parentheses do not split)."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]


def operator_of(requirement: str) -> str | None:
    """"equality", "in", "notin", "exists", "!key", or None for text that is not a requirement."""
    text = requirement.strip()
    if _NOT_EXISTS.fullmatch(text):
        return "!key"
    match = _SET.fullmatch(text)
    if match:
        return match.group("op")
    if _EQUALITY.fullmatch(text):
        return "equality"
    if _EXISTS.fullmatch(text):
        return "exists"
    return None


def operators(selector: str) -> set[str]:
    return {op for op in map(operator_of, requirements(selector)) if op}


def uses_asked_operator(selector: str, asked: str) -> bool:
    """Equality asks for equality requirements only; a set-based operator asked must appear at least once."""
    found = operators(selector)
    if asked == "equality":
        return found == {"equality"}
    return asked in found


# ---- the checks of tasks 6 and 7 (registered in lab07.py) ----

def _deployments(ctx, selector: str | None = None) -> list[dict]:
    return find.by_label(ctx.clients, "Deployment", ctx.namespace, selector)


def label_scheme(ctx):
    live = {d["metadata"]["name"]: d for d in _deployments(ctx)}
    if not set(SCHEME) & set(live):
        return fail(f"No Deployments {sorted(SCHEME)} in namespace {ctx.namespace}.")
    problems, good = [], 0
    for name, want in SCHEME.items():
        dep = live.get(name)
        if dep is None:
            problems.append(f"no Deployment {name}")
            continue
        pods = labels_of(dep["spec"]["template"])
        wrong = [f"{where} {k}={have.get(k, '<none>')} (want {want.get(k, '<none>')})"
                 for where, have in (("labels", labels_of(dep)), ("pod labels", pods))
                 for k in SCHEME_KEYS if have.get(k) != want.get(k)]
        if wrong:
            problems.append(f"{name}: " + ", ".join(wrong[:3]))
        elif not (dep.get("status") or {}).get("readyReplicas"):
            problems.append(f"{name} has no Ready pod")
        else:
            good += 1
    if good == len(SCHEME):
        return ok(f"All {good} Deployments and their pods carry the scheme's labels and run.")
    return partial(good / len(SCHEME), "; ".join(problems) + ".",
                   "Copy each row of the table into metadata.labels and spec.template.metadata.labels; a key "
                   "the table leaves empty must be absent (selectors on 'no label' depend on it).")


def selectors(ctx):
    answers = read_answers(ctx, *(a.answer for a in ASKED))
    if not any(answers.values()):
        return missing_answer(*(a.answer for a in ASKED))
    parts = []
    for asked in ASKED:
        text = answers[asked.answer]
        if not text:
            parts.append((False, f"no answer {asked.answer!r}", asked.hint))
            continue
        try:
            got = {d["metadata"]["name"] for d in _deployments(ctx, text)}
        except (ApiException, DynamicApiError) as exc:
            parts.append((False, f"{asked.answer} {short(text)} is refused by the API server: "
                                 f"{api_message(exc)}", asked.hint))
            continue
        right_set, right_op = got == asked.wants, uses_asked_operator(text, asked.operator)
        if right_set and right_op:
            parts.append((True, "", None))
            continue
        why = [] if right_set else [f"selects {sorted(got)} instead of {sorted(asked.wants)}"]
        if not right_op:
            why.append(f"does not use {'only equality' if asked.operator == 'equality' else asked.operator!r}")
        parts.append((False, f"{asked.answer} {short(text)} ({asked.describe}) " + " and ".join(why), asked.hint))
    return score_parts(parts, "Each selector returns exactly the Deployments asked for, with the operator asked.")


def _deployment_of(ctx) -> dict[str, str]:
    """Pod name -> the Deployment owning it (through its ReplicaSet), for the lab namespace."""
    rs_owner = {rs["metadata"]["name"]: ref.get("name")
                for rs in find.by_label(ctx.clients, "ReplicaSet", ctx.namespace)
                for ref in rs["metadata"].get("ownerReferences") or [] if ref.get("kind") == "Deployment"}
    return {p["metadata"]["name"]: rs_owner.get(ref.get("name"))
            for p in find.pods(ctx.clients, ctx.namespace)
            for ref in p["metadata"].get("ownerReferences") or [] if ref.get("kind") == "ReplicaSet"}


def service_selects_by_labels(ctx):
    service = get(ctx, "Service", SERVICE)
    if service is None:
        return fail(f"No Service {SERVICE!r} in namespace {ctx.namespace}.")
    owners = _deployment_of(ctx)
    ready, _ = endpoint_addresses(ctx, SERVICE)
    behind = {owners.get(p) or p for p in ready}
    want = {"shop-web", "shop-web-canary"}
    selector = service["spec"].get("selector") or {}
    parts = [
        (want <= behind, f"its ready endpoints come from {sorted(behind) or 'no pod'}, not from both {sorted(want)}",
         "The selector must match labels that stable and canary frontend pods share (app, tier), not release."),
        (behind <= want, f"it also sends traffic to {sorted(behind - want)}",
         "Add tier: frontend to the selector: app: shop alone matches the api and the cache too."),
    ]
    label_set = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    return score_parts(parts, f"{SERVICE} selects {label_set}: the pods of {sorted(behind)}, whatever their "
                              "names, now and after any rollout.")


def annotations(ctx):
    dep = get(ctx, "Deployment", ANNOTATED)
    if dep is None:
        return fail(f"No Deployment {ANNOTATED!r} in namespace {ctx.namespace}.")
    notes = annotations_of(dep)
    revision = notes.get(REVISION)
    current = [rs for rs in find.by_label(ctx.clients, "ReplicaSet", ctx.namespace)
               if annotations_of(rs).get(REVISION) == revision
               and any(r.get("uid") == dep["metadata"]["uid"] for r in rs["metadata"].get("ownerReferences") or [])]
    cause = notes.get(CHANGE_CAUSE)
    contact = notes.get(CONTACT)
    as_label = None
    if contact:  # would the API take the contact as a label value? It decides, with dryRun.
        as_label = ask(ctx.clients.apps.patch_namespaced_deployment, ANNOTATED, ctx.namespace,
                              {"metadata": {"labels": {CONTACT: contact}}}, dry_run="All")
    pods = [p for p in find.pods(ctx.clients, ctx.namespace) if is_ready(p) and not is_terminating(p)
            and selects(dep["spec"]["selector"].get("matchLabels"), labels_of(p))]
    pod = pods[0] if pods else None
    default = annotations_of(pod).get(DEFAULT_CONTAINER) if pod else None
    names = [c["name"] for c in (pod or {}).get("spec", {}).get("containers") or []]
    in_labels = sorted(k for k in (BUILD, CONTACT, CHANGE_CAUSE) if k in labels_of(dep))
    parts = [
        (bool(notes.get(BUILD)) and not in_labels,
         f"{BUILD} is missing" if not notes.get(BUILD) else f"{in_labels} are labels",
         f"Put build and release information in the annotation {BUILD} (e.g. commit, pipeline, date); labels "
         "are for selecting."),
        (bool(contact) and as_label is not None and not as_label.allowed,
         f"{CONTACT} is missing" if not contact else
         f"the contact {short(contact)} would fit in a label value, so it shows nothing a label could not hold",
         "Write a full contact (\"Name <mail@example.com>, #channel\"): the API refuses that as a label value "
         "(at most 63 characters of letters, digits, '-', '_', '.'), and annotations exist for such values."),
        (bool(cause) and len(current) == 1 and annotations_of(current[0]).get(CHANGE_CAUSE) == cause,
         f"{CHANGE_CAUSE} is missing" if not cause else
         f"the current ReplicaSet (revision {revision}) does not carry the change cause {short(cause)}",
         f"Set {CHANGE_CAUSE} on the Deployment with each change: the Deployment controller copies it to the "
         "ReplicaSet of that revision, and `kubectl rollout history` shows it."),
        (bool(default) and default in names,
         f"{ANNOTATED}'s pods have no Ready pod" if pod is None else f"{DEFAULT_CONTAINER} is missing" if not
         default else f"{DEFAULT_CONTAINER} names {short(default)}, not one of the containers {names}",
         f"Annotate the pod template (spec.template.metadata.annotations) with {DEFAULT_CONTAINER}: web, so "
         "`kubectl logs` and `kubectl exec` pick that container without -c."),
    ]
    return score_parts(parts, f"{ANNOTATED} carries its build, contact (refused as a label: "
                              f"{as_label.message if as_label else ''}), change cause {short(cause)} (revision "
                              f"{revision}) and kubectl's default container {default}.")
