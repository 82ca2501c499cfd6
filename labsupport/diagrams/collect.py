"""Read a `Snapshot` from the live cluster: a few list calls, run concurrently, nothing else.

Each diagram asks only for the parts it draws (`parts`), one list call per kind, namespaced when a namespace is
given. Responses are read as raw JSON (`_preload_content=False`): turning every pod into client models costs
more time than the whole rendering.

    >>> from labsupport.kube import connect
    >>> snap = collect(connect(), namespace="lab-03", parts={"pods", "workloads"})   # doctest: +SKIP
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable

import urllib3
from kubernetes.client.exceptions import ApiException

from ..context import clients_of
from ..errors import ClusterUnavailable, LabError
from ..kube import CLUSTER_HINT
from . import model, parse

PARTS = frozenset({"nodes", "pods", "workloads", "services", "storage"})

# part -> [(snapshot field, parser, api attribute, namespaced list method, cluster-wide list method)]
_CALLS: dict[str, list[tuple[str, Callable, str, str | None, str]]] = {
    "nodes": [("nodes", parse.node_from, "core", None, "list_node")],
    "pods": [("pods", parse.pod_from, "core", "list_namespaced_pod", "list_pod_for_all_namespaces")],
    "workloads": [
        ("workloads", lambda o: parse.workload_from(o, "Deployment"), "apps",
         "list_namespaced_deployment", "list_deployment_for_all_namespaces"),
        ("workloads", lambda o: parse.workload_from(o, "ReplicaSet"), "apps",
         "list_namespaced_replica_set", "list_replica_set_for_all_namespaces"),
        ("workloads", lambda o: parse.workload_from(o, "StatefulSet"), "apps",
         "list_namespaced_stateful_set", "list_stateful_set_for_all_namespaces"),
        ("workloads", lambda o: parse.workload_from(o, "DaemonSet"), "apps",
         "list_namespaced_daemon_set", "list_daemon_set_for_all_namespaces"),
        ("workloads", lambda o: parse.workload_from(o, "Job"), "batch",
         "list_namespaced_job", "list_job_for_all_namespaces"),
        ("workloads", lambda o: parse.workload_from(o, "CronJob"), "batch",
         "list_namespaced_cron_job", "list_cron_job_for_all_namespaces"),
    ],
    "services": [
        ("services", parse.service_from, "core", "list_namespaced_service", "list_service_for_all_namespaces"),
        ("endpoint_slices", parse.endpoint_slice_from, "discovery",
         "list_namespaced_endpoint_slice", "list_endpoint_slice_for_all_namespaces"),
        ("ingresses", parse.ingress_from, "networking",
         "list_namespaced_ingress", "list_ingress_for_all_namespaces"),
    ],
    "storage": [
        ("claims", parse.claim_from, "core",
         "list_namespaced_persistent_volume_claim", "list_persistent_volume_claim_for_all_namespaces"),
        ("volumes", parse.volume_from, "core", None, "list_persistent_volume"),
        ("storage_classes", parse.storage_class_from, "storage", None, "list_storage_class"),
    ],
}


def _api(clients: Any, name: str) -> Any:
    if name == "discovery":  # not one of Clients' properties; built on the same ApiClient
        from kubernetes.client import DiscoveryV1Api

        return DiscoveryV1Api(clients.api)
    return getattr(clients, name)


def _list(clients: Any, api: str, namespaced: str | None, cluster_wide: str, namespace: str | None) -> list[dict]:
    target = _api(clients, api)
    if namespace is not None and namespaced:
        resp = getattr(target, namespaced)(namespace, _preload_content=False)
    else:
        resp = getattr(target, cluster_wide)(_preload_content=False)
    return json.loads(resp.data).get("items") or []


def collect(source: Any, *, namespace: str | None = None, parts: Iterable[str] = PARTS) -> model.Snapshot:
    """Read the parts of the cluster a diagram needs. `namespace=None` reads every namespace.

    Cluster-scoped kinds (nodes, PersistentVolumes, StorageClasses) are always read whole. Raises
    ClusterUnavailable when the API server cannot be reached, LabError (with a hint) when it refuses a read.
    """
    clients = clients_of(source)
    parts = set(parts)
    unknown = parts - PARTS
    if unknown:
        raise ValueError(f"unknown snapshot parts {sorted(unknown)}; choose from {sorted(PARTS)}")
    calls = [c for part in sorted(parts) for c in _CALLS[part]]
    with ThreadPoolExecutor(max_workers=min(4, len(calls) or 1)) as pool:
        futures = [(c, pool.submit(_list, clients, c[2], c[3], c[4], namespace)) for c in calls]
        fields: dict[str, list] = {}
        for (field_name, parse_item, _api_name, namespaced, cluster_wide), fut in futures:
            try:
                items = fut.result()
            except ApiException as exc:
                what = namespaced if namespace is not None and namespaced else cluster_wide
                raise LabError(f"Reading the cluster for a diagram failed: {what} answered {exc.status} "
                               f"{exc.reason}.", hint=_hint(exc.status, namespace)) from exc
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise ClusterUnavailable(f"Cannot reach the API server to draw a diagram: {type(exc).__name__}.",
                                         hint=CLUSTER_HINT) from exc
            fields.setdefault(field_name, []).extend(parse_item(item) for item in items)
    return model.Snapshot(namespace=namespace, **{k: tuple(v) for k, v in fields.items()})


def _hint(status: int | None, namespace: str | None) -> str:
    if status == 403:
        return "These credentials may not list this kind; diagrams need read access to pods, workloads and services."
    if status == 404 and namespace:
        return f"Does namespace {namespace} exist? Run the lab's setup cell (lab.start) first."
    return "Check the cluster with `kubectl get nodes`; recreate it with `make cluster` if it is broken."
