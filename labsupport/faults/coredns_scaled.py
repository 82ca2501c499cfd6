"""Fault `coredns-scaled-to-zero`: Deployment kube-system/coredns is scaled to 0 replicas.

Service kube-dns keeps its ClusterIP (every pod's /etc/resolv.conf points there) but has no endpoints: lookups
from pods fail at once (kube-proxy rejects traffic to a Service with no endpoints), so every Service name stops
resolving while pod-IP traffic still works. Find it: `kubectl -n kube-system get deploy coredns` (0/0) and
`kubectl -n kube-system get endpointslices -l k8s-app=kube-dns` (no endpoints). Repair: scale back to the
recorded replica count.
"""

from __future__ import annotations

import time

from labsupport.faults import dns, record
from labsupport.faults.base import Fault, Repair, Target, timed


class CorednsScaledToZero(Fault):
    def __init__(self) -> None:
        super().__init__("coredns-scaled-to-zero", "CoreDNS scaled to zero: Service names stop resolving", __doc__)

    def inject(self, target: Target) -> dict:
        replicas = (dns.deployment(target).get("spec") or {}).get("replicas", 1)
        rec = record.save(target.clients, self.name, {"replicas": str(replicas)})
        target.clients.apps.patch_namespaced_deployment_scale(dns.DEPLOYMENT, dns.NAMESPACE, {"spec": {"replicas": 0}})
        return rec

    def check(self, target: Target):
        replicas = (dns.deployment(target).get("spec") or {}).get("replicas", 1)
        ok, text = dns.resolves(target)
        return self.status(not ok, f"coredns replicas {replicas}; {text}")

    def repair(self, target: Target) -> Repair:
        start = time.monotonic()
        rec = record.load(target.clients, self.name)
        actions = []
        current = (dns.deployment(target).get("spec") or {}).get("replicas", 1)
        want = int(rec["replicas"]) if rec else (current or 2)
        if current != want:
            target.clients.apps.patch_namespaced_deployment_scale(dns.DEPLOYMENT, dns.NAMESPACE,
                                                                  {"spec": {"replicas": want}})
            actions.append(f"scaled coredns from {current} to {want} replicas")
        dns.wait_rolled_out(target)
        if rec is not None:
            record.delete(target.clients, self.name)
            actions.append("deleted the fault record")
        return timed(self.name, start, actions)
