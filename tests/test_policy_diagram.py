"""The NetworkPolicy graph: selector and isolation semantics and rendering on API-shaped snapshots, then the
real cluster (policies applied in a test namespace, read back and drawn).

Assertions read the SVG, as tests/test_diagrams.py does: node ids and "tail->head" edges are <title>s.
"""

from __future__ import annotations

import pytest

from labsupport import manifests
from labsupport.diagrams.policy import PolicySnapshot, Selector, policy_graph

from test_diagrams import parse_svg

NS = "shop"


def pod(name, labels, ns=NS):
    return {"kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels}}


def policy(name, spec, ns=NS):
    return {"kind": "NetworkPolicy", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def namespace(name, **labels):
    return {"kind": "Namespace", "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name,
                                                                        **labels}}}


DENY = policy("default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
ALLOW = policy("db-allow-api", {
    "podSelector": {"matchLabels": {"tier": "db"}}, "policyTypes": ["Ingress"],
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": "api"}}},
                          {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "lab"}},
                           "podSelector": {"matchLabels": {"tier": "api"}}}],
                 "ports": [{"protocol": "TCP", "port": 8080}]}]})
EGRESS = policy("api-egress", {
    "podSelector": {"matchLabels": {"tier": "api"}}, "policyTypes": ["Egress"],
    "egress": [{"to": [{"podSelector": {"matchLabels": {"tier": "db"}}}], "ports": [{"port": 8080}]},
               {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                "ports": [{"protocol": "UDP", "port": 53}]}]})
PODS = [pod("db", {"tier": "db"}), pod("api", {"tier": "api"}), pod("web", {"tier": "web"})]
NAMESPACES = [namespace(NS), namespace("lab"), namespace("kube-system")]


def snap(*objects):
    return PolicySnapshot.from_objects(NS, [*PODS, *NAMESPACES, *objects])


def by_name(s, name):
    return next(p for p in s.pods if p.name == name)


def test_label_selector_semantics_empty_selects_all_and_expressions_apply():
    assert Selector.from_dict({}).matches({"any": "thing"})
    sel = Selector.from_dict({"matchLabels": {"tier": "db"},
                              "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]},
                                                   {"key": "legacy", "operator": "DoesNotExist"}]})
    assert sel.matches({"tier": "db", "env": "prod"})
    assert not sel.matches({"tier": "db", "env": "dev"})
    assert not sel.matches({"tier": "db", "env": "prod", "legacy": "yes"})
    assert Selector.from_dict(None) is None


def test_without_policies_everything_may_talk():
    s = snap()
    assert all(s.may_talk(a, b) for a in s.pods for b in s.pods)


def test_default_deny_isolates_both_directions_and_allowances_add_up():
    s = snap(DENY)
    db, api, web = (by_name(s, n) for n in ("db", "api", "web"))
    assert s.isolated(db, "ingress") and s.isolated(api, "egress")
    assert not s.may_talk(api, db)
    s = snap(DENY, ALLOW)
    assert not s.may_talk(api, db)  # db lets api in, but api's own egress is still closed
    s = snap(DENY, ALLOW, EGRESS)
    assert s.may_talk(api, by_name(s, "db"))
    assert not s.may_talk(by_name(s, "web"), by_name(s, "db"))
    assert not s.may_talk(by_name(s, "api"), by_name(s, "web"))


def test_namespace_and_pod_selector_in_one_entry_need_both():
    s = snap(DENY, ALLOW)
    db = by_name(s, "db")
    assert s.allowing(db, "ingress", {"tier": "api"}, "lab")
    assert not s.allowing(db, "ingress", {"tier": "web"}, "lab")
    assert not s.allowing(db, "ingress", {"tier": "api"}, "kube-system")
    # The same selectors as two entries: either one lets traffic in (OR), so tier=web of "lab" gets in.
    loose = policy("loose", {"podSelector": {"matchLabels": {"tier": "db"}}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "lab"}}},
        {"podSelector": {"matchLabels": {"tier": "api"}}}]}]})
    assert snap(DENY, loose).allowing(db, "ingress", {"tier": "web"}, "lab")


def test_graph_draws_allowed_pairs_and_outside_peers():
    d = policy_graph(snap(DENY, ALLOW, EGRESS))
    nodes, edges, text = parse_svg(d)
    assert {"pod/shop/db", "pod/shop/api", "pod/shop/web"} <= nodes
    assert ("pod/shop/api", "pod/shop/db") in edges and " TCP 8080" in d.source
    assert ("pod/shop/web", "pod/shop/db") not in edges
    lab_peer = "peer/pods tier=api in namespaces kubernetes.io/metadata.name=lab"
    assert (lab_peer, "pod/shop/db") in edges
    assert ("pod/shop/api", "peer/pods k8s-app=kube-dns in namespaces kubernetes.io/metadata.name=kube-system") \
        in edges
    assert "TCP 8080" in text and "ingress: isolated by db-allow-api, default-deny" in text


def test_graph_flags_a_namespace_selector_that_matches_nothing_and_no_enforcer():
    wrong = policy("typo", {"podSelector": {"matchLabels": {"tier": "db"}}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"team": "frontend"}}}]}]})
    s = PolicySnapshot.from_objects(NS, [*PODS, *NAMESPACES, DENY, wrong], enforced=False)
    _, _, text = parse_svg(policy_graph(s))
    assert "matches NO namespace" in text
    assert "Nothing enforces NetworkPolicy" in text


def test_cluster_text_is_escaped_and_capped():
    evil = pod("x", {"note": "<b>&" + "y" * 200})
    s = PolicySnapshot.from_objects(NS, [evil, DENY])
    d = policy_graph(s)
    assert "<b>&" not in d.source and "&lt;b&gt;&amp;" in d.source
    assert "y" * 100 not in d.source
    parse_svg(d)  # still valid SVG


@pytest.mark.cluster
def test_graph_of_policies_on_the_cluster(clients, namespace):
    manifests.apply(clients, [
        {**{k: v for k, v in o.items() if k != "kind"}, "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": o["metadata"]["name"]}} for o in (DENY, ALLOW)], namespace=namespace)
    manifests.apply(clients, [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": n, "labels": {"tier": n}},
                               "spec": {"containers": [{"name": "p", "image": "registry.k8s.io/pause:3.10",
                                                        "imagePullPolicy": "IfNotPresent"}]}}
                              for n in ("db", "api")], namespace=namespace)
    nodes, edges, text = parse_svg(policy_graph(clients, namespace))
    assert {f"pod/{namespace}/db", f"pod/{namespace}/api"} <= nodes
    # db lets api in, but default deny closes api's egress: no arrow yet.
    assert (f"pod/{namespace}/api", f"pod/{namespace}/db") not in edges
    assert "namespaces: lab" not in text and "matches NO namespace" in text  # no namespace "lab" on the cluster
