"""`python -m labsupport new-lab NN slug`: generated into a temporary copy of the repository's skeleton, the lab
passes the notebook rules CI applies, its check module imports with one check per task, and its test data names
those checks. Bad input and existing files are refused with a hint."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from labsupport import edition
from labsupport.authoring import layout, notebook_tasks, parameters
from labsupport.authoring.newlab import new_lab
from labsupport.checks import CheckSuite
from labsupport.errors import LabError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path):
    """An empty course repository: the folders new-lab writes into."""
    (tmp_path / "solutions").mkdir()
    (tmp_path / "labsupport" / "labs").mkdir(parents=True)
    return tmp_path


def _suite(path: Path) -> CheckSuite:
    spec = importlib.util.spec_from_file_location(f"generated_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SUITE


def test_writes_the_three_authored_files_and_the_learner_edition(repo):
    written = new_lab(repo, "07", "config-maps")
    lab = layout(repo, "07", "config-maps")
    assert written == [lab.solution, lab.checks, lab.expected, lab.learner]
    assert [p.relative_to(repo).as_posix() for p in written] == [
        "solutions/07-config-maps.ipynb", "labsupport/labs/lab07.py", "tests/fixtures/lab07/expected.yaml",
        "labs/07-config-maps.ipynb"]


def test_generated_notebooks_pass_the_edition_check(repo):
    new_lab(repo, "04", "services")
    assert edition.check(repo / "solutions", repo / "labs") == []
    assert edition.generate(repo / "solutions", repo / "labs") == []  # the learner edition is already current
    key = nbformat.read(repo / "solutions" / "04-services.ipynb", as_version=4)
    nbformat.validate(key)
    assert not edition.has_outputs(key)
    learner = nbformat.read(repo / "labs" / "04-services.ipynb", as_version=4)
    assert "### BEGIN SOLUTION" not in nbformat.writes(learner) and "# YOUR CODE HERE" in nbformat.writes(learner)


def test_answer_key_has_every_part_of_the_lab_format(repo):
    new_lab(repo, "04", "services", tasks=2, stretch=1)
    key = nbformat.read(repo / "solutions" / "04-services.ipynb", as_version=4)
    assert key.cells[1].metadata["tags"] == ["parameters"]
    assert parameters(key) == {"lab_id": "04", "namespace": "lab-04", "cluster_name": "kindlab", "kubeconfig": None}
    assert "lab.start(lab_id" in key.cells[2].source
    header = key.cells[0].source
    for part in ("What you will learn", "Prerequisites", "Time"):
        assert part in header
    tasks = notebook_tasks(key)
    assert list(tasks) == [1, 2, 3] and tasks[3].startswith("Stretch")
    sources = [c.source for c in key.cells]
    for n in tasks:  # a solution block, then the task's own check cell right after it
        at = sources.index(f"lab.check(ctx, task={n})")
        assert sources[at - 1].startswith("### BEGIN SOLUTION") and "### END SOLUTION" in sources[at - 1]
    text = "\n".join(sources)
    for part in ("If it fails", "kubectl describe", "get events", "logs", "--previous", "kubectl debug",
                 "## Recap", "<details>", "lab.check(ctx)", "widgets.check_button(ctx)", "## Clean up"):
        assert part in text, part
    assert sources[-1].startswith("clean_up = False")  # running the notebook top to bottom keeps the work


def test_check_module_has_one_check_per_task_and_imports(repo):
    new_lab(repo, "05", "storage", tasks=3, stretch=2)
    suite = _suite(repo / "labsupport" / "labs" / "lab05.py")
    assert suite.lab_id == "05" and suite.title == "Storage"
    assert [c.task for c in suite.checks] == [1, 2, 3, 4, 5]
    assert [c.required for c in suite.checks] == [True, True, True, False, False]
    key = nbformat.read(repo / "solutions" / "05-storage.ipynb", as_version=4)
    assert set(suite.tasks) == set(notebook_tasks(key))
    # Without a cluster every check fails with a reason rather than crashing the suite.
    report = suite.run(None, task=2)
    assert [r.id for r in report.results] == ["example-2"] and "could not run" in report.results[0].message


def test_test_data_names_the_checks(repo):
    new_lab(repo, "05", "storage")
    data = yaml.safe_load((repo / "tests" / "fixtures" / "lab05" / "expected.yaml").read_text())
    suite = _suite(repo / "labsupport" / "labs" / "lab05.py")
    assert (data["lab"], data["slug"]) == ("05", "storage")
    assert set(data["unsolved"]) == {c.id for c in suite.checks}
    assert data["mistakes"] == {} and data["runs_twice"] is True and data["exclusive"] is False


@pytest.mark.parametrize("lab_id, slug, problem", [
    ("4", "services", "not two digits"), ("100", "services", "not two digits"), ("ab", "x", "not two digits"),
    ("04", "Services", "lower-case"), ("04", "pod_network", "lower-case"), ("04", "-x", "lower-case"),
    ("04", "a--b", "lower-case"), ("04", "4pods", "lower-case"), ("04", "", "lower-case"),
])
def test_bad_number_or_slug_is_refused_with_a_hint(repo, lab_id, slug, problem):
    with pytest.raises(LabError, match=problem) as info:
        new_lab(repo, lab_id, slug)
    assert info.value.hint
    assert list(repo.rglob("*.ipynb")) == []


def test_existing_files_are_never_overwritten(repo):
    new_lab(repo, "04", "services")
    key = repo / "solutions" / "04-services.ipynb"
    before = key.read_text()
    with pytest.raises(LabError, match="already exists") as info:
        new_lab(repo, "04", "services")
    assert "free lab number" in info.value.hint
    with pytest.raises(LabError, match="solutions/04-services.ipynb"):  # same number, another slug
        new_lab(repo, "04", "ingress")
    assert key.read_text() == before and not (repo / "solutions" / "04-ingress.ipynb").exists()


def test_a_lone_check_module_also_blocks_the_number(repo):
    (repo / "labsupport" / "labs" / "lab06.py").write_text("# someone's work\n")
    with pytest.raises(LabError, match="labsupport/labs/lab06.py"):
        new_lab(repo, "06", "anything")
    assert (repo / "labsupport" / "labs" / "lab06.py").read_text() == "# someone's work\n"
    assert list((repo / "solutions").iterdir()) == []


def test_outside_the_repository_is_refused(tmp_path):
    with pytest.raises(LabError, match="not the course repository"):
        new_lab(tmp_path, "04", "services")


def test_command_line(repo):
    run = [sys.executable, "-m", "labsupport", "new-lab"]
    done = subprocess.run([*run, "04", "services", "--root", str(repo), "--tasks", "2", "--stretch", "0"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("wrote ") == 4
    assert _suite(repo / "labsupport" / "labs" / "lab04.py").tasks == [1, 2]
    again = subprocess.run([*run, "04", "services", "--root", str(repo)], capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 2 and "error: Lab 04 already exists" in again.stderr and "hint:" in again.stderr
