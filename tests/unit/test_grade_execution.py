"""The grader's pure parts and its notebook runner, on notebooks that need no cluster."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from labsupport.checks import CheckSuite, fail, ok
from labsupport.execute import CellError, Execution, _failed_cell, read_submission
from labsupport.execute import execute as _execute
from labsupport.reports import GradeResult
from labsupport.reports import write_reports as _write_reports

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"


def _notebook(tmp_path: Path, *sources: str) -> Path:
    cells = [new_code_cell('lab_id = "00"\nnamespace = "lab-00"\ncluster_name = "kindlab"\nkubeconfig = None',
                           metadata={"tags": ["parameters"]})]
    cells += [new_code_cell(s) for s in sources]
    path = tmp_path / "submission.ipynb"
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                      "display_name": "Python 3"}}), path)
    return path


def _run(path: Path, tmp_path: Path, **kw) -> Execution:
    params = {"lab_id": "00", "namespace": "grade-00-x", "cluster_name": "kindlab", "kubeconfig": "/nonexistent"}
    return _execute(path, tmp_path / "executed.ipynb", params, cell_timeout=kw.get("cell_timeout", 60),
                    timeout=kw.get("timeout", 120), child_output=None, kubeconfig=Path("/nonexistent"))


@pytest.mark.parametrize("content", ['{"cells": [', '{"not": "a notebook"}', "plain text"])
def test_malformed_files_are_reported_not_raised(tmp_path, content):
    path = tmp_path / "bad.ipynb"
    path.write_text(content)
    nb, problem = read_submission(path)
    assert nb is None and problem.cell_index is None and problem.ename and problem.evalue


def test_malformed_fixture(tmp_path):
    execution = _run(FIXTURES / "malformed.ipynb", tmp_path)
    assert not execution.ok and execution.error.cell_index is None
    assert "before any cell ran" in execution.error.describe()


def test_cell_that_raises_is_named_by_index_and_first_line(tmp_path):
    path = _notebook(tmp_path, "x = 1", "# the broken one\nraise ValueError('bad value')", "y = 2")
    execution = _run(path, tmp_path)
    assert not execution.ok and execution.cells == 4
    assert execution.error == CellError(2, "# the broken one", "ValueError", "bad value")
    executed = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'namespace = "grade-00-x"' in injected[0].source


def test_the_runners_kernel_runs_with_live_views_off(tmp_path):
    # Nobody watches a graded or tested run: its live widgets must draw once, not follow pods for minutes.
    path = _notebook(tmp_path, "import os\nassert os.environ.get('LABSUPPORT_LIVE_VIEWS') == 'off', os.environ")
    execution = _run(path, tmp_path)
    assert execution.ok, execution.error


def test_cell_timeout_names_the_cell(tmp_path):
    path = _notebook(tmp_path, "x = 1", "import time\ntime.sleep(60)", "y = 2")
    execution = _run(path, tmp_path, cell_timeout=3)
    assert not execution.ok and execution.error.cell_index == 2 and execution.error.first_line == "import time"
    assert execution.error.ename == "CellTimeoutError"


def test_overall_timeout_names_the_cell(tmp_path):
    # The deadline counts the runner's and the kernel's start-up (seconds on a loaded CI machine): quick first
    # cells and a budget well above start-up, so the deadline falls in the third cell however busy the machine is.
    path = _notebook(tmp_path, "import time", "time.sleep(0.1)", "time.sleep(300)")
    execution = _run(path, tmp_path, cell_timeout=300, timeout=30)
    assert not execution.ok and execution.error.ename == "TimeoutError"
    assert "overall timeout" in execution.error.evalue and execution.error.cell_index == 3


def test_clean_run(tmp_path):
    execution = _run(_notebook(tmp_path, "print('hi')"), tmp_path)
    assert execution.ok and execution.error is None and execution.cells == 2


def test_failed_cell_without_index_is_the_last_started():
    nb = new_notebook(cells=[new_code_cell("a", metadata={"papermill": {"start_time": "t"}}),
                             new_code_cell("p", metadata={"tags": ["injected-parameters"],
                                                          "papermill": {"start_time": "t"}}),
                             new_code_cell("b", metadata={"papermill": {"start_time": "t"}}),
                             new_code_cell("c", metadata={"papermill": {"start_time": None}})])
    banner = new_code_cell("", metadata={"tags": ["papermill-error-cell-tag"]})
    assert _failed_cell(nb, None) == 1 and _failed_cell(nb, 2) == 1 and _failed_cell(nb, 0) == 0
    assert _failed_cell(None, 3) is None
    nb.cells.insert(0, banner)
    assert _failed_cell(nb, None) == 1 and _failed_cell(nb, 2) == 1


def _result(execution: Execution) -> GradeResult:
    suite = CheckSuite("99", "t")
    suite.check(id="good", title="Good", points=1)(lambda ctx: ok("fine"))
    suite.check(id="bad", title="Bad", points=2, hint="do X")(lambda ctx: fail("missing <thing>"))
    return GradeResult("labs/99-t.ipynb", "99", "grade-99-abcdef", execution, suite.run(None))


def test_reports_name_the_failed_cell_and_every_check(tmp_path):
    error = CellError(3, "raise RuntimeError('x')", "RuntimeError", "x & <y>")
    result = _result(Execution(False, 1.5, 5, error))
    executed = tmp_path / "executed-src.ipynb"
    executed.write_text("{}")
    _write_reports(result, tmp_path / "out", executed)
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["passed"] is False and data["score"] == 1 and data["max_score"] == 3
    assert data["execution"]["error"]["cell_index"] == 3 and [c["id"] for c in data["checks"]] == ["good", "bad"]
    root = ET.fromstring((tmp_path / "out" / "junit.xml").read_bytes())
    suite = root.find("testsuite")
    assert suite.find("properties/property[@name='namespace']").get("value") == "grade-99-abcdef"
    assert "cell 3 (`raise RuntimeError('x')`): RuntimeError: x & <y>" in suite.find("system-err").text
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "stopped at cell 3" in summary and "Every check was still evaluated" in summary
    assert (tmp_path / "out" / "executed.ipynb").read_text() == "{}"


def test_clean_run_summary():
    assert "ran top to bottom (5 cells" in _result(Execution(True, 2.0, 5)).to_markdown()
