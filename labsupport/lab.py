"""What a lab notebook calls: start the lab, record answers, check the work, reset.

    ctx = lab.start("02", namespace=namespace, cluster_name=cluster_name, kubeconfig=kubeconfig)
    ...
    lab.check(ctx)   # last cell: an HTML table of the graded checks
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import yaml
from kubernetes.client.exceptions import ApiException

from labsupport.checks import Report
from labsupport.config import ANSWERS_CONFIGMAP, DEFAULT_CLUSTER, LAB_LABEL, context_name, lab_namespace
from labsupport.context import LabContext
from labsupport.errors import LabError
from labsupport.kube import Clients, connect_config, kubeconfig_paths, load_kubeconfig, write_kubeconfig
from labsupport.labs import suite_for
from labsupport.waits import wait_for


def start(lab_id: str, *, namespace: str | None = None, cluster_name: str = DEFAULT_CLUSTER,
          kubeconfig: str | None = None) -> LabContext:
    """Connect to the lab cluster, make sure the lab's namespace exists, point `!kubectl` at the same cluster.

    Safe to run again at any time.
    """
    namespace = namespace or lab_namespace(lab_id)
    config = load_kubeconfig(kubeconfig, context_name(cluster_name))
    clients = connect_config(config)
    ensure_namespace(clients, namespace, {LAB_LABEL: str(lab_id)})
    os.environ["KUBECONFIG"] = str(_kubectl_config(kubeconfig, config))
    return LabContext(str(lab_id), namespace, cluster_name, kubeconfig, clients)


def _kubectl_config(kubeconfig: str | None, config: dict) -> Path:
    """A kubeconfig file whose current context is the lab's, for `!kubectl` cells.

    The learner's own file when its current context already is the lab's; otherwise a private copy holding only
    the lab's context, so kubectl cannot talk to another cluster by accident.
    """
    paths = kubeconfig_paths(kubeconfig)
    try:
        current = (yaml.safe_load(paths[0].read_text()) or {}).get("current-context")
    except (OSError, yaml.YAMLError):
        current = None
    if len(paths) == 1 and current == config["current-context"]:
        return paths[0].resolve()
    folder = Path(tempfile.gettempdir()) / f"labsupport-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return write_kubeconfig(config, folder / f"{config['current-context']}.kubeconfig")


def ensure_namespace(clients: Clients, name: str, labels: dict[str, str]) -> dict:
    """Create namespace ``name`` with ``labels`` unless it exists (then add the labels); wait out a deletion."""
    core = clients.core
    try:
        ns = core.read_namespace(name)
        if ns.status.phase == "Terminating":
            wait_for(clients, "Namespace", name, condition="deleted", timeout=180)
            ns = None
    except ApiException as exc:
        if exc.status != 404:
            raise
        ns = None
    if ns is None:
        try:
            core.create_namespace({"metadata": {"name": name, "labels": labels}})
        except ApiException as exc:
            if exc.status != 409:  # created meanwhile by another run: fine
                raise LabError(f"Cannot create namespace {name}: {exc.status} {exc.reason}",
                               hint="Namespace names are lower-case letters, digits and '-'.") from exc
    elif any((ns.metadata.labels or {}).get(k) != v for k, v in labels.items()):
        core.patch_namespace(name, {"metadata": {"labels": labels}})
    # Pods are refused until the namespace's default ServiceAccount exists; it appears a moment after the namespace.
    wait_for(clients, "ServiceAccount", "default", namespace=name, condition=lambda sa: True, timeout=60)
    return clients.api.sanitize_for_serialization(core.read_namespace(name))


def check(ctx: LabContext, task: int | None = None) -> Report:
    """Run this lab's graded checks against the cluster; the Report shows itself as a table in the notebook.

    ``lab.check(ctx, task=3)`` runs only task 3's checks (the cell right after the task); ``lab.check(ctx)`` runs
    them all. A task with no checks raises UnknownTask, whose hint lists the lab's tasks.
    """
    return suite_for(ctx.lab_id).run(ctx, task=task)


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
    try:
        cm = ctx.clients.core.read_namespaced_config_map(ANSWERS_CONFIGMAP, ctx.namespace)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise
    return (cm.data or {}).get(key)


def reset(ctx: LabContext) -> LabContext:
    """Delete the lab's namespace with everything in it, and create it again, empty."""
    try:
        ctx.clients.core.delete_namespace(ctx.namespace)
    except ApiException as exc:
        if exc.status != 404:
            raise
    wait_for(ctx.clients, "Namespace", ctx.namespace, condition="deleted", timeout=180)
    ensure_namespace(ctx.clients, ctx.namespace, {LAB_LABEL: ctx.lab_id})
    return ctx
