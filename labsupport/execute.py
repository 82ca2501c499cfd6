"""Run a submitted notebook in a child process (papermill + a kernel) and say how the run ended.

The child gets its parameters, a kubeconfig path and a file to write its outcome to; nothing else of the grader.
Where the run stopped is reported precisely (`CellError`: which cell of the SUBMITTED file, its first line, the
exception), also when the notebook is not a notebook at all or runs past its time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

import labsupport
from labsupport.config import LIVE_VIEWS_ENV

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


def execute(notebook: Path, output: Path, parameters: dict, *, cell_timeout: float, timeout: float,
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
    code = ("import labsupport.leanimports as lean; lean.skip_iri_formats(); "
            "import sys, labsupport.execute as x; x.child_main(sys.argv[1])")
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
    return execution_from(nb, outcome, _read_quietly(output) if not outcome.get("ok") else None,
                          time.monotonic() - started)


def execution_from(nb: nbformat.NotebookNode, outcome: dict, executed: nbformat.NotebookNode | None,
                   seconds: float) -> Execution:
    """How a run of the submitted ``nb`` ended, from the runner's ``outcome`` (ok, or ename/evalue/cell_index)
    and the executed copy (None if there is none), which locates the failed cell when a timeout left no index."""
    cells = len(nb.cells)
    if outcome.get("ok"):
        return Execution(True, seconds, cells)
    index = _failed_cell(executed, outcome.get("cell_index"))
    first = _first_line(nb.cells[index].source) if index is not None and index < cells else ""
    return Execution(False, seconds, cells, CellError(index, first, str(outcome.get("ename", "Error")),
                                                      _first_line(str(outcome.get("evalue", "")))))


def _read_quietly(path: Path | bytes | None) -> nbformat.NotebookNode | None:
    """The executed notebook from a file or bytes; None when missing or unreadable."""
    try:
        return nbformat.reads(path.decode(), as_version=4) if isinstance(path, bytes) else \
            nbformat.read(path, as_version=4)
    except Exception:  # a run killed mid-save leaves no usable notebook; the error is reported without a cell
        return None


def read_executed(data: bytes | None) -> nbformat.NotebookNode | None:
    """The executed notebook's bytes (as a sandbox returns them) parsed, or None."""
    return _read_quietly(data) if data else None


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


def child_main(job_json: str) -> None:
    """Runs in the child process: execute the notebook with papermill, record how it ended."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    job = json.loads(job_json)
    os.environ[LIVE_VIEWS_ENV] = "off"  # the kernel inherits it: nobody watches this run's live views
    # The deadline the grader set when it started this process (wall clock), so our own start-up counts too.
    deadline = job.get("deadline") or time.time() + job["timeout"]

    def cell_timeout(cell) -> float:
        # Each cell gets its own limit, cut short by the overall deadline, so nbclient stops the kernel cleanly.
        return max(1.0, min(job["cell_timeout"], deadline - time.time()))

    try:
        # shutdown_kernel="immediate": a kernel stuck in a loop never answers a polite shutdown request, and
        # waiting for it would delay the report of a hung notebook by jupyter_client's shutdown wait.
        papermill.execute_notebook(job["input"], job["output"], parameters=job["parameters"],
                                   kernel_name="python3", cwd=job["cwd"], progress_bar=True, log_output=False,
                                   execution_timeout=job["cell_timeout"], timeout_func=cell_timeout,
                                   shutdown_kernel="immediate")
        outcome = {"ok": True}
    except PapermillExecutionError as exc:
        outcome = {"ok": False, "cell_index": exc.cell_index, "ename": exc.ename, "evalue": exc.evalue}
    except Exception as exc:  # CellTimeoutError, DeadKernelError, ...: the cell is found from the saved notebook
        overall = time.time() >= deadline - 1
        outcome = {"ok": False, "ename": "TimeoutError" if overall else type(exc).__name__,
                   "evalue": f"the notebook ran past its overall timeout of {job['timeout']:g}s" if overall
                   else str(exc)}
    Path(job["result"]).write_text(json.dumps(outcome))

