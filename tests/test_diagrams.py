"""Diagrams: pure rendering on snapshots built from API-shaped objects, then the real cluster.

Assertions read the rendered SVG: Graphviz writes each node's id and each edge's "tail->head" as a <title>, so
a test sees exactly what the learner's notebook shows.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET

import pytest

from labsupport import diagrams
from labsupport.diagrams import model, parse
from labsupport.diagrams.model import Snapshot

SVG = "{http://www.w3.org/2000/svg}"
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.56"
BUSYBOX = "docker.io/library/busybox:1.35"


def parse_svg(diagram) -> tuple[set[str], set[tuple[str, str]], str]:
    """(node ids, edges as (tail, head), all visible text) of a diagram's SVG."""
    root = ET.fromstring(diagram.svg())
    nodes, edges, texts = set(), set(), []
    for g in root.iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        if title is None or title.text is None:
            continue
        if g.get("class") == "node":
            nodes.add(title.text)
        elif g.get("class") == "edge":
            tail, head = title.text.split("->", 1)
            edges.add((tail, head))
    for t in root.iter(f"{SVG}text"):
        texts.append("".join(t.itertext()))
    return nodes, edges, "\n".join(texts)


# ------------------------------------------------------------------------------------------ API-shaped objects


def meta(name, ns="demo", labels=None, owner=None, **extra):
    m = {"name": name, "namespace": ns, "uid": f"uid-{ns}-{name}", "labels": labels or {},
         "creationTimestamp": "2026-01-01T00:00:00Z", **extra}
    if owner:
        m["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1],
                                 "uid": f"uid-{ns}-{owner[1]}", "controller": True}]
    return m


def pod(name, *, node="kindlab-worker", ns="demo", labels=None, owner=None, ready=True, phase="Running",
        claims=(), state=None, ip="10.244.1.7", image=AGNHOST):
    state = state or ({"running": {"startedAt": "2026-01-01T00:00:01Z"}} if phase == "Running" else
                      {"waiting": {"reason": "ContainerCreating"}})
    volumes = [{"name": f"vol-{c}", "persistentVolumeClaim": {"claimName": c}} for c in claims]
    volumes += [{"name": "kube-api-access-abcde", "projected": {"sources": []}}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta(name, ns, labels, owner),
            "spec": {"nodeName": node, "containers": [{"name": "app", "image": image}], "volumes": volumes},
            "status": {"phase": phase, "podIP": ip if node else None,
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "containerStatuses": [{"name": "app", "image": image, "ready": ready, "restartCount": 0,
                                              "state": state}]}}


def node(name, *, control_plane=False, ready=True):
    labels = {"kubernetes.io/hostname": name}
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
    return {"kind": "Node", "metadata": {"name": name, "labels": labels},
            "spec": {"podCIDR": "10.244.0.0/24"},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}],
                       "nodeInfo": {"kubeletVersion": "v1.33.1", "containerRuntimeVersion": "containerd://2.1.1"}}}


def control_plane_pods():
    return [pod(f"{c}-kindlab-control-plane", node="kindlab-control-plane", ns="kube-system",
                labels={"tier": "control-plane", "component": c}, owner=("Node", "kindlab-control-plane"))
            for c in model.CONTROL_PLANE_COMPONENTS]


def web_app(replicas=40, not_ready=(3,), ns="demo"):
    """Deployment web at revision 2 (revision 1 scaled to 0), its pods, a Service and its EndpointSlice."""
    rev = parse.REVISION_ANNOTATION
    objs = [
        {"kind": "Deployment", "metadata": meta("web", ns, {"app": "web"}, annotations={rev: "2"}),
         "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"spec": {"containers": [{"name": "app", "image": AGNHOST}]}}},
         "status": {"readyReplicas": replicas - len(not_ready)}},
        {"kind": "ReplicaSet", "metadata": meta("web-7d9f", ns, {"app": "web"}, ("Deployment", "web"),
                                                annotations={rev: "2"}),
         "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"image": AGNHOST}]}}},
         "status": {"readyReplicas": replicas - len(not_ready)}},
        {"kind": "ReplicaSet", "metadata": meta("web-5c6b", ns, {"app": "web"}, ("Deployment", "web"),
                                                annotations={rev: "1"}),
         "spec": {"replicas": 0, "template": {"spec": {"containers": [{"image": AGNHOST}]}}}, "status": {}},
        {"kind": "Service", "metadata": meta("web", ns, {"app": "web"}),
         "spec": {"type": "NodePort", "clusterIP": "10.96.12.34", "selector": {"app": "web"},
                  "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30080, "protocol": "TCP"}]}},
        {"kind": "EndpointSlice", "addressType": "IPv4",
         "metadata": meta("web-x8k2p", ns, {"kubernetes.io/service-name": "web"}),
         "ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
         "endpoints": [{"addresses": [f"10.244.{i % 2 + 1}.{i + 10}"], "nodeName": _worker(i),
                        "conditions": {"ready": i not in not_ready},
                        "targetRef": {"kind": "Pod", "name": f"web-7d9f-{i}", "namespace": ns}}
                       for i in range(replicas)]},
    ]
    objs += [pod(f"web-7d9f-{i}", node=_worker(i), ns=ns, labels={"app": "web"}, owner=("ReplicaSet", "web-7d9f"),
                 ready=i not in not_ready, ip=f"10.244.{i % 2 + 1}.{i + 10}") for i in range(replicas)]
    return objs


def _worker(i):
    return "kindlab-worker" if i % 2 else "kindlab-worker2"


def storage_objects(ns="demo"):
    return [
        pod("db-0", ns=ns, labels={"app": "db"}, claims=["data"]),
        {"kind": "PersistentVolumeClaim", "metadata": meta("data", ns, {"app": "db"}),
         "spec": {"storageClassName": "standard", "volumeName": "pvc-1111", "accessModes": ["ReadWriteOnce"],
                  "resources": {"requests": {"storage": "1Gi"}}},
         "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}}},
        {"kind": "PersistentVolumeClaim", "metadata": meta("later", ns),
         "spec": {"storageClassName": "standard", "accessModes": ["ReadWriteOnce"],
                  "resources": {"requests": {"storage": "1Gi"}}}, "status": {"phase": "Pending"}},
        {"kind": "PersistentVolume", "metadata": {"name": "pvc-1111"},
         "spec": {"storageClassName": "standard", "capacity": {"storage": "1Gi"},
                  "claimRef": {"namespace": ns, "name": "data"}, "persistentVolumeReclaimPolicy": "Delete",
                  "hostPath": {"path": "/var/local-path-provisioner/pvc-1111_demo_data"},
                  "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                      {"key": "kubernetes.io/hostname", "operator": "In", "values": ["kindlab-worker"]}]}]}}},
         "status": {"phase": "Bound"}},
        {"kind": "StorageClass", "metadata": {"name": "standard",
                                              "annotations": {parse.DEFAULT_CLASS_ANNOTATION: "true"}},
         "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer",
         "reclaimPolicy": "Delete"},
    ]


@pytest.fixture
def big() -> Snapshot:
    """The three-node cluster with 40 web pods, a database with a claim, one pod nobody scheduled."""
    objs = [node("kindlab-control-plane", control_plane=True), node("kindlab-worker"), node("kindlab-worker2")]
    objs += control_plane_pods() + web_app() + storage_objects()
    objs.append(pod("stuck", node="", phase="Pending", ready=False))
    objs.append(pod("coredns-abc", ns="kube-system", labels={"k8s-app": "kube-dns"}))
    return Snapshot.from_objects(objs, namespace="demo")


# ---------------------------------------------------------------------------------------------------- model


def test_pod_status_reads_like_kubectl():
    crash = pod("a", state={"waiting": {"reason": "CrashLoopBackOff"}}, ready=False)
    assert parse.pod_from(crash).status == "CrashLoopBackOff"
    done = pod("b", phase="Succeeded", ready=False, state={"terminated": {"reason": "Completed", "exitCode": 0}})
    assert parse.pod_from(done).status == "Completed" and parse.pod_from(done).health == "done"
    going = pod("c")
    going["metadata"]["deletionTimestamp"] = "2026-01-01T00:01:00Z"
    assert parse.pod_from(going).status == "Terminating"
    init = pod("d", phase="Pending", ready=False)
    init["status"]["initContainerStatuses"] = [{"name": "i", "state": {"running": {}}}]
    assert parse.pod_from(init).status == "Init:0/1"
    unsched = pod("e", node="", phase="Pending", ready=False)
    unsched["status"] = {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                                                             "reason": "Unschedulable"}]}
    assert parse.pod_from(unsched).status == "Unschedulable"


def test_parsers_accept_client_models_as_well_as_dicts():
    from kubernetes import client

    v1pod = client.V1Pod(metadata=client.V1ObjectMeta(name="m", namespace="demo", labels={"app": "x"}),
                         spec=client.V1PodSpec(node_name="kindlab-worker",
                                               containers=[client.V1Container(name="c", image=BUSYBOX)]),
                         status=client.V1PodStatus(phase="Running"))
    snap = Snapshot.from_objects([v1pod])
    assert snap.pods[0].name == "m" and snap.pods[0].images == (BUSYBOX,) and snap.pods[0].labels == {"app": "x"}


def test_service_account_token_volume_is_left_out():
    p = parse.pod_from(pod("db-0", claims=["data"]))
    assert [v.kind for v in p.volumes] == ["persistentVolumeClaim"] and p.claims == ("data",)


def test_unknown_kind_is_refused_with_the_supported_list():
    with pytest.raises(ValueError, match="supported"):
        Snapshot.from_objects([{"kind": "ConfigMap", "metadata": {"name": "x"}}])


class _Refusing:
    """Stands in for Clients: every list call fails the way `error` says."""

    def __init__(self, error):
        self.error = error

    def __getattr__(self, api):
        return self

    def __call__(self, *args, **kwargs):
        raise self.error


def test_collect_turns_an_unreachable_cluster_into_a_hint():
    import urllib3

    from labsupport.diagrams.collect import collect
    from labsupport.errors import ClusterUnavailable, LabError

    with pytest.raises(ClusterUnavailable, match="Cannot reach the API server") as info:
        collect(_Refusing(urllib3.exceptions.MaxRetryError(None, "/api", "refused")), parts={"pods"})
    assert "make cluster" in info.value.hint
    from kubernetes.client.exceptions import ApiException

    with pytest.raises(LabError, match="list_namespaced_pod answered 404") as info:
        collect(_Refusing(ApiException(status=404, reason="Not Found")), namespace="nope", parts={"pods"})
    assert "lab.start" in info.value.hint


def test_cluster_from_a_namespaced_snapshot_does_not_claim_the_control_plane_is_gone():
    snap = Snapshot.from_objects([node("kindlab-control-plane", control_plane=True), pod("a")], namespace="demo")
    text = parse_svg(diagrams.cluster(snap))[2]
    assert "not read" in text and "not found" not in text


# ---------------------------------------------------------------------------------------------------- views


def test_cluster_shows_control_plane_nodes_and_truncates_pods(big):
    d = diagrams.cluster(big, max_pods_per_node=15)
    nodes, edges, text = parse_svg(d)
    for comp in model.CONTROL_PLANE_COMPONENTS:
        assert f"cp/{comp}" in nodes
    assert ("cp/kube-apiserver", "cp/etcd") in edges
    for n in ("kindlab-control-plane", "kindlab-worker", "kindlab-worker2"):
        assert f"kubelet/{n}" in nodes and ("cp/kube-apiserver", f"kubelet/{n}") in edges
    # 21 demo pods on kindlab-worker (20 web + db-0), 20 on worker2: 15 listed on each, the rest counted.
    assert "+6 more pods" in text and "+5 more pods" in text and d.hidden == 11
    assert "web-7d9f-3" in text  # the not-ready pod is listed first, never truncated away
    assert "kube-system: 1 pod" in text  # other namespaces are counted, not listed
    assert "pods/unscheduled" in nodes and "stuck" in text


def test_cluster_can_show_pod_ips_beside_the_node_cidr(big):
    _, _, text = parse_svg(diagrams.cluster(big, ips=True))
    assert "10.244.2.13" in text and "pods 10.244.0.0/24" in text
    assert "10.244.2.13" not in parse_svg(diagrams.cluster(big))[2]


def test_cluster_without_namespace_lists_every_pod():
    objs = [node("kindlab-control-plane", control_plane=True), node("kindlab-worker")] + control_plane_pods()
    objs.append(pod("coredns-abc", ns="kube-system"))
    _, _, text = parse_svg(diagrams.cluster(Snapshot.from_objects(objs), namespace=None))
    assert "kube-system/coredns-abc" in text


def test_ownership_follows_owner_references_and_marks_revisions(big):
    d = diagrams.ownership(big, max_pods=6)
    nodes, edges, text = parse_svg(d)
    assert ("deploy/demo/web", "rs/demo/web-7d9f") in edges and ("deploy/demo/web", "rs/demo/web-5c6b") in edges
    assert ("rs/demo/web-7d9f", "pod/demo/web-7d9f-3") in edges
    assert "revision 2 (current)" in text and "revision 1" in text and "agnhost:2.56" in text
    assert "+34 more pods" in text and d.hidden == 34
    assert "pod/demo/db-0" in nodes and "pods without a controller" in text
    # name= keeps one tree
    only = parse_svg(diagrams.ownership(big, name="web"))[0]
    assert "deploy/demo/web" in only and "pod/demo/db-0" not in only


def test_traffic_goes_service_to_slice_to_pods_with_ports(big):
    d = diagrams.traffic(big, max_endpoints=8)
    nodes, edges, text = parse_svg(d)
    assert ("svc/demo/web", "eps/demo/web-x8k2p") in edges
    assert ("eps/demo/web-x8k2p", "pod/demo/web-7d9f-3") in edges
    assert "80→8080 (node 30080)/TCP" in text and "NodePort 10.96.12.34" in text
    assert "10.244.2.13:8080 not ready" in text  # the not-ready endpoint is shown first and marked
    assert "39 ready, 1 not ready" in text and "+32 more endpoints" in text


def test_traffic_explains_a_service_with_no_endpoints():
    svc = {"kind": "Service", "metadata": meta("ghost"),
           "spec": {"clusterIP": "10.96.0.9", "selector": {"app": "nobody"}, "ports": [{"port": 80}]}}
    ext = {"kind": "Service", "metadata": meta("db"), "spec": {"type": "ExternalName",
                                                                "externalName": "db.example.com"}}
    ing = {"kind": "Ingress", "metadata": meta("front"), "spec": {"ingressClassName": "nginx", "rules": [
        {"host": "shop.local", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
            "service": {"name": "ghost", "port": {"number": 80}}}}]}}]}}
    nodes, edges, text = parse_svg(diagrams.traffic(Snapshot.from_objects([svc, ext, ing], namespace="demo")))
    assert "selector app=nobody matches no ready pod" in text
    assert ("svc/demo/db", "external/demo/db") in edges and "db.example.com" in text
    assert ("ing/demo/front", "svc/demo/ghost") in edges and "shop.local/ → :80" in text


def test_storage_chains_pod_claim_volume_class(big):
    nodes, edges, text = parse_svg(diagrams.storage(big))
    assert ("pod/demo/db-0", "pvc/demo/data") in edges
    assert ("pvc/demo/data", "pv/pvc-1111") in edges and ("pv/pvc-1111", "sc/standard") in edges
    assert ("pvc/demo/later", "sc/standard") in edges and "waits for a pod to be scheduled" in text
    assert "on node kindlab-worker" in text and "WaitForFirstConsumer" in text and "standard (default)" in text


def test_storage_flags_a_claim_that_does_not_exist():
    snap = Snapshot.from_objects([pod("lost", claims=["nope"])], namespace="demo")
    assert "missing: no such claim" in parse_svg(diagrams.storage(snap))[2]


def test_namespace_view_groups_by_label_and_links_owners_and_services(big):
    d = diagrams.namespace_view(big, group_by="app", max_pods=6)
    nodes, edges, text = parse_svg(d)
    assert "app=web" in text and "app=db" in text and "no app label" in text
    assert "rs/demo/web-7d9f" not in nodes  # the Deployment stands for its ReplicaSets
    assert ("deploy/demo/web", "pod/demo/web-7d9f-3") in edges
    assert ("svc/demo/web", "pod/demo/web-7d9f-3") in edges
    assert ("deploy/demo/web", "group/web/+more") in edges and "+34 more pods" in text
    assert ("pod/demo/db-0", "pvc/demo/data") in edges


def test_empty_namespace_says_so():
    empty = Snapshot(namespace="demo")
    for view in (diagrams.ownership, diagrams.traffic, diagrams.storage, diagrams.namespace_view):
        assert "empty" in parse_svg(view(empty))[0]


def test_diagram_displays_inline_and_saves(tmp_path, big):
    d = diagrams.ownership(big)
    bundle = d._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith(("<?xml", "<svg")) and "Diagram" in bundle["text/plain"]
    assert d._repr_svg_() == bundle["image/svg+xml"]
    assert d.save(tmp_path / "o.svg").read_text().count("<svg") == 1
    assert d.save(tmp_path / "o.dot").read_text().startswith("digraph ownership")


def test_forty_pods_render_in_every_view(big):
    """Every view renders the 40-pod cluster. How fast is benchmarks/diagram_render.py's job (a timed assertion
    here failed on a loaded CI machine while measuring nothing the benchmark does not)."""
    web_pods = {p.name for p in big.pods if p.name.startswith("web-")}
    assert len(web_pods) == 40
    for view in (diagrams.cluster, diagrams.ownership, diagrams.traffic, diagrams.storage, diagrams.namespace_view):
        svg = view(big).svg()
        assert svg.lstrip().startswith(("<?xml", "<svg")) and svg.rstrip().endswith("</svg>"), view.__name__


# ---------------------------------------------------------------------------------------------- real cluster


def _apply(clients, namespace, docs):
    from labsupport import manifests

    return manifests.apply(clients, docs, namespace=namespace)


WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.56
        imagePullPolicy: IfNotPresent
        args: [netexec, --http-port=8080]
        env: [{name: VERSION, value: "1"}]
        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, labels: {app: db}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: db, labels: {app: db}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: db
    image: registry.k8s.io/e2e-test-images/agnhost:2.56
    imagePullPolicy: IfNotPresent
    args: [pause]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: data}}
"""


@pytest.fixture(scope="module")
def live(clients):
    """One namespace (shared by this module's cluster tests: setting it up is the slow part) with a Deployment
    rolled to revision 2, a Service, and a claim used by a pod."""
    from labsupport import waits
    from labsupport.config import TEST_LABEL
    from labsupport.namespaces import ensure_namespace

    ns = f"test-diagrams-{uuid.uuid4().hex[:6]}"
    ensure_namespace(clients, ns, {TEST_LABEL: "true"})
    try:
        _apply(clients, ns, WEB)
        waits.wait_rollout(clients, ns, "web", timeout=120)
        # A second revision, so the ownership view has an old ReplicaSet to show.
        clients.apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [
            {"name": "web", "env": [{"name": "VERSION", "value": "2"}]}]}}}})
        waits.wait_rollout(clients, ns, "web", timeout=120)
        waits.wait_for(clients, "Pod", "db", namespace=ns, condition="Ready", timeout=120)
        waits.wait_for(clients, "PersistentVolumeClaim", "data", namespace=ns, condition="Bound", timeout=60)
        yield clients, ns
    finally:
        clients.core.delete_namespace(ns)


@pytest.mark.cluster
def test_live_cluster_diagram_shows_nodes_and_our_pods(live):
    clients, ns = live
    pods = [p.metadata.name for p in clients.core.list_namespaced_pod(ns).items
            if p.metadata.deletion_timestamp is None]  # old-revision pods may vanish before the snapshot
    d = diagrams.cluster(clients, ns)
    nodes, edges, text = parse_svg(d)
    for name in ("kindlab-control-plane", "kindlab-worker", "kindlab-worker2"):
        assert f"kubelet/{name}" in nodes and name in text
    for comp in model.CONTROL_PLANE_COMPONENTS:
        assert f"cp/{comp}" in nodes
    assert ("cp/kube-apiserver", "cp/etcd") in edges
    for name in pods:
        assert name in text
    assert "kube-system:" in text  # system pods counted per node


@pytest.mark.cluster
def test_live_ownership_shows_both_revisions(live):
    clients, ns = live
    rs = {r.metadata.name: r.metadata.annotations[parse.REVISION_ANNOTATION]
          for r in clients.apps.list_namespaced_replica_set(ns).items}
    assert sorted(rs.values()) == ["1", "2"]
    nodes, edges, text = parse_svg(diagrams.ownership(clients, ns))
    for name in rs:
        assert (f"deploy/{ns}/web", f"rs/{ns}/{name}") in edges
    current = next(n for n, r in rs.items() if r == "2")
    for p in clients.core.list_namespaced_pod(ns, label_selector="app=web").items:
        if p.metadata.deletion_timestamp is None:
            assert (f"rs/{ns}/{current}", f"pod/{ns}/{p.metadata.name}") in edges
    assert "revision 2 (current)" in text and "agnhost:2.56" in text
    assert f"pod/{ns}/db" in nodes


@pytest.mark.cluster
def test_live_traffic_service_slices_pods(live):
    clients, ns = live
    nodes, edges, text = parse_svg(diagrams.traffic(clients, ns))
    slices = [s for s in nodes if s.startswith(f"eps/{ns}/web-")]
    assert slices and (f"svc/{ns}/web", slices[0]) in edges
    ready = [p for p in clients.core.list_namespaced_pod(ns, label_selector="app=web").items
             if p.metadata.deletion_timestamp is None]
    for p in ready:
        assert any(e == (s, f"pod/{ns}/{p.metadata.name}") for s in slices for e in edges)
        assert f"{p.status.pod_ip}:8080" in text
    assert "80→8080/TCP" in text


@pytest.mark.cluster
def test_live_storage_chain_is_bound(live):
    clients, ns = live
    pvc = clients.core.read_namespaced_persistent_volume_claim("data", ns)
    nodes, edges, text = parse_svg(diagrams.storage(clients, ns))
    pv = pvc.spec.volume_name
    assert (f"pod/{ns}/db", f"pvc/{ns}/data") in edges
    assert (f"pvc/{ns}/data", f"pv/{pv}") in edges and (f"pv/{pv}", "sc/standard") in edges
    assert "Bound" in text and "rancher.io/local-path" in text


@pytest.mark.cluster
def test_live_namespace_view_groups_by_app(live):
    clients, ns = live
    nodes, edges, text = parse_svg(diagrams.namespace_view(clients, ns, group_by="app"))
    assert "app=web" in text and "app=db" in text
    assert f"deploy/{ns}/web" in nodes and f"svc/{ns}/web" in nodes and f"pvc/{ns}/data" in nodes
    assert any(t == f"svc/{ns}/web" and re.match(rf"pod/{ns}/web-", h) for t, h in edges)
