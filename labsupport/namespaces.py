"""Namespaces: create one with its labels, safe to run twice; wait out a deletion still in progress; delete some."""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException

from labsupport import find
from labsupport.errors import LabError
from labsupport.facts import labels_of
from labsupport.kube import Clients
from labsupport.waits import wait_for


def ensure_namespace(clients: Clients, name: str, labels: dict[str, str]) -> dict:
    """Create namespace ``name`` with ``labels`` unless it exists (then add the labels); wait out a deletion.

    >>> ensure_namespace(clients, "lab-02", {"kindlab.dev/lab": "02"})  # doctest: +SKIP
    """
    ns = find.get(clients, "Namespace", name)
    if ns is not None and (ns.get("status") or {}).get("phase") == "Terminating":
        wait_for(clients, "Namespace", name, condition="deleted", timeout=180)
        ns = None
    if ns is None:
        try:
            clients.core.create_namespace({"metadata": {"name": name, "labels": labels}})
        except ApiException as exc:
            if exc.status != 409:  # created meanwhile by another run: fine
                raise LabError(f"Cannot create namespace {name}: {exc.status} {exc.reason}",
                               hint="Namespace names are lower-case letters, digits and '-'.") from exc
    elif any(labels_of(ns).get(k) != v for k, v in labels.items()):
        clients.core.patch_namespace(name, {"metadata": {"labels": labels}})
    # Pods are refused until the namespace's default ServiceAccount exists; it appears a moment after the namespace.
    wait_for(clients, "ServiceAccount", "default", namespace=name, condition=lambda sa: True, timeout=60)
    return find.get(clients, "Namespace", name)


def delete_namespaces(clients: Clients, names) -> list[str]:
    """Start deleting each namespace in ``names``; one already gone is fine. Returns the names."""
    names = list(names)
    for name in names:
        try:
            clients.core.delete_namespace(name)
        except ApiException as exc:
            if exc.status != 404:
                raise
    return names
