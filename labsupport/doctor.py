"""`doctor`: is the cluster what the labs expect, and if not, put back what can be put back, saying what it did.

    report = diagnose(faults.target(cluster="kindlab"), repair=True)
    print(report.to_text())     # one line per finding: ok / FIXED / FAIL with how to fix it

Findings, in order (each later one relies on the earlier): faults left in place (their records, repaired from
them), nodes (Ready and schedulable: a stopped node container is started, a stopped kubelet started, a cordon
lifted), the scheduler (Ready), DNS (a Service name resolves from a pod; CoreDNS at zero replicas is scaled up),
storage (a claim on the default StorageClass binds and mounts), add-ons (each one's declared waits hold now).
What doctor cannot repair comes with how: mostly `make cluster RECREATE=1`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from labsupport import addons, clusterinfo, faults
from labsupport.errors import LabError
from labsupport.facts import annotations_of, is_control_plane, is_ready
from labsupport.faults import container, dns, kubelet, nodestate, probe, record, scheduler
from labsupport.faults.base import Target, plain
from labsupport.kube import Clients
from labsupport.waits import wait_for

RECREATE = "recreate the cluster: `make cluster RECREATE=1`"


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str
    repaired: tuple[str, ...] = ()   # what doctor did
    how: str = ""                    # when still not ok: how to fix it

    def line(self) -> str:
        mark = "FIXED" if self.ok and self.repaired else "ok" if self.ok else "FAIL"
        out = f"{mark:5} {self.name:9} {plain(self.detail)}"
        out += "".join(f"\n      did: {a}" for a in self.repaired)
        return out + (f"\n      fix: {self.how}" if self.how and not self.ok else "")


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def healthy(self) -> bool:
        return all(f.ok for f in self.findings)

    def to_text(self) -> str:
        tail = "healthy: the labs can run" if self.healthy else "NOT healthy: see the fix lines above"
        return "\n".join([f.line() for f in self.findings] + [tail])


def _faults(t: Target, repair: bool) -> Finding:
    active = record.active(t.clients)
    if not active:
        return Finding("faults", True, "no fault records in kube-system")
    if not repair:
        return Finding("faults", False, f"faults in place: {', '.join(active)}",
                       how="`python -m labsupport doctor --repair`, or `python -m labsupport fault repair NAME`")
    done, failed = [], []
    for name in active:
        try:
            result = faults.get(name).repair(t)
            done.append(f"repaired fault {name} in {result.seconds:.0f} s")
        except LabError as exc:
            failed.append(f"{name}: {exc.message}")
    return Finding("faults", not failed, "faults repaired" if not failed else "; ".join(failed), tuple(done),
                   how=RECREATE)


def _nodes(t: Target, repair: bool) -> Finding:
    nodes = t.clients.api.sanitize_for_serialization(t.clients.core.list_node().items)
    bad, done = [], []
    for node in nodes:
        name = node["metadata"]["name"]
        if not is_ready(node) and repair:
            if container.running(name) is False:
                container.docker("start", name)
                done.append(f"started node container {name}")
            elif kubelet.systemctl(name, "is-active") != "active":
                kubelet.systemctl(name, "start")
                done.append(f"started the kubelet on {name}")
            try:
                node = nodestate.wait(t.clients, name, nodestate.is_back, timeout=60)
            except LabError:
                node = nodestate.get(t.clients, name)
        if (node.get("spec") or {}).get("unschedulable") and repair:
            t.clients.core.patch_node(name, {"spec": {"unschedulable": None}})
            by = annotations_of(node).get("kindlab.dev/cordoned-by")
            done.append(f"uncordoned {name}" + (f" (cordoned by {by})" if by else ""))
            node = nodestate.get(t.clients, name)
        if not is_ready(node):
            bad.append(f"{name} {nodestate.describe(node)}")
        elif (node.get("spec") or {}).get("unschedulable"):
            bad.append(f"{name} is cordoned")
    workers = [n for n in nodes if not is_control_plane(n)]
    detail = "; ".join(bad) or f"{len(nodes)} nodes Ready and schedulable ({len(workers)} workers)"
    how = ("`python -m labsupport doctor --repair` (starts stopped nodes and kubelets, lifts cordons); "
           "`kubectl describe node NAME`; else " + RECREATE)
    return Finding("nodes", not bad, detail, tuple(done), how)


def _scheduler(t: Target) -> Finding:
    pods = scheduler.scheduler_pods(t)
    ok = bool(pods) and all(map(is_ready, pods))
    detail = ", ".join(f"{p['metadata']['name']} {'Ready' if is_ready(p) else 'not Ready'}" for p in pods)
    return Finding("scheduler", ok, detail or "no kube-scheduler pod",
                   how=f"read `kubectl -n kube-system logs kube-scheduler-{t.control_plane}` and "
                       f"{scheduler.MANIFEST} on {t.control_plane}; else {RECREATE}")


def _dns(t: Target, repair: bool) -> Finding:
    done = []
    replicas = (dns.deployment(t).get("spec") or {}).get("replicas", 1)
    if replicas == 0 and repair:
        t.clients.apps.patch_namespaced_deployment_scale(dns.DEPLOYMENT, dns.NAMESPACE, {"spec": {"replicas": 2}})
        dns.wait_rolled_out(t)
        done.append("scaled coredns from 0 to 2 replicas")
    ok, text = dns.resolves(t)
    if replicas == 0 and not done:
        return Finding("dns", ok, f"coredns has 0 replicas; {text}",
                       how="`kubectl -n kube-system scale deploy coredns --replicas=2`, or doctor --repair")
    return Finding("dns", ok, text, tuple(done),
                   how="compare the Corefile (`kubectl -n kube-system get cm coredns -o yaml`) with kubeadm's "
                       "(`kubernetes cluster.local in-addr.arpa ip6.arpa`), then `kubectl -n kube-system rollout "
                       "restart deploy coredns`; else " + RECREATE)


def _storage(clients: Clients) -> Finding:
    classes = clients.api.sanitize_for_serialization(clients.storage.list_storage_class().items)
    default = [c["metadata"]["name"] for c in classes if annotations_of(c).get(
        "storageclass.kubernetes.io/is-default-class") == "true"]
    how = ("`kubectl -n local-path-storage get pods,events`; the default class comes with kind; else " + RECREATE)
    if not default:
        return Finding("storage", False, "no default StorageClass", how=how)
    ns, name = probe.namespace(clients), f"pvc-{secrets.token_hex(3)}"
    claim = {"metadata": {"name": name, "labels": {probe.PROBE_LABEL: "true"}},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Mi"}}}}
    pod = probe.pod_body(name, command=["sh", "-c", "echo ok > /data/ok && sleep 300"])
    pod["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": name}}]
    pod["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    clients.core.create_namespaced_persistent_volume_claim(ns, claim)
    try:
        clients.core.create_namespaced_pod(ns, pod)
        wait_for(clients, "PersistentVolumeClaim", name, namespace=ns, condition="Bound", timeout=60)
        wait_for(clients, "Pod", name, namespace=ns, condition="Ready", timeout=60)
        return Finding("storage", True, f"a claim on class {default[0]} bound and mounted")
    except LabError as exc:
        return Finding("storage", False, f"a claim on class {default[0]} did not work: {exc.message[:300]}", how=how)
    finally:
        probe.delete_pod(clients, name)
        clients.core.delete_namespaced_persistent_volume_claim(name, ns)


def _addons(clients: Clients) -> Finding:
    info = clusterinfo.read(clients)
    if info is None:
        return Finding("add-ons", False, f"no cluster info ({clusterinfo.NAMESPACE}/{clusterinfo.NAME}): the add-ons "
                       "were never installed on this cluster", how="`python -m labsupport cluster addons`")
    declared = {a.name: a for a in addons.discover()}
    bad = []
    for name in info.addons:
        for wait in declared[name].waits if name in declared else ():
            try:
                addons.wait_one(clients, wait, timeout=5)
            except LabError as exc:
                bad.append(f"{name}: {wait} ({exc.message.splitlines()[0][:160]})")
    return Finding("add-ons", not bad, "; ".join(bad) or f"ready: {', '.join(info.addons)}",
                   how="`python -m labsupport cluster addons` re-applies them and waits; else " + RECREATE)


def diagnose(t: Target, *, repair: bool = False) -> Report:
    """Every finding, repairing what can be repaired when ``repair``."""
    findings = [_faults(t, repair), _nodes(t, repair), _scheduler(t)]
    for step in (lambda: _dns(t, repair), lambda: _storage(t.clients), lambda: _addons(t.clients)):
        try:
            findings.append(step())
        except LabError as exc:  # a probe that cannot even run (no Ready worker) is a finding, not a crash
            findings.append(Finding("probe", False, exc.message[:300], how=exc.hint or RECREATE))
    return Report(tuple(findings))


__all__ = ["Finding", "Report", "diagnose"]
