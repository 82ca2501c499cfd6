import json
import shutil
from pathlib import Path

import nbformat
import pytest

from labsupport import edition
from labsupport.errors import LabError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"


def test_solution_blocks_become_placeholders_with_their_indentation():
    source = "a\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n    b\n### BEGIN SOLUTION\ny\n### END SOLUTION"
    assert edition.strip_solutions(source) == "a\n    # YOUR CODE HERE\n    b\n# YOUR CODE HERE"


@pytest.mark.parametrize("source, problem", [
    ("### BEGIN SOLUTION\nx\n", "never closed"),
    ("x\n### END SOLUTION\n", "without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside another"),
])
def test_unbalanced_markers_are_errors_naming_the_line(source, problem):
    with pytest.raises(LabError, match=problem):
        edition.strip_solutions(source, where="nb cell 3")


def test_learner_edition_of_the_fixture():
    key = nbformat.read(FIXTURES / "answer_key.ipynb", as_version=4)
    learner = edition.learner_edition(key)
    sources = [c.source for c in learner.cells]
    assert sources[3] == "# Create the ConfigMap\n# YOUR CODE HERE\nprint('done')"
    assert sources[4] == "for name in ['a', 'b']:\n    # YOUR CODE HERE\n    pass\n# YOUR CODE HERE"
    assert "### BEGIN SOLUTION" in sources[2]  # markdown is not code: left as written
    assert learner.cells[0].metadata["tags"] == ["parameters"]
    assert all(c.outputs == [] and c.execution_count is None for c in learner.cells if c.cell_type == "code")
    assert key.cells[3].source.count("### BEGIN SOLUTION") == 1  # the answer key itself is untouched


def _tree(tmp_path: Path, *names: str) -> tuple[Path, Path]:
    solutions, labs = tmp_path / "solutions", tmp_path / "labs"
    solutions.mkdir()
    for name in names:
        shutil.copy(FIXTURES / name, solutions / name)
    return solutions, labs


def test_generate_then_check_is_clean_and_generation_is_stable(tmp_path):
    solutions, labs = _tree(tmp_path, "answer_key.ipynb")
    assert edition.check(solutions, labs) == [f"{labs / 'answer_key.ipynb'}: missing (run `python -m labsupport edition`)"]
    assert edition.generate(solutions, labs) == [labs / "answer_key.ipynb"]
    assert edition.check(solutions, labs) == []
    assert edition.generate(solutions, labs) == []  # nothing changes the second time


def test_check_names_stale_orphan_and_output_notebooks(tmp_path):
    solutions, labs = _tree(tmp_path, "answer_key.ipynb", "with_outputs.ipynb")
    edition.generate(solutions, labs)
    learner = labs / "answer_key.ipynb"
    data = json.loads(learner.read_text())
    data["cells"][3]["source"] = "print('edited by hand')"
    learner.write_text(json.dumps(data))
    shutil.copy(FIXTURES / "with_outputs.ipynb", labs / "orphan.ipynb")
    problems = "\n".join(edition.check(solutions, labs))
    assert f"{learner}: stale" in problems
    assert f"{solutions / 'with_outputs.ipynb'}: has outputs" in problems
    assert f"{labs / 'orphan.ipynb'}: no answer key" in problems


def test_whitespace_only_differences_are_not_drift(tmp_path):
    solutions, labs = _tree(tmp_path, "answer_key.ipynb")
    edition.generate(solutions, labs)
    learner = labs / "answer_key.ipynb"
    learner.write_text(json.dumps(json.loads(learner.read_text()), indent=4))
    assert edition.check(solutions, labs) == []


def test_unbalanced_answer_key_is_reported_not_raised(tmp_path):
    solutions, labs = _tree(tmp_path, "unbalanced_markers.ipynb")
    problems = edition.check(solutions, labs)
    assert len(problems) == 1 and "never closed" in problems[0] and "unbalanced_markers.ipynb cell 1" in problems[0]
