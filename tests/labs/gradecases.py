"""Every lab's expected grades as data, and the cases each lab is tested for, graded for real: the answer key
passes every check, the learner edition fails every check for its expected reason, a notebook with one typical
mistake gets its partial score and hint. Plus: the answer key, run again in the namespace it was graded in,
passes again.

The data of lab NN is tests/fixtures/labNN/expected.yaml (written by `python -m labsupport new-lab`, then
filled in by the lab's author).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import papermill
import yaml
from kubernetes.client.exceptions import ApiException

from labsupport.authoring import LabLayout, discover
from labsupport.grade import GradeResult, grade
from labsupport.labs import suite_for

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Expected:
    """One mistake's effect on one check: the points it still earns, text in its message and in its hint."""

    check: str
    score: float
    message: str
    hint: str


@dataclass(frozen=True)
class LabCase:
    lab: LabLayout
    exclusive: bool  # changes cluster-wide state (cordons a node, ...): runs alone
    runs_twice: bool
    extra_namespaces: tuple[str, ...]  # suffixes of <namespace>-<suffix> the lab creates
    unsolved: dict[str, str]  # check id -> text in its message on the unsolved learner edition
    mistakes: dict[str, tuple[Expected, ...]]  # fixture name -> the checks it fails
    alternatives: tuple[str, ...] = ()  # fixtures solved differently from the answer key: they pass every check

    @property
    def id(self) -> str:
        return self.lab.lab_id

    def fixture(self, name: str) -> Path:
        return self.lab.fixtures / f"{name}.ipynb"


def load(lab: LabLayout) -> LabCase:
    data = yaml.safe_load(lab.expected.read_text()) or {}
    return LabCase(lab, bool(data.get("exclusive")), bool(data.get("runs_twice")),
                   tuple(data.get("extra_namespaces") or ()), dict(data.get("unsolved") or {}),
                   {name: tuple(Expected(**e) for e in expected)
                    for name, expected in (data.get("mistakes") or {}).items()},
                   tuple(data.get("alternatives") or ()))


def cases() -> list[LabCase]:
    """Every lab that has an answer key in solutions/, with its expectations."""
    return [load(lab) for lab in discover(ROOT)]


def run(notebook: Path, lab: str, out: Path, keep_namespace: bool = False) -> tuple[GradeResult, dict]:
    result = grade(notebook, lab, out=out, cell_timeout=300, timeout=900, keep_namespace=keep_namespace)
    return result, {r.id: r for r in result.report.results}


def answer_key_passes(notebook: Path, lab: str, out: Path, check_ids, keep_namespace: bool = False) -> GradeResult:
    result, checks = run(notebook, lab, out, keep_namespace)
    assert result.execution.ok, result.execution.error
    failed = {i: (r.message, r.hint) for i, r in checks.items() if not r.passed}
    assert not failed
    assert result.report.score == result.report.max_score
    assert set(checks) == set(check_ids)
    return result


def alternative_passes(notebook: Path, lab: str, out: Path) -> None:
    """A right answer written differently from the answer key earns full marks: checks test outcomes, not text."""
    result, checks = run(notebook, lab, out)
    assert result.execution.ok, result.execution.error
    failed = {i: (r.message, r.hint) for i, r in checks.items() if not r.passed}
    assert not failed
    assert result.report.score == result.report.max_score


def learner_edition_fails(notebook: Path, lab: str, out: Path, unsolved: dict[str, str]) -> None:
    result, checks = run(notebook, lab, out)
    assert result.execution.ok, result.execution.error  # the unsolved notebook still runs top to bottom
    assert set(checks) == set(unsolved)
    for check_id, reason in unsolved.items():
        assert not checks[check_id].passed, check_id
        assert checks[check_id].score == 0, check_id
        assert reason in checks[check_id].message, (check_id, checks[check_id].message)


def mistake_scored(notebook: Path, lab: str, out: Path, expected: tuple[Expected, ...]) -> None:
    result, checks = run(notebook, lab, out)
    assert result.execution.ok, result.execution.error
    assert expected, f"{notebook.name}: expected.yaml names no check this mistake fails"
    for e in expected:
        check = checks[e.check]
        assert not check.passed, e.check
        assert check.score == e.score, (e.check, check.score, check.message)
        assert e.message in check.message, (e.check, check.message)
        assert e.hint in (check.hint or ""), (e.check, check.hint)


def reruns_in_place(notebook: Path, lab: str, namespace: str, ctx, out: Path) -> None:
    """Re-running every cell in the namespace a first run left behind must work (apply is idempotent, waits see
    the new state), and every check must pass again."""
    papermill.execute_notebook(str(notebook), str(out / "rerun.ipynb"), cwd=str(notebook.parent),
                               parameters={"namespace": namespace}, progress_bar=False, execution_timeout=300)
    report = suite_for(lab).run(ctx)
    assert report.passed, report.to_markdown()


def namespace_phase(clients, name: str) -> str:
    """"gone", or the namespace's phase (Active, Terminating)."""
    try:
        return clients.core.read_namespace(name).status.phase
    except ApiException as exc:
        if exc.status == 404:
            return "gone"
        raise


