"""Lab 03 (workload controllers) graded for real: the answer key passes, the learner edition fails each check for
the expected reason, and each fixture notebook (one typical mistake) gets the partial score and the hint meant for
it.

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
LAB = "03"
FIXTURES = ROOT / "tests" / "fixtures" / f"lab{LAB}"

# check id -> what the unsolved learner edition's result message says.
UNSOLVED = {
    "replicaset-self-heals": "No ReplicaSet 'rs-demo'",
    "scaled-by-hand": "No ReplicaSet 'rs-demo'",
    "rollout-and-rollback": "No Deployment 'web'",
    "canary": "No Deployments shop-stable, shop-canary and no Service 'shop'",
    "daemonset-every-node": "No DaemonSet 'node-agent'",
    "statefulset-identity": "No StatefulSet 'db'",
    "job-completions": "No Job 'batch-work'",
    "job-retries": "No Job 'doomed'",
    "cronjob-on-demand": "No CronJob 'report'",
}

# fixture -> (check id, expected points, text in the message, text in the hint)
MISTAKES = {
    "canary_selector_includes_track": ("canary", 1.5, "the service selects only the track=stable pods",
                                       "Drop track from the Service's selector"),
    "daemonset_without_toleration": ("daemonset-every-node", 2.0, "none on ['kindlab-control-plane']",
                                     "does not tolerate it"),
    "deployment_without_change_cause": ("rollout-and-rollback", 3.0, "no kubernetes.io/change-cause annotation",
                                        "kubernetes.io/change-cause on the Deployment"),
    "cronjob_job_created_by_hand": ("cronjob-on-demand", 1.0, "the CronJob does not own it",
                                    "--from=cronjob/report"),
}


@pytest.fixture(autouse=True)
def venv_kubectl_first(monkeypatch, clients):  # clients: skip (or fail under CI) without the cluster
    """`!kubectl` cells must find the venv's kubectl (the cluster's version), not an older one on PATH."""
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


def run(notebook: Path, out: Path):
    result = grade(notebook, LAB, out=out, cell_timeout=300, timeout=900)
    return result, {r.id: r for r in result.report.results}


def test_answer_key_passes_every_check(tmp_path):
    result, checks = run(ROOT / "solutions" / "03-workloads.ipynb", tmp_path)
    assert result.execution.ok, result.execution.error
    failed = {i: (r.message, r.hint) for i, r in checks.items() if not r.passed}
    assert not failed
    assert result.report.score == result.report.max_score
    assert set(checks) == set(UNSOLVED)


def test_answer_key_runs_twice_in_a_row(namespace, lab_ctx, tmp_path):
    """Re-running every cell in the same namespace must work (apply is idempotent, waits see the new state)."""
    solution = ROOT / "solutions" / "03-workloads.ipynb"
    for run_number in (1, 2):
        papermill.execute_notebook(str(solution), str(tmp_path / f"run{run_number}.ipynb"), cwd=str(solution.parent),
                                   parameters={"namespace": namespace}, progress_bar=False, execution_timeout=300)
    report = suite_for(LAB).run(lab_ctx(LAB))
    assert report.passed, report.to_markdown()


def test_learner_edition_fails_every_check_for_the_expected_reason(tmp_path):
    result, checks = run(ROOT / "labs" / "03-workloads.ipynb", tmp_path)
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
