"""A namespace at a glance, grouped by a label (`app` by default): labels are how Kubernetes organises things.

Each value of the label becomes a box holding the workloads, services, pods and claims that carry it; objects
without the label share a box of their own. Edges: a workload to the pods it controls (through its
ReplicaSets), a service to the pods its selector matches, an ingress to its services, a pod to its claims.
"""

from __future__ import annotations

from collections import defaultdict

from ...facts import selects
from .. import render
from ..model import Pod, Snapshot, Workload
from ..render import KIND_COLORS, Diagram

PARTS = {"pods", "workloads", "services", "storage"}


def draw(snap: Snapshot, *, group_by: str = "app", max_pods: int = 6) -> Diagram:
    g = render.new_graph("namespace", f"Objects grouped by label {group_by!r}", snap)
    g.attr(compound="true")
    workloads = snap.in_namespace(snap.workloads)
    by_key = {w.uid or f"{w.kind}/{w.name}": w for w in workloads}

    def root_of(ref) -> Workload | None:
        w = by_key.get(ref.uid or f"{ref.kind}/{ref.name}") if ref else None
        while w is not None and w.owner and (w.owner.uid or f"{w.owner.kind}/{w.owner.name}") in by_key:
            w = by_key[w.owner.uid or f"{w.owner.kind}/{w.owner.name}"]
        return w

    # Top-level workloads only: a Deployment stands for its ReplicaSets.
    tops = [w for w in workloads if root_of(w.owner) is None]
    services = snap.in_namespace(snap.services)
    claims = snap.in_namespace(snap.claims)
    ingresses = snap.in_namespace(snap.ingresses)
    groups: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for kind, items in (("workloads", tops), ("services", services), ("pods", snap.in_namespace(snap.pods)),
                        ("claims", claims), ("ingresses", ingresses)):
        for item in items:
            groups[item.labels.get(group_by, "")][kind].append(item)

    hidden = 0
    shown_pods: set[str] = set()
    for value in sorted(groups, key=lambda v: (v == "", v)):
        group = groups[value]
        with g.subgraph(name=f"cluster_group_{value or '_none'}") as sub:
            title = f"{group_by}={value}" if value else f"no {group_by} label"
            sub.attr(label=title, style="rounded,filled", fillcolor="#fbfcfd" if value else "#f7f7f7",
                     color="#b0bec5", fontsize="11")
            for w in sorted(group["workloads"], key=lambda w: (w.kind, w.name)):
                ready = w.desired is not None and w.kind != "Job"  # a Job's summary says how many succeeded
                lines = [f"{w.ready or 0}/{w.desired} ready" if ready else "", w.summary]
                sub.node(render.node_id(w.kind, w.name, w.namespace), render.label(w.name, *lines, kind=w.kind),
                         fillcolor=KIND_COLORS.get(w.kind, "white"))
            for s in sorted(group["services"], key=lambda s: s.name):
                sub.node(render.node_id("Service", s.name, s.namespace),
                         render.label(s.name, "headless" if s.headless else s.type, ", ".join(map(str, s.ports)),
                                      kind="Service"),
                         fillcolor=KIND_COLORS["Service"])
            for i in group["ingresses"]:
                sub.node(render.node_id("Ingress", i.name, i.namespace), render.label(i.name, kind="Ingress"),
                         fillcolor=KIND_COLORS["Ingress"])
            pods, extra = render.take(sorted(group["pods"], key=render.pod_sort_key), max_pods)
            for p in pods:
                shown_pods.add(render.pod_node(sub, p))
            if extra:
                hidden += extra
                render.more_node(sub, f"group/{value or '_none'}", extra)
            for c in group["claims"]:
                sub.node(render.node_id("PersistentVolumeClaim", c.name, c.namespace),
                         render.label(c.name, c.phase, kind="PersistentVolumeClaim"),
                         fillcolor=KIND_COLORS["PersistentVolumeClaim"])

    all_pods: list[Pod] = [p for grp in groups.values() for p in grp["pods"]]
    hidden_owner_edges: set[tuple[str, str]] = set()
    for p in all_pods:
        pid = render.node_id("Pod", p.name, p.namespace)
        root = root_of(p.owner)
        target = pid if pid in shown_pods else f"group/{p.labels.get(group_by, '') or '_none'}/+more"
        if root is not None:
            edge = (render.node_id(root.kind, root.name, root.namespace), target)
            if edge not in hidden_owner_edges:  # one edge to "+N more", not N
                hidden_owner_edges.add(edge)
                g.edge(*edge, color="#78909c")
        for s in services:
            if selects(s.selector, p.labels):
                edge = (render.node_id("Service", s.name, s.namespace), target)
                if edge not in hidden_owner_edges:
                    hidden_owner_edges.add(edge)
                    g.edge(*edge, style="dashed", color="#00897b")
        if pid in shown_pods:
            for claim in p.claims:
                g.edge(pid, render.node_id("PersistentVolumeClaim", claim, p.namespace), style="dotted")
    names = {s.name for s in services}
    for i in ingresses:
        for svc in sorted({p.service for p in i.paths if p.service in names}):
            g.edge(render.node_id("Ingress", i.name, i.namespace), render.node_id("Service", svc, i.namespace))
    if not groups:
        g.node("empty", "nothing here yet", shape="plaintext", style="")
    return Diagram(g, snap, hidden=hidden)
