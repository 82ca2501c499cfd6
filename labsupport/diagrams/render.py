"""Shared drawing helpers: the `Diagram` a notebook displays, colours, labels and truncation.

Node ids are stable and readable (`pod/NAMESPACE/NAME`, `svc/NAMESPACE/NAME`, ...) so tests and learners can
find an object in the DOT source or in the SVG (each node's <title> is its id).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Iterable, Sequence, TypeVar

import graphviz

from ..errors import PreflightError
from .model import Pod, Snapshot

T = TypeVar("T")

FONT = "Helvetica"
# fill, border per health state (see model.health)
COLORS = {
    "ok": ("#e3f4e1", "#3b8f3a"),
    "progress": ("#fff4cc", "#b38600"),
    "bad": ("#fde2e1", "#c0392b"),
    "done": ("#eceff1", "#78909c"),
    "unknown": ("#f5f5f5", "#9e9e9e"),
}
KIND_COLORS = {
    "Deployment": "#dbe9fb", "ReplicaSet": "#e8f0fc", "StatefulSet": "#e5dcf7", "DaemonSet": "#fbe3d3",
    "Job": "#f2e8d5", "CronJob": "#efe3c8", "Service": "#d8f0ef", "EndpointSlice": "#e6f5f4",
    "Ingress": "#cde9e7", "PersistentVolumeClaim": "#f3e5f5", "PersistentVolume": "#ede7f6",
    "StorageClass": "#e8eaf6", "Node": "#fafafa",
}
SHORT_KIND = {
    "Deployment": "deploy", "ReplicaSet": "rs", "StatefulSet": "sts", "DaemonSet": "ds", "Job": "job",
    "CronJob": "cronjob", "Pod": "pod", "Service": "svc", "EndpointSlice": "eps", "Ingress": "ing",
    "PersistentVolumeClaim": "pvc", "PersistentVolume": "pv", "StorageClass": "sc", "Node": "node",
}


class Diagram:
    """A rendered view of a snapshot. Displays itself as SVG in a notebook; `.source` is the DOT text.

    `.graph` is the `graphviz.Digraph` (to tweak or `render()` to a file), `.snapshot` what it was drawn from,
    `.hidden` how many objects truncation left out.
    """

    def __init__(self, graph: graphviz.Digraph, snapshot: Snapshot, *, hidden: int = 0):
        self.graph, self.snapshot, self.hidden = graph, snapshot, hidden
        self._svg: str | None = None

    @property
    def source(self) -> str:
        return self.graph.source

    def svg(self) -> str:
        """The diagram as SVG text (runs Graphviz's `dot` once, then cached)."""
        if self._svg is None:
            try:
                self._svg = self.graph.pipe(format="svg", encoding="utf-8")
            except graphviz.ExecutableNotFound as exc:
                raise PreflightError("Graphviz's `dot` program is not installed, so diagrams cannot be drawn.",
                                     hint="Run `make setup` (or `apt-get install graphviz`).") from exc
        return self._svg

    def save(self, path: str | Path) -> Path:
        """Write SVG (or DOT, for a .dot/.gv path) and return the path."""
        path = Path(path)
        path.write_text(self.source if path.suffix in (".dot", ".gv") else self.svg(), encoding="utf-8")
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"image/svg+xml": self.svg(), "text/plain": repr(self)}

    def __repr__(self) -> str:
        return f"<Diagram {self.graph.name!r}: {self.source.count(' [')} items, {self.hidden} hidden>"


def new_graph(name: str, title: str, snapshot: Snapshot, *, rankdir: str = "LR") -> graphviz.Digraph:
    """A Digraph with the house style; the title line says when and where the snapshot was taken."""
    where = f"namespace {snapshot.namespace}" if snapshot.namespace else "all namespaces"
    when = snapshot.taken_at.astimezone().strftime("%H:%M:%S")
    g = graphviz.Digraph(name=name)
    g.attr(rankdir=rankdir, fontname=FONT, fontsize="12", labelloc="t", labeljust="l",
           label=f"{title} — {where}, at {when}", nodesep="0.15", ranksep="0.45", newrank="true")
    g.attr("node", fontname=FONT, fontsize="10", shape="box", style="rounded,filled", fillcolor="white",
           margin="0.08,0.04", height="0.3")
    g.attr("edge", fontname=FONT, fontsize="9", color="#607d8b", arrowsize="0.6")
    return g


def node_id(kind: str, name: str, namespace: str = "") -> str:
    return "/".join(p for p in (SHORT_KIND.get(kind, kind.lower()), namespace, name) if p)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def shorten(text: str, width: int = 48) -> str:
    """Cut the middle out of a long string (paths, generated names): the ends are what people recognise."""
    if len(text) <= width:
        return text
    keep = width - 1
    return text[: keep // 3] + "…" + text[-(keep - keep // 3):]


def short_image(image: str) -> str:
    """registry.k8s.io/e2e-test-images/agnhost:2.56 -> agnhost:2.56"""
    return image.rsplit("/", 1)[-1]


def label(title: str, *lines: str, kind: str = "") -> str:
    """An HTML-like label: bold title (with a small kind tag) then plain lines."""
    head = f'<FONT POINT-SIZE="8" COLOR="#546e7a">{esc(kind)}</FONT><BR/>' if kind else ""
    body = "".join(f'<BR/><FONT POINT-SIZE="9">{esc(line)}</FONT>' for line in lines if line)
    return f"<{head}<B>{esc(title)}</B>{body}>"


def pod_node(g: graphviz.Digraph, pod: Pod, *, show_node: bool = True, extra: Sequence[str] = ()) -> str:
    """Draw one pod coloured by health; returns its node id."""
    fill, border = COLORS.get(pod.health, COLORS["unknown"])
    ready = f"{pod.ready_count}/{pod.container_count} ready" if pod.container_count else ""
    restarts = f", {pod.restarts} restarts" if pod.restarts else ""
    lines = [f"{pod.status}  {ready}{restarts}", pod.ip + (f" on {pod.node}" if show_node and pod.node else ""),
             *extra]
    nid = node_id("Pod", pod.name, pod.namespace)
    g.node(nid, label(pod.name, *lines, kind="Pod"), fillcolor=fill, color=border,
           tooltip=", ".join(pod.images) or pod.name)
    return nid


def more_node(g: graphviz.Digraph, parent_id: str, hidden: int, what: str = "pods") -> str:
    """The '+12 more pods' stand-in for what truncation left out."""
    nid = f"{parent_id}/+more"
    g.node(nid, f"+{hidden} more {what}", shape="note", style="filled", fillcolor="#f5f5f5", color="#9e9e9e",
           fontcolor="#546e7a")
    return nid


def take(items: Iterable[T], limit: int | None) -> tuple[list[T], int]:
    """The first `limit` items and how many were left out (limit None or <= 0 keeps all)."""
    items = list(items)
    if not limit or limit <= 0 or len(items) <= limit:
        return items, 0
    return items[:limit], len(items) - limit


def pod_sort_key(pod: Pod) -> tuple:
    # Problems first so truncation never hides the pod the learner needs to see, then by name.
    order = {"bad": 0, "progress": 1, "ok": 2, "done": 3}
    return (order.get(pod.health, 0), natural(pod.name))


def natural(name: str) -> tuple:
    """Sort key that puts web-2 before web-10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))

