"""Apply and delete manifests (YAML text, files, dicts) by server-side apply, so re-running is idempotent."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

import yaml
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError, ResourceNotFoundError

from labsupport.config import FIELD_MANAGER
from labsupport.errors import ApplyError
from labsupport.kube import Clients
from labsupport.waits import wait_for

Manifest = str | os.PathLike | dict | Iterable[dict]


def load(manifest: Manifest) -> list[dict]:
    """The objects in ``manifest``: YAML text (multi-document), a path to a YAML file, a dict or a list of dicts.

    ``kind: List`` documents are expanded; empty documents are skipped.
    """
    if isinstance(manifest, os.PathLike) or (isinstance(manifest, str) and _looks_like_path(manifest)):
        path = Path(manifest)
        try:
            manifest = path.read_text()
        except OSError as exc:
            raise ApplyError(f"Cannot read manifest file {path}: {exc}",
                             hint="Check the path (relative paths start at the notebook's folder).") from exc
    if isinstance(manifest, str):
        try:
            docs = list(yaml.safe_load_all(manifest))
        except yaml.YAMLError as exc:
            raise ApplyError(f"The manifest is not valid YAML: {exc}",
                             hint="Check indentation: YAML nests by spaces, never tabs.") from exc
    elif isinstance(manifest, dict):
        docs = [manifest]
    else:
        docs = list(manifest)
    objects: list[dict] = []
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
            raise ApplyError(f"Not a Kubernetes object: {str(doc)[:80]!r}",
                             hint="Each document needs apiVersion, kind and metadata.name.")
        if doc["kind"].endswith("List") and "items" in doc:
            objects.extend(load(doc["items"]))
        else:
            objects.append(doc)
    return objects


def _looks_like_path(text: str) -> bool:
    # YAML text always has a newline or a colon; a file name has neither newline nor "kind:".
    return "\n" not in text and ":" not in text.split("/")[-1] and text.strip() != ""


def _resource(clients: Clients, obj: dict):
    try:
        return clients.dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    except ResourceNotFoundError as exc:
        raise ApplyError(f"The cluster does not serve {obj['kind']} in {obj['apiVersion']}.",
                         hint="Check apiVersion and kind (e.g. Deployment is apps/v1): "
                              "`kubectl api-resources` lists what the cluster serves.") from exc


def _describe(obj: dict, namespace: str | None) -> str:
    name = (obj.get("metadata") or {}).get("name", "?")
    return f"{obj.get('kind')} {namespace + '/' if namespace else ''}{name}"


def _target_namespace(resource, obj: dict, namespace: str | None) -> str | None:
    if not resource.namespaced:
        return None
    return namespace or (obj.get("metadata") or {}).get("namespace") or "default"


def apply(clients: Clients, manifest: Manifest, *, namespace: str | None = None) -> list[dict]:
    """Server-side apply every object in ``manifest``; ``namespace`` overrides theirs. Returns the live objects.

    >>> apply(clients, "apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: x}\\n", namespace="lab-00")  # doctest: +SKIP
    """
    applied = []
    for obj in load(manifest):
        resource = _resource(clients, obj)
        ns = _target_namespace(resource, obj, namespace)
        body = {**obj, "metadata": {**(obj.get("metadata") or {})}}
        if ns:
            body["metadata"]["namespace"] = ns
        name = body["metadata"].get("name")
        if not name:
            raise ApplyError(f"{obj['kind']} without metadata.name.", hint="Give every object a name.")
        try:
            live = clients.dynamic.server_side_apply(resource, body=body, name=name, namespace=ns,
                                                     field_manager=FIELD_MANAGER, force_conflicts=True)
        except (ApiException, DynamicApiError) as exc:
            raise ApplyError(f"The API server rejected {_describe(obj, ns)}: {_api_message(exc)}",
                             hint="Fix the field the message names, then apply again.") from exc
        applied.append(live.to_dict())
    return applied


def delete(clients: Clients, manifest: Manifest, *, namespace: str | None = None, wait: bool = True,
           timeout: float = 60) -> None:
    """Delete every object in ``manifest`` (absent ones are fine); with ``wait``, until they are gone."""
    gone = []
    for obj in load(manifest):
        resource = _resource(clients, obj)
        ns = _target_namespace(resource, obj, namespace)
        name = (obj.get("metadata") or {}).get("name")
        try:
            clients.dynamic.delete(resource, name=name, namespace=ns,
                                   body={"propagationPolicy": "Foreground"})
        except (ApiException, DynamicApiError) as exc:
            if getattr(exc, "status", None) == 404:
                continue
            raise ApplyError(f"Cannot delete {_describe(obj, ns)}: {_api_message(exc)}",
                             hint="Check your permissions and the object's finalizers.") from exc
        gone.append((obj, ns, name))
    if wait:
        for obj, ns, name in gone:
            wait_for(clients, obj["kind"], name, namespace=ns, condition="deleted", timeout=timeout,
                     api_version=obj["apiVersion"])


def _api_message(exc: Exception) -> str:
    """The API server's own message (it names the bad field), not the whole HTTP response."""
    try:
        return json.loads(getattr(exc, "body", None) or "")["message"]
    except (ValueError, KeyError, TypeError):  # empty or non-JSON body: the exception's own text
        return str(exc).strip()
