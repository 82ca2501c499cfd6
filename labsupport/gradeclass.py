"""`python -m labsupport grade-class DIR --lab NN --jobs N`: grade every submission of a class, then write the
class's reports.

Each submission is graded by its own worker process (``python -m labsupport grade ... --slot S``, so a crash or
a hang costs one row, never the batch), N at a time (``labsupport.classrun``); the class reports come from the
rows (``labsupport.classreports``). A lab that changes cluster-wide state is graded one submission at a time
whatever ``jobs`` says. Layout of ``out``:

    gradebook.csv  summary.md  class-view.json  results.json
    0000/report.json junit.xml summary.md executed.ipynb gradescope.json classroom.json worker.log
    0001/...       (one folder per submission, numbered in file-name order; results.json names each file)
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from labsupport import classreports, sandbox, tenantguard
from labsupport.classresult import SubmissionResult
from labsupport.classrun import find_submissions, read_roster, run_class
from labsupport.config import DEFAULT_CLUSTER, context_name
from labsupport.errors import GradingError
from labsupport.isolatedrun import CHILD_GRACE
from labsupport.kube import connect_config, load_kubeconfig
from labsupport.labs import suite_for
from labsupport.tenantneeds import needs_for

# Beyond the notebook's own timeout and the sandbox's grace: tenant set-up, checks, reports, teardown (which
# may wait out planted finalizers).
WORKER_MARGIN = 150


@dataclass(frozen=True)
class ClassRun:
    rows: list[SubmissionResult]
    jobs: int
    seconds: float
    written: list[Path]


def worker_command(lab_id: str, *, cell_timeout: float, timeout: float, cluster_name: str,
                   kubeconfig: str | None) -> Callable[[Path, int, Path], list[str]]:
    def command(submission: Path, slot: int, out: Path) -> list[str]:
        return [sys.executable, "-m", "labsupport", "grade", str(submission), "--lab", lab_id, "--out", str(out),
                "--slot", str(slot), "--cell-timeout", f"{cell_timeout:g}", "--timeout", f"{timeout:g}",
                "--cluster", cluster_name, *(["--kubeconfig", kubeconfig] if kubeconfig else [])]
    return command


def grade_class(folder: str | os.PathLike, lab_id: str, *, out: str | os.PathLike, jobs: int = 4,
                cell_timeout: float = 300, timeout: float = 1200, overall_timeout: float | None = None,
                roster: str | os.PathLike | None = None, cluster_name: str = DEFAULT_CLUSTER,
                kubeconfig: str | None = None, progress: Callable[[str], None] = lambda line: None) -> ClassRun:
    started = time.monotonic()
    suite_for(lab_id)  # an unknown lab fails here, once, not once per submission
    submissions = find_submissions(folder)
    if not submissions:
        raise GradingError(f"No submissions in {folder}.", hint="Put one file per submission in the folder.")
    out = Path(out).resolve()
    if Path(folder).resolve() in (out, *out.parents):
        raise GradingError(f"The report folder {out} lies inside the submissions folder {folder}.",
                           hint="Write reports elsewhere: a submission must not find other submissions' reports.")
    needs = needs_for(lab_id)
    if needs.serialised and jobs > 1:
        progress(f"grade-class: lab {lab_id} changes cluster-wide state: grading one submission at a time")
        jobs = 1
    # Once, before the workers race for it: the admission policy every tenant relies on, and the sandbox users.
    tenantguard.ensure_guard(connect_config(load_kubeconfig(kubeconfig, context_name(cluster_name))))
    if os.geteuid() == 0:
        for slot in range(jobs):
            sandbox.ensure_user(slot)
    progress(f"grade-class: {len(submissions)} submissions of lab {lab_id}, {jobs} at a time, "
             f"{timeout:g}s each" + (f", {overall_timeout:g}s in all" if overall_timeout else ""))
    rows = run_class(submissions, worker_command(lab_id, cell_timeout=cell_timeout, timeout=timeout,
                                                 cluster_name=cluster_name, kubeconfig=kubeconfig),
                     lab_id=lab_id, out=out, jobs=jobs, each_timeout=timeout + CHILD_GRACE + WORKER_MARGIN,
                     overall_timeout=overall_timeout, roster=read_roster(roster) if roster else None,
                     progress=progress)
    written = classreports.write_all(rows, out, title=f"Lab {lab_id} grades")
    return ClassRun(rows, jobs, time.monotonic() - started, written)
