"""Break-and-fix faults on the real cluster: each is injected, detected by its check, repaired by its repair
within 60 s, and the cluster is healthy afterwards (no fault record, every node Ready and untainted).

These change cluster-wide state (nodes, kube-system, the control plane): marked exclusive, they run alone. Point
them at a throwaway cluster with KUBECONFIG=... KINDLAB_CONTEXT=kind-<name> (the kind name names the nodes).
"""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from labsupport import faults
from labsupport.config import DEFAULT_CLUSTER, context_name
from labsupport.faults import coredns_corefile, dns, nodestate, record, scheduler
from labsupport.faults.base import FaultError, Target
from labsupport.watching import Follow

CONTEXT = os.environ.get("KINDLAB_CONTEXT") or context_name(DEFAULT_CLUSTER)
REPAIR_BUDGET = 60
cluster_faults = [pytest.mark.cluster, pytest.mark.exclusive]


# --- without a cluster ---------------------------------------------------------------------------------------

def test_registry_names_every_fault_once_and_refuses_unknown_names():
    names = [f.name for f in faults.every()]
    assert names == list(faults.FAULTS) and len(set(names)) == 6
    assert all(f.summary and f.lesson for f in faults.every())
    with pytest.raises(FaultError) as err:
        faults.get("kubelet-stoped")
    assert "kubelet-stopped" in err.value.hint


def test_node_state_reads_readiness_and_the_eviction_taint():
    lost = {"spec": {"taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"},
                                {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]},
            "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}}
    noticed_late = {"status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}}
    back = {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    assert nodestate.is_lost(lost) and not nodestate.is_back(lost)
    assert not nodestate.is_lost(noticed_late)  # eviction needs the NoExecute taint, not only Ready=Unknown
    assert nodestate.is_back(back) and not nodestate.is_lost(back)
    assert "unreachable:NoExecute" in nodestate.describe(lost)


def test_planted_typos_change_exactly_one_thing():
    assert scheduler.GOOD != scheduler.BAD and scheduler.GOOD in scheduler.GOOD + "\n"
    corefile = ".:53 {\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n    }\n}\n"
    broken = corefile.replace(coredns_corefile.GOOD, coredns_corefile.BAD, 1)
    assert broken != corefile and broken.replace(coredns_corefile.BAD, coredns_corefile.GOOD) == corefile


# --- on the cluster -------------------------------------------------------------------------------------------

@pytest.fixture
def target(clients):
    t = Target(clients, CONTEXT.removeprefix("kind-"))
    assert not record.active(clients), "a fault is in place before the test: run `python -m labsupport doctor --repair`"
    yield t
    # Whatever happened, leave the cluster as the other tests expect it.
    for name in record.active(clients):
        faults.get(name).repair(t)
    for node in clients.api.sanitize_for_serialization(clients.core.list_node().items):
        assert nodestate.is_back(node), f"{node['metadata']['name']}: {nodestate.describe(node)}"


def _repaired(fault, t: Target):
    result = fault.repair(t)
    assert result.seconds <= REPAIR_BUDGET, result
    assert fault.name not in record.active(t.clients)
    assert not fault.check(t).present, fault.check(t)
    again = fault.repair(t)  # idempotent: nothing left to do
    assert again.actions == (), again
    return result


@pytest.mark.cluster
@pytest.mark.exclusive
def test_kubeconfig_with_a_foreign_certificate_is_refused_then_replaced(target, tmp_path):
    path = tmp_path / "learner.kubeconfig"
    fault = faults.get("kubeconfig-foreign-cert", path=str(path))
    assert not fault.check(target).present  # no file yet
    fault.inject(target)
    fault.inject(target)  # twice: still one record
    status = fault.check(target)
    assert status.present and "401" in status.evidence, status
    result = _repaired(fault, target)
    assert any(str(path) in a for a in result.actions)
    assert oct(path.stat().st_mode & 0o777) == "0o600"  # it holds credentials


@pytest.mark.cluster
@pytest.mark.exclusive
@pytest.mark.parametrize("name", ["coredns-scaled-to-zero", "coredns-corefile"])
def test_coredns_fault_stops_names_resolving_from_a_pod_until_repaired(target, name):
    corefile, replicas = dns.corefile(target), dns.deployment(target)["spec"]["replicas"]
    fault = faults.get(name)
    fault.inject(target)
    status = fault.detect(target, timeout=60)
    assert status.present and "FAILED" in status.evidence, status
    _repaired(fault, target)
    assert dns.corefile(target) == corefile and dns.deployment(target)["spec"]["replicas"] == replicas


def _pending_pod(t: Target, namespace: str) -> str:
    t.clients.core.create_namespaced_pod(namespace, {
        "metadata": {"name": "waits-for-a-scheduler"},
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10.1",
                                 "resources": {"requests": {"cpu": "1m", "memory": "4Mi"}}}],
                 "terminationGracePeriodSeconds": 0}})
    return "waits-for-a-scheduler"


def _scheduled(pods: dict) -> bool:
    return any((p.get("spec") or {}).get("nodeName") for p in pods.values())


@pytest.mark.cluster
@pytest.mark.exclusive
def test_broken_scheduler_manifest_leaves_new_pods_pending_until_restored_byte_for_byte(target, namespace):
    before = hashlib.sha256(scheduler.read_manifest(target.control_plane)).hexdigest()
    fault = faults.get("scheduler-manifest")
    fault.inject(target)
    assert fault.detect(target, timeout=60).present
    pod = _pending_pod(target, namespace)
    follow = Follow(target.clients, "Pod", namespace, name=pod)
    assert not follow.run(15, until=_scheduled), "a pod was scheduled with no scheduler running"
    _repaired(fault, target)
    assert hashlib.sha256(scheduler.read_manifest(target.control_plane)).hexdigest() == before
    assert Follow(target.clients, "Pod", namespace, name=pod).run(60, until=_scheduled), "still Pending after repair"


@pytest.mark.cluster
@pytest.mark.exclusive
def test_stopped_kubelet_and_stopped_node_container_make_nodes_unreachable_until_repaired(target):
    # Both at once, one on each worker, so the tests wait out the node controller's grace period (~50 s) once.
    kubelet, node = faults.get("kubelet-stopped"), faults.get("node-container-stopped")
    kubelet.inject(target)
    node.inject(target)
    start = time.monotonic()
    for fault in (kubelet, node):
        status = fault.detect(target, timeout=150)
        # Eviction follows from this taint: pods tolerate it for 300 s (DefaultTolerationSeconds), not waited here.
        assert status.present and "node.kubernetes.io/unreachable:NoExecute" in status.evidence, status
    detected = time.monotonic() - start
    for fault in (node, kubelet):
        _repaired(fault, target)
    print(f"detected after {detected:.0f} s")


def test_command_line_takes_fault_reset_and_doctor():
    from labsupport.cli import parser

    args = parser().parse_args(["fault", "inject", "kubelet-stopped", "--node", "kindlab-worker2"])
    assert (args.command, args.verb, args.name, args.node, args.cluster) == ("fault", "inject", "kubelet-stopped",
                                                                             "kindlab-worker2", "kindlab")
    assert parser().parse_args(["reset", "--lab", "04"]).namespace is None
    assert parser().parse_args(["doctor", "--repair"]).repair
    with pytest.raises(SystemExit):
        parser().parse_args(["fault", "inject", "no-such-fault"])


def test_kubeconfig_fault_refuses_to_replace_a_file_with_other_contexts(tmp_path):
    from labsupport.faults.kubeconfig import _refuse_foreign_file

    mine = tmp_path / "mine.kubeconfig"
    mine.write_text("contexts: [{name: kind-kindlab}, {name: work-cluster}]\n")
    with pytest.raises(FaultError) as err:
        _refuse_foreign_file(mine, "kind-kindlab")
    assert "work-cluster" in err.value.message and "--path" in err.value.hint
    only_lab = tmp_path / "lab.kubeconfig"
    only_lab.write_text("contexts: [{name: kind-kindlab}]\n")
    _refuse_foreign_file(only_lab, "kind-kindlab")  # the lab's own file: fine
    _refuse_foreign_file(tmp_path / "absent", "kind-kindlab")
