"""Probes that ask the cluster to do something real: resolve a name from a pod, schedule a pod.

Probe pods live in namespace ``kindlab-probe`` (labelled kindlab.dev/probe=true, kept between runs so each probe
does not wait for a namespace to be created or deleted); each pod is deleted after use. The DNS probe pod is
placed with ``spec.nodeName`` on a Ready worker, so it needs no scheduler: a broken scheduler does not make DNS
look broken.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from kubernetes.client.exceptions import ApiException

from labsupport import versions
from labsupport.errors import LabError
from labsupport.facts import is_control_plane, is_ready
from labsupport.kube import Clients
from labsupport.namespaces import ensure_namespace
from labsupport.podexec import exec_in_pod
from labsupport.waits import wait_for

NAMESPACE = "kindlab-probe"
PROBE_LABEL = "kindlab.dev/probe"
NAME = "kubernetes.default.svc.cluster.local"


@dataclass(frozen=True)
class Lookup:
    name: str
    resolved: bool
    output: str


def _ready_worker(clients: Clients) -> str:
    nodes = clients.api.sanitize_for_serialization(clients.core.list_node().items)
    ready = [n["metadata"]["name"] for n in nodes if is_ready(n) and not is_control_plane(n)
             and not (n.get("spec") or {}).get("unschedulable")]
    if not ready:
        raise LabError("No Ready, schedulable worker node to run a probe pod on.",
                       hint="Run `python -m labsupport doctor --repair` to bring the nodes back.")
    return sorted(ready)[0]


def pod_body(name: str, *, node: str | None = None, command: list[str] | None = None) -> dict:
    spec = {"containers": [{"name": "probe", "image": versions.get("BUSYBOX_IMAGE"),
                            "imagePullPolicy": "IfNotPresent", "command": command or ["sleep", "300"],
                            "resources": {"requests": {"cpu": "5m", "memory": "8Mi"}}}],
            "terminationGracePeriodSeconds": 0, "restartPolicy": "Never"}
    if node:  # placed by hand: no scheduler involved, and no taint may evict it
        spec["nodeName"], spec["tolerations"] = node, [{"operator": "Exists"}]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": NAMESPACE, "labels": {PROBE_LABEL: "true"}}, "spec": spec}


def namespace(clients: Clients) -> str:
    ensure_namespace(clients, NAMESPACE, {PROBE_LABEL: "true"})
    return NAMESPACE


def delete_pod(clients: Clients, name: str) -> None:
    try:
        clients.core.delete_namespaced_pod(name, NAMESPACE, grace_period_seconds=0)
    except ApiException as exc:
        if exc.status != 404:
            raise


def lookup(clients: Clients, name: str = NAME, *, timeout: float = 60) -> Lookup:
    """Resolve ``name`` with nslookup from a fresh pod (busybox), as a workload would."""
    namespace(clients)
    pod = f"dns-{secrets.token_hex(3)}"
    clients.core.create_namespaced_pod(NAMESPACE, pod_body(pod, node=_ready_worker(clients)))
    try:
        wait_for(clients, "Pod", pod, namespace=NAMESPACE, condition="Ready", timeout=timeout)
        done = exec_in_pod(clients, NAMESPACE, pod, ["timeout", "6", "nslookup", name], timeout=15)
        return Lookup(name, done.ok, (done.stdout + done.stderr).strip()[-400:])
    finally:
        delete_pod(clients, pod)
