"""Grade a submitted notebook: run it in a fresh namespace, then run the lab's checks in THIS process.

Isolation, in order: the kubeconfig is copied into memory before anything runs; the lab's checks and every
module the grader needs are imported up front; the notebook runs in a child process (papermill + a kernel) that
gets only a temporary copy of the credentials and never learns where the reports go; reports are written after
it has finished. So nothing the notebook prints, writes or redefines can change its grade: only the cluster
state it leaves behind, which is what the checks are about.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import nbformat
from kubernetes.client.exceptions import ApiException

import labsupport
from labsupport import find, manifests, podexec, waits  # noqa: F401  imported now: lab checks use them later
from labsupport.checks import Report, junit_document
from labsupport.config import DEFAULT_CLUSTER, GRADING_LABEL, LAB_LABEL, context_name
from labsupport.context import LabContext
from labsupport.errors import GradingError
from labsupport.kube import connect_config, load_kubeconfig, write_kubeconfig
from labsupport.namespaces import ensure_namespace
from labsupport.labs import suite_for

# Grace for kernel start and shutdown beyond the notebook's own time budget before the child is killed.
CHILD_GRACE = 120


@dataclass(frozen=True)
class CellError:
    """Where and how the run stopped. ``cell_index`` is 0-based in the submitted file; None if no cell ran."""

    cell_index: int | None
    first_line: str
    ename: str
    evalue: str

    def describe(self) -> str:
        where = "before any cell ran" if self.cell_index is None else \
            f"cell {self.cell_index} (`{self.first_line}`)"
        return f"{where}: {self.ename}: {self.evalue}"


@dataclass(frozen=True)
class Execution:
    ok: bool
    seconds: float
    cells: int
    error: CellError | None = None


@dataclass(frozen=True)
class GradeResult:
    notebook: str
    lab_id: str
    namespace: str
    execution: Execution
    report: Report

    @property
    def passed(self) -> bool:
        return self.report.passed

    def to_dict(self) -> dict:
        return {"notebook": self.notebook, "lab_id": self.lab_id, "namespace": self.namespace,
                "passed": self.passed, "score": self.report.score, "max_score": self.report.max_score,
                "execution": asdict(self.execution), "checks": self.report.to_dict()["results"]}

    def to_junit_xml(self) -> str:
        suite = self.report.to_junit_element()
        props = ET.Element("properties")
        for name, value in (("notebook", self.notebook), ("namespace", self.namespace),
                            ("execution", "ok" if self.execution.ok else "stopped")):
            ET.SubElement(props, "property", name=name, value=value)
        suite.insert(0, props)
        if self.execution.error:
            ET.SubElement(suite, "system-err").text = "Notebook stopped at " + self.execution.error.describe()
        root = ET.Element("testsuites", name=f"grade {Path(self.notebook).name}")
        root.append(suite)
        return junit_document(root)

    def to_markdown(self) -> str:
        ex = self.execution
        if ex.ok:
            run = f"The notebook ran top to bottom ({ex.cells} cells, {ex.seconds:.0f}s)."
        else:
            run = f"The notebook stopped at {ex.error.describe()}. Every check was still evaluated."
        return f"# Grade of {Path(self.notebook).name} (lab {self.lab_id})\n\n{run}\n\n{self.report.to_markdown()}"


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
        execution = _execute(notebook, work / "executed.ipynb", {
            "lab_id": lab_id, "namespace": namespace, "cluster_name": cluster_name, "kubeconfig": str(temp_config),
        }, cell_timeout=cell_timeout, timeout=timeout, child_output=child_output, kubeconfig=temp_config)
        progress("grade: notebook " + ("finished" if execution.ok else "stopped at " + execution.error.describe()))
        progress(f"grade: running {len(suite.checks)} checks of lab {lab_id}")
        report = suite.run(LabContext(lab_id, namespace, cluster_name, None, clients))
        result = GradeResult(str(notebook), lab_id, namespace, execution, report)
        _write_reports(result, Path(out), work / "executed.ipynb")
        progress(f"grade: reports in {out}")
        return result
    finally:
        shutil.rmtree(creds, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        if keep_namespace:
            progress(f"grade: kept namespace {namespace} (delete it with `kubectl delete ns {namespace}`)")
        else:
            deleted = _delete_namespaces(clients, namespace)
            progress(f"grade: namespaces {', '.join(deleted)} deleted")


def _delete_namespaces(clients, namespace: str) -> list[str]:
    """Delete the grading namespace and any `<namespace>-<suffix>` namespace the lab made beside it."""
    names = [ns.metadata.name for ns in clients.core.list_namespace().items
             if ns.metadata.name == namespace or ns.metadata.name.startswith(namespace + "-")]
    for name in names:
        try:
            clients.core.delete_namespace(name)
        except ApiException as exc:
            if exc.status != 404:
                raise
    return names


def read_submission(notebook: Path) -> tuple[nbformat.NotebookNode | None, CellError | None]:
    """The notebook, or the reason it is not one (invalid JSON, not nbformat 4, no cells)."""
    try:
        nb = nbformat.read(notebook, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # JSON, nbformat and validation errors are unrelated types
        return None, CellError(None, "", type(exc).__name__, _first_line(str(exc)) or "not a notebook")
    return nb, None


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _execute(notebook: Path, output: Path, parameters: dict, *, cell_timeout: float, timeout: float,
             child_output, kubeconfig: Path) -> Execution:
    nb, problem = read_submission(notebook)
    if problem:
        return Execution(False, 0.0, 0, problem)
    started = time.monotonic()
    result_file = output.with_suffix(".result.json")
    job = {"input": str(notebook), "output": str(output), "parameters": parameters, "cwd": str(notebook.parent),
           "cell_timeout": cell_timeout, "timeout": timeout, "result": str(result_file)}
    package_root = str(Path(labsupport.__file__).resolve().parent.parent)
    env = {**os.environ, "KUBECONFIG": str(kubeconfig),
           # kind and kubectl are installed beside this python: `!kubectl` cells find them as in `make lab`.
           "PATH": os.pathsep.join(p for p in (str(Path(sys.executable).parent), os.environ.get("PATH")) if p),
           # The kernel imports this labsupport even if it is not installed, and is this venv's python3.
           "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p),
           "JUPYTER_PATH": os.pathsep.join(p for p in (str(Path(sys.prefix) / "share" / "jupyter"),
                                                       os.environ.get("JUPYTER_PATH")) if p)}
    code = "import sys, labsupport.grade as g; g.child_main(sys.argv[1])"
    sink = subprocess.DEVNULL
    try:
        if child_output is not None:
            child_output.fileno()  # a captured stream (pytest, Jupyter) has none: then discard the progress bar
            sink = child_output
    except (AttributeError, OSError, ValueError):
        pass
    try:
        subprocess.run([sys.executable, "-c", code, json.dumps(job)], env=env, stdout=sink, stderr=sink,
                       stdin=subprocess.DEVNULL, timeout=timeout + CHILD_GRACE, check=False)
        outcome = json.loads(result_file.read_text())
    except subprocess.TimeoutExpired:
        outcome = {"ok": False, "ename": "TimeoutError", "evalue": f"the notebook ran past {timeout:g}s"}
    except (OSError, ValueError):
        outcome = {"ok": False, "ename": "GradingError", "evalue": "the notebook runner died without a result"}
    seconds = time.monotonic() - started
    cells = len(nb.cells)
    if outcome.get("ok"):
        return Execution(True, seconds, cells)
    executed = _read_quietly(output)
    index = _failed_cell(executed, outcome.get("cell_index"))
    first = _first_line(nb.cells[index].source) if index is not None and index < cells else ""
    return Execution(False, seconds, cells, CellError(index, first, outcome.get("ename", "Error"),
                                                      _first_line(outcome.get("evalue", ""))))


def _read_quietly(path: Path) -> nbformat.NotebookNode | None:
    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # a run killed mid-save leaves no usable notebook; the error is reported without a cell
        return None


def _failed_cell(executed: nbformat.NotebookNode | None, executed_index: int | None) -> int | None:
    """Index in the submitted notebook of the cell that failed, given the executed copy.

    papermill inserts an "injected-parameters" cell, so executed indices after it are one higher. Without an
    index (a timeout), the failed cell is the last one papermill started.
    """
    if executed is None:
        return None
    # papermill also puts an error banner first when a cell raised; its exception's index predates the banner.
    cells = [c for c in executed.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    if executed_index is None:
        started = [i for i, c in enumerate(cells) if (c.metadata.get("papermill") or {}).get("start_time")]
        if not started:
            return None
        executed_index = started[-1]
    injected = [i for i, c in enumerate(cells) if "injected-parameters" in c.metadata.get("tags", [])]
    return executed_index - sum(1 for i in injected if i < executed_index)


def _write_reports(result: GradeResult, out: Path, executed: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    (out / "junit.xml").write_text(result.to_junit_xml())
    (out / "summary.md").write_text(result.to_markdown())
    if executed.exists():
        shutil.copyfile(executed, out / "executed.ipynb")
    else:
        (out / "executed.ipynb").unlink(missing_ok=True)


def child_main(job_json: str) -> None:
    """Runs in the child process: execute the notebook with papermill, record how it ended."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    job = json.loads(job_json)
    deadline = time.monotonic() + job["timeout"]

    def cell_timeout(cell) -> float:
        # Each cell gets its own limit, cut short by the overall deadline, so nbclient stops the kernel cleanly.
        return max(1.0, min(job["cell_timeout"], deadline - time.monotonic()))

    try:
        papermill.execute_notebook(job["input"], job["output"], parameters=job["parameters"],
                                   kernel_name="python3", cwd=job["cwd"], progress_bar=True, log_output=False,
                                   execution_timeout=job["cell_timeout"], timeout_func=cell_timeout)
        outcome = {"ok": True}
    except PapermillExecutionError as exc:
        outcome = {"ok": False, "cell_index": exc.cell_index, "ename": exc.ename, "evalue": exc.evalue}
    except Exception as exc:  # CellTimeoutError, DeadKernelError, ...: the cell is found from the saved notebook
        overall = time.monotonic() >= deadline - 1
        outcome = {"ok": False, "ename": "TimeoutError" if overall else type(exc).__name__,
                   "evalue": f"the notebook ran past its overall timeout of {job['timeout']:g}s" if overall
                   else str(exc)}
    Path(job["result"]).write_text(json.dumps(outcome))

