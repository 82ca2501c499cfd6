"""Where traffic goes: Ingress -> Service -> EndpointSlices -> Pods, with ports.

A Service never talks to pods directly: the EndpointSlice controller writes the addresses of the ready pods its
selector matches into EndpointSlices, and kube-proxy programs those. Not-ready endpoints are drawn dashed red
(they get no traffic); a Service whose selector matches nothing gets a red note saying so.
"""

from __future__ import annotations

from collections import defaultdict

from .. import render
from ..model import Endpoint, EndpointSlice, Service, Snapshot
from ..render import COLORS, KIND_COLORS, Diagram

PARTS = {"pods", "services"}


def draw(snap: Snapshot, *, service: str | None = None, max_endpoints: int = 8) -> Diagram:
    """Draw the services of the snapshot's namespace (only `service` if given) and where they send traffic."""
    g = render.new_graph("traffic", "Traffic" + (f" to {service}" if service else ""), snap)
    services = [s for s in snap.in_namespace(snap.services) if service is None or s.name == service]
    pods = {(p.namespace, p.name): p for p in snap.pods}
    slices: dict[tuple[str, str], list[EndpointSlice]] = defaultdict(list)
    for s in snap.endpoint_slices:
        slices[(s.namespace, s.service)].append(s)
    drawn_pods: dict[tuple[str, str], str] = {}
    hidden = 0

    names = {s.name for s in services}
    for ing in snap.in_namespace(snap.ingresses):
        if not any(p.service in names for p in ing.paths):
            continue
        iid = render.node_id("Ingress", ing.name, ing.namespace)
        extra = [f"class {ing.class_name}"] if ing.class_name else []
        g.node(iid, render.label(ing.name, *extra, *ing.addresses, kind="Ingress"), fillcolor=KIND_COLORS["Ingress"])
        for p in ing.paths:
            if p.service in names:
                g.edge(iid, render.node_id("Service", p.service, ing.namespace),
                       label=f" {p.host}{p.path if p.path.startswith('/') else ' ' + p.path} → :{p.port}")

    for svc in sorted(services, key=lambda s: s.name):
        sid = _service_node(g, svc)
        svc_slices = sorted(slices.get((svc.namespace, svc.name), []), key=lambda s: s.name)
        if svc.type == "ExternalName":
            xid = f"external/{svc.namespace}/{svc.name}"
            g.node(xid, svc.external_name or "?", shape="oval", fillcolor="#fff8e1")
            g.edge(sid, xid, label=" DNS CNAME", style="dashed")
            continue
        ready_total = sum(1 for sl in svc_slices for ep in sl.endpoints if ep.ready)
        if not ready_total:
            nid = f"{sid}/no-endpoints"
            why = (f"selector {_fmt(svc.selector)} matches no ready pod" if svc.selector
                   else "no selector: endpoints must be written by hand")
            g.node(nid, f"no ready endpoints\n{why}", shape="note", fillcolor=COLORS["bad"][0],
                   color=COLORS["bad"][1])
            g.edge(sid, nid, style="dashed", color=COLORS["bad"][1])
        for sl in svc_slices:
            eid = render.node_id("EndpointSlice", sl.name, sl.namespace)
            ready = sum(1 for ep in sl.endpoints if ep.ready)
            lines = [f"{sl.address_type}, ports {', '.join(map(str, sl.ports)) or '-'}",
                     f"{ready} ready, {len(sl.endpoints) - ready} not ready"]
            g.node(eid, render.label(sl.name, *lines, kind="EndpointSlice"), fillcolor=KIND_COLORS["EndpointSlice"])
            g.edge(sid, eid)
            ports = ",".join(str(p.port) for p in sl.ports if p.port is not None)
            # Not-ready endpoints first: they are the ones to explain, truncation must not hide them.
            endpoints = sorted(sl.endpoints,
                               key=lambda ep: (ep.ready, render.natural(ep.pod or ",".join(ep.addresses))))
            shown, extra = render.take(endpoints, max_endpoints)
            for ep in shown:
                target = _endpoint_target(g, ep, sl, pods, drawn_pods)
                addr = ep.addresses[0] if ep.addresses else "?"
                style, color, note = _endpoint_style(ep)
                g.edge(eid, target, label=f" {addr}:{ports}{note}", style=style, color=color)
            if extra:
                hidden += extra
                g.edge(eid, render.more_node(g, eid, extra, "endpoints"), style="dashed")
    if not services:
        g.node("empty", f"no service {service}" if service else "no services here", shape="plaintext", style="")
    return Diagram(g, snap, hidden=hidden)


def _fmt(selector) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def _service_node(g, svc: Service) -> str:
    sid = render.node_id("Service", svc.name, svc.namespace)
    ip = "headless (no virtual IP)" if svc.headless else svc.cluster_ip
    lines = [f"{svc.type} {ip}".strip(), *(str(p) for p in svc.ports)]
    if svc.selector:
        lines.append(f"selector {_fmt(svc.selector)}")
    g.node(sid, render.label(svc.name, *lines, kind="Service"), fillcolor=KIND_COLORS["Service"], color="#00897b",
           penwidth="1.4")
    return sid


def _endpoint_target(g, ep: Endpoint, sl: EndpointSlice, pods: dict, drawn: dict) -> str:
    key = (sl.namespace, ep.pod or ",".join(ep.addresses))
    if key in drawn:
        return drawn[key]
    pod = pods.get(key) if ep.pod else None
    if pod is not None:
        drawn[key] = render.pod_node(g, pod)
        return drawn[key]
    nid = f"addr/{sl.namespace}/{ep.pod or ','.join(ep.addresses)}"
    g.node(nid, render.label(ep.pod or ", ".join(ep.addresses), f"on {ep.node}" if ep.node else "", kind="address"),
           fillcolor=COLORS["unknown"][0])
    drawn[key] = nid
    return nid


def _endpoint_style(ep: Endpoint) -> tuple[str, str, str]:
    if ep.terminating:
        return "dotted", COLORS["done"][1], " terminating"
    if not ep.ready:
        return "dashed", COLORS["bad"][1], " not ready"
    return "solid", COLORS["ok"][1], ""
