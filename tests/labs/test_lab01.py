"""Lab 01 (the control plane and the nodes) graded for real: the answer key passes, the learner edition fails
each check for the expected reason, and each fixture notebook (one typical mistake) gets the partial score and
the hint meant for it.

Each notebook runs through the real grader (papermill in a fresh namespace, checks in this process). The lab
makes one object outside the graded namespace, namespace `<namespace>-extra` (labelled kindlab.dev/lab=01),
which the grader does not know about: each test deletes it.
"""

from __future__ import annotations

import pytest
from kubernetes.client.exceptions import ApiException

from gradecases import ROOT, answer_key_passes, learner_edition_fails, mistake_scored

pytestmark = pytest.mark.cluster

LAB = "01"
FIXTURES = ROOT / "tests" / "fixtures" / f"lab{LAB}"

# check id -> what the unsolved learner edition's result message says.
UNSOLVED = {
    "static-pods": "No answer recorded for 'static-pods', 'scheduler-node'",
    "leader-election": "No answer recorded for 'scheduler-leader'",
    "raw-api": "No answer recorded for 'namespace-uid', 'anonymous-status'",
    "api-proxy": "No answer recorded for 'proxy-hostname'",
    "replicaset-heals": "No answer recorded for 'deleted-pod', 'replacement-pod'",
    "scaled": "There is no ReplicaSet 'web'",
    "controller-loops": "No answer recorded for 'extra-sa-seconds', 'node-leases'",
    "no-cloud-controller": "No answer recorded for 'lb-external-ip'",
    "etcd-key": "No answer recorded for 'etcd-key'",
    "pluggable-pieces": "No answer recorded for 'runtime', 'cni-daemonset', 'storage-provisioner'",
    "pending-pod": "There is no pod 'too-big'",
    "anti-affinity": "No running pods labelled app=spread",
    "node-selector": "There is no pod 'pinned'",
    "cordon": "No answer recorded for 'cordoned-node', 'while-cordoned-node'",
    "node-containers": "No answer recorded for 'pinned-container-id'",
}

# fixture -> [(check id, expected points, text in the message, text in the hint)]
MISTAKES = {
    "anti_affinity_preferred_not_required": [
        ("anti-affinity", 1.0, "their anti-affinity is only preferred",
         "requiredDuringSchedulingIgnoredDuringExecution")],
    "node_name_instead_of_selector": [
        ("node-selector", 0.25, "has no nodeSelector", "spec.nodeName bypasses the scheduler")],
    "static_pods_include_daemonsets": [
        ("static-pods", 1.0, "static pods answer", "are created through the API server")],
    "pending_by_selector_not_requests": [
        ("pending-pod", 1.0, "no FailedScheduling event says Insufficient", "because of its requests")],
}


def test_answer_key_passes_every_check(clients, tmp_path):
    result = answer_key_passes(ROOT / "solutions" / "01-control-plane.ipynb", LAB, tmp_path, UNSOLVED)
    # The grader deletes the lab's second namespace with its own.
    try:
        phase = clients.core.read_namespace(f"{result.namespace}-extra").status.phase
    except ApiException as exc:
        phase = "gone" if exc.status == 404 else exc
    assert phase in ("Terminating", "gone")


def test_learner_edition_fails_every_check_for_the_expected_reason(tmp_path):
    learner_edition_fails(ROOT / "labs" / "01-control-plane.ipynb", LAB, tmp_path, UNSOLVED)


@pytest.mark.parametrize("fixture", sorted(MISTAKES))
def test_typical_mistake_gets_partial_credit_and_its_hint(fixture, tmp_path):
    mistake_scored(FIXTURES / f"{fixture}.ipynb", LAB, tmp_path, MISTAKES[fixture])
