"""The cluster: control plane components, the nodes, and the pods each node runs.

Control plane static pods (kube-apiserver, etcd, kube-scheduler, kube-controller-manager) are drawn as boxes
wired the way they talk (everything goes through the API server; only the API server talks to etcd). Every
node gets its kubelet and a compact table of its pods, coloured by health and truncated ("+12 more pods") so
40 pods stay readable. Pods no node runs yet (Pending, unschedulable) sit in their own box by the scheduler.
"""

from __future__ import annotations

from collections import defaultdict

from .. import render
from ..model import CONTROL_PLANE_COMPONENTS, Node, Pod, Snapshot
from ..render import COLORS, Diagram, esc

PARTS = {"nodes", "pods"}
SYSTEM_NAMESPACES = ("kube-system", "local-path-storage", "kube-public", "kube-node-lease")


def draw(snap: Snapshot, *, namespace: str | None = None, max_pods_per_node: int = 15, ips: bool = False
         ) -> Diagram:
    """Draw `snap` (nodes and pods of every namespace). With `namespace`, that namespace's pods are listed
    and other pods are counted per namespace on each node. `ips` adds each pod's IP (for the network lab)."""
    # A snapshot read from one namespace has no kube-system pods: say "not read", not "not found".
    complete = snap.namespace is None
    g = render.new_graph("cluster", "Cluster", _focus(snap, namespace), rankdir="TB")
    g.attr(compound="true", ranksep="0.35")
    by_node: dict[str, list[Pod]] = defaultdict(list)
    components: dict[str, Pod] = {}
    for pod in snap.pods:
        if pod.component in CONTROL_PLANE_COMPONENTS:
            components.setdefault(pod.component, pod)
        else:
            by_node[pod.node].append(pod)

    g.node("you", "you\n(kubectl, Python client)", shape="oval", style="filled", fillcolor="#fff8e1",
           color="#f9a825")
    api_id = "cp/kube-apiserver"
    hidden = 0
    nodes = sorted(snap.nodes, key=lambda n: (not n.control_plane, n.name))
    if not any(n.control_plane for n in nodes):  # e.g. a managed cluster: draw the control plane anyway
        with g.subgraph(name="cluster_control_plane") as sub:
            sub.attr(label="control plane", style="rounded,dashed", color="#90a4ae")
            _control_plane(sub, components, api_id, complete)
    for node in nodes:
        with g.subgraph(name=f"cluster_node_{node.name}") as sub:
            sub.attr(label=_node_title(node), style="rounded,filled", fillcolor="#fafafa",
                     color=COLORS["ok" if node.ready else "bad"][1], fontsize="11", margin="10")
            if node.control_plane:
                _control_plane(sub, components, api_id, complete)
            kubelet = f"kubelet/{node.name}"
            sub.node(kubelet, render.label("kubelet", node.kubelet_version, node.runtime.replace("://", " ")),
                     fillcolor="#eef2f5", color="#78909c")
            table, node_hidden = _pod_table(by_node.pop(node.name, []), namespace, max_pods_per_node, ips=ips)
            hidden += node_hidden
            sub.node(f"pods/{node.name}", table, shape="plain", style="")
            sub.edge(kubelet, f"pods/{node.name}", label=" runs", style="dotted", arrowhead="none")
        # Drawn API server -> kubelet with the arrow reversed: kubelets dial the API server, and this keeps
        # the API server above the nodes in the layout.
        g.edge(api_id, kubelet, dir="back", style="dashed", color="#90a4ae",
               tooltip="the kubelet watches the API server for its pods and reports their status")

    unscheduled = by_node.pop("", [])
    if unscheduled:
        table, extra = _pod_table(unscheduled, namespace, max_pods_per_node, title="not scheduled yet", ips=ips)
        hidden += extra
        g.node("pods/unscheduled", table, shape="plain", style="")
        g.edge("cp/kube-scheduler" if "kube-scheduler" in components else api_id, "pods/unscheduled",
               style="dashed", color=COLORS["progress"][1], label=" to place")
    for node_name, pods in sorted(by_node.items()):  # pods on nodes the snapshot does not list
        table, extra = _pod_table(pods, namespace, max_pods_per_node, title=f"on unknown node {node_name}",
                                  ips=ips)
        hidden += extra
        g.node(f"pods/{node_name}", table, shape="plain", style="")
    if components or nodes:
        g.edge("you", api_id, label=" HTTPS", color="#f9a825")
    return Diagram(g, snap, hidden=hidden)


def _focus(snap: Snapshot, namespace: str | None) -> Snapshot:
    from dataclasses import replace

    return replace(snap, namespace=namespace) if namespace is not None else snap


def _node_title(node: Node) -> str:
    bits = [node.name, "control plane" if node.control_plane else "worker", "Ready" if node.ready else "NOT READY"]
    if node.unschedulable:
        bits.append("cordoned")
    bits += [node.internal_ip, f"pods {node.pod_cidr}" if node.pod_cidr else ""]
    title = " · ".join(b for b in bits if b)
    return f"{title}\ntaints: {', '.join(node.taints)}" if node.taints else title


def _control_plane(sub, components: dict[str, Pod], api_id: str, complete: bool = True) -> None:
    """The four components as boxes; a missing one is drawn red so a broken control plane shows."""
    shapes = {"etcd": "cylinder"}
    notes = {
        "kube-apiserver": "the only door: REST API",
        "etcd": "the cluster's state",
        "kube-scheduler": "assigns pods to nodes",
        "kube-controller-manager": "control loops",
    }
    for comp in CONTROL_PLANE_COMPONENTS:
        pod = components.get(comp)
        state = pod.health if pod else ("bad" if complete else "unknown")
        fill, border = COLORS[state]
        status = pod.status if pod else ("not found" if complete else "not read")
        sub.node(f"cp/{comp}", render.label(comp, notes[comp], status if status != "Running" else ""),
                 shape=shapes.get(comp, "box"), fillcolor=fill, color=border, penwidth="1.4")
    sub.edge(api_id, "cp/etcd", label=" read/write", color="#546e7a")
    for comp in ("kube-scheduler", "kube-controller-manager"):
        sub.edge(api_id, f"cp/{comp}", dir="back", label=" watch", color="#546e7a")


def _pod_table(pods: list[Pod], namespace: str | None, limit: int, title: str = "", *, ips: bool = False
               ) -> tuple[str, int]:
    """An HTML-like table: one row per pod (colour, name, status), others counted; returns (label, hidden)."""
    focus = [p for p in pods if namespace is None or p.namespace == namespace]
    others: dict[str, int] = defaultdict(int)
    for p in pods:
        if namespace is not None and p.namespace != namespace:
            others[p.namespace] += 1
    # System pods last: the learner's pods matter most when space runs out.
    focus.sort(key=lambda p: (p.namespace in SYSTEM_NAMESPACES, p.namespace, *render.pod_sort_key(p)))
    shown, hidden = render.take(focus, limit)
    span = 3 if ips else 2  # columns after the colour cell
    rows = []
    if title:
        rows.append(f'<TR><TD COLSPAN="{span + 1}" ALIGN="LEFT"><B>{esc(title)}</B></TD></TR>')
    show_ns = namespace is None
    for p in shown:
        fill, border = COLORS.get(p.health, COLORS["unknown"])
        name = f"{p.namespace}/{p.name}" if show_ns else p.name
        status = p.status + (" (not ready)" if p.status == "Running" and not p.ready else "")
        tip = f"{p.namespace}/{p.name} {p.status} ip {p.ip or '-'} images {', '.join(p.images)}"
        rows.append(
            f'<TR><TD BGCOLOR="{border}" WIDTH="6"></TD>'
            f'<TD ALIGN="LEFT" TOOLTIP="{esc(tip)}">{esc(name)}</TD>'
            f'<TD ALIGN="LEFT"><FONT COLOR="{border}">{esc(status)}</FONT></TD>'
            + (f'<TD ALIGN="LEFT"><FONT COLOR="#546e7a">{esc(p.ip or "-")}</FONT></TD>' if ips else "")
            + "</TR>"
        )
    if hidden:
        rows.append(f'<TR><TD></TD><TD ALIGN="LEFT" COLSPAN="{span}"><I>+{hidden} more pods</I></TD></TR>')
    for ns, count in sorted(others.items()):
        rows.append(f'<TR><TD></TD><TD ALIGN="LEFT" COLSPAN="{span}"><FONT COLOR="#78909c">{esc(ns)}: {count} '
                    f'pod{"s" if count != 1 else ""}</FONT></TD></TR>')
    if not rows:
        rows.append(f'<TR><TD></TD><TD ALIGN="LEFT" COLSPAN="{span}"><FONT COLOR="#78909c">no pods</FONT></TD></TR>')
    table = ('<<TABLE BORDER="1" COLOR="#b0bec5" CELLBORDER="0" CELLSPACING="1" CELLPADDING="2" BGCOLOR="white">'
             + "".join(rows) + "</TABLE>>")
    return table, hidden
