"""Every lab lines up (no cluster needed): number and slug agree across solutions/NN-slug.ipynb,
labs/NN-slug.ipynb, labsupport/labs/labNN.py (SUITE.lab_id), tests/fixtures/labNN/ (expected.yaml) and the
parameters cell; every check names a task that exists as a task heading of the notebook; the tests' data names
exactly the lab's checks and fixtures."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import yaml

from labsupport.authoring import discover, notebook_tasks, parameters
from labsupport.labs import available, suite_for

ROOT = Path(__file__).resolve().parents[2]
LABS = discover(ROOT)


def _lab(lab_id):
    return next(lab for lab in LABS if lab.lab_id == lab_id)


def _ids():
    return [lab.lab_id for lab in LABS]


def test_there_are_labs_and_each_check_module_has_an_answer_key():
    assert len(LABS) >= 4
    assert available() == _ids(), "a labsupport/labs/labNN.py without solutions/NN-*.ipynb, or the reverse"
    fixture_dirs = sorted(p.name for p in (ROOT / "tests" / "fixtures").glob("lab[0-9][0-9]"))
    assert fixture_dirs == [f"lab{i}" for i in _ids()]
    learner = sorted(p.name for p in (ROOT / "labs").glob("*.ipynb"))
    assert learner == sorted(lab.learner.name for lab in LABS)


@pytest.mark.parametrize("lab_id", _ids())
def test_number_and_slug_agree_everywhere(lab_id):
    lab = _lab(lab_id)
    assert lab.learner.exists(), f"{lab.learner} missing: run `python -m labsupport edition`"
    assert suite_for(lab_id).lab_id == lab_id
    for path in (lab.solution, lab.learner):
        values = parameters(nbformat.read(path, as_version=4))
        assert values.get("lab_id") == lab_id, path
        assert values.get("namespace") == f"lab-{lab_id}", path
        assert set(values) >= {"lab_id", "namespace", "cluster_name", "kubeconfig"}, path
    data = yaml.safe_load(lab.expected.read_text())
    assert (data["lab"], data["slug"]) == (lab_id, lab.slug), lab.expected


@pytest.mark.parametrize("lab_id", _ids())
def test_every_check_grades_a_task_of_the_notebook(lab_id):
    tasks = notebook_tasks(nbformat.read(_lab(lab_id).solution, as_version=4))
    assert tasks, "the notebook has no task headings ('## 1. Title')"
    for check in suite_for(lab_id).checks:
        assert isinstance(check.task, int), f"check {check.id} names no task"
        assert check.task in tasks, f"check {check.id}: task {check.task} is not a heading of the notebook"


@pytest.mark.parametrize("lab_id", _ids())
def test_tests_data_names_the_labs_checks_and_fixtures(lab_id):
    lab = _lab(lab_id)
    data = yaml.safe_load(lab.expected.read_text())
    check_ids = {c.id for c in suite_for(lab_id).checks}
    assert set(data["unsolved"]) == check_ids, "expected.yaml's unsolved reasons must cover every check"
    assert all(isinstance(reason, str) and reason for reason in data["unsolved"].values())
    mistakes = data.get("mistakes") or {}
    alternatives = data.get("alternatives") or []
    assert not set(mistakes) & set(alternatives), "a fixture is either a mistake or a right answer, not both"
    assert sorted([*mistakes, *alternatives]) == sorted(p.stem for p in lab.fixtures.glob("*.ipynb")), \
        "each fixture notebook needs expectations in expected.yaml, and each expectation a fixture"
    for name, expected in mistakes.items():
        assert expected, name
        for e in expected:
            assert set(e) == {"check", "score", "message", "hint"}, (name, e)
            assert e["check"] in check_ids, (name, e["check"])


def test_task_headings_are_read_from_either_form():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## 1. Chapter\n\n### Task 1 — first\n\ntext\n### Task 2: second"),
        nbformat.v4.new_markdown_cell("## 2. Another chapter")])
    assert notebook_tasks(nb) == {1: "first", 2: "second"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Lab\n## 1. Pods\n## 2. Probes\n## Check your work")]
    assert notebook_tasks(nb) == {1: "Pods", 2: "Probes"}
