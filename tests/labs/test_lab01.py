"""Lab 01 (the control plane and the nodes) graded for real: the answer key passes, the learner edition fails
each check for the expected reason, and each fixture notebook (one typical mistake) gets the partial score and
the hint meant for it.

Each notebook runs through the real grader (papermill in a fresh namespace, checks in this process). The lab
makes one object outside the graded namespace, namespace `<namespace>-extra` (labelled kindlab.dev/lab=01),
which the grader does not know about: each test deletes it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from kubernetes.client.exceptions import ApiException

from labsupport.grade import grade

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
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


@pytest.fixture(autouse=True)
def venv_kubectl_first(monkeypatch):
    """`!kubectl` cells must find the venv's kubectl (the cluster's version), not an older one on PATH."""
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


def run(notebook: Path, out: Path):
    result = grade(notebook, LAB, out=out, cell_timeout=300, timeout=900)
    return result, {r.id: r for r in result.report.results}


def test_answer_key_passes_every_check(tmp_path):
    result, checks = run(ROOT / "solutions" / "01-control-plane.ipynb", tmp_path)
    assert result.execution.ok, result.execution.error
    # The grader deletes the lab's second namespace with its own.
    from labsupport.kube import connect

    try:
        phase = connect(context="kind-kindlab").core.read_namespace(f"{result.namespace}-extra").status.phase
    except ApiException as exc:
        phase = "gone" if exc.status == 404 else exc
    assert phase in ("Terminating", "gone")
    failed = {i: (r.message, r.hint) for i, r in checks.items() if not r.passed}
    assert not failed
    assert result.report.score == result.report.max_score
    assert set(checks) == set(UNSOLVED)


def test_learner_edition_fails_every_check_for_the_expected_reason(tmp_path):
    result, checks = run(ROOT / "labs" / "01-control-plane.ipynb", tmp_path)
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
