"""The three cases every lab is tested for, graded for real: the answer key passes every check, the learner
edition fails every check for its expected reason, a notebook with one typical mistake gets its partial score
and hint. Plus: the answer key runs twice in a row in one namespace.
"""

from __future__ import annotations

from pathlib import Path

import papermill

from labsupport.grade import GradeResult, grade
from labsupport.labs import suite_for

ROOT = Path(__file__).resolve().parents[2]

# (check id, expected points, text in the message, text in the hint)
Expectation = tuple[str, float, str, str]


def run(notebook: Path, lab: str, out: Path) -> tuple[GradeResult, dict]:
    result = grade(notebook, lab, out=out, cell_timeout=300, timeout=900)
    return result, {r.id: r for r in result.report.results}


def answer_key_passes(notebook: Path, lab: str, out: Path, check_ids) -> GradeResult:
    result, checks = run(notebook, lab, out)
    assert result.execution.ok, result.execution.error
    failed = {i: (r.message, r.hint) for i, r in checks.items() if not r.passed}
    assert not failed
    assert result.report.score == result.report.max_score
    assert set(checks) == set(check_ids)
    return result


def learner_edition_fails(notebook: Path, lab: str, out: Path, unsolved: dict[str, str]) -> None:
    result, checks = run(notebook, lab, out)
    assert result.execution.ok, result.execution.error  # the unsolved notebook still runs top to bottom
    assert set(checks) == set(unsolved)
    for check_id, reason in unsolved.items():
        assert not checks[check_id].passed, check_id
        assert checks[check_id].score == 0, check_id
        assert reason in checks[check_id].message, (check_id, checks[check_id].message)


def mistake_scored(notebook: Path, lab: str, out: Path, expected: Expectation | list[Expectation]) -> None:
    result, checks = run(notebook, lab, out)
    assert result.execution.ok, result.execution.error
    for check_id, points, message, hint in expected if isinstance(expected, list) else [expected]:
        check = checks[check_id]
        assert not check.passed, check_id
        assert check.score == points, (check_id, check.score, check.message)
        assert message in check.message, (check_id, check.message)
        assert hint in (check.hint or ""), (check_id, check.hint)


def runs_twice(notebook: Path, lab: str, namespace: str, ctx, out: Path) -> None:
    """Re-running every cell in the same namespace must work (apply is idempotent, waits see the new state)."""
    for run_number in (1, 2):
        papermill.execute_notebook(str(notebook), str(out / f"run{run_number}.ipynb"), cwd=str(notebook.parent),
                                   parameters={"namespace": namespace}, progress_bar=False, execution_timeout=300)
    report = suite_for(lab).run(ctx)
    assert report.passed, report.to_markdown()
