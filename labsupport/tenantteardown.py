"""Remove a tenant completely, even when what it left behind tries to keep its namespaces alive.

A submission may plant finalizers on objects in its namespace (or on the namespace itself) so that deleting the
namespace never finishes. Teardown deletes the tenant's pods at once (no grace period), everything labelled
with the tenant, the cluster-scoped objects it may own (named ``<tenant>-...``, ``tenantneeds.OWN_KINDS``),
waits ``grace`` seconds by watch, then removes the finalizers of whatever remains (the namespace's own status
names the leftover resource types) and, as a last resort, finalizes the namespace through its ``/finalize``
subresource.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError

from labsupport.config import TENANT_LABEL
from labsupport.errors import LabError, WaitTimeout
from labsupport.kube import Clients, list_items, resource_for
from labsupport.tenantneeds import OWN_KINDS
from labsupport.waits import wait_for

# "Some resources are remaining: configmaps. has 1 resource instances, widgets.example.com has 2 ..."
_REMAINING = re.compile(r"([a-z0-9-]+)\.([a-z0-9.-]*) has \d+ resource instances")


@dataclass(frozen=True)
class TeardownResult:
    """What was removed: namespaces, objects whose finalizers had to be stripped, the tenant's other labelled
    objects (``bindings``: its ClusterRoleBindings, RoleBindings elsewhere, certificate requests) and the
    cluster-scoped objects it made under the guard policy (``owned``: "Kind/name")."""

    namespaces: tuple[str, ...]
    stripped: tuple[str, ...]
    forced_namespaces: tuple[str, ...]
    bindings: tuple[str, ...]
    seconds: float
    owned: tuple[str, ...] = ()


def _ignore_missing(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except (ApiException, DynamicApiError) as exc:
        if getattr(exc, "status", None) != 404:
            raise
        return None


def teardown(clients: Clients, name: str, *, namespaces: tuple[str, ...] = (), grace: float = 20,
             timeout: float = 120) -> TeardownResult:
    """Delete tenant ``name``'s namespaces (labelled, plus ``namespaces`` by name) and bindings; force past
    finalizers after ``grace`` seconds; raise LabError if a namespace is still there after ``timeout``."""
    started = time.monotonic()
    selector = f"{TENANT_LABEL}={name}"
    core, rbac = clients.core, clients.rbac
    found = {ns.metadata.name for ns in core.list_namespace(label_selector=selector).items}
    targets = sorted(found | {ns for ns in namespaces if _ignore_missing(core.read_namespace, ns) is not None})
    bindings = [f"ClusterRoleBinding/{b.metadata.name}"
                for b in rbac.list_cluster_role_binding(label_selector=selector).items]
    for b in rbac.list_cluster_role_binding(label_selector=selector).items:
        _ignore_missing(rbac.delete_cluster_role_binding, b.metadata.name)
    for b in rbac.list_role_binding_for_all_namespaces(label_selector=selector).items:
        if b.metadata.namespace not in targets:  # bindings in system namespaces (kube-system reads)
            _ignore_missing(rbac.delete_namespaced_role_binding, b.metadata.name, b.metadata.namespace)
            bindings.append(f"RoleBinding/{b.metadata.namespace}/{b.metadata.name}")
    from labsupport.tenantcert import delete as delete_requests

    bindings += [f"CertificateSigningRequest/{n}" for n in delete_requests(clients, selector)]
    for ns in targets:
        # The submission's pods need no graceful stop: without this the namespace waits out each pod's grace
        # period (30 s by default), which would dominate a class's grading time.
        _ignore_missing(core.delete_collection_namespaced_pod, ns, grace_period_seconds=0)
        _ignore_missing(core.delete_namespace, ns)
    owned = _owned(clients, name)
    for resource, obj in owned:
        _ignore_missing(clients.dynamic.delete, resource, name=obj)
    stripped: list[str] = []
    forced: list[str] = []
    for ns in targets:
        if _gone(clients, ns, started + grace):
            continue
        stripped += _strip_finalizers(clients, ns)
        if _gone(clients, ns, time.monotonic() + 15):
            continue
        forced.append(ns)
        _finalize_namespace(clients, ns)
        if not _gone(clients, ns, started + timeout):
            raise LabError(f"Namespace {ns} of tenant {name} is still there after {timeout:g}s.",
                           hint=f"Look at `kubectl get namespace {ns} -o yaml` (status.conditions name what "
                                "blocks it) and remove the finalizers it lists.")
    # A volume still bound when its claim's namespace went keeps the pv-protection finalizer a moment; a planted
    # finalizer would keep it for ever. The namespaces are gone now, so nothing of the tenant's uses them.
    for resource, obj in _owned(clients, name):
        stripped.append(f"{resource.kind}/{obj}")
        _ignore_missing(clients.dynamic.patch, resource, name=obj, body={"metadata": {"finalizers": None}},
                        content_type="application/merge-patch+json")
    return TeardownResult(tuple(targets), tuple(stripped), tuple(forced), tuple(bindings),
                          time.monotonic() - started, tuple(f"{r.kind}/{o}" for r, o in owned))


def _owned(clients: Clients, name: str) -> list[tuple[object, str]]:
    """(resource, name) of the cluster-scoped objects named ``<name>-...`` of the kinds a tenant may own."""
    found = []
    for api_version, kind, _ in OWN_KINDS:
        resource = resource_for(clients, kind, api_version)
        items, _ = list_items(clients, resource)
        found += [(resource, i["metadata"]["name"]) for i in items if i["metadata"]["name"].startswith(name + "-")]
    return found


def _gone(clients: Clients, namespace: str, deadline: float) -> bool:
    try:
        wait_for(clients, "Namespace", namespace, condition="deleted", timeout=max(1.0, deadline - time.monotonic()))
        return True
    except WaitTimeout:
        return False


def _remaining_resources(clients: Clients, namespace: str) -> list:
    """The resource types still holding objects, as the namespace controller reports them; else every
    namespaced resource that can be listed and patched."""
    ns = _ignore_missing(clients.core.read_namespace, namespace)
    names = set()
    for cond in (ns.status.conditions or []) if ns else []:
        names |= set(_REMAINING.findall(cond.message or ""))
    found = []
    for resource in clients.dynamic.resources.search(namespaced=True):
        verbs = set(getattr(resource, "verbs", None) or [])
        if "/" in resource.name or not {"list", "patch"} <= verbs:
            continue
        if not names or (resource.name, resource.group) in names:
            found.append(resource)
    return found


def _strip_finalizers(clients: Clients, namespace: str) -> list[str]:
    stripped = []
    for resource in _remaining_resources(clients, namespace):
        try:
            items = clients.dynamic.get(resource, namespace=namespace).items
        except (ApiException, DynamicApiError):
            continue  # a type the server cannot list now; the namespace controller reports it anyway
        for item in items:
            if not item.metadata.finalizers:
                continue
            try:
                clients.dynamic.patch(resource, name=item.metadata.name, namespace=namespace,
                                      body={"metadata": {"finalizers": None}},
                                      content_type="application/merge-patch+json")
                stripped.append(f"{resource.kind}/{namespace}/{item.metadata.name}")
            except (ApiException, DynamicApiError) as exc:
                if getattr(exc, "status", None) != 404:
                    raise
    ns = _ignore_missing(clients.core.read_namespace, namespace)
    if ns is not None and ns.metadata.finalizers:
        _ignore_missing(clients.core.patch_namespace, namespace, {"metadata": {"finalizers": None}})
        stripped.append(f"Namespace/{namespace}")
    return stripped


def _finalize_namespace(clients: Clients, namespace: str) -> None:
    """Empty spec.finalizers through /finalize: what the namespace controller does once content is gone."""
    ns = _ignore_missing(clients.core.read_namespace, namespace)
    if ns is None:
        return
    body = clients.api.sanitize_for_serialization(ns)
    body["spec"] = {"finalizers": []}
    _ignore_missing(clients.core.replace_namespace_finalize, namespace, body)
