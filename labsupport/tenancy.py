"""A least-privilege identity on the shared cluster for one graded submission or one workshop student.

    tenant = tenancy.create(clients, config, "grade-00-x1y2z3", lab_id="00", needs=needs_for("00"), lifetime=900)
    ...  # the notebook runs with tenant.kubeconfig: edit rights in its namespaces, reads the lab declares
    tenancy.teardown(clients, tenant.name)

What a tenant gets, every object labelled ``kindlab.dev/tenant=<name>`` so teardown finds it by label:
- its namespace, plus the ``<name>-<suffix>`` namespaces the lab declares, PRE-CREATED here: creating namespaces
  is a cluster-wide right that RBAC cannot limit by name, so a tenant never gets it. Pod Security admission
  labels (enforce the lab's level, warn and audit ``restricted``), a ResourceQuota and a LimitRange in each;
- ServiceAccount ``kindlab-tenant`` bound to the built-in ClusterRole ``edit`` in those namespaces (no
  RoleBindings, no quota edits, no namespace deletion) plus the lab's ``namespace_rules`` there, ``patch`` on
  the suffix namespaces themselves (a lab applies them), and the reads and writes the lab declares elsewhere
  (cluster objects of its own only under the guard policy, ``labsupport.tenantguard``);
- a token from the TokenRequest API that expires after ``lifetime`` (at least the API's minimum of 600 s) and
  dies with the ServiceAccount at teardown, returned in an in-memory kubeconfig for the grader's API server.
A ValidatingAdmissionPolicy (``labsupport.tenantguard``) stops tenants from relabelling their namespaces (Pod
Security level, tenant label).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field

from kubernetes.client.exceptions import ApiException

from labsupport.config import LAB_LABEL, TENANT_LABEL
from labsupport.errors import LabError
from labsupport.kube import Clients
from labsupport.tenantcert import issue, user_name
from labsupport.tenantneeds import WRITE, Needs, Rule

SHARED_LABEL = "kindlab.dev/tenancy"  # value "shared": ClusterRoles many tenants use; never deleted per tenant
ACCOUNT = "kindlab-tenant"
FIELD_MANAGER = "kindlab-tenancy"  # not labsupport's: a tenant's server-side apply must not own these labels
MIN_TOKEN_SECONDS = 600  # the TokenRequest API refuses shorter lifetimes
TENANCY_HINT = "Check that the grader's kubeconfig is cluster-admin (the kind context is) and the cluster is up."


@dataclass(frozen=True)
class Tenant:
    """What ``create`` made. ``kubeconfig`` holds only the tenant's token; ``token_seconds`` its lifetime."""

    name: str
    namespaces: tuple[str, ...]
    account: str
    kubeconfig: dict = field(repr=False)
    token_seconds: int
    expires_at: float
    setup_seconds: float
    needs: Needs


def token_lifetime(seconds: float) -> int:
    """Whole seconds, at least the TokenRequest API's minimum: ``token_lifetime(120) == 600``."""
    return max(MIN_TOKEN_SECONDS, math.ceil(seconds))


def _meta(name: str, tenant: str, lab_id: str, **extra) -> dict:
    return {"name": name, "labels": {TENANT_LABEL: tenant, LAB_LABEL: lab_id, **extra}}


# A namespace created a moment ago can still be unknown to the API server's admission (its namespace cache) for a
# moment under load: seen once, `workshop up` for 30 students right after a heavy benchmark got 404 creating the
# quota in a namespace it had just made. Namespaced creates in a tenant's own (fresh) namespaces retry a 404 this long.
FRESH_NAMESPACE_SECONDS = 10.0


def _create(call, *args, body: dict, what: str, fresh_namespace_wait: float = FRESH_NAMESPACE_SECONDS) -> None:
    """``call(*args, body=...)``; with args (a namespace) a 404 is retried for ``fresh_namespace_wait`` seconds."""
    deadline, delay = time.monotonic() + fresh_namespace_wait, 0.1
    while True:
        try:
            call(*args, body=body, field_manager=FIELD_MANAGER)
            return
        except ApiException as exc:
            if exc.status == 404 and args and time.monotonic() + delay < deadline:
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            if exc.status == 409:
                raise LabError(f"Cannot set up tenant: {what} already exists.",
                               hint="Tenant names must be fresh: tear the old one down first "
                                    "(labsupport.tenancy.teardown) or pick another name.") from exc
            if exc.status == 404 and args:
                raise LabError(f"Cannot set up tenant: creating {what} answered 404 Not Found for "
                               f"{fresh_namespace_wait:g}s: the API server does not see namespace {args[0]}, "
                               "created a moment before.",
                               hint="Something deleted it meanwhile (another `workshop down` or `reset`?), or the "
                                    "API server is overloaded: check `kubectl get ns`, then run the command "
                                    "again.") from exc
            raise LabError(f"Cannot set up tenant: creating {what} answered {exc.status} {exc.reason}.",
                           hint=TENANCY_HINT) from exc


def _pod_security(level: str) -> dict[str, str]:
    if level not in ("privileged", "baseline", "restricted"):
        raise LabError(f"Unknown Pod Security level {level!r}.", hint="Use privileged, baseline or restricted.")
    # Warn and audit at restricted so learners see what a hardened cluster would refuse, without refusing it.
    return {"pod-security.kubernetes.io/enforce": level, "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted"}


def _cluster_role(clients: Clients, prefix: str, rules: tuple[Rule, ...]) -> str:
    """A shared ClusterRole holding ``rules``, named by their hash, so identical needs share one object."""
    body_rules = [r.to_dict() for r in rules]
    digest = hashlib.sha256(repr(body_rules).encode()).hexdigest()[:10]
    name = f"{prefix}-{digest}"
    try:
        clients.rbac.create_cluster_role({"metadata": {"name": name, "labels": {SHARED_LABEL: "shared"}},
                                          "rules": body_rules}, field_manager=FIELD_MANAGER)
    except ApiException as exc:
        if exc.status != 409:  # 409: made earlier by another tenant with the same needs (same hash, same rules)
            raise LabError(f"Cannot create ClusterRole {name}: {exc.status} {exc.reason}.", hint=TENANCY_HINT) from exc
    return name


def _binding(name: str, tenant: str, lab_id: str, role_kind: str, role: str, subject_ns: str) -> dict:
    # The certificate user (tenantcert) is bound too: a tenant given a certificate has exactly the same rights.
    return {"metadata": _meta(name, tenant, lab_id),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
            "subjects": [{"kind": "ServiceAccount", "name": ACCOUNT, "namespace": subject_ns},
                         {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": user_name(subject_ns)}]}


def create(clients: Clients, config: dict, name: str, *, lab_id: str, needs: Needs, lifetime: float,
           credential: str = "token", labels: dict[str, str] | None = None) -> Tenant:
    """Make tenant ``name`` (its namespace's name) for lab ``lab_id``; its credential lasts ``lifetime`` seconds.

    ``credential``: "token" (a ServiceAccount token), or "certificate" (a client certificate for user
    ``kindlab-tenant:<name>``, for labs that read the certificate out of the kubeconfig, like lab 01).

    The caller installs the guard policies first (``labsupport.tenantguard.ensure_guard``, once per batch): they
    alone confine a lab's ``own_cluster_objects`` and ``lab_quota_in`` writes to what is the tenant's own.

    ``config`` is the grader's in-memory kubeconfig (labsupport.kube.load_kubeconfig): the tenant's kubeconfig
    points at the same server and CA. ``labels``: more labels for its namespaces (e.g. the grading label). On
    failure everything made so far is removed again.
    """
    if credential not in ("token", "certificate"):
        raise LabError(f"Unknown credential {credential!r}.", hint='Use "token" or "certificate".')
    started = time.monotonic()
    namespaces = (name, *(f"{name}-{s}" for s in needs.suffixes))
    seconds = token_lifetime(lifetime)
    try:
        _make(clients, name, namespaces, lab_id, needs, labels or {})
        if credential == "certificate":
            cert, key = issue(clients, name, seconds=seconds, labels={TENANT_LABEL: name, LAB_LABEL: lab_id})
            user = {"client-certificate-data": cert, "client-key-data": key}
            expires = time.time() + seconds
        else:
            token = clients.core.create_namespaced_service_account_token(
                ACCOUNT, name, {"spec": {"expirationSeconds": seconds}})
            user = {"token": token.status.token}
            expires = token.status.expiration_timestamp.timestamp()
    except (LabError, ApiException) as exc:
        teardown(clients, name, namespaces=namespaces, grace=30)
        if isinstance(exc, LabError):
            raise
        raise LabError(f"Cannot request a token for tenant {name}: {exc.status} {exc.reason}.",
                       hint=TENANCY_HINT) from exc
    return Tenant(name, namespaces, ACCOUNT, tenant_kubeconfig(config, name, user), seconds, expires,
                  time.monotonic() - started, needs)


def _make(clients: Clients, name: str, namespaces: tuple[str, ...], lab_id: str, needs: Needs,
          labels: dict[str, str]) -> None:
    core, rbac = clients.core, clients.rbac
    lab_quota = {f"{name}-{s}" for s in needs.lab_quota_in}  # the lab's own quota task: counts only, no LimitRange
    for ns in namespaces:
        _create(core.create_namespace, what=f"namespace {ns}",
                body={"metadata": _meta(ns, name, lab_id, **labels, **_pod_security(needs.pod_security))})
        _create(core.create_namespaced_resource_quota, ns, what=f"quota in {ns}",
                body={"metadata": _meta("kindlab-tenant", name, lab_id),
                      "spec": {"hard": needs.quota.hard(counts_only=ns in lab_quota)}})
        if ns not in lab_quota:
            _create(core.create_namespaced_limit_range, ns, what=f"limit range in {ns}", body={
                "metadata": _meta("kindlab-tenant", name, lab_id), "spec": {"limits": [needs.quota.limit_range()]}})
    _create(core.create_namespaced_service_account, name, what=f"ServiceAccount {ACCOUNT}",
            body={"metadata": _meta(ACCOUNT, name, lab_id), "automountServiceAccountToken": False})
    for ns in namespaces:
        _create(rbac.create_namespaced_role_binding, ns, what=f"edit binding in {ns}",
                body=_binding("kindlab-tenant-edit", name, lab_id, "ClusterRole", "edit", name))
    if needs.namespace_rules:
        role = _cluster_role(clients, "kindlab-tenant-more", needs.namespace_rules)
        for ns in namespaces:
            _create(rbac.create_namespaced_role_binding, ns, what=f"more rights in {ns}",
                    body=_binding("kindlab-tenant-more", name, lab_id, "ClusterRole", role, name))
    if lab_quota:  # the lab's own quota task; the guard policy keeps the grader's quota out of reach
        role = _cluster_role(clients, "kindlab-tenant-quota", (Rule(("",), ("resourcequotas", "limitranges"), WRITE),))
        for ns in sorted(lab_quota):
            _create(rbac.create_namespaced_role_binding, ns, what=f"quota rights in {ns}",
                    body=_binding("kindlab-tenant-quota", name, lab_id, "ClusterRole", role, name))
    if len(namespaces) > 1:
        # A lab applies its extra namespace (server-side apply = patch); the guard policy keeps its labels.
        own = Rule(("",), ("namespaces",), ("get", "patch"))
        for ns in namespaces[1:]:
            _create(rbac.create_namespaced_role, ns, what=f"namespace role in {ns}", body={
                "metadata": _meta("kindlab-tenant-namespace", name, lab_id),
                "rules": [{**own.to_dict(), "resourceNames": [ns]}]})
            _create(rbac.create_namespaced_role_binding, ns, what=f"namespace binding in {ns}",
                    body=_binding("kindlab-tenant-namespace", name, lab_id, "Role", "kindlab-tenant-namespace", name))
    for prefix, rules in (("kindlab-tenant-read", needs.cluster_read), ("kindlab-tenant-write", needs.cluster_write),
                          ("kindlab-tenant-own", needs.own_cluster_objects)):
        if rules:
            role = _cluster_role(clients, prefix, rules)
            _create(rbac.create_cluster_role_binding, what=f"{prefix} binding",
                    body=_binding(f"{prefix}-{name}", name, lab_id, "ClusterRole", role, name))
    for prefix, grants in (("kindlab-tenant-read", needs.namespace_read),
                           ("kindlab-tenant-write", needs.namespace_write)):
        for ns, rules in grants:
            role = _cluster_role(clients, prefix, rules)
            _create(rbac.create_namespaced_role_binding, ns, what=f"{prefix} binding in {ns}",
                    body=_binding(f"{prefix}-{name}", name, lab_id, "ClusterRole", role, name))


def tenant_kubeconfig(config: dict, namespace: str, user: dict | str) -> dict:
    """A kubeconfig for the same API server and CA as ``config``, authenticating only with ``user`` (a
    kubeconfig user entry: ``{"token": ...}`` or client certificate and key; a str is a token).

    The context keeps the grader's context name (``kind-kindlab``), so a notebook's
    ``lab.start(..., kubeconfig=path)`` finds the context it looks for; its default namespace is the tenant's.
    """
    cluster = config["clusters"][0]
    kept = {k: v for k, v in cluster["cluster"].items() if k in ("server", "certificate-authority-data", "tls-server-name")}
    context, user_entry = config["current-context"], f"kindlab-tenant-{namespace}"
    return {"apiVersion": "v1", "kind": "Config", "current-context": context,
            "clusters": [{"name": cluster["name"], "cluster": kept}],
            "users": [{"name": user_entry, "user": {"token": user} if isinstance(user, str) else dict(user)}],
            "contexts": [{"name": context, "context": {"cluster": cluster["name"], "user": user_entry,
                                                        "namespace": namespace}}]}


def teardown(clients: Clients, name: str, **options):
    """Remove tenant ``name`` and everything labelled with it (see labsupport.tenantteardown.teardown)."""
    from labsupport.tenantteardown import teardown as remove

    return remove(clients, name, **options)
