"""Who owns whom: Deployment -> ReplicaSets -> Pods (and StatefulSet/DaemonSet/Job/CronJob -> ... -> Pods).

Follows each object's controller ownerReference, so the picture is what the garbage collector sees. ReplicaSets
show their revision, the current one is marked, old ones (scaled to 0) are greyed out: a rollout and a rollback
are visible as revisions moving. Each owner lists at most `max_pods` pods (problems first), then "+N more pods".
"""

from __future__ import annotations

from collections import defaultdict

from .. import render
from ..model import Pod, Snapshot, Workload
from ..render import COLORS, KIND_COLORS, Diagram

PARTS = {"pods", "workloads"}


def _key(kind: str, name: str, uid: str) -> str:
    # uid when the API gave one; kind/name for hand-written objects (tests, dry runs) that have none.
    return uid or f"{kind}/{name}"


def draw(snap: Snapshot, *, name: str | None = None, max_pods: int = 6) -> Diagram:
    """Draw ownership trees in the snapshot's namespace; `name` keeps only the tree rooted at that workload."""
    g = render.new_graph("ownership", "Ownership" + (f" of {name}" if name else ""), snap)
    workloads = snap.in_namespace(snap.workloads)
    pods = snap.in_namespace(snap.pods)
    known = {_key(w.kind, w.name, w.uid): w for w in workloads}
    children: dict[str, list[Workload]] = defaultdict(list)
    pods_of: dict[str, list[Pod]] = defaultdict(list)
    roots, loose = [], []
    for w in workloads:
        parent = w.owner and _key(w.owner.kind, w.owner.name, w.owner.uid)
        (children[parent].append(w) if parent in known else roots.append(w))
    for p in pods:
        parent = p.owner and _key(p.owner.kind, p.owner.name, p.owner.uid)
        (pods_of[parent].append(p) if parent in known else loose.append(p))
    if name is not None:
        roots = [w for w in roots if w.name == name]
        loose = [p for p in loose if p.name == name]

    hidden = 0

    def tree(sub, w: Workload, current_revision: str = "") -> str:
        nonlocal hidden
        wid = _workload_node(sub, w, current_revision)
        for child in sorted(children[_key(w.kind, w.name, w.uid)], key=_newest_first):
            sub.edge(wid, tree(sub, child, w.revision if w.kind == "Deployment" else ""))
        shown, extra = render.take(sorted(pods_of[_key(w.kind, w.name, w.uid)], key=render.pod_sort_key), max_pods)
        for p in shown:
            sub.edge(wid, render.pod_node(sub, p))
        if extra:
            hidden += extra
            sub.edge(wid, render.more_node(sub, wid, extra), style="dashed")
        return wid

    for w in sorted(roots, key=lambda w: (w.kind, w.name)):
        with g.subgraph(name=f"cluster_{render.node_id(w.kind, w.name, w.namespace)}") as sub:
            sub.attr(label="", style="rounded,dashed", color="#cfd8dc")
            tree(sub, w)
    if loose:
        with g.subgraph(name="cluster_loose_pods") as sub:
            sub.attr(label="pods without a controller (nothing recreates them)", style="rounded,dashed",
                     color="#cfd8dc", fontsize="10")
            shown, extra = render.take(sorted(loose, key=render.pod_sort_key), max_pods * 2)
            for p in shown:
                owner = [f"owned by {p.owner.kind} {p.owner.name}"] if p.owner else []
                render.pod_node(sub, p, extra=owner)
            if extra:
                hidden += extra
                render.more_node(sub, "loose", extra)
    if not roots and not loose:
        g.node("empty", "no workloads or pods here", shape="plaintext", style="")
    return Diagram(g, snap, hidden=hidden)


def _newest_first(w: Workload) -> tuple:
    rev = int(w.revision) if w.revision.isdigit() else 0
    return (-rev, w.name)


def _workload_node(g, w: Workload, current_revision: str) -> str:
    nid = render.node_id(w.kind, w.name, w.namespace)
    lines = []
    if w.desired is not None and w.kind != "Job":
        lines.append(f"{w.ready or 0}/{w.desired} ready")
    if w.summary:
        lines.append(w.summary)
    if w.revision:
        tag = "revision" if w.kind in ("Deployment", "ReplicaSet") else "rev"
        current = " (current)" if current_revision and w.revision == current_revision else ""
        lines.append(f"{tag} {w.revision}{current}")
    lines += [render.short_image(i) for i in w.images]
    fill, border = KIND_COLORS.get(w.kind, "white"), "#78909c"
    font = "black"
    if w.kind == "ReplicaSet" and w.desired == 0:  # an old revision kept for rollback
        fill, border, font = "#f5f5f5", "#bdbdbd", "#9e9e9e"
    elif w.desired and (w.ready or 0) < w.desired:
        border = COLORS["progress"][1]
    g.node(nid, render.label(w.name, *lines, kind=w.kind), fillcolor=fill, color=border, fontcolor=font,
           tooltip=", ".join(w.images) or w.name)
    return nid
