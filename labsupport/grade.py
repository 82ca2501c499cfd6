"""Grade a submitted notebook: run it in a fresh namespace, then run the lab's checks in THIS process.

Isolation, in order: the kubeconfig is copied into memory before anything runs; the lab's checks and every
module the grader needs are imported up front; the notebook runs in a child process (papermill + a kernel,
``labsupport.execute``) that gets only a temporary copy of the credentials and never learns where the reports
go; reports (``labsupport.reports``) are written after it has finished. So nothing the notebook prints, writes
or redefines can change its grade: only the cluster state it leaves behind, which is what the checks are about.
"""

from __future__ import annotations

import os
import secrets
import shutil
import string
import tempfile
from pathlib import Path
from typing import Callable


from labsupport import answers, facts, find, manifests, podexec, waits  # noqa: F401  imported now: checks use them
from labsupport.config import DEFAULT_CLUSTER, GRADING_LABEL, LAB_LABEL, context_name
from labsupport.context import LabContext
from labsupport.errors import GradingError
from labsupport.execute import CellError, Execution, execute, read_submission
from labsupport.kube import connect_config, load_kubeconfig, write_kubeconfig
from labsupport.labs import suite_for
from labsupport.namespaces import delete_namespaces, ensure_namespace
from labsupport.reports import GradeResult, write_reports

__all__ = ["CellError", "Execution", "GradeResult", "grade", "read_submission"]


def grade(notebook: str | os.PathLike, lab_id: str, *, out: str | os.PathLike, cell_timeout: float = 300,
          timeout: float = 1200, keep_namespace: bool = False, cluster_name: str = DEFAULT_CLUSTER,
          kubeconfig: str | None = None, progress: Callable[[str], None] = lambda line: None,
          child_output=None) -> GradeResult:
    """Grade ``notebook`` as lab ``lab_id``; write the reports to ``out``. ``child_output``: where papermill's
    progress bar goes (a file object, e.g. sys.stderr; default: discarded)."""
    notebook = Path(notebook)
    if not notebook.is_file():
        raise GradingError(f"No notebook at {notebook}.", hint="Pass the path of a .ipynb file.")
    if cell_timeout <= 0 or timeout <= 0:
        raise GradingError("Timeouts must be positive.", hint="e.g. --cell-timeout 300 --timeout 1200")
    # Credentials into memory first: what the notebook later does to kubeconfig files cannot reach the grader.
    config = load_kubeconfig(kubeconfig, context_name(cluster_name))
    suite = suite_for(lab_id)
    clients = connect_config(config)
    namespace = f"grade-{lab_id}-" + "".join(secrets.choice(string.ascii_lowercase + string.digits)
                                             for _ in range(6))
    creds, work = Path(tempfile.mkdtemp(prefix="grade-creds-")), Path(tempfile.mkdtemp(prefix="grade-work-"))
    try:
        temp_config = write_kubeconfig(config, creds / "kubeconfig")
        ensure_namespace(clients, namespace, {LAB_LABEL: lab_id, GRADING_LABEL: "true"})
        progress(f"grade: namespace {namespace} created; running {notebook} (cell timeout {cell_timeout:g}s, "
                 f"overall {timeout:g}s)")
        execution = execute(notebook, work / "executed.ipynb", {
            "lab_id": lab_id, "namespace": namespace, "cluster_name": cluster_name, "kubeconfig": str(temp_config),
        }, cell_timeout=cell_timeout, timeout=timeout, child_output=child_output, kubeconfig=temp_config)
        progress("grade: notebook " + ("finished" if execution.ok else "stopped at " + execution.error.describe()))
        progress(f"grade: running {len(suite.checks)} checks of lab {lab_id}")
        report = suite.run(LabContext(lab_id, namespace, cluster_name, None, clients))
        result = GradeResult(str(notebook), lab_id, namespace, execution, report)
        write_reports(result, Path(out), work / "executed.ipynb")
        progress(f"grade: reports in {out}")
        return result
    finally:
        shutil.rmtree(creds, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        if keep_namespace:
            progress(f"grade: kept namespace {namespace} (delete it with `kubectl delete ns {namespace}`)")
        else:
            deleted = delete_grading_namespaces(clients, namespace)
            progress(f"grade: namespaces {', '.join(deleted)} deleted")


def delete_grading_namespaces(clients, namespace: str) -> list[str]:
    """Delete the grading namespace and any `<namespace>-<suffix>` namespace the lab made beside it."""
    return delete_namespaces(clients, [ns.metadata.name for ns in clients.core.list_namespace().items
                                       if ns.metadata.name == namespace or ns.metadata.name.startswith(namespace + "-")])
