"""Lab 00 (welcome and setup) graded for real: the answer key passes, the learner edition fails each check for
the expected reason, and each fixture notebook (one typical mistake) gets the partial score and the hint meant
for it.

Each notebook runs through the real grader (papermill in a fresh namespace, checks in this process).
"""

from __future__ import annotations

import pytest

from gradecases import ROOT, answer_key_passes, learner_edition_fails, mistake_scored

pytestmark = pytest.mark.cluster

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


def test_answer_key_passes_every_check(tmp_path):
    answer_key_passes(ROOT / "solutions" / "00-welcome.ipynb", LAB, tmp_path, UNSOLVED)


def test_learner_edition_fails_every_check_for_the_expected_reason(tmp_path):
    learner_edition_fails(ROOT / "labs" / "00-welcome.ipynb", LAB, tmp_path, UNSOLVED)


@pytest.mark.parametrize("fixture", sorted(MISTAKES))
def test_typical_mistake_gets_partial_credit_and_its_hint(fixture, tmp_path):
    mistake_scored(FIXTURES / f"{fixture}.ipynb", LAB, tmp_path, MISTAKES[fixture])
