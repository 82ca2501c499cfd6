"""Reset a lab: remove what it made, found by label, in seconds. ``lab.reset(ctx)`` and `python -m labsupport
reset --lab NN --namespace NS` call ``reset``.

The label convention every lab follows (so this module needs no list of what each lab made):

- Namespaced objects live in the lab's namespace NS, or in namespaces named ``NS-<suffix>`` labelled
  ``kindlab.dev/lab=NN``: reset deletes those namespaces, and everything in them goes with them.
- Cluster-scoped objects a lab creates (PersistentVolumes, StorageClasses, ClusterRoles, ClusterRoleBindings,
  PriorityClasses, IngressClasses, RuntimeClasses, CertificateSigningRequests) carry BOTH labels
  ``kindlab.dev/lab=NN`` and ``kindlab.dev/lab-namespace=NS``: reset deletes the objects of those kinds that
  match both, so one learner's reset never touches another's objects.
- Node labels and taints a lab adds use keys under the prefix ``labNN.kindlab.dev/`` (e.g.
  ``lab04.kindlab.dev/disk=ssd``): reset removes them from every node.
- A lab that cordons a node also annotates it ``kindlab.dev/cordoned-by=NS``: reset uncordons the nodes so
  annotated and removes the annotation. (A cordon nobody claims is for `doctor` to find.)

The namespaces are deleted first (Terminating: nothing new is created in them), then their pods with no grace
period, so the namespaces go in seconds rather than after each pod's 30 s of termination grace. The rest is the
namespace controller's (in kube-controller-manager): a few seconds on a quiet machine, more under load.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError

from labsupport import find
from labsupport.config import LAB_LABEL, lab_namespace
from labsupport.errors import LabError, WaitTimeout
from labsupport.facts import annotations_of, labels_of
from labsupport.kube import Clients, list_items, resource_for
from labsupport.namespaces import delete_namespaces
from labsupport.waits import wait_for

LAB_NAMESPACE_LABEL = "kindlab.dev/lab-namespace"
CORDONED_BY = "kindlab.dev/cordoned-by"
CLUSTER_KINDS = (
    ("v1", "PersistentVolume"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("networking.k8s.io/v1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
)
# How long reset waits for the namespace controller to finish (it usually takes a few seconds; the issue's
# budget for a whole reset is 10 s, benchmarks/reset_times.py measures it).
DEFAULT_TIMEOUT = 30


def node_prefix(lab_id: str) -> str:
    """The key prefix of the node labels and taints lab ``lab_id`` adds: ``node_prefix("04") == "lab04.kindlab.dev/"``."""
    return f"lab{lab_id}.kindlab.dev/"


def cluster_labels(lab_id: str, namespace: str) -> dict[str, str]:
    """The labels a lab puts on a cluster-scoped object it creates (so reset finds it)."""
    return {LAB_LABEL: lab_id, LAB_NAMESPACE_LABEL: namespace}


@dataclass(frozen=True)
class ResetResult:
    lab_id: str
    namespace: str
    namespaces: tuple[str, ...]          # deleted
    cluster_objects: tuple[str, ...]     # "Kind/name" deleted
    node_changes: tuple[str, ...]        # "node: what was undone"
    leftovers: tuple[str, ...]           # still there when reset returned (being deleted)
    seconds: float

    @property
    def clean(self) -> bool:
        return not self.leftovers

    def to_text(self) -> str:
        lines = [f"reset lab {self.lab_id} ({self.namespace}) in {self.seconds:.1f} s"]
        lines += [f"  deleted namespace {n}" for n in self.namespaces]
        lines += [f"  deleted {o}" for o in self.cluster_objects]
        lines += [f"  {c}" for c in self.node_changes]
        lines += [f"  still going: {o}" for o in self.leftovers]
        if len(lines) == 1:
            lines.append("  nothing to remove")
        return "\n".join(lines)


def lab_namespaces(clients: Clients, lab_id: str, namespace: str) -> list[str]:
    """NS itself and the ``NS-<suffix>`` namespaces labelled with the lab, as they exist now."""
    found = find.by_label(clients, "Namespace", None, f"{LAB_LABEL}={lab_id}")
    names = [n["metadata"]["name"] for n in found
             if n["metadata"]["name"] == namespace or n["metadata"]["name"].startswith(namespace + "-")]
    own = find.get(clients, "Namespace", namespace)
    if own is not None and namespace not in names:
        # Never delete a namespace the lab did not make (kube-system, another lab's, a learner's own).
        raise LabError(f"Namespace {namespace} is not labelled {LAB_LABEL}={lab_id}: it is not lab {lab_id}'s, "
                       "so reset leaves it alone.",
                       hint=f"Check the lab id and namespace; a lab's namespace gets that label from lab.start, "
                            f"or label it yourself: `kubectl label ns {namespace} {LAB_LABEL}={lab_id}`.")
    return sorted(names)


def cluster_objects(clients: Clients, lab_id: str, namespace: str) -> list[tuple[object, str]]:
    """(resource, name) of every cluster-scoped object labelled for this lab run."""
    selector = ",".join(f"{k}={v}" for k, v in cluster_labels(lab_id, namespace).items())
    out = []
    for api_version, kind in CLUSTER_KINDS:
        try:
            resource = resource_for(clients, kind, api_version)
        except LabError:
            continue  # a kind this cluster does not serve
        items, _ = list_items(clients, resource, label_selector=selector)
        out += [(resource, item["metadata"]["name"]) for item in items]
    return out


def _undo_nodes(clients: Clients, lab_id: str, namespace: str) -> list[str]:
    prefix, changes = node_prefix(lab_id), []
    for node in find.by_label(clients, "Node", None):
        name, spec = node["metadata"]["name"], node.get("spec") or {}
        labels = {k: None for k in labels_of(node) if k.startswith(prefix)}
        taints = spec.get("taints") or []
        kept = [t for t in taints if not t.get("key", "").startswith(prefix)]
        cordoned = annotations_of(node).get(CORDONED_BY) == namespace
        patch: dict = {}
        if labels:
            patch.setdefault("metadata", {})["labels"] = labels
        if cordoned:
            patch.setdefault("metadata", {})["annotations"] = {CORDONED_BY: None}
            patch.setdefault("spec", {})["unschedulable"] = None
        if len(kept) != len(taints):
            patch.setdefault("spec", {})["taints"] = kept
        if patch:
            clients.core.patch_node(name, patch)
            what = [f"label {k} removed" for k in labels] + \
                   [f"taint {t['key']} removed" for t in taints if t not in kept] + (["uncordoned"] if cordoned else [])
            changes.append(f"{name}: {', '.join(what)}")
    return changes


def _force_delete_pods(clients: Clients, namespaces: list[str]) -> None:
    """Every pod with no grace period. The namespaces are Terminating already, so no controller can recreate one;
    a grace period shorter than the one a delete already started with overrides it."""
    for ns in namespaces:
        try:
            clients.core.delete_collection_namespaced_pod(ns, grace_period_seconds=0)
        except ApiException as exc:
            if exc.status != 404:
                raise


def reset(clients: Clients, lab_id: str, namespace: str | None = None, *,
          timeout: float = DEFAULT_TIMEOUT) -> ResetResult:
    """Remove what lab ``lab_id`` made for ``namespace`` (default ``lab-NN``); wait up to ``timeout`` s for it to go.

    >>> reset(clients, "04", "lab-04").to_text()  # doctest: +SKIP
    """
    start = time.monotonic()
    namespace = namespace or lab_namespace(lab_id)
    namespaces = lab_namespaces(clients, lab_id, namespace)
    delete_namespaces(clients, namespaces)  # Terminating first: no controller can make new pods in them
    _force_delete_pods(clients, namespaces)
    deleted = []
    for resource, name in cluster_objects(clients, lab_id, namespace):
        try:
            clients.dynamic.delete(resource, name=name)
            deleted.append(f"{resource.kind}/{name}")
        except (ApiException, DynamicApiError) as exc:
            if getattr(exc, "status", None) != 404:
                raise
    changes = _undo_nodes(clients, lab_id, namespace)
    for name in namespaces:
        try:
            wait_for(clients, "Namespace", name, condition="deleted",
                     timeout=max(0.5, timeout - (time.monotonic() - start)))
        except WaitTimeout:
            break
    leftovers = [f"Namespace/{n}" for n in lab_namespaces(clients, lab_id, namespace)]
    leftovers += [f"{r.kind}/{n}" for r, n in cluster_objects(clients, lab_id, namespace)]
    return ResetResult(lab_id, namespace, tuple(namespaces), tuple(deleted), tuple(changes), tuple(leftovers),
                       round(time.monotonic() - start, 2))


__all__ = ["CLUSTER_KINDS", "CORDONED_BY", "LAB_NAMESPACE_LABEL", "ResetResult", "cluster_labels",
           "cluster_objects", "lab_namespaces", "node_prefix", "reset"]
