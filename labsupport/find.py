"""Find live objects by label and follow their owners, as plain dicts (the API's own JSON shape)."""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError

from labsupport.kube import Clients, list_items, resource_for


def by_label(clients: Clients, kind: str, namespace: str | None, selector: str | None = None) -> list[dict]:
    """Objects of ``kind`` in ``namespace`` (None: all, or cluster-scoped) matching label ``selector``, by name.

    >>> by_label(clients, "Deployment", "lab-03", "app=web")  # doctest: +SKIP
    """
    resource = resource_for(clients, kind)
    ns = namespace if resource.namespaced else None
    items, _ = list_items(clients, resource, namespace=ns, label_selector=selector)
    return sorted(items, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))


def pods(clients: Clients, namespace: str, selector: str | None = None) -> list[dict]:
    """Pods in ``namespace`` matching label ``selector`` (all pods when None)."""
    return by_label(clients, "Pod", namespace, selector)


def get(clients: Clients, kind: str, name: str, namespace: str | None = None, *,
        api_version: str | None = None) -> dict | None:
    """One object as a dict, or None when it does not exist."""
    resource = resource_for(clients, kind, api_version)
    try:
        return clients.dynamic.get(resource, name=name,
                                   namespace=namespace if resource.namespaced else None).to_dict()
    except (ApiException, DynamicApiError) as exc:
        if getattr(exc, "status", None) == 404:
            return None
        raise


def events_about(clients: Clients, namespace: str | None, kind: str, name: str) -> list[dict]:
    """The events whose involvedObject is ``kind``/``name`` in ``namespace`` (None: all), as the API lists them."""
    resource = resource_for(clients, "Event")
    items, _ = list_items(clients, resource, namespace=namespace,
                          field_selector=f"involvedObject.kind={kind},involvedObject.name={name}")
    return items


def owner_chain(clients: Clients, obj: dict) -> list[dict]:
    """``obj`` followed by its controller, that one's controller, ...: e.g. [Pod, ReplicaSet, Deployment].

    Follows the ownerReference marked ``controller: true``; stops at an object with none or one already gone.
    """
    chain = [obj]
    while True:
        meta = chain[-1].get("metadata") or {}
        owner = next((o for o in meta.get("ownerReferences") or [] if o.get("controller")), None)
        if owner is None:
            return chain
        parent = get(clients, owner["kind"], owner["name"], meta.get("namespace"), api_version=owner["apiVersion"])
        if parent is None:
            return chain
        chain.append(parent)
