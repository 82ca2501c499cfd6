"""Smoke test of the real lab cluster: nodes, scheduling, service DNS, NodePort, storage, the pod network.

Everything here runs against the cluster `make cluster` creates (context kind-kindlab), in a fresh namespace.
"""

from __future__ import annotations

import time
import urllib.request

import pytest

from labsupport.manifests import apply
from labsupport.podexec import exec_in_pod, run_in_node
from labsupport.waits import wait_for, wait_pods_ready

pytestmark = pytest.mark.cluster

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.56"
BUSYBOX = "docker.io/library/busybox:1.35"
WORKERS = {"kindlab-worker", "kindlab-worker2"}
SMOKE_NODEPORT = 30081  # mapped to the host's 127.0.0.1 by clusters/kind-3node.yaml; 30080 is the labs'


def _pod(name: str, *, image: str = BUSYBOX, args: list[str] | None = None, node: str | None = None,
         labels: dict | None = None, volumes: list | None = None, mounts: list | None = None) -> dict:
    spec = {
        "containers": [{"name": "main", "image": image, "imagePullPolicy": "IfNotPresent",
                        "args": args or ["sleep", "3600"], "volumeMounts": mounts or []}],
        "terminationGracePeriodSeconds": 0,
        "volumes": volumes or [],
    }
    if node:
        spec["nodeSelector"] = {"kubernetes.io/hostname": node}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}}, "spec": spec}


def _web_deployment(replicas: int = 3) -> dict:
    labels = {"app": "web"}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas, "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 0,
                    # Spread evenly over the workers: 3 replicas on 2 nodes means 2 + 1, never 3 + 0.
                    # Honor taints, or the control-plane node counts as an empty domain and caps each worker at 1.
                    "topologySpreadConstraints": [{
                        "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "nodeTaintsPolicy": "Honor",
                        "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": labels}}],
                    "containers": [{"name": "web", "image": AGNHOST, "imagePullPolicy": "IfNotPresent",
                                    "args": ["netexec", "--http-port=8080"],
                                    "ports": [{"containerPort": 8080}],
                                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080},
                                                       "periodSeconds": 1}}],
                },
            },
        },
    }


def _service(name: str, *, type_: str = "ClusterIP", node_port: int | None = None) -> dict:
    port = {"port": 80, "targetPort": 8080}
    if node_port:
        port["nodePort"] = node_port
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": type_, "selector": {"app": "web"}, "ports": [port]}}


def _http_get(url: str, *, within: float = 30) -> str:
    """GET url, retrying connection errors until `within` seconds: each node's kube-proxy programs a new
    service's rules on its own schedule, and no API object tells when that happened."""
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode().strip()
        except OSError as err:
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not answer within {within:.0f}s: {err}") from err
            time.sleep(0.5)


def _get_from_node(node: str, url: str, *, within: float = 30) -> str:
    """GET url with curl inside kind node ``node`` (a container), retrying like _http_get."""
    deadline = time.monotonic() + within
    while True:
        result = run_in_node(node, ["curl", "-sS", "--max-time", "5", url], timeout=30)
        if result.returncode == 0:
            return result.stdout.strip()
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer node {node} within {within:.0f}s: {result.stderr.strip()}")
        time.sleep(0.5)


def _node_ip(clients, name: str) -> str:
    node = clients.core.read_node(name)
    return next(a.address for a in node.status.addresses if a.type == "InternalIP")


def test_three_nodes_ready(clients):
    nodes = clients.core.list_node().items
    ready = {n.metadata.name: next(c.status for c in n.status.conditions if c.type == "Ready") for n in nodes}
    assert ready == {"kindlab-control-plane": "True", "kindlab-worker": "True", "kindlab-worker2": "True"}
    roles = {n.metadata.name for n in nodes if "node-role.kubernetes.io/control-plane" in n.metadata.labels}
    assert roles == {"kindlab-control-plane"}


@pytest.fixture
def web(clients, namespace):
    apply(clients, [_web_deployment(), _service("web")], namespace=namespace)
    return wait_pods_ready(clients, namespace, "app=web", count=3, timeout=120)


def test_deployment_spreads_over_both_workers(web):
    nodes = [p["spec"]["nodeName"] for p in web]
    assert len(nodes) == 3
    assert set(nodes) == WORKERS, f"pods landed on {nodes}"


def test_clusterip_service_answers_by_dns_name(clients, namespace, web):
    apply(clients, _pod("client"), namespace=namespace)
    wait_for(clients, "Pod", "client", namespace=namespace, condition="Ready", timeout=60)
    url = f"http://web.{namespace}.svc.cluster.local/hostname"
    result = exec_in_pod(clients, namespace, "client", ["timeout", "5", "wget", "-qO-", url], timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in {p["metadata"]["name"] for p in web}


def test_nodeport_answers_from_the_host(clients, namespace, web):
    apply(clients, _service("web-nodeport", type_="NodePort", node_port=SMOKE_NODEPORT), namespace=namespace)
    wait_for(clients, "Endpoints", "web-nodeport", namespace=namespace,
             condition=lambda ep: any(s.get("addresses") for s in (ep or {}).get("subsets") or []), timeout=60)
    pods = {p["metadata"]["name"] for p in web}
    # From the host only through the port kind maps on 127.0.0.1 (as on a learner's laptop) ...
    assert _http_get(f"http://127.0.0.1:{SMOKE_NODEPORT}/hostname") in pods
    # ... and a worker's own address from another node: a node port answers on every node.
    url = f"http://{_node_ip(clients, 'kindlab-worker')}:{SMOKE_NODEPORT}/hostname"
    assert _get_from_node("kindlab-control-plane", url) in pods, url


def test_claim_binds_and_data_survives_the_pod(clients, namespace):
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "16Mi"}}}}
    volume = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    mount = [{"name": "data", "mountPath": "/data"}]
    writer = _pod("writer", args=["sh", "-c", "echo kept-$(hostname) > /data/proof && sleep 3600"],
                  volumes=volume, mounts=mount)
    apply(clients, [claim, writer], namespace=namespace)
    wait_for(clients, "PersistentVolumeClaim", "data", namespace=namespace, condition="Bound", timeout=90)
    pvc = clients.core.read_namespaced_persistent_volume_claim("data", namespace)
    assert pvc.spec.storage_class_name == "standard"  # the default StorageClass did the provisioning
    wait_for(clients, "Pod", "writer", namespace=namespace, condition="Ready", timeout=60)
    assert exec_in_pod(clients, namespace, "writer", ["cat", "/data/proof"]).stdout.strip() == "kept-writer"

    clients.core.delete_namespaced_pod("writer", namespace, grace_period_seconds=0)
    wait_for(clients, "Pod", "writer", namespace=namespace, condition="deleted", timeout=60)
    apply(clients, _pod("reader", volumes=volume, mounts=mount), namespace=namespace)
    wait_for(clients, "Pod", "reader", namespace=namespace, condition="Ready", timeout=60)
    assert exec_in_pod(clients, namespace, "reader", ["cat", "/data/proof"]).stdout.strip() == "kept-writer"


def test_pod_to_pod_across_workers_by_ip(clients, namespace):
    worker_a, worker_b = sorted(WORKERS)
    apply(clients, [_pod("server", image=AGNHOST, args=["netexec", "--http-port=8080"], node=worker_b),
                    _pod("client", node=worker_a)], namespace=namespace)
    server = wait_for(clients, "Pod", "server", namespace=namespace, condition="Ready", timeout=60)
    client = wait_for(clients, "Pod", "client", namespace=namespace, condition="Ready", timeout=60)
    assert server["spec"]["nodeName"] != client["spec"]["nodeName"]
    ip = server["status"]["podIP"]
    result = exec_in_pod(clients, namespace, "client", ["timeout", "5", "wget", "-qO-", f"http://{ip}:8080/hostname"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "server"
