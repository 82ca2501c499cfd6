"""Admission policies that keep tenants inside their bounds where RBAC alone cannot.

1. ``kindlab-tenant-guard``: a tenant may patch the extra namespaces a lab applies (``<namespace>-extra``), and
   a namespace's labels decide its Pod Security level and which tenant it belongs to. Any change, by a tenant,
   to labels under ``pod-security.kubernetes.io/`` or ``kindlab.dev/`` is refused.
2. ``kindlab-tenant-objects``: RBAC grants a verb on every object of a cluster-scoped kind or on names listed in
   advance, never "objects named after me". A lab whose tenant may write PersistentVolumes, ClusterRoles or
   ClusterRoleBindings (``Needs.own_cluster_objects``) gets this instead: the object's name must start with
   ``<namespace>-`` (the namespace of the tenant's account), a volume must be a hostPath or local volume under
   the folder of one of its namespaces, ``/var/lab-volumes/<namespace>/`` or ``/var/lab-volumes/<namespace>-*/``
   (any other path would hand the node's files to a pod), a ClusterRole may
   not carry aggregation (which would add its rules to edit or view for everyone), and a ClusterRoleBinding may
   bind only ServiceAccounts of the tenant's own namespaces. RBAC's escalation check still applies on top: a
   tenant can grant no right it does not hold. Teardown deletes these objects by the same name prefix.

3. ``kindlab-tenant-quota``: in a namespace where the lab has the learner write a ResourceQuota and a LimitRange
   (``Needs.lab_quota_in``), the tenant may write those kinds; it may not change, delete or imitate the
   grader's own (labelled ``kindlab.dev/tenant``), which caps what one submission can start.

Rules 2 and 3 treat ``<tenant>-...`` as the tenant's own, which holds because tenant names are prefix-free:
graders name theirs ``grade-<lab>-<6 letters or digits>`` and workshops ``ws-<workshop>-<user>``, neither part
holding a ``-``, so no tenant's name followed by ``-`` starts another tenant's name.

One set of policies serves every tenant; ``ensure_guard`` is idempotent and cheap to call before each batch, and
returns once the API server enforces them (a new policy takes a moment to reach the admission chain).
"""

from __future__ import annotations

import copy
import hashlib
import json
import time

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError

from labsupport.config import TENANT_LABEL
from labsupport.errors import LabError
from labsupport.kube import Clients, list_items, resource_for
from labsupport.tenancy import ACCOUNT, FIELD_MANAGER, SHARED_LABEL
from labsupport.tenantcert import USER_PREFIX
from labsupport.tenantneeds import OWN_KINDS

NAME = "kindlab-tenant-guard"
OBJECTS = "kindlab-tenant-objects"
QUOTA = "kindlab-tenant-quota"
SPEC_HASH = "kindlab.dev/spec-hash"
API = "admissionregistration.k8s.io/v1"
VOLUME_ROOT = "/var/lab-volumes"  # where lab 06 keeps node folders (labsupport.labs.lab06_volumes.ROOT)
ENFORCED_WITHIN = 30.0  # seconds a new or changed policy may take to reach the admission chain
_NAME_RULE = "A tenant may write only cluster-scoped objects named"
_GUARDED = "(k.startsWith('pod-security.kubernetes.io/') || k.startsWith('kindlab.dev/'))"
_IS_TENANT = {"name": "tenant-account", "expression":
              "(request.userInfo.username.startsWith('system:serviceaccount:') && "
              f"request.userInfo.username.endsWith(':{ACCOUNT}')) || "
              f"request.userInfo.username.startsWith('{USER_PREFIX}')"}
# The tenant's name: its account's namespace, or what follows the certificate user's prefix.
_TENANT = ("request.userInfo.username.startsWith('system:serviceaccount:') ? "
           f"request.userInfo.username.split(':')[2] : request.userInfo.username.substring({len(USER_PREFIX)})")


def _objects_policy(meta: dict) -> dict:
    writes = ["CREATE", "UPDATE", "DELETE"]
    own = "request.operation == 'DELETE' || request.resource.resource != "
    return {"apiVersion": API, "kind": "ValidatingAdmissionPolicy", "metadata": meta, "spec": {
        "failurePolicy": "Fail",
        "matchConstraints": {"resourceRules": [
            {"apiGroups": [api_version.rpartition("/")[0]], "apiVersions": ["*"], "operations": writes,
             "resources": [resource]} for api_version, _, resource in OWN_KINDS]},
        "matchConditions": [_IS_TENANT],
        "variables": [
            {"name": "tenant", "expression": _TENANT},
            {"name": "name", "expression": "request.operation == 'DELETE' ? oldObject.metadata.name : "
                                           "object.metadata.name"},
            {"name": "path", "expression": "object.spec.?hostPath.?path.orValue("
                                           "object.spec.?local.?path.orValue(''))"}],
        "validations": [
            {"expression": "variables.name.startsWith(variables.tenant + '-')",
             "messageExpression": f"'{_NAME_RULE} ' + variables.tenant + "
                                  "'-...; ' + variables.name + ' is not one.'", "reason": "Forbidden"},
            # The folder of one of the tenant's namespaces: <tenant> or <tenant>-<suffix> (a workshop student's
            # lab 06 runs in <tenant>-06). Tenant names are prefix-free (see the module docstring).
            {"expression": own + "'persistentvolumes' || ((variables.path.startsWith("
                                 f"'{VOLUME_ROOT}/' + variables.tenant + '/') || variables.path.startsWith("
                                 f"'{VOLUME_ROOT}/' + variables.tenant + '-')) && !variables.path.contains('..'))",
             "messageExpression": f"'A tenant\\'s PersistentVolume must be a hostPath or local volume under "
                                  f"{VOLUME_ROOT}/' + variables.tenant + '/ or {VOLUME_ROOT}/' + variables.tenant "
                                  "+ '-<suffix>/ (its namespaces\\' folders).'", "reason": "Forbidden"},
            {"expression": own + "'clusterroles' || (!has(object.aggregationRule) && "
                                 "!object.metadata.?labels.orValue({}).exists(k, "
                                 "k.startsWith('rbac.authorization.k8s.io/aggregate-to-')))",
             "message": "A tenant's ClusterRole may not aggregate or be aggregated into other roles.",
             "reason": "Forbidden"},
            {"expression": own + "'clusterrolebindings' || object.?subjects.orValue([]).all(s, "
                                 "s.kind == 'ServiceAccount' && (s.?namespace.orValue('') == variables.tenant || "
                                 "s.?namespace.orValue('').startsWith(variables.tenant + '-')))",
             "messageExpression": "'A tenant\\'s ClusterRoleBinding may bind only ServiceAccounts of ' + "
                                  "variables.tenant + ' and ' + variables.tenant + '-... namespaces.'",
             "reason": "Forbidden"}]}}


def _quota_policy(meta: dict) -> dict:
    labels = "request.operation == '{op}' ? {{}} : {obj}.metadata.?labels.orValue({{}})"
    return {"apiVersion": API, "kind": "ValidatingAdmissionPolicy", "metadata": meta, "spec": {
        "failurePolicy": "Fail",
        "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                                                "operations": ["CREATE", "UPDATE", "DELETE"],
                                                "resources": ["resourcequotas", "limitranges"]}]},
        "matchConditions": [_IS_TENANT],
        "variables": [{"name": "old", "expression": labels.format(op="CREATE", obj="oldObject")},
                      {"name": "new", "expression": labels.format(op="DELETE", obj="object")}],
        "validations": [{
            "expression": f"!('{TENANT_LABEL}' in variables.old) && !('{TENANT_LABEL}' in variables.new)",
            "message": f"The grader's own quota and limits (labelled {TENANT_LABEL}) are not a tenant's to change; "
                       "make your own beside them.",
            "reason": "Forbidden"}]}}


def policy() -> list[dict]:
    """The policies and their bindings, as objects to apply."""
    meta = {"name": NAME, "labels": {SHARED_LABEL: "shared"}}
    objects_meta = {"name": OBJECTS, "labels": {SHARED_LABEL: "shared"}}
    quota_meta = {"name": QUOTA, "labels": {SHARED_LABEL: "shared"}}
    return [
        {"apiVersion": API, "kind": "ValidatingAdmissionPolicy", "metadata": meta, "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                                                    "operations": ["UPDATE"], "resources": ["namespaces"]}]},
            "matchConditions": [_IS_TENANT],
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
        _objects_policy(objects_meta),
        {"apiVersion": API, "kind": "ValidatingAdmissionPolicyBinding", "metadata": objects_meta,
         "spec": {"policyName": OBJECTS, "validationActions": ["Deny"]}},
        _quota_policy(quota_meta),
        {"apiVersion": API, "kind": "ValidatingAdmissionPolicyBinding", "metadata": quota_meta,
         "spec": {"policyName": QUOTA, "validationActions": ["Deny"]}},
    ]


def _with_hash(obj: dict) -> dict:
    digest = hashlib.sha256(json.dumps(obj["spec"], sort_keys=True).encode()).hexdigest()[:16]
    return {**obj, "metadata": {**obj["metadata"], "annotations": {SPEC_HASH: digest}}}


def ensure_guard(clients: Clients) -> None:
    """Install (or update) the policies and their bindings, and return once the API server enforces them.

    Each object carries a hash of its spec: one list per kind finds what is already in place, so a grader that
    calls this before every submission applies nothing when nothing changed."""
    wanted = [_with_hash(obj) for obj in policy()]
    for kind in ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"):
        try:
            resource = resource_for(clients, kind, API)
            items, _ = list_items(clients, resource, label_selector=f"{SHARED_LABEL}=shared")
            have = {i["metadata"]["name"]: (i["metadata"].get("annotations") or {}).get(SPEC_HASH) for i in items}
            for obj in wanted:
                name = obj["metadata"]["name"]
                if obj["kind"] == kind and have.get(name) != obj["metadata"]["annotations"][SPEC_HASH]:
                    clients.dynamic.server_side_apply(resource, body=obj, name=name, field_manager=FIELD_MANAGER,
                                                      force_conflicts=True)
        except (ApiException, DynamicApiError) as exc:
            raise LabError(f"Cannot install the tenant guard's {kind}: {exc}",
                           hint="ValidatingAdmissionPolicy needs Kubernetes 1.30 or newer and cluster-admin "
                                "credentials; the kind cluster of `make cluster` has both.") from exc
    # Even when nothing changed here: another grader may have installed it a moment ago. One dry run when it is.
    wait_enforced(clients)


def wait_enforced(clients: Clients, timeout: float = ENFORCED_WITHIN) -> None:
    """Until the objects policy refuses a tenant's foreign-named ClusterRole: asked with a dry run as a made-up
    certificate tenant that RBAC lets do anything (the grader impersonates it with group system:masters), so the
    only thing that can refuse it is the policy."""
    conf = copy.deepcopy(clients.api.configuration)
    api = client.ApiClient(conf, header_name="Impersonate-User", header_value=f"{USER_PREFIX}kindlab-guard-probe")
    api.set_default_header("Impersonate-Group", "system:masters")
    rbac = client.RbacAuthorizationV1Api(api)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                rbac.create_cluster_role({"metadata": {"name": "kindlab-guard-probe"}, "rules": []}, dry_run="All")
            except ApiException as exc:
                # Refused by the name rule itself: a policy that merely fails to evaluate refuses too, but
                # would refuse every tenant's own objects as well.
                if exc.status == 403 and _NAME_RULE in (exc.body or ""):
                    return
                raise LabError(f"Probing the tenant guard answered {exc.status} {exc.reason}.",
                               hint="The grader's kubeconfig must be cluster-admin (it impersonates a tenant).") \
                    from exc
            if time.monotonic() > deadline:
                raise LabError(f"The admission policy {OBJECTS} was not enforced {timeout:g}s after it was "
                               "installed.", hint=f"Look at `kubectl get validatingadmissionpolicy {OBJECTS} -o "
                                                  "yaml` (status.typeChecking lists expression errors).")
            time.sleep(0.2)
    finally:
        api.close()


def remove_guard(clients: Clients) -> None:
    """Remove the policies and their bindings (when no tenant is left)."""
    for obj in reversed(policy()):
        try:
            clients.dynamic.delete(resource_for(clients, obj["kind"], API), name=obj["metadata"]["name"])
        except (ApiException, DynamicApiError) as exc:
            if getattr(exc, "status", None) != 404:
                raise
