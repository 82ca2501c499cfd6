"""Lab 03 (workload controllers) graded for real: the answer key passes, the learner edition fails each check for
the expected reason, and each fixture notebook (one typical mistake) gets the partial score and the hint meant for
it.

Each notebook runs through the real grader (papermill in a fresh namespace, checks in this process).
"""

from __future__ import annotations

import pytest

from gradecases import ROOT, answer_key_passes, learner_edition_fails, mistake_scored, runs_twice

pytestmark = pytest.mark.cluster

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


def test_answer_key_passes_every_check(tmp_path):
    answer_key_passes(ROOT / "solutions" / "03-workloads.ipynb", LAB, tmp_path, UNSOLVED)


def test_answer_key_runs_twice_in_a_row(namespace, lab_ctx, tmp_path):
    runs_twice(ROOT / "solutions" / "03-workloads.ipynb", LAB, namespace, lab_ctx(LAB), tmp_path)


def test_learner_edition_fails_every_check_for_the_expected_reason(tmp_path):
    learner_edition_fails(ROOT / "labs" / "03-workloads.ipynb", LAB, tmp_path, UNSOLVED)


@pytest.mark.parametrize("fixture", sorted(MISTAKES))
def test_typical_mistake_gets_partial_credit_and_its_hint(fixture, tmp_path):
    mistake_scored(FIXTURES / f"{fixture}.ipynb", LAB, tmp_path, MISTAKES[fixture])
