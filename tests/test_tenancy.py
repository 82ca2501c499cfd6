"""Tenants on the real cluster: what a submission's token may and may not do (answered by the API server
itself), that the token expires when asked, and that teardown leaves nothing even past planted finalizers."""

import base64
import json
import secrets
import time

import pytest
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from labsupport import tenancy, tenantguard, versions
from labsupport.config import context_name
from labsupport.kube import connect_config, load_kubeconfig
from labsupport.tenantneeds import Needs
from labsupport.waits import wait_for

# Cluster-scoped objects (shared ClusterRoles, the guard policy, CSRs) and per-slot sandbox users: run alone.
pytestmark = [pytest.mark.cluster, pytest.mark.exclusive]

PAUSE = {"name": "main", "image": versions.get("PAUSE_IMAGE"), "imagePullPolicy": "IfNotPresent"}


@pytest.fixture(scope="module")
def guard(clients):
    tenantguard.ensure_guard(clients)
    yield
    tenantguard.remove_guard(clients)


def _make(clients, *, lifetime=700, needs=None):
    name = f"tenant-test-{secrets.token_hex(3)}"
    config = load_kubeconfig(None, context_name())
    return tenancy.create(clients, config, name, lab_id="99", needs=needs or Needs(suffixes=("extra",)),
                          lifetime=lifetime)


@pytest.fixture
def tenant(clients, guard):
    made = _make(clients)
    yield made
    tenancy.teardown(clients, made.name, namespaces=made.namespaces)


def _status(call, *args, **kwargs) -> int:
    try:
        call(*args, **kwargs)
    except ApiException as exc:
        return exc.status
    return 200


def _claims(kubeconfig: dict) -> dict:
    payload = kubeconfig["users"][0]["user"]["token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_tenant_may_work_in_its_namespaces(tenant):
    own = connect_config(tenant.kubeconfig)
    name, extra = tenant.namespaces
    pod = own.core.create_namespaced_pod(name, {"metadata": {"name": "hello"}, "spec": {"containers": [PAUSE]}})
    # The LimitRange gave the container its defaults, so the quota can count it.
    assert pod.spec.containers[0].resources.limits["memory"] == "128Mi"
    own.core.create_namespaced_config_map(extra, {"metadata": {"name": "note"}, "data": {"a": "b"}})
    assert own.core.read_namespace(name).metadata.name == name
    assert {n.metadata.name for n in own.core.list_node().items}
    # A lab applies its extra namespace (server-side apply is a patch): allowed while the labels stay.
    own.core.patch_namespace(extra, {"metadata": {"annotations": {"note": "mine"}}})


def test_tenant_is_refused_everything_else(clients, tenant, namespace):
    own = connect_config(tenant.kubeconfig)
    assert _status(own.core.list_namespaced_pod, namespace) == 403
    assert _status(own.core.delete_namespace, namespace) == 403
    assert clients.core.read_namespace(namespace).status.phase == "Active"
    assert _status(own.core.delete_namespace, tenant.name) == 403
    assert _status(own.core.list_namespaced_secret, "kube-system") == 403
    assert _status(own.core.list_secret_for_all_namespaces) == 403
    assert _status(own.rbac.create_cluster_role_binding, {
        "metadata": {"name": f"{tenant.name}-escalate"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "ServiceAccount", "name": "kindlab-tenant", "namespace": tenant.name}]}) == 403
    node = clients.core.list_node().items[0].metadata.name
    assert _status(own.core.patch_node, node, {"spec": {"unschedulable": True}}) == 403
    assert _status(own.core.create_namespace, {"metadata": {"name": f"{tenant.name}-other"}}) == 403
    assert _status(own.core.patch_namespaced_resource_quota, "kindlab-tenant", tenant.name,
                   {"spec": {"hard": {"pods": "1000"}}}) == 403
    assert _status(own.rbac.create_namespaced_role_binding, tenant.name, {
        "metadata": {"name": "escalate"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": tenant.name}]}) == 403


def test_pod_security_and_limits_are_enforced(tenant):
    own = connect_config(tenant.kubeconfig)
    privileged = {"metadata": {"name": "root-on-node"}, "spec": {"containers": [
        {**PAUSE, "securityContext": {"privileged": True}}]}}
    assert _status(own.core.create_namespaced_pod, tenant.name, privileged) == 403
    hog = {"metadata": {"name": "hog"}, "spec": {"containers": [
        {**PAUSE, "resources": {"limits": {"memory": "8Gi"}}}]}}
    assert _status(own.core.create_namespaced_pod, tenant.name, hog) == 403


def test_tenant_cannot_relabel_its_namespaces(tenant):
    own = connect_config(tenant.kubeconfig)
    extra = tenant.namespaces[1]
    relabel = {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "privileged"}}}
    deadline = time.monotonic() + 30  # a new policy takes a moment to reach the admission chain: probe by dry run
    while _status(own.core.patch_namespace, extra, relabel, dry_run="All") == 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _status(own.core.patch_namespace, extra, relabel) in (403, 422)
    assert _status(own.core.patch_namespace, extra,
                   {"metadata": {"labels": {"kindlab.dev/tenant": None}}}) in (403, 422)


def test_token_lasts_exactly_the_requested_lifetime(clients, guard):
    made = _make(clients, lifetime=700)
    short = _make(clients, lifetime=5)
    try:
        claims = _claims(made.kubeconfig)
        assert claims["exp"] - claims["iat"] == 700 == made.token_seconds
        assert abs(made.expires_at - claims["exp"]) < 2
        assert claims["sub"] == f"system:serviceaccount:{made.name}:kindlab-tenant"
        short_claims = _claims(short.kubeconfig)
        assert short_claims["exp"] - short_claims["iat"] == 600 == short.token_seconds  # the API's minimum
        assert made.setup_seconds <= 3, f"tenant set-up took {made.setup_seconds:.2f}s"
    finally:
        tenancy.teardown(clients, made.name, namespaces=made.namespaces)
        tenancy.teardown(clients, short.name, namespaces=short.namespaces)


def test_teardown_removes_everything_past_planted_finalizers(clients, guard):
    made = _make(clients)
    own = connect_config(made.kubeconfig)
    for ns in made.namespaces:
        own.core.create_namespaced_config_map(ns, {"metadata": {"name": "sticky", "finalizers": ["example.com/never"]}})
    own.core.patch_namespace(made.namespaces[1], {"metadata": {"finalizers": ["example.com/never"]}})
    result = tenancy.teardown(clients, made.name, namespaces=made.namespaces, grace=3)
    assert set(result.namespaces) == set(made.namespaces)
    assert {f"ConfigMap/{ns}/sticky" for ns in made.namespaces} <= set(result.stripped)
    for ns in made.namespaces:
        assert _status(clients.core.read_namespace, ns) == 404
    selector = f"{tenancy.TENANT_LABEL}={made.name}"
    assert not clients.rbac.list_cluster_role_binding(label_selector=selector).items
    assert not clients.rbac.list_role_binding_for_all_namespaces(label_selector=selector).items
    # The token died with its ServiceAccount.
    assert _status(connect_config(made.kubeconfig, probe=False).core.list_namespaced_pod, made.name) == 401


# What each lab's answer key does through the API (read from solutions/NN-*.ipynb), as (verb, group, resource,
# where): where is "own", "extra" (<namespace>-extra), "+suffix" (<namespace>-suffix), a namespace name, or ""
# for cluster-wide.
COMMON = [("get", "", "namespaces", "own"), ("watch", "", "serviceaccounts", "own"), ("create", "", "configmaps", "own"),
          ("patch", "", "configmaps", "own"), ("create", "", "pods", "own"), ("list", "", "nodes", ""),
          ("delete", "", "pods", "own")]
ANSWER_KEY_CALLS = {
    "00": COMMON + [("list", "", "pods", "")],
    "01": COMMON + [("list", "", "pods", ""), ("create", "apps", "replicasets", "own"),
                    ("get", "", "services/proxy", "own"), ("get", "", "pods/proxy", "own"),
                    ("patch", "", "namespaces", "extra"), ("watch", "", "serviceaccounts", "extra"),
                    ("create", "", "serviceaccounts/token", "extra"), ("list", "", "pods", "kube-system"),
                    ("get", "coordination.k8s.io", "leases", "kube-system"),
                    ("list", "coordination.k8s.io", "leases", "kube-node-lease"),
                    ("list", "apps", "daemonsets", ""), ("list", "storage.k8s.io", "storageclasses", ""),
                    ("list", "apiextensions.k8s.io", "customresourcedefinitions", ""),
                    ("create", "", "pods/exec", "kube-system"), ("patch", "", "nodes", ""),
                    ("create", "apps", "deployments", "own"), ("create", "", "services", "own")],
    "02": COMMON + [("create", "", "pods/exec", "own"), ("get", "", "pods/log", "own"),
                    ("create", "", "services", "own")],
    "03": COMMON + [("list", "", "pods", ""), ("create", "apps", "daemonsets", "own"),
                    ("create", "apps", "statefulsets", "own"), ("create", "batch", "jobs", "own"),
                    ("create", "batch", "cronjobs", "own"), ("patch", "apps", "deployments", "own"),
                    ("create", "", "persistentvolumeclaims", "own"), ("create", "", "pods/exec", "own"),
                    ("get", "", "pods/log", "own"), ("list", "storage.k8s.io", "storageclasses", ""),
                    ("list", "", "persistentvolumes", "")],
    "04": COMMON + [("create", "", "services", "own"), ("create", "apps", "deployments", "own"),
                    ("create", "", "pods/exec", "own"), ("watch", "discovery.k8s.io", "endpointslices", "own"),
                    ("create", "networking.k8s.io", "ingresses", "own"),
                    ("patch", "gateway.networking.k8s.io", "gateways", "own"),
                    ("patch", "gateway.networking.k8s.io", "httproutes", "own"),
                    ("watch", "gateway.networking.k8s.io", "gateways", "own"), ("get", "apps", "deployments", "traefik")],
    "05": COMMON + [("list", "apps", "daemonsets", ""), ("get", "", "configmaps", "kube-system"),
                    ("list", "", "namespaces", ""), ("patch", "", "namespaces", "+shop"),
                    ("create", "", "pods", "+shop"), ("create", "", "pods/exec", "+shop"),
                    ("patch", "networking.k8s.io", "networkpolicies", "+shop"),
                    ("list", "networking.k8s.io", "networkpolicies", "+shop"), ("create", "apps", "deployments", "own"),
                    ("watch", "discovery.k8s.io", "endpointslices", "own")],
    "06": COMMON + [("watch", "", "persistentvolumes", ""), ("create", "", "persistentvolumes", ""),
                    ("patch", "", "persistentvolumes", ""), ("delete", "", "persistentvolumes", ""),
                    ("list", "", "events", "default"), ("list", "apps", "deployments", "local-path-storage"),
                    ("list", "storage.k8s.io", "csidrivers", ""), ("list", "storage.k8s.io", "storageclasses", ""),
                    ("create", "", "persistentvolumeclaims", "own"), ("create", "apps", "statefulsets", "own"),
                    ("watch", "", "events", "own"), ("create", "", "pods/exec", "own")],
    "07": COMMON + [("patch", "", "namespaces", "+dev"), ("patch", "", "namespaces", "+prod"),
                    ("create", "", "configmaps", "+prod"), ("create", "", "resourcequotas", "+dev"),
                    ("patch", "", "limitranges", "+dev"), ("create", "", "serviceaccounts", "+dev"),
                    ("create", "rbac.authorization.k8s.io", "roles", "+dev"),
                    ("create", "rbac.authorization.k8s.io", "rolebindings", "+dev"),
                    ("impersonate", "", "serviceaccounts", "+dev"), ("create", "", "serviceaccounts/token", "+dev"),
                    ("create", "rbac.authorization.k8s.io", "clusterroles", ""),
                    ("create", "rbac.authorization.k8s.io", "clusterrolebindings", ""),
                    ("list", "", "namespaces", ""), ("patch", "apps", "deployments", "own")],
}
# ...and what each must still be refused (the same shape).
REFUSED = {
    "07": [("create", "", "resourcequotas", "own"), ("create", "", "limitranges", "+prod"),
           ("list", "", "configmaps", ""), ("create", "rbac.authorization.k8s.io", "roles", "kube-system")],
    "06": [("create", "storage.k8s.io", "storageclasses", ""), ("delete", "", "nodes", "")],
    "05": [("list", "", "secrets", "kube-system"), ("list", "", "pods", "")],
    "04": [("create", "gateway.networking.k8s.io", "gateways", "traefik"), ("patch", "apps", "deployments", "traefik")],
}


def _allowed(own, name: str, verb: str, group: str, resource: str, where: str) -> bool:
    namespace = {"own": name, "extra": f"{name}-extra", "": None}.get(where, where)
    if where.startswith("+"):
        namespace = f"{name}-{where[1:]}"
    res, _, sub = resource.partition("/")
    attrs = {"verb": verb, "group": group, "resource": res, "subresource": sub or None, "namespace": namespace}
    if res == "namespaces" and namespace:
        attrs["name"] = namespace
    return own.authz.create_self_subject_access_review({"spec": {"resourceAttributes": attrs}}).status.allowed


@pytest.mark.parametrize("lab_id", sorted(ANSWER_KEY_CALLS))
def test_declared_needs_allow_what_the_answer_key_does(clients, guard, lab_id):
    from labsupport.tenantneeds import needs_for

    name = f"tenant-needs-{lab_id}-{secrets.token_hex(2)}"
    made = tenancy.create(clients, load_kubeconfig(None, context_name()), name, lab_id=lab_id,
                          needs=needs_for(lab_id), lifetime=600)
    try:
        own = connect_config(made.kubeconfig)
        assert [call for call in ANSWER_KEY_CALLS[lab_id] if not _allowed(own, name, *call)] == []
        assert [call for call in REFUSED.get(lab_id, ()) if _allowed(own, name, *call)] == []
        # ...and no more than declared: no lab may read secrets outside its namespaces
        review = own.authz.create_self_subject_access_review(
            {"spec": {"resourceAttributes": {"verb": "list", "resource": "secrets", "namespace": "kube-system"}}})
        assert not review.status.allowed
    finally:
        tenancy.teardown(clients, made.name, namespaces=made.namespaces)


def test_certificate_tenant_has_the_same_rights_and_a_real_certificate(clients, guard):
    name = f"tenant-cert-{secrets.token_hex(3)}"
    made = tenancy.create(clients, load_kubeconfig(None, context_name()), name, lab_id="01",
                          needs=Needs(suffixes=("extra",)), lifetime=600, credential="certificate")
    try:
        user = made.kubeconfig["users"][0]["user"]
        assert set(user) == {"client-certificate-data", "client-key-data"}
        own = connect_config(made.kubeconfig)
        review = k8s.AuthenticationV1Api(own.api).create_self_subject_review({})
        assert review.status.user_info.username == f"kindlab-tenant:{name}"
        own.core.create_namespaced_config_map(name, {"metadata": {"name": "mine"}})
        assert own.core.read_namespace(name).metadata.name == name  # lab 01 task 3 reads its namespace
        assert _status(own.core.list_namespaced_config_map, "kube-system") == 403
        assert _status(own.core.patch_namespace, f"{name}-extra",
                       {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "privileged"}}}) in (403, 422)
    finally:
        result = tenancy.teardown(clients, made.name, namespaces=made.namespaces)
    assert f"CertificateSigningRequest/kindlab-tenant-{name}" in result.bindings
    # The certificate still authenticates until it expires, but nothing is bound to it any more.
    assert _status(connect_config(made.kubeconfig, probe=False).core.list_namespace) == 403


def test_cluster_diagram_falls_back_to_the_tenants_own_pods(tenant):
    """A namespace-only tenant may not list pods cluster-wide: diagrams.cluster draws its own pods instead of
    failing the notebook's cell."""
    from labsupport import diagrams
    from labsupport.context import LabContext

    own = connect_config(tenant.kubeconfig)
    assert _status(own.core.list_pod_for_all_namespaces) == 403
    own.core.create_namespaced_pod(tenant.name, {"metadata": {"name": "drawn"}, "spec": {"containers": [PAUSE]}})
    diagram = diagrams.cluster(LabContext("99", tenant.name, "kindlab", None, own))
    assert diagram.snapshot.namespace == tenant.name
    assert [p.name for p in diagram.snapshot.pods] == ["drawn"]


WRITE = ("get", "list", "watch", "create", "update", "patch", "delete")


def test_own_cluster_objects_only_by_name_and_the_graders_quota_out_of_reach(clients, guard):
    """Labs 06 and 07 write cluster-scoped objects: the guard policies let a tenant write only its own (named
    <namespace>-..., volumes in its own node folder, no aggregation, bindings to its own accounts), keep the
    grader's quota out of its reach where it may write quotas, and teardown deletes what it owned."""
    from labsupport.tenantguard import OBJECTS, QUOTA
    from labsupport.tenantneeds import Rule

    needs = Needs(suffixes=("extra",), lab_quota_in=("extra",), own_cluster_objects=(
        Rule(("",), ("persistentvolumes",), WRITE),
        Rule(("rbac.authorization.k8s.io",), ("clusterroles", "clusterrolebindings"), WRITE)))
    made = _make(clients, needs=needs)
    name, extra = made.namespaces
    own = connect_config(made.kubeconfig)
    foreign = f"tenant-test-foreign-{secrets.token_hex(3)}"

    def volume(pv_name, source):
        return {"metadata": {"name": pv_name}, "spec": {"capacity": {"storage": "1Mi"},
                                                        "accessModes": ["ReadWriteOnce"], **source}}

    def refused_by(policy, call, *args, **kwargs):
        try:
            call(*args, **kwargs)
        except ApiException as exc:
            return exc.status == 403 and policy in exc.body
        return False

    def binding(binding_name, subject):
        return {"metadata": {"name": binding_name}, "subjects": [subject], "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": f"{name}-view"}}

    clients.core.create_persistent_volume(volume(foreign, {"hostPath": {"path": "/tmp/foreign"}}))
    try:
        # Its own, in its own folder: made for real, so teardown has something to find.
        own.core.create_persistent_volume(volume(f"{name}-data", {"hostPath": {"path": f"/var/lab-volumes/{name}/d"}}))
        own.rbac.create_cluster_role({"metadata": {"name": f"{name}-view"},
                                      "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}]})
        own.rbac.create_cluster_role_binding(binding(f"{name}-view", {"kind": "ServiceAccount", "name": "team",
                                                                      "namespace": extra}))
        dry = {"dry_run": "All"}
        assert refused_by(OBJECTS, own.core.delete_persistent_volume, foreign)
        assert refused_by(OBJECTS, own.core.create_persistent_volume,
                          volume(f"other-{name}", {"hostPath": {"path": f"/var/lab-volumes/{name}/x"}}), **dry)
        for path in ("/", "/var/lab-volumes/x", f"/var/lab-volumes/x{name}/x", f"/var/lab-volumes/{name}x/y"):
            assert refused_by(OBJECTS, own.core.create_persistent_volume,
                              volume(f"{name}-root", {"hostPath": {"path": path}}), **dry), path
        # The folder of another of its namespaces is its own (a workshop student's lab 06 runs in <tenant>-06).
        own.core.create_persistent_volume(volume(f"{name}-lab", {"hostPath": {"path": f"/var/lab-volumes/{name}-06/x"}}),
                                          **dry)
        # A path climbing out with '..' is refused even before admission (the API's validation: 422).
        assert _status(own.core.create_persistent_volume, volume(f"{name}-up", {"hostPath": {
            "path": f"/var/lab-volumes/{name}/../../../etc"}}), **dry) in (403, 422)
        assert refused_by(OBJECTS, own.core.create_persistent_volume,
                          volume(f"{name}-nfs", {"nfs": {"server": "127.0.0.1", "path": "/"}}), **dry)
        assert refused_by(OBJECTS, own.rbac.create_cluster_role, {"metadata": {
            "name": f"{name}-agg", "labels": {"rbac.authorization.k8s.io/aggregate-to-edit": "true"}},
            "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}]}, **dry)
        for subject in ({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:authenticated"},
                        {"kind": "ServiceAccount", "name": "default", "namespace": "default"}):
            assert refused_by(OBJECTS, own.rbac.create_cluster_role_binding, binding(f"{name}-all", subject), **dry)
        # The grader's quota where the lab has the learner write quotas: not to be touched, or imitated.
        assert refused_by(QUOTA, own.core.patch_namespaced_resource_quota, "kindlab-tenant", extra,
                          {"spec": {"hard": {"pods": "1000"}}})
        assert refused_by(QUOTA, own.core.delete_namespaced_resource_quota, "kindlab-tenant", extra)
        assert refused_by(QUOTA, own.core.create_namespaced_resource_quota, extra, {"metadata": {
            "name": "fake", "labels": {tenancy.TENANT_LABEL: name}}, "spec": {"hard": {"pods": "1"}}}, **dry)
        own.core.create_namespaced_resource_quota(extra, {"metadata": {"name": "team"},
                                                          "spec": {"hard": {"requests.cpu": "1"}}}, dry_run="All")
        assert "requests.cpu" not in clients.core.read_namespaced_resource_quota("kindlab-tenant", extra).spec.hard
        assert _status(own.core.create_namespaced_resource_quota, name, {"metadata": {"name": "team"}}) == 403
    finally:
        result = tenancy.teardown(clients, made.name, namespaces=made.namespaces)
        clients.core.delete_persistent_volume(foreign)
    assert set(result.owned) == {f"PersistentVolume/{name}-data", f"ClusterRole/{name}-view",
                                 f"ClusterRoleBinding/{name}-view"}
    for kind in ("PersistentVolume", "ClusterRole", "ClusterRoleBinding"):  # raises WaitTimeout if one stays
        wait_for(clients, kind, f"{name}-data" if kind == "PersistentVolume" else f"{name}-view",
                 condition="deleted", timeout=30)
