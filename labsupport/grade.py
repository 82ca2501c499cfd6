"""Grade a submitted notebook: run it confined as a tenant, then run the lab's checks in THIS process.

In order:
1. the grader's kubeconfig is read into memory and the lab's checks and every module they use are imported;
2. a tenant is made (``labsupport.tenancy``): the grading namespace (and the ``<namespace>-<suffix>`` ones the
   lab declares), quota, LimitRange, Pod Security, a ServiceAccount with ``edit`` there and the cluster reads
   the lab declares (``labsupport.tenantneeds``), and a token that expires after the submission's timeout;
3. the notebook runs in a sandbox (``labsupport.isolatedrun``): as user ``kindlab-grader-<slot>`` when the
   grader is root, in its own session and cgroup, with a private HOME holding only the tenant's kubeconfig, no
   grader environment, and the checkout (answer keys, tests) and the grader's HOME hidden. Everything it
   started is killed before ``run_notebook`` returns;
4. the checks run here with the grader's credentials; they read only the cluster;
5. the reports are written into ``out`` (which the notebook never learns, and cannot reach) without following
   links; then the tenant is torn down, past any finalizer the submission planted.

A lab that changes cluster-wide state (lab 01 cordons a node) takes a machine-wide lock, so its submissions are
graded one at a time. A lab that needs Docker (00, 01) gets the docker group, which is host root: the report
says so (``GradeResult.notes``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import string
import time
from pathlib import Path
from typing import Callable

from labsupport import answers, facts, find, manifests, podexec, waits  # noqa: F401  imported now: checks use them
from labsupport import sandboxslots, tenancy, tenantguard
from labsupport.config import DEFAULT_CLUSTER, GRADING_LABEL, TENANT_LABEL, context_name
from labsupport.context import LabContext
from labsupport.errors import GradingError
from labsupport.execute import CellError, Execution, execution_from, read_executed, read_submission
from labsupport.isolatedrun import CHILD_GRACE, IsolatedRun, run_notebook
from labsupport.kube import connect_config, load_kubeconfig
from labsupport.labs import suite_for
from labsupport.reports import GradeResult, write_reports
from labsupport.tenantneeds import needs_for

__all__ = ["CellError", "Execution", "GradeResult", "delete_grading_namespaces", "grade", "read_submission"]


def grade(notebook: str | os.PathLike, lab_id: str, *, out: str | os.PathLike, cell_timeout: float = 300,
          timeout: float = 1200, keep_namespace: bool = False, cluster_name: str = DEFAULT_CLUSTER,
          kubeconfig: str | None = None, progress: Callable[[str], None] = lambda line: None,
          child_output=None, slot: int | None = None) -> GradeResult:
    """Grade ``notebook`` as lab ``lab_id``; write the reports to ``out``. ``child_output``: where papermill's
    progress bar goes (a file object, e.g. sys.stderr; default: discarded). ``slot``: the sandbox slot to try
    first (grade-class gives each worker its own); a free one is taken if it is busy."""
    notebook = Path(notebook)
    if not notebook.is_file():
        raise GradingError(f"No notebook at {notebook}.", hint="Pass the path of a .ipynb file.")
    if cell_timeout <= 0 or timeout <= 0:
        raise GradingError("Timeouts must be positive.", hint="e.g. --cell-timeout 300 --timeout 1200")
    # Credentials into memory first: what the notebook later does to kubeconfig files cannot reach the grader.
    config = load_kubeconfig(kubeconfig, context_name(cluster_name))
    suite = suite_for(lab_id)
    clients = connect_config(config)
    needs = needs_for(lab_id)
    namespace = f"grade-{lab_id}-" + "".join(secrets.choice(string.ascii_lowercase + string.digits)
                                             for _ in range(6))
    serial = sandboxslots.cluster_lock() if needs.serialised else contextlib.nullcontext()
    with sandboxslots.claim(slot) as slot, serial:
        started = time.monotonic()
        tenantguard.ensure_guard(clients)
        tenant = None
        try:  # inside the try: a grader stopped (SIGTERM) while the tenant is being made still removes it
            tenant = tenancy.create(clients, config, namespace, lab_id=lab_id, needs=needs,
                                    lifetime=timeout + CHILD_GRACE, credential=needs.credential,
                                    labels={GRADING_LABEL: "true"})
            progress(f"grade: tenant {namespace} ready in {time.monotonic() - started:.1f}s (slot {slot}); running "
                     f"{notebook} (cell timeout {cell_timeout:g}s, overall {timeout:g}s)")
            Path(out).mkdir(parents=True, exist_ok=True)  # exists now, so the sandbox hides it
            nb, problem = read_submission(notebook)
            run = None
            if problem:
                execution = Execution(False, 0.0, 0, problem)
            else:
                run = run_notebook(notebook, tenant=tenant, lab_id=lab_id, cluster_name=cluster_name, slot=slot,
                                   cell_timeout=cell_timeout, timeout=timeout, child_output=child_output,
                                   hide=[notebook.resolve().parent, Path(out).resolve()])
                execution = execution_from(nb, run.outcome, read_executed(run.executed), run.sandbox.seconds)
            progress("grade: notebook " + ("finished" if execution.ok else "stopped at " + execution.error.describe()))
            progress(f"grade: running {len(suite.checks)} checks of lab {lab_id}")
            report = suite.run(LabContext(lab_id, namespace, cluster_name, None, clients))
            result = GradeResult(str(notebook), lab_id, namespace, execution, report, _notes(needs, run))
            write_reports(result, Path(out), run.executed if run else None)
            progress(f"grade: reports in {out}")
            return result
        finally:
            if keep_namespace and tenant:
                progress(f"grade: kept tenant {namespace}; remove it with labsupport.grade.delete_grading_namespaces"
                         f" or `kubectl delete namespace {' '.join(tenant.namespaces)}`, `kubectl delete "
                         f"clusterrolebinding -l {TENANT_LABEL}={namespace}` and its own objects named {namespace}-...")
            else:
                gone = tenancy.teardown(clients, namespace, namespaces=tenant.namespaces if tenant else ())
                progress(f"grade: namespaces {', '.join(gone.namespaces)} deleted in {gone.seconds:.1f}s" +
                         (f" (finalizers removed: {', '.join(gone.stripped)})" if gone.stripped else ""))


def _notes(needs, run: IsolatedRun | None) -> tuple[str, ...]:
    """What the report says about how the submission ran: its rights beyond its namespace, missing isolation."""
    notes = list(needs.describe())
    if run is not None:
        notes += [f"Isolation: {m}." for m in run.sandbox.isolation.missing]
        if run.sandbox.killed:
            notes.append(f"{run.sandbox.killed} process(es) the notebook left running were killed.")
    return tuple(notes)


def delete_grading_namespaces(clients, namespace: str) -> list[str]:
    """Tear down the tenant of a grading namespace kept with ``keep_namespace=True`` (what grade() does when it
    does not keep it): its namespaces, its bindings and the cluster objects named after it. The names deleted."""
    return list(tenancy.teardown(clients, namespace).namespaces)
