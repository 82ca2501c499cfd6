"""A workshop on one cluster: per student a set of namespaces, a least-privilege identity and a kubeconfig.

    made = up(clients, config, "w1", students(30), labs=("00", "02", "03"), hours=8)
    down(clients, "w1")                              # everything it made, found by label

Each student is a tenant of ``labsupport.tenancy`` named ``ws-<workshop>-<user>`` (its home namespace, where
its ServiceAccount lives), with one namespace per lab, ``ws-<workshop>-<user>-<lab>``, plus the extra
namespaces a lab declares (``...-01-extra``). Every namespace carries ``kindlab.dev/workshop=<workshop>``.
What a student needs to log in (password, kubeconfig) is kept in Secrets in the instructor's namespace
``kindlab-ws-<workshop>``: the cluster is the only state, and ``cards``, the hub and the class view read it back.
"""

from __future__ import annotations

import base64
import concurrent.futures
import dataclasses
import threading
import time
from dataclasses import dataclass, field

import yaml
from kubernetes.client.exceptions import ApiException

from labsupport import tenancy, tenantguard
from labsupport.config import LAB_LABEL, TENANT_LABEL
from labsupport.errors import LabError
from labsupport.kube import Clients, connect_config
from labsupport.labs import available
from labsupport.tenantneeds import Needs, needs_for
from labsupport.waits import wait_for
from labsupport.workshoproster import Entry, check_workshop_name, password

WORKSHOP_LABEL = "kindlab.dev/workshop"
STUDENT_LABEL = "kindlab.dev/workshop-student"
DEFAULT_LABS = ("00", "02", "03")
WORKERS = 16  # parallel API callers: tenant set-up is ~30 round trips each, mostly waiting on the API server
_LEVELS = ("restricted", "baseline", "privileged")


def home(workshop: str) -> str:
    """The instructor's namespace: the students' Secrets live here, readable only by cluster admins."""
    return f"kindlab-ws-{workshop}"


def tenant_name(workshop: str, user: str) -> str:
    return f"ws-{workshop}-{user}"


@dataclass(frozen=True)
class Student:
    user: str
    display: str
    tenant: str
    password: str = field(repr=False)
    kubeconfig: dict = field(repr=False)
    labs: tuple[str, ...]
    expires_at: float

    def namespace(self, lab_id: str) -> str:
        """Where this student does lab ``lab_id``: the notebook's ``namespace`` parameter."""
        return f"{self.tenant}-{lab_id}"


@dataclass(frozen=True)
class UpResult:
    workshop: str
    students: tuple[Student, ...]
    degraded: tuple[str, ...]
    seconds: float


@dataclass(frozen=True)
class DownResult:
    workshop: str
    tenants: tuple[str, ...]
    namespaces: tuple[str, ...]
    seconds: float


def workshop_needs(labs: tuple[str, ...]) -> tuple[Needs, tuple[str, ...]]:
    """One Needs covering ``labs``, each in its own namespace ``<tenant>-<lab>``, and what is NOT granted.

    Nothing that acts on the whole cluster is given to a room of students: cluster-wide writes (cordoning a
    node), writes in system namespaces (exec into etcd) and node access (Docker). Those tasks degrade. What a lab
    may do to objects of its own is given: more rights in its namespaces (Roles, Gateway API routes), cluster-wide
    objects named after its namespace (``<tenant>-<lab>-...``, checked by the guard policy) and its own quota task
    (in ``<tenant>-<lab>-<suffix>``).
    """
    suffixes, cluster_read, namespace_read, degraded = [], [], [], []
    namespace_rules, own_objects, lab_quota_in = [], [], []
    level, quota = "restricted", Needs().quota
    for lab in labs:
        needs = needs_for(lab)
        suffixes += [lab, *(f"{lab}-{s}" for s in needs.suffixes)]
        cluster_read += [r for r in needs.cluster_read if r not in cluster_read]
        namespace_read += [g for g in needs.namespace_read if g not in namespace_read]
        namespace_rules += [r for r in needs.namespace_rules if r not in namespace_rules]
        own_objects += [r for r in needs.own_cluster_objects if r not in own_objects]
        lab_quota_in += [f"{lab}-{s}" for s in needs.lab_quota_in]
        level = max(level, needs.pod_security, key=_LEVELS.index)
        if needs.quota.requests_cpu is None:
            quota = dataclasses.replace(quota, requests_cpu=None)
        if needs.node_access:
            degraded.append(f"lab {lab}: node access (Docker, kind, docker exec) is not given to students")
        if needs.cluster_write:
            degraded.append(f"lab {lab}: cluster-wide writes ({', '.join(r for w in needs.cluster_write for r in w.resources)}) are not given")
        if needs.namespace_write:
            degraded.append(f"lab {lab}: writes in {', '.join(ns for ns, _ in needs.namespace_write)} are not given")
    return Needs(suffixes=tuple(suffixes), cluster_read=tuple(cluster_read), namespace_read=tuple(namespace_read),
                 pod_security=level, quota=quota, namespace_rules=tuple(namespace_rules),
                 own_cluster_objects=tuple(own_objects), lab_quota_in=tuple(lab_quota_in)), tuple(degraded)


def _check_labs(labs) -> tuple[str, ...]:
    known = available()
    unknown = [lab for lab in labs if lab not in known]
    if unknown or not labs:
        raise LabError(f"Unknown labs {', '.join(unknown) or '(none given)'}.", hint=f"Known labs: {', '.join(known)}.")
    return tuple(dict.fromkeys(labs))


def up(clients: Clients, config: dict, workshop: str, entries: list[Entry], *, labs=DEFAULT_LABS,
       hours: float = 8, workers: int = WORKERS) -> UpResult:
    """Make every student of ``entries`` (their credentials last ``hours``); on failure remove the workshop."""
    started = time.monotonic()
    check_workshop_name(workshop)
    labs = _check_labs(labs)
    if len({e.user for e in entries}) != len(entries):
        raise LabError("Two students share a login name.", hint="Give every roster line its own `user`.")
    if _exists(clients, workshop):
        raise LabError(f"Workshop {workshop} already exists.",
                       hint=f"`python -m labsupport workshop down --name {workshop}` first, or pick another --name.")
    needs, degraded = workshop_needs(labs)
    tenantguard.ensure_guard(clients)  # students may patch their extra namespaces, never their labels
    clients.core.create_namespace({"metadata": {"name": home(workshop), "labels": {WORKSHOP_LABEL: workshop}}})
    local = threading.local()

    def make(entry: Entry) -> Student:
        if not hasattr(local, "clients"):  # one connection pool per thread
            local.clients = connect_config(config, probe=False)
        return _student(local.clients, config, workshop, entry, labs, needs, hours)

    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, workers)) as pool:
            made = tuple(pool.map(make, entries))
    except BaseException:
        down(clients, workshop)
        raise
    return UpResult(workshop, made, degraded, time.monotonic() - started)


def _student(clients: Clients, config: dict, workshop: str, entry: Entry, labs: tuple[str, ...], needs: Needs,
             hours: float) -> Student:
    name = tenant_name(workshop, entry.user)
    # Lab 01 reads the client certificate out of the kubeconfig: then the student gets one (same RBAC).
    credential = "certificate" if "01" in labs else "token"
    tenant = tenancy.create(clients, config, name, lab_id="ws", needs=needs, lifetime=hours * 3600,
                            credential=credential)
    for ns in tenant.namespaces:  # as admin: the guard keeps students from changing these labels
        lab = ns[len(name) + 1:].split("-")[0] or None
        clients.core.patch_namespace(ns, {"metadata": {"labels": {WORKSHOP_LABEL: workshop, LAB_LABEL: lab or "ws",
                                                                   STUDENT_LABEL: entry.user}}})
    student = Student(entry.user, entry.display, name, password(), tenant.kubeconfig, labs, tenant.expires_at)
    clients.core.create_namespaced_secret(home(workshop), {
        "metadata": {"name": f"student-{entry.user}",
                     "labels": {WORKSHOP_LABEL: workshop, STUDENT_LABEL: entry.user, TENANT_LABEL: name}},
        "stringData": {"user": student.user, "display": student.display, "tenant": name,
                       "password": student.password, "labs": ",".join(labs), "expires": str(student.expires_at),
                       "kubeconfig": yaml.safe_dump(student.kubeconfig)}})
    return student


def _exists(clients: Clients, workshop: str) -> bool:
    try:
        clients.core.read_namespace(home(workshop))
        return True
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise


def load(clients: Clients, workshop: str) -> list[Student]:
    """The workshop's students as ``up`` made them, read back from their Secrets, sorted by login name."""
    try:
        secrets = clients.core.list_namespaced_secret(home(workshop), label_selector=STUDENT_LABEL).items
    except ApiException as exc:
        raise LabError(f"Cannot read workshop {workshop}: {exc.status} {exc.reason}.",
                       hint=f"Is it up? `python -m labsupport workshop up --name {workshop} --students N`.") from exc
    found = []
    for s in secrets:
        d = {k: base64.b64decode(v).decode() for k, v in (s.data or {}).items()}
        found.append(Student(d["user"], d["display"], d["tenant"], d["password"], yaml.safe_load(d["kubeconfig"]),
                             tuple(d["labs"].split(",")), float(d["expires"])))
    return sorted(found, key=lambda s: s.user)


def _tenants(clients: Clients, workshop: str) -> set[str]:
    """Tenant names of the workshop, by label, including a half-made student whose labels were not yet set."""
    prefix = tenant_name(workshop, "")
    values = {ns.metadata.labels.get(TENANT_LABEL) for ns in clients.core.list_namespace(label_selector=TENANT_LABEL).items}
    values |= {b.metadata.labels.get(TENANT_LABEL)
               for b in clients.rbac.list_cluster_role_binding(label_selector=TENANT_LABEL).items}
    return {v for v in values if v and v.startswith(prefix)}


def leftovers(clients: Clients, workshop: str) -> list[str]:
    """Everything of the workshop still on the cluster (by its labels): empty after ``down``."""
    prefix = tenant_name(workshop, "")
    found = [f"Namespace/{ns.metadata.name}" for ns in clients.core.list_namespace(
        label_selector=f"{WORKSHOP_LABEL}={workshop}").items]
    found += [f"Tenant/{t}" for t in sorted(_tenants(clients, workshop))]
    found += [f"RoleBinding/{b.metadata.namespace}/{b.metadata.name}"
              for b in clients.rbac.list_role_binding_for_all_namespaces(label_selector=TENANT_LABEL).items
              if b.metadata.labels[TENANT_LABEL].startswith(prefix)]
    from kubernetes import client as k8s

    found += [f"CertificateSigningRequest/{c.metadata.name}" for c in k8s.CertificatesV1Api(clients.api)
              .list_certificate_signing_request(label_selector=TENANT_LABEL).items
              if c.metadata.labels[TENANT_LABEL].startswith(prefix)]
    return found


def down(clients: Clients, workshop: str, *, workers: int = WORKERS, timeout: float = 180) -> DownResult:
    """Remove every student (tenancy teardown, past planted finalizers) and the instructor's namespace."""
    started = time.monotonic()
    check_workshop_name(workshop)
    tenants = sorted(_tenants(clients, workshop))
    config = clients.api.configuration
    local = threading.local()

    def remove(name: str):
        if not hasattr(local, "clients"):
            from kubernetes import client as k8s
            local.clients = Clients(k8s.ApiClient(config))
        return tenancy.teardown(local.clients, name, timeout=timeout)

    with concurrent.futures.ThreadPoolExecutor(max(1, workers)) as pool:
        results = list(pool.map(remove, tenants))
    removed = [ns for r in results for ns in r.namespaces]
    for ns in clients.core.list_namespace(label_selector=f"{WORKSHOP_LABEL}={workshop}").items:
        try:
            clients.core.delete_namespace(ns.metadata.name)
        except ApiException as exc:
            if exc.status != 404:
                raise
        wait_for(clients, "Namespace", ns.metadata.name, condition="deleted", timeout=timeout)
        removed.append(ns.metadata.name)
    return DownResult(workshop, tuple(tenants), tuple(removed), time.monotonic() - started)
