"""Grading against the real cluster, with lab 00's checks and notebooks named by expected outcome."""

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
from kubernetes.client.exceptions import ApiException

from labsupport import edition, tenancy
from labsupport.config import GRADING_LABEL, LAB_LABEL
from labsupport.grade import grade
from labsupport.labs import available, suite_for

pytestmark = [pytest.mark.cluster,
              pytest.mark.skipif("00" not in available(), reason="lab 00 has no checks yet (labsupport/labs/lab00.py)")]

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "notebooks"
ANSWER_KEY = REPO / "solutions" / "00-welcome.ipynb"


def _copy(src: Path, tmp_path: Path) -> Path:
    """Graded from a scratch folder: the notebook's working directory is its own folder."""
    dst = tmp_path / "work" / src.name
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dst)
    return dst


def _gone(clients, namespace: str) -> bool:
    try:
        return clients.core.read_namespace(namespace).status.phase == "Terminating"
    except ApiException as exc:
        return exc.status == 404


def _assert_every_check_evaluated(result):
    assert [r.id for r in result.report.results] == [c.id for c in suite_for("00").checks]


def _cli(notebook: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labsupport", "grade", str(notebook), "--lab", "00",
                           "--out", str(out), *extra], capture_output=True, text=True, timeout=1500)


@pytest.mark.skipif(not ANSWER_KEY.exists(), reason="no answer key solutions/00-welcome.ipynb yet")
def test_answer_key_passes_and_namespace_is_deleted(clients, tmp_path):
    out = tmp_path / "out"
    done = _cli(_copy(ANSWER_KEY, tmp_path), out)
    report = json.loads((out / "report.json").read_text())
    assert done.returncode == 0, done.stdout + done.stderr
    assert report["passed"] and report["execution"]["ok"] and report["score"] == report["max_score"]
    assert "grade: running" in done.stderr and "# Grade of 00-welcome.ipynb" in done.stdout
    assert {p.name for p in out.iterdir()} >= {"report.json", "junit.xml", "summary.md", "executed.ipynb"}
    ET.fromstring((out / "junit.xml").read_bytes())
    assert report["namespace"].startswith("grade-00-") and _gone(clients, report["namespace"])


@pytest.mark.skipif(not ANSWER_KEY.exists(), reason="no answer key solutions/00-welcome.ipynb yet")
def test_learner_edition_runs_top_to_bottom_and_fails(clients, tmp_path):
    learner = tmp_path / "work" / "00-welcome.ipynb"
    learner.parent.mkdir()
    nbformat.write(edition.learner_edition(nbformat.read(ANSWER_KEY, as_version=4)), learner)
    result = grade(learner, "00", out=tmp_path / "out", cell_timeout=300, timeout=900)
    assert result.execution.ok, result.execution.error
    assert not result.passed
    _assert_every_check_evaluated(result)


def test_cell_that_raises_is_named_and_every_check_runs(clients, tmp_path):
    result = grade(_copy(FIXTURES / "raises_in_cell.ipynb", tmp_path), "00", out=tmp_path / "out")
    error = result.execution.error
    assert (error.cell_index, error.first_line, error.ename) == (3, "# this cell fails on purpose", "RuntimeError")
    assert "deliberate failure" in error.evalue
    _assert_every_check_evaluated(result)
    assert not result.passed
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "cell 3 (`# this cell fails on purpose`): RuntimeError" in summary
    assert _gone(clients, result.namespace)


def test_malformed_notebook_still_gets_a_report(clients, tmp_path):
    out = tmp_path / "out"
    done = _cli(_copy(FIXTURES / "malformed.ipynb", tmp_path), out)
    assert done.returncode == 1, done.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["execution"]["error"]["cell_index"] is None and report["execution"]["error"]["ename"]
    assert [c["id"] for c in report["checks"]] == [c.id for c in suite_for("00").checks]


def test_cell_timeout_names_the_sleeping_cell(clients, tmp_path):
    result = grade(_copy(FIXTURES / "times_out.ipynb", tmp_path), "00", out=tmp_path / "out", cell_timeout=5)
    error = result.execution.error
    assert error.cell_index == 2 and error.ename == "CellTimeoutError"
    assert error.first_line.startswith("# sleeps past")
    _assert_every_check_evaluated(result)


def test_submission_cannot_fake_its_grade(clients, tmp_path):
    out = tmp_path / "work" / "out"  # exactly where the notebook writes its fake reports
    done = _cli(_copy(FIXTURES / "tampers.ipynb", tmp_path), out)
    assert done.returncode == 1
    assert "PASSED: score 100/100" not in done.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["passed"] is False and report["namespace"].startswith("grade-00-")
    assert report["execution"]["ok"]  # the tampering cell itself ran fine; it just changed nothing
    assert "all checks pass" != (out / "summary.md").read_text()


def test_keep_namespace_leaves_it_labelled(clients, tmp_path):
    result = grade(_copy(FIXTURES / "raises_in_cell.ipynb", tmp_path), "00", out=tmp_path / "out",
                   keep_namespace=True)
    try:
        labels = clients.core.read_namespace(result.namespace).metadata.labels
        assert labels[LAB_LABEL] == "00" and labels[GRADING_LABEL] == "true"
    finally:
        tenancy.teardown(clients, result.namespace)


CONFINED = [
    "import os, pathlib, subprocess\nprint('UID', os.getuid(), 'SECRET', os.environ.get('GRADER_SECRET'))",
    # the exploit that worked before: import the answer key from the checkout beside labsupport
    "import labsupport\nrepo = pathlib.Path(labsupport.__file__).resolve().parents[1]\n"
    "for p in [repo / 'solutions' / '02-pods.ipynb', {key!r}, {submissions!r}, '/root/.kube/config']:\n"
    "    try:\n        print('READ', p, len(pathlib.Path(p).read_bytes()))\n"
    "    except OSError as e:\n        print('NO', p, type(e).__name__)",
    "r = subprocess.run(['kubectl', 'auth', 'whoami', '-o', 'jsonpath={{.status.userInfo.username}}'], "
    "capture_output=True, text=True)\nprint('WHO', r.stdout)",
]


def test_kernel_runs_as_the_tenant_and_cannot_read_the_checkout(clients, tmp_path):
    cells = [nbformat.v4.new_code_cell('lab_id = "02"\nnamespace = "lab-02"\ncluster_name = "kindlab"\n'
                                       'kubeconfig = None', metadata={"tags": ["parameters"]})]
    cells += [nbformat.v4.new_code_cell(src.format(key=str(REPO / "solutions" / "02-pods.ipynb"),
                                                   submissions=str(tmp_path / "work" / "other.ipynb")))
              for src in CONFINED]
    notebook = tmp_path / "work" / "confined.ipynb"
    notebook.parent.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "language": "python", "display_name": "Python 3"}}), notebook)
    (tmp_path / "work" / "other.ipynb").write_text("another student's work")
    (tmp_path / "work" / "other.ipynb").chmod(0o644)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "labsupport", "grade", str(notebook), "--lab", "02", "--out",
                           str(out), "--require-isolation"], capture_output=True, text=True, timeout=900,
                          env={**os.environ, "GRADER_SECRET": "s3cret"})
    report = json.loads((out / "report.json").read_text())
    assert report["execution"]["ok"], done.stderr[-2000:]
    executed = nbformat.read(out / "executed.ipynb", as_version=4)
    text = "\n".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "UID 0" not in text and "SECRET None" in text
    assert "READ" not in text and text.count("NO ") == 4, text
    assert f"WHO system:serviceaccount:{report['namespace']}:kindlab-tenant" in text
    assert _gone(clients, report["namespace"])
