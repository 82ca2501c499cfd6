"""NetworkPolicy as a graph of who may talk to whom in one namespace.

A pod no policy selects is open (every peer may talk to it, it may talk to every peer). Once a policy selects a
pod for a direction (policyTypes Ingress/Egress), that direction is *isolated*: only what some selecting policy's
rules allow gets through, and policies only ever add allowances. Between two pods of the namespace, traffic needs
both the sender's egress and the receiver's ingress to allow it: those pairs are drawn as green arrows. Peers
outside the namespace (other namespaces, IP blocks, everyone) are boxes, with the rule that lets them in or out.

Reading the cluster (`collect`) is separate from drawing (`draw`), which is a pure function of a
`PolicySnapshot`, so it is tested on snapshots built from API-shaped dicts:

    >>> snap = PolicySnapshot.from_objects("shop", [
    ...     {"kind": "Pod", "metadata": {"name": "db", "namespace": "shop", "labels": {"tier": "db"}}},
    ...     {"kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "shop"},
    ...      "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}])
    >>> snap.isolated(snap.pods[0], "ingress")
    True
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Iterable

from .. import find
from ..context import clients_of
from . import render
from .render import COLORS, Diagram

MAX_TEXT = 60  # cluster text (labels, names) is capped, then escaped by render.label


@dataclass(frozen=True)
class Selector:
    """A LabelSelector. Unlike a Service's selector, an empty one selects everything."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    @classmethod
    def from_dict(cls, data: dict | None) -> "Selector | None":
        if data is None:
            return None
        return cls(tuple(sorted((data.get("matchLabels") or {}).items())),
                   tuple((e.get("key", ""), e.get("operator", ""), tuple(e.get("values") or []))
                         for e in data.get("matchExpressions") or []))

    def matches(self, labels: dict) -> bool:
        if any(labels.get(k) != v for k, v in self.match_labels):
            return False
        for key, op, values in self.match_expressions:
            has = key in labels
            if (op == "In" and labels.get(key) not in values) or (op == "NotIn" and has and labels[key] in values) \
                    or (op == "Exists" and not has) or (op == "DoesNotExist" and has):
                return False
        return True

    def text(self) -> str:
        parts = [f"{k}={v}" for k, v in self.match_labels]
        parts += [f"{k} {op} ({','.join(v)})" if v else f"{k} {op}" for k, op, v in self.match_expressions]
        return ",".join(parts) or "(all)"


@dataclass(frozen=True)
class Peer:
    """One entry of a rule's from/to: pod and namespace selectors (both must match), or an IP block."""

    pods: Selector | None = None
    namespaces: Selector | None = None
    ip_block: str | None = None

    def text(self) -> str:
        if self.ip_block:
            return f"IP block {self.ip_block}"
        who = f"pods {self.pods.text()}" if self.pods else "all pods"
        return who + (f" in namespaces {self.namespaces.text()}" if self.namespaces else " in this namespace")


@dataclass(frozen=True)
class Rule:
    peers: tuple[Peer, ...]  # empty: any peer at all
    ports: tuple[str, ...]  # empty: every port

    @property
    def port_text(self) -> str:
        return ", ".join(self.ports) or "all ports"


@dataclass(frozen=True)
class Policy:
    name: str
    namespace: str
    pods: Selector
    types: tuple[str, ...]
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class PodRef:
    name: str
    namespace: str
    labels: dict = field(default_factory=dict, hash=False)


def _rules(items: list | None, key: str) -> tuple[Rule, ...]:
    rules = []
    for item in items or []:
        peers = tuple(Peer(Selector.from_dict(p.get("podSelector")), Selector.from_dict(p.get("namespaceSelector")),
                           (p.get("ipBlock") or {}).get("cidr")) for p in item.get(key) or [])
        ports = tuple(f"{p.get('protocol', 'TCP')} {p.get('port', 'all')}" for p in item.get("ports") or [])
        rules.append(Rule(peers, ports))
    return tuple(rules)


def policy_from(data: dict) -> Policy:
    spec, meta = data.get("spec") or {}, data.get("metadata") or {}
    types = spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])
    return Policy(meta.get("name", "?"), meta.get("namespace", ""), Selector.from_dict(spec.get("podSelector") or {}),
                  tuple(types), _rules(spec.get("ingress"), "from"), _rules(spec.get("egress"), "to"))


@dataclass(frozen=True)
class PolicySnapshot:
    namespace: str
    policies: tuple[Policy, ...] = ()
    pods: tuple[PodRef, ...] = ()
    namespaces: dict = field(default_factory=dict, hash=False)  # name -> labels
    enforced: bool | None = None  # None: not known
    taken_at: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc))

    @classmethod
    def from_objects(cls, namespace: str, objects: Iterable[dict], *, enforced: bool | None = None):
        policies, pods, namespaces = [], [], {}
        for obj in objects:
            kind, meta = obj.get("kind"), obj.get("metadata") or {}
            if kind == "NetworkPolicy" and meta.get("namespace") == namespace:
                policies.append(policy_from(obj))
            elif kind == "Pod" and meta.get("namespace") == namespace:
                pods.append(PodRef(meta.get("name", "?"), namespace, dict(meta.get("labels") or {})))
            elif kind == "Namespace":
                namespaces[meta.get("name")] = dict(meta.get("labels") or {})
        namespaces.setdefault(namespace, {"kubernetes.io/metadata.name": namespace})
        return cls(namespace, tuple(sorted(policies, key=lambda p: p.name)),
                   tuple(sorted(pods, key=lambda p: render.natural(p.name))), namespaces, enforced)

    def selecting(self, pod: PodRef, direction: str) -> list[Policy]:
        """The policies that select ``pod`` for ``direction`` ("ingress" or "egress")."""
        return [p for p in self.policies if direction.capitalize() in p.types and p.pods.matches(pod.labels)]

    def isolated(self, pod: PodRef, direction: str) -> bool:
        return bool(self.selecting(pod, direction))

    def peer_matches(self, peer: Peer, labels: dict, namespace: str) -> bool:
        """Whether ``peer`` covers a pod with ``labels`` in ``namespace`` (IP blocks are not evaluated)."""
        if peer.ip_block:
            return False
        if peer.namespaces is None:
            in_scope = namespace == self.namespace
        else:
            in_scope = peer.namespaces.matches(self.namespaces.get(namespace, {}))
        return in_scope and (peer.pods is None or peer.pods.matches(labels))

    def allowing(self, pod: PodRef, direction: str, labels: dict, namespace: str) -> list[tuple[Policy, Rule]]:
        """The (policy, rule) pairs that let a pod (``labels`` in ``namespace``) talk to/from ``pod``."""
        key = "ingress" if direction == "ingress" else "egress"
        return [(p, r) for p in self.selecting(pod, direction) for r in getattr(p, key)
                if not r.peers or any(self.peer_matches(peer, labels, namespace) for peer in r.peers)]

    def may_talk(self, src: PodRef, dst: PodRef) -> bool:
        """Both ends agree: src's egress lets it out to dst and dst's ingress lets src in."""
        out = not self.isolated(src, "egress") or bool(self.allowing(src, "egress", dst.labels, dst.namespace))
        into = not self.isolated(dst, "ingress") or bool(self.allowing(dst, "ingress", src.labels, src.namespace))
        return out and into

    def namespaces_matching(self, selector: Selector) -> list[str]:
        return sorted(n for n, labels in self.namespaces.items() if selector.matches(labels))


def _short(text: str) -> str:
    return render.shorten(str(text), MAX_TEXT)


def collect(source: Any, namespace: str, *, enforced: bool | None = None,
            skip_label: str | None = None) -> PolicySnapshot:
    """Read the namespace's NetworkPolicies and pods, and every namespace's labels (three list calls)."""
    clients = clients_of(source)
    objects = [{**p, "kind": "NetworkPolicy"} for p in find.by_label(clients, "NetworkPolicy", namespace)]
    objects += [{**p, "kind": "Pod"} for p in find.by_label(clients, "Pod", namespace)
                if not (skip_label and skip_label in ((p.get("metadata") or {}).get("labels") or {}))]
    objects += [{**n, "kind": "Namespace"} for n in find.by_label(clients, "Namespace", None)]
    return PolicySnapshot.from_objects(namespace, objects, enforced=enforced)


def draw(snap: PolicySnapshot) -> Diagram:
    """Who may talk to whom in the snapshot's namespace, and what the policies let in from / out to elsewhere."""
    g = render.new_graph("policy", "NetworkPolicy: who may talk to whom", snap)
    if snap.enforced is False:
        g.node("not-enforced", "Nothing enforces NetworkPolicy in this cluster:\nthese rules are stored, not applied",
               shape="note", fillcolor=COLORS["bad"][0], color=COLORS["bad"][1])
    for pod in snap.pods:
        lines = [_short(",".join(f"{k}={v}" for k, v in sorted(pod.labels.items())) or "no labels")]
        for direction in ("ingress", "egress"):
            names = [p.name for p in snap.selecting(pod, direction)]
            lines.append(f"{direction}: " + (_short("isolated by " + ", ".join(names)) if names else "open"))
        closed = any(snap.isolated(pod, d) for d in ("ingress", "egress"))
        fill, border = COLORS["progress"] if closed else COLORS["ok"]
        g.node(render.node_id("Pod", pod.name, pod.namespace), render.label(pod.name, *lines, kind="Pod"),
               fillcolor=fill, color=border)
    for src in snap.pods:
        for dst in snap.pods:
            if src is not dst and snap.may_talk(src, dst) and (snap.isolated(src, "egress")
                                                               or snap.isolated(dst, "ingress")):
                g.edge(render.node_id("Pod", src.name, src.namespace), render.node_id("Pod", dst.name, dst.namespace),
                       label=" " + _pair_ports(snap, src, dst), color=COLORS["ok"][1])
    for policy in snap.policies:
        for direction, rules in (("ingress", policy.ingress), ("egress", policy.egress)):
            if direction.capitalize() not in policy.types:
                continue
            targets = [p for p in snap.pods if policy.pods.matches(p.labels)]
            for i, rule in enumerate(rules):
                for peer in rule.peers or (Peer(None, Selector()),):
                    if peer.namespaces is None and not peer.ip_block:
                        continue  # pods of this namespace: drawn as pod-to-pod arrows above
                    _peer_edges(g, snap, policy, direction, rule, peer, targets)
    if not snap.pods:
        g.node("empty", f"no pods in {snap.namespace}", shape="plaintext", style="")
    return Diagram(g, snap)


def _pair_ports(snap: PolicySnapshot, src: PodRef, dst: PodRef) -> str:
    """The ports the receiving side's rules open to the sender (its sender's when only the sender is isolated)."""
    rules = (snap.allowing(dst, "ingress", src.labels, src.namespace) if snap.isolated(dst, "ingress")
             else snap.allowing(src, "egress", dst.labels, dst.namespace))
    ports = sorted({r.port_text for _, r in rules})
    return _short(", ".join(ports))


def _peer_edges(g, snap: PolicySnapshot, policy: Policy, direction: str, rule: Rule, peer: Peer, targets) -> None:
    pid = "peer/" + peer.text()
    lines = []
    if peer.namespaces is not None:
        matched = snap.namespaces_matching(peer.namespaces)
        lines.append("namespaces: " + _short(", ".join(matched)) if matched else "matches NO namespace")
    bad = peer.namespaces is not None and not snap.namespaces_matching(peer.namespaces)
    g.node(pid, render.label(_short(peer.text()), *lines, kind="peer"), shape="box",
           fillcolor=COLORS["bad" if bad else "unknown"][0], color=COLORS["bad" if bad else "unknown"][1])
    for pod in targets:
        pod_id = render.node_id("Pod", pod.name, pod.namespace)
        label = f" {_short(policy.name)}: {rule.port_text}"
        if direction == "ingress":
            g.edge(pid, pod_id, label=label, style="dashed")
        else:
            g.edge(pod_id, pid, label=label, style="dashed")


def policy_graph(source: Any, namespace: str | None = None, *, enforced: bool | None = None) -> Diagram:
    """Draw the policy graph of ``namespace`` (a LabContext's own by default); the grader's probe pods are left out.

    >>> policy_graph(ctx, f"{ctx.namespace}-shop")  # doctest: +SKIP
    """
    ns = namespace or getattr(source, "namespace", None)
    if isinstance(source, PolicySnapshot):
        return draw(source)
    return draw(collect(source, ns, enforced=enforced, skip_label="kindlab.dev/grader-probe"))
