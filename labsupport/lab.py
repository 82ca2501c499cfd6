"""What a lab notebook calls: start the lab, record answers, check the work.

    ctx = lab.start("02", namespace=namespace, cluster_name=cluster_name, kubeconfig=kubeconfig)
    lab.answer(ctx, "node-count", 3)   # recorded for the checks (labsupport.answers)
    ...
    lab.check(ctx)   # last cell: an HTML table of the graded checks
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from labsupport.answers import answer
from labsupport.checks import Report
from labsupport.config import DEFAULT_CLUSTER, LAB_LABEL, context_name, lab_namespace
from labsupport.context import LabContext
from labsupport.kube import connect_config, kubeconfig_paths, load_kubeconfig, write_kubeconfig
from labsupport.labs import suite_for
from labsupport.namespaces import ensure_namespace

__all__ = ["answer", "check", "reset", "start"]


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


def check(ctx: LabContext, task: int | None = None) -> Report:
    """Run this lab's graded checks against the cluster; the Report shows itself as a table in the notebook.

    ``lab.check(ctx, task=3)`` runs only task 3's checks (the cell right after the task); ``lab.check(ctx)`` runs
    them all. A task with no checks raises UnknownTask, whose hint lists the lab's tasks.
    """
    return suite_for(ctx.lab_id).run(ctx, task=task)


def reset(ctx: LabContext):
    """Remove what this lab made (its namespaces, the cluster-scoped objects and node changes it labelled) in
    seconds; run ``lab.start`` again to begin afresh. Returns a labsupport.reset.ResetResult."""
    from labsupport.reset import reset as reset_lab

    return reset_lab(ctx.clients, ctx.lab_id, ctx.namespace)
