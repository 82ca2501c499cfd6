"""Lab 00 (welcome and setup) graded for real: the answer key passes, the learner edition fails each check for
the expected reason, and each fixture notebook (one typical mistake) gets the partial score and the hint meant
for it.

Each notebook runs through the real grader (papermill in a fresh namespace, checks in this process).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from labsupport.grade import grade

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
LAB = "00"
FIXTURES = ROOT / "tests" / "fixtures" / f"lab{LAB}"

# check id -> what the unsolved learner edition's result message says.
UNSOLVED = {
    "preflight-inotify": "No answer recorded for 'inotify-max-user-instances'",
    "kind-nodes": "No answer recorded for 'kind-containers'",
    "first-kubectl": "No answer recorded for 'server-version'",
    "nodes-ready": "No answer recorded for 'ready-nodes'",
    "container-runtime": "No answer recorded for 'container-runtime'",
    "first-configmap": "No ConfigMap 'welcome'",
    "first-pod": "No pod 'hello'",
}

# fixture -> [(check id, expected points, text in the message, text in the hint)]
MISTAKES = {
    "node_count_workers_only": [("first-kubectl", 1.0, "node count answer '2' is not 3",
                                 "You counted only the workers")],
    "inotify_watches_not_instances": [("preflight-inotify", 0.0, "this machine's max_user_instances is",
                                       "You recorded max_user_watches")],
    "configmap_wrong_key_pod_without_requests": [
        ("first-configmap", 0.5, "ConfigMap 'welcome' exists but its data is", "the key 'greeting'"),
        ("first-pod", 1.5, "Pod 'hello' sets no resource requests", "Request a little CPU and memory"),
    ],
}


@pytest.fixture(autouse=True)
def venv_kubectl_first(monkeypatch):
    """`!kubectl` cells must find the venv's kubectl (the cluster's version), not an older one on PATH."""
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


def run(notebook: Path, out: Path):
    result = grade(notebook, LAB, out=out, cell_timeout=300, timeout=900)
    return result, {r.id: r for r in result.report.results}


def test_answer_key_passes_every_check(tmp_path):
    result, checks = run(ROOT / "solutions" / "00-welcome.ipynb", tmp_path)
    assert result.execution.ok, result.execution.error
    failed = {i: (r.message, r.hint) for i, r in checks.items() if not r.passed}
    assert not failed
    assert result.report.score == result.report.max_score
    assert set(checks) == set(UNSOLVED)


def test_learner_edition_fails_every_check_for_the_expected_reason(tmp_path):
    result, checks = run(ROOT / "labs" / "00-welcome.ipynb", tmp_path)
    assert result.execution.ok, result.execution.error  # the unsolved notebook still runs top to bottom
    assert set(checks) == set(UNSOLVED)
    for check_id, reason in UNSOLVED.items():
        assert not checks[check_id].passed, check_id
        assert checks[check_id].score == 0, check_id
        assert reason in checks[check_id].message, (check_id, checks[check_id].message)


@pytest.mark.parametrize("fixture", sorted(MISTAKES))
def test_typical_mistake_gets_partial_credit_and_its_hint(fixture, tmp_path):
    result, checks = run(FIXTURES / f"{fixture}.ipynb", tmp_path)
    assert result.execution.ok, result.execution.error
    for check_id, points, message, hint in MISTAKES[fixture]:
        check = checks[check_id]
        assert not check.passed, check_id
        assert check.score == points, (check_id, check.score, check.message)
        assert message in check.message, (check_id, check.message)
        assert hint in (check.hint or ""), (check_id, check.hint)
