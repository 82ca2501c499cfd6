"""Lab 02 (pods) graded for real: the answer key passes, the learner edition fails each check for the expected
reason, and each fixture notebook (one typical mistake) gets the partial score and the hint meant for it.

Each notebook runs through the real grader (papermill in a fresh namespace, checks in this process).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import papermill
import pytest

from labsupport.grade import grade
from labsupport.labs import suite_for

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
LAB = "02"
FIXTURES = ROOT / "tests" / "fixtures" / f"lab{LAB}"

# check id -> what the unsolved learner edition's result message says.
UNSOLVED = {
    "sidecar-pod": "No pod 'sidecar'",
    "pod-ip-changes": "No answer recorded for 'ip-before'",
    "restart-policy": "no pod 'flaky-onfailure'",
    "liveness-restart": "No pod 'liveness'",
    "readiness-gates-traffic": "No pods gate-a, gate-b and no Service 'gate'",
    "logs-and-exec": "No answer recorded for 'log-token'",
    "one-pod-per-tier": "No pods stack-web, stack-db",
}

# fixture -> (check id, expected points, text in the message, text in the hint)
MISTAKES = {
    "sidecar_volume_not_shared": ("sidecar-pod", 0.75, "no volume is mounted in both", "ONE emptyDir volume"),
    "restart_policy_always": ("restart-policy", 1.0, "flaky-onfailure has restartPolicy Always",
                              "restarts the container even after it exits 0"),
    "readiness_service_selector_mismatch": ("readiness-gates-traffic", 0.75,
                                            "the service selects 0 of the 2 gate pods: its selector is app=gates "
                                            "but the pods carry app=gate", "must match the pods' labels"),
    "logs_token_with_prefix": ("logs-and-exec", 1.0, "log-token 'log token:", "Record only the token itself"),
}


@pytest.fixture(autouse=True)
def venv_kubectl_first(monkeypatch, clients):  # clients: skip (or fail under CI) without the cluster
    """`!kubectl` cells must find the venv's kubectl (the cluster's version), not an older one on PATH."""
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


def run(notebook: Path, out: Path):
    result = grade(notebook, LAB, out=out, cell_timeout=300, timeout=900)
    return result, {r.id: r for r in result.report.results}


def test_answer_key_passes_every_check(tmp_path):
    result, checks = run(ROOT / "solutions" / "02-pods.ipynb", tmp_path)
    assert result.execution.ok, result.execution.error
    failed = {i: (r.message, r.hint) for i, r in checks.items() if not r.passed}
    assert not failed
    assert result.report.score == result.report.max_score
    assert set(checks) == set(UNSOLVED)


def test_answer_key_runs_twice_in_a_row(namespace, lab_ctx, tmp_path):
    """Re-running every cell in the same namespace must work (apply is idempotent, waits see the new state)."""
    solution = ROOT / "solutions" / "02-pods.ipynb"
    for run_number in (1, 2):
        papermill.execute_notebook(str(solution), str(tmp_path / f"run{run_number}.ipynb"), cwd=str(solution.parent),
                                   parameters={"namespace": namespace}, progress_bar=False, execution_timeout=300)
    report = suite_for(LAB).run(lab_ctx(LAB))
    assert report.passed, report.to_markdown()


def test_learner_edition_fails_every_check_for_the_expected_reason(tmp_path):
    result, checks = run(ROOT / "labs" / "02-pods.ipynb", tmp_path)
    assert result.execution.ok, result.execution.error  # the unsolved notebook still runs top to bottom
    assert set(checks) == set(UNSOLVED)
    for check_id, reason in UNSOLVED.items():
        assert not checks[check_id].passed, check_id
        assert checks[check_id].score == 0, check_id
        assert reason in checks[check_id].message, (check_id, checks[check_id].message)


@pytest.mark.parametrize("fixture", sorted(MISTAKES))
def test_typical_mistake_gets_partial_credit_and_its_hint(fixture, tmp_path):
    check_id, points, message, hint = MISTAKES[fixture]
    result, checks = run(FIXTURES / f"{fixture}.ipynb", tmp_path)
    assert result.execution.ok, result.execution.error
    got = checks[check_id]
    assert not got.passed
    assert got.score == points, (got.score, got.message)
    assert message in got.message
    assert hint in (got.hint or "")
