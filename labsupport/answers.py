"""The learner's recorded answers: ``record`` / ``read`` keys in the lab namespace's ConfigMap lab-answers.

A notebook records with ``lab.answer(ctx, key, value)``; checks read with ``read_answer(ctx, key)`` and verify
the answer against the live cluster.
"""

from __future__ import annotations

import json
import re

from kubernetes.client.exceptions import ApiException

from labsupport import find
from labsupport.config import ANSWERS_CONFIGMAP, LAB_LABEL
from labsupport.context import LabContext
from labsupport.errors import LabError

_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def answer(ctx: LabContext, key: str, value: object) -> None:
    """Record the learner's answer ``value`` under ``key`` (ConfigMap lab-answers); checks verify it later.

    Lists are stored comma-separated, dicts as JSON, anything else as str(value).
    """
    if not _KEY.fullmatch(key):
        raise LabError(f"Answer key {key!r} is not valid.", hint="Use letters, digits, '-', '_' and '.' only.")
    if isinstance(value, (list, tuple, set)):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True)
    else:
        text = str(value)
    core = ctx.clients.core
    try:
        core.patch_namespaced_config_map(ANSWERS_CONFIGMAP, ctx.namespace, {"data": {key: text}})
    except ApiException as exc:
        if exc.status != 404:
            raise
        core.create_namespaced_config_map(ctx.namespace, {
            "metadata": {"name": ANSWERS_CONFIGMAP, "labels": {LAB_LABEL: ctx.lab_id}}, "data": {key: text}})


def read_answer(ctx: LabContext, key: str) -> str | None:
    """The answer recorded under ``key``, or None."""
    cm = find.get(ctx.clients, "ConfigMap", ANSWERS_CONFIGMAP, ctx.namespace)
    return None if cm is None else (cm.get("data") or {}).get(key)


def read_answers(ctx: LabContext, *keys: str) -> dict[str, str | None]:
    """Several answers at once (one read), each stripped of surrounding blanks, None when not recorded."""
    cm = find.get(ctx.clients, "ConfigMap", ANSWERS_CONFIGMAP, ctx.namespace)
    data = {} if cm is None else cm.get("data") or {}
    return {k: None if data.get(k) is None else str(data[k]).strip() for k in keys}


def answer_list(value: str) -> list[str]:
    """An answer recorded as a list ("a,b" or "['a', 'b']") as a sorted list of names."""
    cleaned = value.strip().strip("[]()")
    return sorted(p.strip().strip("'\"") for p in cleaned.replace("\n", ",").split(",") if p.strip())
