"""An admission policy that keeps tenants from relabelling their own namespaces.

A tenant may patch the extra namespaces a lab applies (``<namespace>-extra``), and a namespace's labels decide
its Pod Security level and which tenant it belongs to. This ValidatingAdmissionPolicy refuses any change, by a
tenant's ServiceAccount, to labels under ``pod-security.kubernetes.io/`` or ``kindlab.dev/``. One policy serves
every tenant; ``ensure_guard`` is idempotent and cheap to call before each batch.
"""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError

from labsupport.errors import LabError
from labsupport.kube import Clients, resource_for
from labsupport.tenancy import ACCOUNT, FIELD_MANAGER, SHARED_LABEL
from labsupport.tenantcert import USER_PREFIX

NAME = "kindlab-tenant-guard"
API = "admissionregistration.k8s.io/v1"
_GUARDED = "(k.startsWith('pod-security.kubernetes.io/') || k.startsWith('kindlab.dev/'))"


def policy() -> list[dict]:
    """The policy and its binding, as objects to apply."""
    meta = {"name": NAME, "labels": {SHARED_LABEL: "shared"}}
    return [
        {"apiVersion": API, "kind": "ValidatingAdmissionPolicy", "metadata": meta, "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                                                    "operations": ["UPDATE"], "resources": ["namespaces"]}]},
            "matchConditions": [{"name": "tenant-account", "expression":
                                 "(request.userInfo.username.startsWith('system:serviceaccount:') && "
                                 f"request.userInfo.username.endsWith(':{ACCOUNT}')) || "
                                 f"request.userInfo.username.startsWith('{USER_PREFIX}')"}],
            "variables": [{"name": "old", "expression": "oldObject.metadata.?labels.orValue({})"},
                          {"name": "new", "expression": "object.metadata.?labels.orValue({})"}],
            "validations": [{
                "expression": f"variables.old.all(k, !{_GUARDED} || (k in variables.new && "
                              f"variables.new[k] == variables.old[k])) && "
                              f"variables.new.all(k, !{_GUARDED} || k in variables.old)",
                "message": "A tenant may not change its namespace's pod-security.kubernetes.io/* or "
                           "kindlab.dev/* labels.",
                "reason": "Forbidden"}]}},
        {"apiVersion": API, "kind": "ValidatingAdmissionPolicyBinding", "metadata": meta,
         "spec": {"policyName": NAME, "validationActions": ["Deny"]}},
    ]


def ensure_guard(clients: Clients) -> None:
    """Install (or update) the guard policy and its binding."""
    for obj in policy():
        resource = resource_for(clients, obj["kind"], API)
        try:
            clients.dynamic.server_side_apply(resource, body=obj, name=NAME, field_manager=FIELD_MANAGER,
                                              force_conflicts=True)
        except (ApiException, DynamicApiError) as exc:
            raise LabError(f"Cannot install the tenant guard {obj['kind']} {NAME}: {exc}",
                           hint="ValidatingAdmissionPolicy needs Kubernetes 1.30 or newer and cluster-admin "
                                "credentials; the kind cluster of `make cluster` has both.") from exc


def remove_guard(clients: Clients) -> None:
    """Remove the policy and its binding (when no tenant is left)."""
    for obj in reversed(policy()):
        try:
            clients.dynamic.delete(resource_for(clients, obj["kind"], API), name=NAME)
        except (ApiException, DynamicApiError) as exc:
            if getattr(exc, "status", None) != 404:
                raise
