"""Fault `coredns-corefile`: a typo in CoreDNS's Corefile (ConfigMap kube-system/coredns), then a restart.

``kubernetes cluster.local`` becomes ``kubernetes cluster.locl``: a valid Corefile (CoreDNS starts, is Ready),
but no plugin answers for cluster.local any more, so Service names are sent to the upstream resolver, which knows
nothing of them (NXDOMAIN, or a timeout on this offline machine). A broken SYNTAX would be subtler to plant: the
``reload`` plugin keeps the last good Corefile when a new one does not parse, until the pods restart and crash.
Find it: resolve a name from a pod, `kubectl -n kube-system logs deploy/coredns`, read the ConfigMap.
Repair: the original Corefile (kept in the record) and the Deployment's pod template as it was, which rolls the
pods again (CoreDNS would also reload the file by itself, but only after the kubelet refreshes the volume,
up to a minute or more).
"""

from __future__ import annotations

import json
import time

from labsupport.faults import dns, record
from labsupport.faults.base import RECREATE_HINT, Fault, FaultError, Repair, Target, timed

GOOD, BAD = "kubernetes cluster.local ", "kubernetes cluster.locl "
RESTART = "kubectl.kubernetes.io/restartedAt"  # what `kubectl rollout restart` sets


def _template_annotations(target: Target) -> dict:
    return ((dns.deployment(target)["spec"]["template"].get("metadata") or {}).get("annotations") or {})


def _set_restart(target: Target, value: str | None) -> None:
    target.clients.apps.patch_namespaced_deployment(
        dns.DEPLOYMENT, dns.NAMESPACE, {"spec": {"template": {"metadata": {"annotations": {RESTART: value}}}}})


def _set_corefile(target: Target, text: str) -> None:
    target.clients.core.patch_namespaced_config_map(dns.CONFIGMAP, dns.NAMESPACE, {"data": {"Corefile": text}})


class CorednsCorefile(Fault):
    def __init__(self) -> None:
        super().__init__("coredns-corefile", "a typo in CoreDNS's Corefile: Service names stop resolving", __doc__)

    def inject(self, target: Target) -> dict:
        rec = record.load(target.clients, self.name)
        if rec is not None:
            return rec
        original = dns.corefile(target)
        if GOOD not in original:
            raise FaultError(f"The Corefile has no `{GOOD.strip()}` line: it is not kubeadm's.",
                             hint="Repair it first (`python -m labsupport doctor`). " + RECREATE_HINT)
        restart = _template_annotations(target).get(RESTART)
        rec = record.save(target.clients, self.name, {"corefile": original, "restartedAt": json.dumps(restart)})
        _set_corefile(target, original.replace(GOOD, BAD, 1))
        _set_restart(target, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        return rec

    def check(self, target: Target):
        typo = BAD in dns.corefile(target)
        ok, text = dns.resolves(target)
        # Present when a pod cannot resolve: the typo alone changes nothing until CoreDNS loads it.
        return self.status(not ok, ("the Corefile has the typo `cluster.locl`; " if typo else "") + text)

    def repair(self, target: Target) -> Repair:
        start = time.monotonic()
        rec = record.load(target.clients, self.name)
        actions = []
        if rec is None:
            if BAD in dns.corefile(target):
                raise FaultError("The Corefile has the typo but there is no fault record to restore it from.",
                                 hint="Edit it back: `kubectl -n kube-system edit cm coredns` (cluster.local), "
                                      "then `kubectl -n kube-system rollout restart deploy coredns`.")
            return timed(self.name, start, actions)
        if dns.corefile(target) != rec["corefile"]:
            _set_corefile(target, rec["corefile"])
            actions.append("restored the Corefile")
        restart = json.loads(rec["restartedAt"])
        if _template_annotations(target).get(RESTART) != restart:
            _set_restart(target, restart)  # None removes it: the pod template is exactly as before
            actions.append("restored coredns's pod template (its pods roll)")
        dns.wait_rolled_out(target)
        record.delete(target.clients, self.name)
        actions.append("deleted the fault record")
        return timed(self.name, start, actions)
