"""What lab 05's NetworkPolicy checks share: the shop namespace, the grader's probe pods around it, and why a
request was refused, read from the policies themselves (labsupport.diagrams.policy evaluates them).

The learner's policies live in ``<namespace>-shop`` and name the lab namespace by its own
``kubernetes.io/metadata.name`` label, so two runs (a learner's and a grader's) never select each other's pods.
Probes: ``api`` and ``web`` (labels tier=api / tier=web) in the lab namespace, ``api`` and ``other`` (no tier)
in the shop.
"""

from __future__ import annotations

from dataclasses import dataclass

from labsupport import find
from labsupport.checks import Outcome, fail
from labsupport.diagrams.policy import PodRef, PolicySnapshot, collect
from labsupport.facts import is_ready, labels_of
from labsupport.labs.lab05_net import policy_enforcer
from labsupport.labs.lab05_probe import PROBE_LABEL, PROBE_PORT, Attempt, Probe, ensure_probes, reaches, request, \
    resolves

SHOP_SUFFIX = "shop"


@dataclass(frozen=True)
class PolicyProbes:
    clients: object
    enforcer: str
    shop: str
    db_url: str
    lab_api: Probe
    lab_web: Probe
    shop_api: Probe
    shop_other: Probe

    @property
    def lab_web_url(self) -> str:
        return f"http://{self.lab_web.ip}:{PROBE_PORT}/"

    def request(self, probe: Probe, url: str) -> Attempt:
        return request(self.clients, probe, url)

    def reaches(self, probe: Probe, url: str) -> Attempt:
        return reaches(self.clients, probe, url)

    def resolves(self, probe: Probe, name: str) -> Attempt:
        return resolves(self.clients, probe, name)

    def why_not_allowed(self, target: str, labels: dict, namespace: str) -> str:
        """A hint naming what in the shop's policies keeps a pod (``labels`` in ``namespace``) from ``target``."""
        snap = collect(self.clients, self.shop, skip_label=PROBE_LABEL)
        key, value = target.split("=", 1)
        targets = [p for p in snap.pods if p.labels.get(key) == value]
        if not targets:
            return f"No pod in {self.shop} carries {target}: label db with it."
        return explain(snap, targets[0], labels, namespace)


def explain(snap: PolicySnapshot, target: PodRef, labels: dict, namespace: str) -> str:
    """Why no ingress rule of the policies selecting ``target`` covers a pod with ``labels`` in ``namespace``."""
    if snap.allowing(target, "ingress", labels, namespace):
        return (f"The policies selecting {target.name} do let it in: check the port (db listens on TCP 8080) and "
                "the sender's own egress policy.")
    policies = snap.selecting(target, "ingress")
    peers = [(p, peer) for p in policies for r in p.ingress for peer in r.peers]
    if not peers:
        return (f"No ingress rule selects {target.name} ({', '.join(p.name for p in policies) or 'no policy'}): add "
                "a NetworkPolicy whose podSelector matches it (tier=db) with an ingress rule.")
    for policy, peer in peers:
        if peer.namespaces is not None and not snap.namespaces_matching(peer.namespaces):
            return (f"In policy {policy.name}, namespaceSelector {peer.namespaces.text()} matches no namespace "
                    f"at all; namespace {namespace} carries kubernetes.io/metadata.name={namespace}.")
    for policy, peer in peers:
        if peer.pods is not None and not peer.pods.matches(labels):
            return (f"In policy {policy.name}, podSelector {peer.pods.text()} does not match the api pods, which "
                    f"carry {','.join(f'{k}={v}' for k, v in sorted(labels.items()))}.")
    if namespace != snap.namespace and all(peer.namespaces is None for _, peer in peers):
        return ("A podSelector alone selects pods of the policy's own namespace: add a namespaceSelector for "
                f"{namespace} in the same `from` entry.")
    return f"No ingress rule of {', '.join(p.name for p in policies)} covers pods tier=api of {namespace}."


def policy_probes(ctx) -> PolicyProbes | Outcome:
    """The probes around the shop, or the outcome to report when they cannot be used."""
    shop = f"{ctx.namespace}-{SHOP_SUFFIX}"
    enforcer = policy_enforcer(ctx.clients)
    if enforcer is None:
        return fail("This cluster does not enforce NetworkPolicy (no kube-router, Calico, Cilium or Antrea "
                    "DaemonSet): the API stores policies but nothing applies them, so real traffic cannot show "
                    "whether yours are right. Not graded here.",
                    "Grade this task on the course cluster (`make cluster`), which adds kube-router for policy.")
    # db is whatever Ready pod carries tier=db (a bare pod, or a Deployment's): policies select by label too.
    dbs = [p for p in find.pods(ctx.clients, shop, "tier=db") if is_ready(p) and PROBE_LABEL not in labels_of(p)]
    if not dbs:
        return fail(f"No Ready pod with tier=db in namespace {shop}.",
                    f"Create namespace {shop} and in it pod db (labels tier=db) serving HTTP on port 8080.")
    db = dbs[0]
    lab_labels = {"tier": "api"}
    probes = ensure_probes(ctx.clients, [
        (ctx.namespace, "probe-api", lab_labels, None), (ctx.namespace, "probe-web", {"tier": "web"}, None),
        (shop, "probe-api", lab_labels, None), (shop, "probe-other", {}, None)])
    return PolicyProbes(ctx.clients, enforcer, shop, f"http://{db['status']['podIP']}:8080/",
                        probes[(ctx.namespace, "probe-api")], probes[(ctx.namespace, "probe-web")],
                        probes[(shop, "probe-api")], probes[(shop, "probe-other")])
