"""Reset after lab 08 leaves nothing behind: the lab namespace goes, nothing labelled for the run is left, and the
volume the local-path provisioner made for the repaired claim (the lab's one cluster-scoped object, which carries
no lab label: it is found through the claim) is deleted with the claim.

The release is planted and the claim repaired as task 4 of the answer key does (the rest of the answer key adds
only namespaced objects, which go with the namespace), so this costs seconds, not a whole notebook run.
"""

from __future__ import annotations

import secrets

import pytest

from labsupport import find, manifests
from labsupport.config import DEFAULT_CLUSTER, LAB_LABEL
from labsupport.context import LabContext
from labsupport.labs import lab08_app
from labsupport.namespaces import delete_namespaces, ensure_namespace
from labsupport.reset import CLUSTER_KINDS, LAB_NAMESPACE_LABEL, reset
from labsupport.waits import wait_for

pytestmark = pytest.mark.cluster

LAB = "08"


def _repair_claim(clients, ns: str) -> dict:
    """Task 4's repair: the claim again with the cluster's StorageClass; the db pod starts with it."""
    clients.core.delete_namespaced_persistent_volume_claim(lab08_app.CLAIM, ns)
    wait_for(clients, "PersistentVolumeClaim", lab08_app.CLAIM, namespace=ns, condition="deleted", timeout=60)
    manifests.apply(clients, {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                              "metadata": {"name": lab08_app.CLAIM},
                              "spec": {"storageClassName": "standard", "accessModes": ["ReadWriteOnce"],
                                       "resources": {"requests": {"storage": "16Mi"}}}}, namespace=ns)
    clients.core.delete_collection_namespaced_pod(ns, label_selector="app=db", grace_period_seconds=0)
    return wait_for(clients, "PersistentVolumeClaim", lab08_app.CLAIM, namespace=ns, condition="Bound", timeout=120)


def test_reset_after_lab08_leaves_no_namespace_labelled_object_or_volume(clients):
    ns = f"lab-{LAB}-reset-{secrets.token_hex(3)}"
    ensure_namespace(clients, ns, {LAB_LABEL: LAB})
    ctx = LabContext(LAB, ns, DEFAULT_CLUSTER, None, clients)
    try:
        assert "PersistentVolumeClaim/db-data" in lab08_app.plant(ctx)
        assert lab08_app.plant(ctx) == []  # the release cell run again creates nothing
        volume = _repair_claim(clients, ns)["spec"]["volumeName"]
        assert find.get(clients, "PersistentVolume", volume) is not None

        result = reset(clients, LAB, ns)
        assert result.clean, result.to_text()
        assert result.namespaces == (ns,)
        assert find.get(clients, "Namespace", ns) is None
        selector = f"{LAB_LABEL}={LAB},{LAB_NAMESPACE_LABEL}={ns}"
        for api_version, kind in CLUSTER_KINDS:
            assert not find.by_label(clients, kind, None, selector), kind
        # The claim went with the namespace; its volume (reclaim policy Delete) goes once the provisioner's helper
        # pod has emptied the node directory.
        wait_for(clients, "PersistentVolume", volume, condition="deleted", timeout=120)
    finally:
        if find.get(clients, "Namespace", ns) is not None:
            delete_namespaces(clients, [ns])
