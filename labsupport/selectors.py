"""Label and field selector strings (what `kubectl -l` and `--field-selector` take), matched as the API server does.

    >>> match = label_matcher("app=web,tier in (a, b),!canary")
    >>> match({"app": "web", "tier": "a"}), match({"app": "web", "tier": "c"})
    (True, False)

Used where objects already read are filtered again without asking the API server (the class view's snapshot).
A selector this module cannot read gives None: the caller then asks the API server, which can.
"""

from __future__ import annotations

import re
from typing import Callable, Mapping

Match = Callable[[Mapping], bool]

_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET = re.compile(rf"\s*(?P<key>{_KEY})\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)\s*")
_CMP = re.compile(rf"\s*(?P<key>{_KEY})\s*(?P<op>==|=|!=)\s*(?P<value>{_VALUE})\s*")
_EXISTS = re.compile(rf"\s*(?P<neg>!?)\s*(?P<key>{_KEY})\s*")
# The fields the API server lets a selector name that are plain paths in the object (Event's `source` is not:
# it means source.component). A field outside this list is left to the API server.
FIELDS = frozenset({"metadata.name", "metadata.namespace", "spec.nodeName", "status.phase", "type", "reason",
                    "involvedObject.kind", "involvedObject.name", "involvedObject.namespace", "involvedObject.uid",
                    "involvedObject.apiVersion", "involvedObject.fieldPath"})


def _terms(text: str) -> list[str] | None:
    """Split at the commas between requirements (not those inside `in (a, b)`); None on unbalanced brackets."""
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth not in (0, 1):
            return None
        if ch == "," and depth == 0:
            terms.append(text[start:i])
            start = i + 1
    return None if depth else terms + [text[start:]]


def _requirement(term: str) -> Match | None:
    if m := _SET.fullmatch(term):
        key, values = m["key"], {v.strip() for v in m["values"].split(",")}
        if m["op"] == "in":
            return lambda labels: key in labels and labels[key] in values
        return lambda labels: labels.get(key) not in values  # notin also selects objects without the key
    if m := _CMP.fullmatch(term):
        key, value = m["key"], m["value"]
        if m["op"] == "!=":
            return lambda labels: labels.get(key) != value  # != also selects objects without the key
        return lambda labels: key in labels and labels[key] == value
    if m := _EXISTS.fullmatch(term):
        key = m["key"]
        return (lambda labels: key not in labels) if m["neg"] else (lambda labels: key in labels)
    return None


def label_matcher(selector: str | None) -> Match | None:
    """A test of an object's labels for ``selector`` (None or "" selects everything); None if not understood."""
    if not selector or not selector.strip():
        return lambda labels: True
    terms = _terms(selector)
    if terms is None:
        return None
    tests = [_requirement(t) for t in terms]
    if any(t is None for t in tests):
        return None
    return lambda labels: all(t(labels) for t in tests)


def _field(obj: Mapping, path: str) -> str:
    value = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return "" if value is None else str(value)  # the API server compares an absent field as ""


def field_matcher(selector: str | None) -> Callable[[Mapping], bool] | None:
    """A test of a whole object for field ``selector`` ("involvedObject.name=web,type!=Normal"); None if it names
    a field outside ``FIELDS`` or is not understood."""
    if not selector or not selector.strip():
        return lambda obj: True
    tests = []
    for term in selector.split(","):
        m = re.fullmatch(r"\s*([A-Za-z.]+)\s*(==|=|!=)\s*([^,]*?)\s*", term)
        if not m or m[1] not in FIELDS:
            return None
        path, negate, value = m[1], m[2] == "!=", m[3]
        tests.append(lambda obj, p=path, n=negate, v=value: (_field(obj, p) == v) != n)
    return lambda obj: all(t(obj) for t in tests)
