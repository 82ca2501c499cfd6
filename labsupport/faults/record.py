"""What an injected fault changed, kept in the cluster itself: ConfigMap kube-system/kindlab-fault-<name>.

Why a ConfigMap in the cluster and not a file under the cache directory: the record lives and dies with the
cluster it describes (recreating the cluster cannot leave a stale record behind, and a second checkout or
machine talking to the same cluster sees it), `kubectl get cm -n kube-system -l kindlab.dev/fault` lists every
fault in place, and `doctor` finds leftovers by that label. Every fault here leaves the API server answering
to the admin credentials, so the record stays readable while the fault is in place. Nothing secret goes in
(the kubeconfig fault records a path and a checksum, never a key).

The record is written BEFORE the fault is injected and deleted only AFTER the repair is confirmed, so an
interrupted inject or repair can always be finished by running repair again.
"""

from __future__ import annotations

import base64
import time

from kubernetes.client.exceptions import ApiException

from labsupport.kube import Clients

NAMESPACE = "kube-system"
FAULT_LABEL = "kindlab.dev/fault"
PREFIX = "kindlab-fault-"


def name_for(fault: str) -> str:
    return PREFIX + fault


def save(clients: Clients, fault: str, data: dict[str, str], binary: dict[str, bytes] | None = None) -> dict:
    """Create the record; an existing one is kept as it is (it describes the state before the FIRST inject)."""
    body = {"metadata": {"name": name_for(fault), "namespace": NAMESPACE,
                         "labels": {FAULT_LABEL: fault, "app.kubernetes.io/managed-by": "labsupport"}},
            "data": {"fault": fault, "injected-at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **data},
            "binaryData": {k: base64.b64encode(v).decode() for k, v in (binary or {}).items()}}
    try:
        clients.core.create_namespaced_config_map(NAMESPACE, body)
    except ApiException as exc:
        if exc.status != 409:
            raise
    return load(clients, fault)


def load(clients: Clients, fault: str) -> dict | None:
    """The record's data (binaryData decoded to bytes under the same keys), or None when there is none."""
    try:
        cm = clients.core.read_namespaced_config_map(name_for(fault), NAMESPACE)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise
    out: dict = dict(cm.data or {})
    out.update({k: base64.b64decode(v) for k, v in (cm.binary_data or {}).items()})
    return out


def delete(clients: Clients, fault: str) -> None:
    try:
        clients.core.delete_namespaced_config_map(name_for(fault), NAMESPACE)
    except ApiException as exc:
        if exc.status != 404:
            raise


def active(clients: Clients) -> list[str]:
    """Names of the faults recorded as injected (found by label)."""
    cms = clients.core.list_namespaced_config_map(NAMESPACE, label_selector=FAULT_LABEL).items
    return sorted(cm.metadata.labels[FAULT_LABEL] for cm in cms)
