"""Reset: everything a lab made, found by the label convention (labsupport.reset), is gone in at most 10 s,
and nothing of anyone else's is touched."""

from __future__ import annotations

import secrets
import time

import pytest

from labsupport import find, lab
from labsupport.config import LAB_LABEL
from labsupport.context import LabContext
from labsupport.errors import LabError
from labsupport.namespaces import delete_namespaces, ensure_namespace
from labsupport.reset import CORDONED_BY, LAB_NAMESPACE_LABEL, cluster_labels, node_prefix, reset
from labsupport.waits import wait_for

LAB = "99"  # no real lab: nothing of a real lab run can match
BUDGET = 10


def test_label_convention():
    assert node_prefix("04") == "lab04.kindlab.dev/"
    assert cluster_labels("06", "lab-06") == {LAB_LABEL: "06", LAB_NAMESPACE_LABEL: "lab-06"}


def _run(clients, ns: str) -> None:
    """What a lab run makes: its namespace and a suffixed one, pods slow to stop, a PV and a ClusterRole."""
    for name in (ns, f"{ns}-extra"):
        ensure_namespace(clients, name, {LAB_LABEL: LAB})
    # busybox `sleep` as PID 1 ignores SIGTERM: without reset's zero-grace delete each pod would take 30 s.
    clients.apps.create_namespaced_deployment(ns, {
        "metadata": {"name": "sleepers"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "sleepers"}},
                 "template": {"metadata": {"labels": {"app": "sleepers"}},
                              "spec": {"containers": [{"name": "c", "image": "docker.io/library/busybox:1.35",
                                                       "command": ["sleep", "3600"]}]}}}})
    clients.core.create_persistent_volume({
        "metadata": {"name": f"{ns}-pv", "labels": cluster_labels(LAB, ns)},
        "spec": {"capacity": {"storage": "1Mi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "manual",
                 "hostPath": {"path": f"/tmp/{ns}"}}})
    clients.rbac.create_cluster_role({"metadata": {"name": f"{ns}-reader", "labels": cluster_labels(LAB, ns)},
                                      "rules": []})


def _empty_namespace_deletion(clients) -> float:
    """Seconds the namespace controller takes to delete an empty namespace now (the floor under any reset)."""
    name = f"lab-{LAB}-empty-{secrets.token_hex(3)}"
    ensure_namespace(clients, name, {LAB_LABEL: LAB})
    start = time.monotonic()
    delete_namespaces(clients, [name])
    wait_for(clients, "Namespace", name, condition="deleted", timeout=60)
    return time.monotonic() - start


@pytest.mark.cluster
@pytest.mark.exclusive  # makes cluster-scoped objects, and its 10 s budget is for a machine not running other tests
def test_reset_removes_a_labs_namespaces_and_cluster_objects_in_seconds(clients):
    ns, other = f"lab-{LAB}-{secrets.token_hex(3)}", f"lab-{LAB}-{secrets.token_hex(3)}"
    _run(clients, ns)
    # Another learner's run of the same lab: must survive.
    clients.rbac.create_cluster_role({"metadata": {"name": f"{other}-reader", "labels": cluster_labels(LAB, other)},
                                      "rules": []})
    try:
        baseline = _empty_namespace_deletion(clients)
        result = lab.reset(LabContext(LAB, ns, "kindlab", None, clients))  # what a notebook calls
        # 10 s on a quiet machine; under load the namespace controller alone takes longer, so reset may add at
        # most 5 s to what deleting an empty namespace takes on this cluster right now.
        assert result.seconds <= max(BUDGET, baseline + 5), f"{result.to_text()}\n(empty namespace: {baseline:.1f} s)"
        assert result.clean, result.to_text()
        assert set(result.namespaces) == {ns, f"{ns}-extra"}
        assert set(result.cluster_objects) >= {f"ClusterRole/{ns}-reader"}
        # Listed by label: nothing of this run is left (a PV may linger only while Terminating).
        assert not [n for n in find.by_label(clients, "Namespace", None, f"{LAB_LABEL}={LAB}")
                    if n["metadata"]["name"].startswith(ns)]
        selector = f"{LAB_LABEL}={LAB},{LAB_NAMESPACE_LABEL}={ns}"
        assert not find.by_label(clients, "ClusterRole", None, selector)
        assert all(pv["metadata"].get("deletionTimestamp")
                   for pv in find.by_label(clients, "PersistentVolume", None, selector))
        assert find.get(clients, "ClusterRole", f"{other}-reader") is not None
        assert reset(clients, LAB, ns).to_text().endswith("nothing to remove")  # twice: nothing left to do
    finally:
        clients.rbac.delete_cluster_role(f"{other}-reader")
        delete_namespaces(clients, [n for n in (ns, f"{ns}-extra") if find.get(clients, "Namespace", n)])


@pytest.mark.cluster
def test_reset_refuses_a_namespace_the_lab_did_not_make(clients, namespace):
    with pytest.raises(LabError) as err:
        reset(clients, LAB, namespace)
    assert f"kubectl label ns {namespace}" in err.value.hint
    assert find.get(clients, "Namespace", namespace) is not None


@pytest.mark.cluster
@pytest.mark.exclusive  # labels, taints and cordons a node
def test_reset_undoes_node_labels_taints_and_its_own_cordon(clients):
    ns = f"lab-{LAB}-{secrets.token_hex(3)}"
    ensure_namespace(clients, ns, {LAB_LABEL: LAB})
    workers = sorted(n["metadata"]["name"] for n in find.by_label(clients, "Node", None)
                     if "node-role.kubernetes.io/control-plane" not in n["metadata"].get("labels", {}))
    node = workers[0]
    key = node_prefix(LAB) + "disk"
    taints = (find.get(clients, "Node", node)["spec"].get("taints") or [])
    clients.core.patch_node(node, {"metadata": {"labels": {key: "ssd"}, "annotations": {CORDONED_BY: ns}},
                                   "spec": {"unschedulable": True,
                                            "taints": taints + [{"key": key, "value": "x", "effect": "NoSchedule"}]}})
    try:
        result = reset(clients, LAB, ns)
        assert result.clean, result.to_text()  # its time: the test above
        after = find.get(clients, "Node", node)
        assert key not in after["metadata"].get("labels", {})
        assert CORDONED_BY not in (after["metadata"].get("annotations") or {})
        assert not after["spec"].get("unschedulable")
        assert not [t for t in after["spec"].get("taints") or [] if t["key"] == key]
        assert f"{node}: label {key} removed, taint {key} removed, uncordoned" in result.node_changes
    finally:
        now = find.get(clients, "Node", node)
        clients.core.patch_node(node, {"metadata": {"labels": {key: None}, "annotations": {CORDONED_BY: None}},
                                       "spec": {"unschedulable": None, "taints": [
                                           t for t in now["spec"].get("taints") or [] if t["key"] != key] or None}})
        delete_namespaces(clients, [ns] if find.get(clients, "Namespace", ns) else [])
