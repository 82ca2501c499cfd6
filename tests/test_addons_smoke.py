"""Each add-on proves its capability with real traffic on the cluster the suite runs on.

metrics-server (`kubectl top nodes`, an HPA scaling under load), MetalLB (a LoadBalancer address answering a
client pod), kube-router (NetworkPolicy ingress and egress), Traefik (Ingress and Gateway API HTTPRoute, from the
host through 127.0.0.1:80, the only host-to-cluster traffic). Each test works in its own namespaces, deleted
after it; every wait has a deadline and reports status and events when it passes.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Callable

import pytest

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from labsupport import clusterinfo
from labsupport.config import DEFAULT_CLUSTER, TEST_LABEL, context_name
from labsupport.manifests import apply
from labsupport.namespaces import ensure_namespace
from labsupport.podexec import exec_in_pod
from labsupport.versions import get
from labsupport.waits import recent_events, wait_for, wait_rollout

pytestmark = pytest.mark.cluster


def eventually(check: Callable[[], bool], timeout: float, what: str, diagnose: Callable[[], str] = lambda: "") -> None:
    """Poll ``check`` every 2 s until it holds; past ``timeout`` fail with ``what`` and the diagnosis."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not true within {timeout:g}s.\n{diagnose()}", pytrace=False)
        time.sleep(2)


def web(clients, namespace: str, service_type: str = "ClusterIP") -> None:
    """agnhost netexec (answers /hostname with its pod's name) behind Service web:80."""
    apply(clients, f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {namespace}}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - {{name: web, image: "{get('AGNHOST_IMAGE')}", args: [netexec, --http-port=8080], ports: [{{containerPort: 8080}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: {namespace}}}
spec:
  type: {service_type}
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: 8080}}]
""")
    wait_rollout(clients, namespace, "web", timeout=90)


def client(clients, namespace: str, name: str, labels: dict[str, str]) -> None:
    """A busybox pod that sleeps, to send requests from."""
    apply(clients, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace, "labels": labels},
                    "spec": {"terminationGracePeriodSeconds": 0, "containers": [
                        {"name": "c", "image": get("BUSYBOX_IMAGE"), "command": ["sleep", "3600"]}]}})
    wait_for(clients, "Pod", name, namespace=namespace, condition="Ready", timeout=60)


def fetch(clients, namespace: str, pod: str, url: str) -> str:
    """The body ``url`` answers inside ``pod`` ('' when refused or timed out). busybox's wget -T crashes: timeout."""
    result = exec_in_pod(clients, namespace, pod, ["timeout", "4", "wget", "-qO-", url], timeout=20)
    return result.stdout if result.ok else ""


def host_get(host: str, path: str = "/hostname") -> str:
    """GET http://127.0.0.1<path> from this machine with a Host header (kind maps the node's port 80 there)."""
    request = urllib.request.Request(f"http://127.0.0.1{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.read().decode()
    except (urllib.error.URLError, OSError):
        return ""


def events(clients, namespace: str, kind: str, name: str) -> str:
    return "\n".join(f"  {e}" for e in recent_events(clients, namespace, kind, name)) or "  (no events)"


@pytest.fixture
def other_namespace(clients):
    """A second namespace for a test, labelled like the `namespace` fixture's and deleted after it."""
    name = f"test-other-{secrets.token_hex(3)}"
    ensure_namespace(clients, name, {TEST_LABEL: "true"})
    yield name
    clients.core.delete_namespace(name)


def test_cluster_info_names_the_addons(clients):
    info = clusterinfo.read(clients)
    assert info is not None, "no kube-public/kindlab-cluster-info: create the cluster with labsupport"
    assert info.policy == "kube-router"
    assert info.extra.get("ingress") == "traefik" and info.extra.get("gateway") == "traefik"
    assert info.extra.get("loadbalancer") == "metallb" and info.extra.get("metrics") == "metrics-server"
    assert {"metrics-server", "metrics-api", "metallb", "metallb-pool", "kube-router", "traefik"} <= set(info.addons)


def test_metrics_api_reports_every_node(clients):
    nodes = {n.metadata.name for n in clients.core.list_node().items}
    seen: set[str] = set()
    error = []

    def all_nodes() -> bool:
        try:
            items = clients.custom.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes")["items"]
        except ApiException as exc:  # 503 while the APIService is not available
            error[:] = [f"{exc.status} {exc.reason}"]
            return False
        seen.clear()
        seen.update(i["metadata"]["name"] for i in items if i.get("usage", {}).get("cpu"))
        return seen == nodes

    # The first scrape can take one resolution period (15 s) after the API is available.
    eventually(all_nodes, 60, f"metrics API reports CPU for every node {sorted(nodes)}",
               lambda: f"it reports {sorted(seen)}; last error: {error}")
    # What a learner types: kubectl (make setup links it beside this Python) on the same context.
    kubectl = shutil.which("kubectl", path=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    assert kubectl, "no kubectl: run make setup"
    context = os.environ.get("KINDLAB_CONTEXT") or context_name(DEFAULT_CLUSTER)
    top = subprocess.run([kubectl, "--context", context, "top", "nodes", "--no-headers"], capture_output=True,
                         text=True, timeout=30)
    assert top.returncode == 0, top.stderr
    assert {line.split()[0] for line in top.stdout.splitlines() if line.strip()} == nodes, top.stdout


def test_loadbalancer_service_gets_an_address_that_answers(clients, namespace):
    web(clients, namespace, "LoadBalancer")
    address = ""

    def has_address() -> bool:
        nonlocal address
        ingress = (clients.core.read_namespaced_service("web", namespace).status.load_balancer.ingress or [])
        address = ingress[0].ip if ingress and ingress[0].ip else ""
        return bool(address)

    eventually(has_address, 60, "Service web of type LoadBalancer gets an external IP from MetalLB",
               lambda: events(clients, namespace, "Service", "web"))
    client(clients, namespace, "probe", {"role": "probe"})
    body = ""

    def answers() -> bool:
        nonlocal body
        body = fetch(clients, namespace, "probe", f"http://{address}/hostname")
        return body.startswith("web-")

    eventually(answers, 30, f"a client pod reaches web on its LoadBalancer address {address}",
               lambda: f"last answer: {body!r}\n" + events(clients, namespace, "Service", "web"))


def test_network_policies_refuse_and_allow_by_pod_and_namespace(clients, namespace, other_namespace):
    team = f"friends-{secrets.token_hex(2)}"  # unique, so the rule selects this test's namespace only
    clients.core.patch_namespace(other_namespace, {"metadata": {"labels": {"team": team}}})
    web(clients, namespace)
    client(clients, namespace, "allowed", {"role": "frontend"})
    client(clients, namespace, "other", {"role": "other"})
    client(clients, other_namespace, "friend", {"role": "other"})
    url = f"http://web.{namespace}.svc.cluster.local/hostname"
    everyone = [(namespace, "allowed"), (namespace, "other"), (other_namespace, "friend")]

    def reach(ns: str, pod: str, target: str = url) -> bool:
        return fetch(clients, ns, pod, target).startswith("web-")

    def policies() -> str:
        return "policies: " + ", ".join(p.metadata.name for p in
                                         clients.networking.list_namespaced_network_policy(namespace).items)

    for ns, pod in everyone:
        eventually(lambda: reach(ns, pod), 30, f"without policies {ns}/{pod} reaches web", policies)

    apply(clients, f"""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: {namespace}}}
spec: {{podSelector: {{}}, policyTypes: [Ingress]}}
""")
    eventually(lambda: not any(reach(ns, pod) for ns, pod in everyone), 30,
               "default deny refuses every client", policies)

    apply(clients, f"""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-frontend-and-friends, namespace: {namespace}}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {{matchLabels: {{role: frontend}}}}
    - namespaceSelector: {{matchLabels: {{team: {team}}}}}
    ports: [{{protocol: TCP, port: 8080}}]
""")
    eventually(lambda: reach(namespace, "allowed") and reach(other_namespace, "friend"), 30,
               "the allow rule lets role=frontend (pod selector) and the team namespace (namespace selector) pass",
               policies)
    assert not reach(namespace, "other"), "role=other in the same namespace passes, but no rule allows it"

    apply(clients, f"""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: frontend-no-egress, namespace: {namespace}}}
spec: {{podSelector: {{matchLabels: {{role: frontend}}}}, policyTypes: [Egress]}}
""")
    eventually(lambda: not reach(namespace, "allowed"), 30, "an egress deny stops role=frontend's own requests",
               policies)
    assert reach(other_namespace, "friend"), "the egress deny on role=frontend also stopped another namespace's pod"


def _routed(clients, checks: dict[tuple[str, str], str]) -> None:
    """Each (Host header, path) through 127.0.0.1:80 on this machine answers with its backend's name."""
    answers: dict[tuple[str, str], str] = {}

    def all_routed() -> bool:
        for host, path in checks:
            answers[(host, path)] = host_get(host, path).strip()
        return all(answers[key] == backend for key, backend in checks.items())

    eventually(all_routed, 45, f"Traefik on 127.0.0.1:80 routes {checks}",
               lambda: f"answers: {answers}\n" + events(clients, "traefik", "Deployment", "traefik"))


def _two_backends(clients, namespace: str) -> None:
    """Services `shop` and `blog`: busybox httpd answering its own name on / and /blog/ (any routed path)."""
    for app in ("shop", "blog"):
        apply(clients, f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {app}, namespace: {namespace}}}
spec:
  selector: {{matchLabels: {{app: {app}}}}}
  template:
    metadata: {{labels: {{app: {app}}}}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: web
        image: "{get('BUSYBOX_IMAGE')}"
        command: [sh, -c, 'mkdir -p /www/blog && echo {app} >/www/index.html && echo {app} >/www/blog/index.html && exec httpd -f -p 8080 -h /www']
        readinessProbe: {{tcpSocket: {{port: 8080}}, periodSeconds: 1}}
---
apiVersion: v1
kind: Service
metadata: {{name: {app}, namespace: {namespace}}}
spec:
  selector: {{app: {app}}}
  ports: [{{port: 80, targetPort: 8080}}]
""")
    for app in ("shop", "blog"):
        wait_rollout(clients, namespace, app, timeout=90)


def test_ingress_routes_two_hosts_and_a_path_from_the_host(clients, namespace):
    _two_backends(clients, namespace)
    shop, site = f"shop.{namespace}.local", f"site.{namespace}.local"
    apply(clients, f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: sites, namespace: {namespace}}}
spec:
  rules:
  - host: {shop}
    http:
      paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: shop, port: {{number: 80}}}}}}}}]
  - host: {site}
    http:
      paths:
      - {{path: /blog, pathType: Prefix, backend: {{service: {{name: blog, port: {{number: 80}}}}}}}}
      - {{path: /, pathType: Prefix, backend: {{service: {{name: shop, port: {{number: 80}}}}}}}}
""")
    _routed(clients, {(shop, "/"): "shop", (site, "/blog/"): "blog", (site, "/"): "shop"})
    assert host_get(f"nobody.{namespace}.local", "/") == "", "a host no rule names is answered by a backend"


def test_gateway_httproute_routes_two_hosts_and_a_path_from_the_host(clients, namespace):
    _two_backends(clients, namespace)
    shop, site = f"shop.{namespace}.local", f"site.{namespace}.local"
    apply(clients, f"""
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: web, namespace: {namespace}}}
spec:
  gatewayClassName: traefik
  listeners: [{{name: web, protocol: HTTP, port: 80}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: shop, namespace: {namespace}}}
spec:
  parentRefs: [{{name: web}}]
  hostnames: ["{shop}"]
  rules:
  - backendRefs: [{{name: shop, port: 80}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: site, namespace: {namespace}}}
spec:
  parentRefs: [{{name: web}}]
  hostnames: ["{site}"]
  rules:
  - matches: [{{path: {{type: PathPrefix, value: /blog}}}}]
    backendRefs: [{{name: blog, port: 80}}]
  - backendRefs: [{{name: shop, port: 80}}]
""")
    wait_for(clients, "Gateway", "web", namespace=namespace, condition="Programmed", timeout=60,
             api_version="gateway.networking.k8s.io/v1")
    _routed(clients, {(shop, "/"): "shop", (site, "/blog/"): "blog", (site, "/"): "shop"})
    assert host_get(f"nobody.{namespace}.local", "/") == "", "a host no route names is answered by a backend"


@pytest.mark.exclusive  # burns CPU on purpose (bounded): never beside the parallel tests
def test_hpa_scales_a_deployment_under_in_cluster_load(clients, namespace):
    apply(clients, f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: burn, namespace: {namespace}}}
spec:
  selector: {{matchLabels: {{app: burn}}}}
  template:
    metadata: {{labels: {{app: burn}}}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: burn
        image: "{get('BUSYBOX_IMAGE')}"
        command: [sh, -c, 'while :; do :; done']
        resources: {{requests: {{cpu: 50m}}, limits: {{cpu: 200m}}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: burn, namespace: {namespace}}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: burn}}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 50}}}}
""")
    wait_rollout(clients, namespace, "burn", timeout=60)
    state = {}

    def scaled() -> bool:
        hpa = k8s.AutoscalingV2Api(clients.api).read_namespaced_horizontal_pod_autoscaler("burn", namespace)
        state["metrics"] = [m.to_dict() for m in hpa.status.current_metrics or []]
        state["replicas"] = clients.apps.read_namespaced_deployment("burn", namespace).spec.replicas
        return state["replicas"] >= 2

    eventually(scaled, 180, "the HPA scales Deployment burn above 1 replica under its pods' CPU load",
               lambda: f"HPA metrics: {state.get('metrics')}, replicas {state.get('replicas')}\n"
                       + events(clients, namespace, "HorizontalPodAutoscaler", "burn"))
