"""Traffic to a Service address on a port no Service claims is refused inside the cluster (from a pod and from a
node), while the Service's own port answers: clusters/components/service-range-guard.sh. Without the guard such
traffic leaves the cluster (here something outside answers every TCP address; Kubernetes' conformance spec
"Services should serve endpoints on same port and different protocols" failed on it)."""

from __future__ import annotations

import pytest

from labsupport import manifests, waits
from labsupport.podexec import exec_in_pod, run_in_node
from labsupport.versions import versions

pytestmark = pytest.mark.cluster

GUARD = "/usr/local/bin/kindlab-service-range-guard"


def _server_and_client(clients, namespace: str) -> tuple[str, str]:
    """A pod answering HTTP on 8080 behind Service web (port 80 only), and a client pod; returns (clusterIP, node)."""
    agnhost = versions()["AGNHOST_IMAGE"]
    manifests.apply(clients, [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
         "spec": {"terminationGracePeriodSeconds": 0,
                  "containers": [{"name": "web", "image": agnhost, "args": ["netexec", "--http-port=8080"]}]}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
         "spec": {"terminationGracePeriodSeconds": 0,
                  "containers": [{"name": "c", "image": agnhost, "command": ["sleep", "3600"]}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}},
    ], namespace=namespace)
    for pod in ("web", "client"):
        waits.wait_for(clients, "Pod", pod, namespace=namespace, condition="Ready", timeout=120)
    service = clients.core.read_namespaced_service("web", namespace)
    client = clients.core.read_namespaced_pod("client", namespace)
    return service.spec.cluster_ip, client.spec.node_name


def test_unclaimed_service_ports_are_refused_inside_the_cluster(clients, namespace):
    ip, node = _server_and_client(clients, namespace)
    curl = ["curl", "-sS", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}"]
    # the Service's port answers (kube-proxy's DNAT runs before the guard) once kube-proxy has programmed it, which
    # the API does not report: ask until it answers, for at most a minute (refused until then, by the guard)
    ask = " ".join(curl[:-2]) + f" -w '%{{http_code}}' http://{ip}:80/hostname"
    served = exec_in_pod(clients, namespace, "client",
                         ["sh", "-c", f"for i in $(seq 30); do c=$({ask}) && [ \"$c\" = 200 ] && exit 0; sleep 2; done; "
                                      f"echo \"last: $c\"; exit 1"], timeout=90)
    assert served.ok, served
    # ...a port the Service does not have is refused, from a pod and from a node: curl exits 7 (could not connect),
    # not 0 (something answered) nor 28 (timed out)
    refused = exec_in_pod(clients, namespace, "client", [*curl, f"http://{ip}:81/"], timeout=30)
    assert refused.returncode == 7, refused
    from_node = run_in_node(node, [*curl, f"http://{ip}:81/"], timeout=30)
    assert from_node.returncode == 7, from_node


def test_the_guard_reads_the_clusters_service_range_and_is_idempotent(clients):
    node = clients.core.list_node().items[0].metadata.name
    conf = run_in_node(node, ["sh", "-c", "sed -n 's/^ *serviceSubnet: *//p' /kind/kubeadm.conf"])
    assert conf.ok and conf.stdout.strip(), conf
    again = run_in_node(node, [GUARD])  # what the node runs at boot, once more
    assert again.ok, again
    table = run_in_node(node, ["nft", "list", "table", "inet", "kindlab-service-range-guard"])
    assert table.ok, table
    rules = [ln.strip() for ln in table.stdout.splitlines() if "reject" in ln]
    assert rules == [f"ip daddr {conf.stdout.strip()} reject with icmp port-unreachable"] * 2, table.stdout
