"""doctor: reports the cluster's health against what the labs expect, repairs what it can and says so, and says
how to fix what it cannot."""

from __future__ import annotations

import os

import pytest

from labsupport import faults, find
from labsupport.config import DEFAULT_CLUSTER, context_name
from labsupport.doctor import Finding, Report, diagnose
from labsupport.facts import is_control_plane
from labsupport.faults import dns, record
from labsupport.faults.base import Target
from labsupport.waits import wait_rollout

CONTEXT = os.environ.get("KINDLAB_CONTEXT") or context_name(DEFAULT_CLUSTER)


def test_report_text_says_what_was_done_and_how_to_fix_the_rest():
    report = Report((Finding("nodes", True, "3 nodes Ready", ("uncordoned w1",)),
                     Finding("dns", False, "nslookup FAILED", how="recreate: `make cluster RECREATE=1`"),
                     Finding("storage", True, "bound")))
    text = report.to_text()
    assert not report.healthy
    assert "FIXED nodes" in text and "did: uncordoned w1" in text
    assert "FAIL  dns" in text and "fix: recreate: `make cluster RECREATE=1`" in text
    assert "ok    storage" in text and text.endswith("NOT healthy: see the fix lines above")


@pytest.fixture
def target(clients):
    return Target(clients, CONTEXT.removeprefix("kind-"))


@pytest.mark.cluster
@pytest.mark.exclusive  # its probes read cluster-wide state another test may be changing
def test_doctor_finds_the_lab_cluster_healthy(target):
    report = diagnose(target)
    assert report.healthy, report.to_text()
    assert [f.name for f in report.findings] == ["faults", "nodes", "scheduler", "dns", "storage", "add-ons"]
    assert not any(f.repaired for f in report.findings)


@pytest.mark.cluster
@pytest.mark.exclusive  # cordons a worker and scales CoreDNS to zero
def test_doctor_repairs_a_recorded_fault_a_cordon_and_coredns_at_zero_and_says_so(target, tmp_path):
    clients = target.clients
    faults.get("kubeconfig-foreign-cert", path=str(tmp_path / "kubeconfig")).inject(target)  # a recorded fault
    worker = sorted(n["metadata"]["name"] for n in find.by_label(clients, "Node", None) if not is_control_plane(n))[0]
    replicas = dns.deployment(target)["spec"]["replicas"]
    clients.core.patch_node(worker, {"spec": {"unschedulable": True}})
    clients.apps.patch_namespaced_deployment_scale(dns.DEPLOYMENT, dns.NAMESPACE, {"spec": {"replicas": 0}})
    try:
        # CoreDNS's pods take a few seconds to go (lameduck): wait until a lookup really fails.
        assert faults.get("coredns-scaled-to-zero").detect(target, timeout=60).present
        seen = diagnose(target)  # no --repair: reports only
        by_name = {f.name: f for f in seen.findings}
        assert not by_name["faults"].ok and "kubeconfig-foreign-cert" in by_name["faults"].detail
        assert not by_name["nodes"].ok and f"{worker} is cordoned" in by_name["nodes"].detail
        assert not by_name["dns"].ok and "FAILED" in by_name["dns"].detail and by_name["dns"].how
        repaired = diagnose(target, repair=True)
        by_name = {f.name: f for f in repaired.findings}
        assert repaired.healthy, repaired.to_text()
        assert by_name["faults"].repaired[0].startswith("repaired fault kubeconfig-foreign-cert in ")
        assert not record.active(clients)
        assert f"uncordoned {worker}" in by_name["nodes"].repaired
        assert "scaled coredns from 0 to 2 replicas" in by_name["dns"].repaired
    finally:
        if record.active(clients):
            faults.get("kubeconfig-foreign-cert").repair(target)
        clients.core.patch_node(worker, {"spec": {"unschedulable": None}})
        clients.apps.patch_namespaced_deployment_scale(dns.DEPLOYMENT, dns.NAMESPACE,
                                                       {"spec": {"replicas": replicas}})
        wait_rollout(clients, dns.NAMESPACE, dns.DEPLOYMENT, timeout=60)


def test_cluster_text_is_made_safe_for_a_terminal():
    line = Finding("nodes", False, "evil\x1b[2Jnode " + "x" * 2000).line()
    assert "\x1b" not in line and len(line) < 700
