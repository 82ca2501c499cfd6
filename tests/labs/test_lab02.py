"""Lab 02 (pods) graded for real: the answer key passes, the learner edition fails each check for the expected
reason, and each fixture notebook (one typical mistake) gets the partial score and the hint meant for it.

Each notebook runs through the real grader (papermill in a fresh namespace, checks in this process).
"""

from __future__ import annotations

import pytest

from gradecases import ROOT, answer_key_passes, learner_edition_fails, mistake_scored, runs_twice

pytestmark = pytest.mark.cluster

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


def test_answer_key_passes_every_check(tmp_path):
    answer_key_passes(ROOT / "solutions" / "02-pods.ipynb", LAB, tmp_path, UNSOLVED)


def test_answer_key_runs_twice_in_a_row(namespace, lab_ctx, tmp_path):
    runs_twice(ROOT / "solutions" / "02-pods.ipynb", LAB, namespace, lab_ctx(LAB), tmp_path)


def test_learner_edition_fails_every_check_for_the_expected_reason(tmp_path):
    learner_edition_fails(ROOT / "labs" / "02-pods.ipynb", LAB, tmp_path, UNSOLVED)


@pytest.mark.parametrize("fixture", sorted(MISTAKES))
def test_typical_mistake_gets_partial_credit_and_its_hint(fixture, tmp_path):
    mistake_scored(FIXTURES / f"{fixture}.ipynb", LAB, tmp_path, MISTAKES[fixture])
