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
