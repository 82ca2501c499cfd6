"""Lab 06's hand-made volumes on the nodes: where their directories live, and cleaning up what a lab run left.

PersistentVolumes are cluster-scoped, so the lab names each after its namespace (``<namespace>-...``) and labels
it ``kindlab.dev/namespace=<namespace>``; every hostPath directory of the lab lives under
``/var/lab-volumes/<namespace>/`` on a node. Deleting a namespace deletes neither, so:

    >>> clean_up(clients, "lab-06")   # doctest: +SKIP   the learner's clean-up cell: volumes and directories
    >>> sweep(clients)                # doctest: +SKIP   what earlier runs left behind, for namespaces now gone
"""

from __future__ import annotations

import re
import shlex

from kubernetes.client.exceptions import ApiException

from labsupport import find
from labsupport.facts import labels_of
from labsupport.kube import Clients
from labsupport.podexec import run_in_node

ROOT = "/var/lab-volumes"
NAMESPACE_LABEL = "kindlab.dev/namespace"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"


def directory(namespace: str, name: str) -> str:
    """Where the lab keeps hostPath directory ``name`` of ``namespace`` on a node."""
    return f"{ROOT}/{namespace}/{name}"


def is_hand_made(pv: dict) -> bool:
    """Made by a person, not by a provisioner (which annotates what it provisions)."""
    return PROVISIONED_BY not in ((pv.get("metadata") or {}).get("annotations") or {})


def hand_made(clients: Clients, namespace: str) -> list[dict]:
    """The hand-made PersistentVolumes of ``namespace``: named ``<namespace>-...``, labelled with it, or claimed
    (now or before) by one of its claims."""
    out = []
    for pv in find.by_label(clients, "PersistentVolume", None):
        claim_ns = ((pv.get("spec") or {}).get("claimRef") or {}).get("namespace")
        mine = (pv["metadata"]["name"].startswith(namespace + "-") or labels_of(pv).get(NAMESPACE_LABEL) == namespace
                or claim_ns == namespace)
        if mine and is_hand_made(pv):
            out.append(pv)
    return out


def node_of(pv: dict) -> str | None:
    """The node a local volume is pinned to by its required node affinity (kubernetes.io/hostname), if any."""
    terms = ((((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {})
             .get("nodeSelectorTerms") or [])
    for term in terms:
        for expr in term.get("matchExpressions") or []:
            if expr.get("key") == "kubernetes.io/hostname" and expr.get("operator") == "In" and expr.get("values"):
                return expr["values"][0]
    return None


def node_names(clients: Clients) -> list[str]:
    return [n["metadata"]["name"] for n in find.by_label(clients, "Node", None)]


def list_directory(node: str, path: str) -> list[str] | None:
    """The entries of directory ``path`` on ``node``, or None when it does not exist there."""
    result = run_in_node(node, ["sh", "-c", f"cd {shlex.quote(path)} && ls -A"], timeout=20)
    return result.stdout.split() if result.ok else None


def _delete_volume(clients: Clients, name: str) -> bool:
    """Delete volume ``name``; False when this identity may not (a graded submission may delete only volumes
    named after its own namespace: labsupport.tenantguard), so a sweep skips other people's leftovers."""
    try:
        clients.core.delete_persistent_volume(name)
    except ApiException as exc:
        if exc.status == 403:
            return False
        if exc.status != 404:
            raise
    return True


def clean_up(clients: Clients, namespace: str) -> list[str]:
    """Delete ``namespace``'s hand-made volumes and its directories on every node; the volumes' names.

    Volumes still bound to a claim disappear once the claim is deleted (with the namespace).
    """
    names = [pv["metadata"]["name"] for pv in hand_made(clients, namespace)
             if _delete_volume(clients, pv["metadata"]["name"])]
    for node in node_names(clients):
        run_in_node(node, ["rm", "-rf", f"{ROOT}/{namespace}"], timeout=30)
    return names


def sweep(clients: Clients) -> list[str]:
    """Clean up after namespaces that no longer exist (a grader's, a test's, a deleted lab namespace): their
    labelled volumes and their directories on the nodes. Returns the namespaces swept.

    Volumes and directories are listed BEFORE the namespaces: a namespace always exists before its volumes, so
    one that is missing from the later list is really gone, not just made by a run that started meanwhile.
    """
    volumes = find.by_label(clients, "PersistentVolume", None, NAMESPACE_LABEL)
    dirs = {}
    for node in node_names(clients):
        listed = run_in_node(node, ["sh", "-c", f"ls -A {ROOT} 2>/dev/null || true"], timeout=20)
        dirs[node] = [d for d in listed.stdout.split() if re.fullmatch(r"[a-z0-9-]+", d)]
    alive = {ns.metadata.name for ns in clients.core.list_namespace().items}
    gone = set()
    for pv in volumes:
        owner = labels_of(pv)[NAMESPACE_LABEL]
        if owner not in alive and _delete_volume(clients, pv["metadata"]["name"]):
            gone.add(owner)
    for node, names in dirs.items():
        stale = [d for d in names if d not in alive]
        if stale:
            gone.update(stale)
            run_in_node(node, ["rm", "-rf", *(f"{ROOT}/{d}" for d in stale)], timeout=30)
    return sorted(gone)
