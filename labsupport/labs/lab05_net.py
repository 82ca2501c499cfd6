"""What lab 05 reads about the pod network: which CNI plugin and which NetworkPolicy enforcer the cluster runs,
kube-proxy's mode, a node's route to a pod, and the rules kube-proxy wrote for one Service's virtual IP.

The parsers are pure functions of command output, so they are tested without a cluster:

    >>> route_of("10.244.2.5 via 10.244.2.0 dev flannel.1 src 10.244.1.0 uid 0")
    Route(destination='10.244.2.5', device='flannel.1', via='10.244.2.0')
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import yaml

from labsupport import find
from labsupport.errors import ExecError, WaitTimeout
from labsupport.kube import Clients
from labsupport.podexec import run_in_node

# DaemonSet name -> what runs it. The CNI plugins wire pods together; the enforcers program NetworkPolicy.
CNI_DAEMONSETS = {"kube-flannel-ds": "flannel", "kindnet": "kindnet", "calico-node": "calico", "cilium": "cilium",
                  "kube-router": "kube-router"}
ENFORCER_DAEMONSETS = {"kube-router": "kube-router", "calico-node": "calico", "cilium": "cilium",
                       "antrea-agent": "antrea"}
# kube-router here runs firewall-only (--run-router=false): it enforces policy but does not wire pods.
_CNI_ORDER = ("flannel", "calico", "cilium", "kindnet", "kube-router")


def _daemonset_names(clients: Clients) -> set[str]:
    return {ds["metadata"]["name"] for ds in find.by_label(clients, "DaemonSet", None)}


def cni_of(clients: Clients) -> str:
    """The CNI plugin the cluster runs ("flannel", "kindnet", "calico", "cilium"), or "unknown"."""
    found = {CNI_DAEMONSETS[n] for n in _daemonset_names(clients) if n in CNI_DAEMONSETS}
    if "kube-router" in found and _kube_router_firewall_only(clients):
        found.discard("kube-router")
    return next((c for c in _CNI_ORDER if c in found), "unknown")


def _kube_router_firewall_only(clients: Clients) -> bool:
    for ds in find.by_label(clients, "DaemonSet", None):
        if ds["metadata"]["name"] == "kube-router":
            args = [a for c in ds["spec"]["template"]["spec"]["containers"] for a in c.get("args") or []]
            return "--run-router=false" in args
    return False


def policy_enforcer(clients: Clients) -> str | None:
    """What enforces NetworkPolicy here ("kube-router", "calico", ...), or None: then policies are only stored.

    The API server accepts NetworkPolicy objects on every cluster; only a plugin that programs them makes them act.
    """
    found = sorted(ENFORCER_DAEMONSETS[n] for n in _daemonset_names(clients) if n in ENFORCER_DAEMONSETS)
    return found[0] if found else None


def proxy_mode(clients: Clients) -> str:
    """kube-proxy's mode from its configuration (ConfigMap kube-proxy in kube-system, key config.conf).

    An empty mode means the platform default: iptables on Linux.
    """
    cm = find.get(clients, "ConfigMap", "kube-proxy", "kube-system")
    if cm is None:
        return "unknown"
    config = yaml.safe_load((cm.get("data") or {}).get("config.conf") or "") or {}
    return config.get("mode") or "iptables"


@dataclass(frozen=True)
class Route:
    destination: str
    device: str | None
    via: str | None


def route_of(text: str) -> Route:
    """Parse `ip route get ADDRESS` output."""
    words = text.split()
    def after(key):
        return words[words.index(key) + 1] if key in words and words.index(key) + 1 < len(words) else None
    return Route(words[0] if words else "", after("dev"), after("via"))


def node_route(node: str, address: str) -> Route:
    """The route node ``node`` takes to ``address`` (runs `ip route get` in the node's container)."""
    result = run_in_node(node, ["ip", "route", "get", address], timeout=20)
    if not result.ok:
        raise ExecError(f"`ip route get {address}` failed on node {node}: {result.stderr.strip()[-200:]}",
                        hint="Check the node container runs: `docker ps`.")
    return route_of(result.stdout)


@dataclass(frozen=True)
class ServiceRules:
    """kube-proxy's rules for one Service port: its service chain and one endpoint chain per endpoint."""

    mode: str
    service_chain: str | None
    endpoint_chains: dict[str, str]  # endpoint chain -> DNAT destination "ip:port"


_IPT_SERVICES = re.compile(r"^-A KUBE-SERVICES -d (?P<ip>[\d.]+)/32 .*--dport (?P<port>\d+) -j (?P<chain>KUBE-SVC-\w+)")
_IPT_JUMP = re.compile(r"^-A (?P<src>KUBE-SVC-\w+) .*-j (?P<dst>KUBE-SEP-\w+)")
_IPT_DNAT = re.compile(r"^-A (?P<chain>KUBE-SEP-\w+) .*--to-destination (?P<to>[\d.]+:\d+)")


def iptables_rules(text: str, cluster_ip: str, port: int) -> ServiceRules:
    """The KUBE-SVC chain for ``cluster_ip:port`` and its KUBE-SEP chains, from `iptables-save -t nat`."""
    lines = text.splitlines()
    svc = next((m["chain"] for m in map(_IPT_SERVICES.match, lines)
                if m and m["ip"] == cluster_ip and int(m["port"]) == port), None)
    seps = [m["dst"] for m in map(_IPT_JUMP.match, lines) if m and m["src"] == svc]
    dnat = {m["chain"]: m["to"] for m in map(_IPT_DNAT.match, lines) if m}
    return ServiceRules("iptables", svc, {sep: dnat.get(sep, "?") for sep in seps})


def _nft_chains(text: str) -> dict[str, str]:
    """Chain name -> body, from `nft list table ip kube-proxy`."""
    chains, name, body = {}, None, []
    for line in text.splitlines():
        stripped = line.strip()
        m = re.match(r"chain (\S+) \{", stripped)
        if m:
            name, body = m[1], []
        elif name and stripped == "}":
            chains[name], name = "\n".join(body), None
        elif name:
            body.append(stripped)
    return chains


def nftables_rules(text: str, cluster_ip: str, port: int) -> ServiceRules:
    """The service-… chain for ``cluster_ip:port`` and its endpoint-… chains (`nft list table ip kube-proxy`)."""
    m = re.search(rf"{re.escape(cluster_ip)} \. tcp \. {port} : goto (service-[^\s,}}]+)", text)
    chains = _nft_chains(text)
    svc = m[1] if m else None
    endpoints = re.findall(r"goto (endpoint-[^\s,}]+)", chains.get(svc, "")) if svc else []
    dnat = {}
    for ep in endpoints:
        to = re.search(r"dnat to ([\d.]+:\d+)", chains.get(ep, ""))
        dnat[ep] = to[1] if to else "?"
    return ServiceRules("nftables", svc, dnat)


def node_service_rules(node: str, mode: str, cluster_ip: str, port: int) -> ServiceRules:
    """Read the rules for ``cluster_ip:port`` on node ``node`` (docker exec), for kube-proxy mode ``mode``."""
    if mode == "iptables":
        command, parse = ["iptables-save", "-t", "nat"], iptables_rules
    elif mode == "nftables":
        command, parse = ["nft", "list", "table", "ip", "kube-proxy"], nftables_rules
    else:
        raise ExecError(f"kube-proxy runs in mode {mode!r}, which this lab does not read.",
                        hint="The lab reads the iptables and nftables modes; `ipvsadm -Ln` shows IPVS rules.")
    result = run_in_node(node, command, timeout=30)
    if not result.ok:
        raise ExecError(f"`{' '.join(command)}` failed on node {node}: {result.stderr.strip()[-200:]}",
                        hint="Check the node container runs: `docker ps`.")
    return parse(result.stdout, cluster_ip, port)


def wait_rules(node: str, mode: str, cluster_ip: str, port: int, *, endpoints: int,
               timeout: float = 30) -> ServiceRules:
    """Read the node's rules until they hold ``endpoints`` endpoint chains (kube-proxy syncs a moment after the
    EndpointSlices change). Rules on a node have no watch API, so this polls, with a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        rules = node_service_rules(node, mode, cluster_ip, port)
        if len(rules.endpoint_chains) == endpoints:
            return rules
        if time.monotonic() > deadline:
            raise WaitTimeout(f"After {timeout:g}s node {node} still has {len(rules.endpoint_chains)} endpoint "
                              f"chains for {cluster_ip}:{port}, not {endpoints}: {sorted(rules.endpoint_chains)}.",
                              hint="Check the Service's EndpointSlices (`kubectl get endpointslices`) and that "
                                   "kube-proxy runs on that node (`kubectl get pods -n kube-system -o wide`).")
        time.sleep(0.5)


# What each CNI plugin does between nodes, for the notebook to show about the one this cluster runs.
CNI_NOTES = {
    "flannel": "**flannel, an overlay.** Each node gets a /24 of 10.244.0.0/16 (its `spec.podCIDR`; flannel writes it "
               "to `/run/flannel/subnet.env`). A packet for another node's pod CIDR is routed into the VXLAN device "
               "`flannel.1`, which wraps the whole pod packet in a UDP datagram (port 8472) addressed to the other "
               "node's own IP; that node unwraps it and hands it to the pod through the bridge `cni0`. The node "
               "network never sees pod addresses, which is why an overlay works on any network that carries UDP "
               "between nodes; the cost is 50 bytes per packet (MTU 1450 instead of 1500) and the wrapping work. "
               "This offline cluster runs flannel; a connected kind laptop runs kindnet instead.",
    "kindnet": "**kindnet, a routed network.** kind's default plugin. Each node gets a pod CIDR and kindnet adds, on "
               "every node, a plain route per other node: `10.244.2.0/24 via <that node's IP> dev eth0`. Packets "
               "keep their pod addresses on the wire, with no wrapping: this works because all kind nodes sit on one "
               "Docker network (one L2 segment), so each node can be the next hop of the others.",
    "calico": "**Calico, routed with BGP.** Each node runs a BGP speaker that announces its pod block to the other "
              "nodes (or to the physical routers), so routes to pod CIDRs are learned rather than configured; it can "
              "fall back to IP-in-IP or VXLAN wrapping where the network will not route pod addresses. Calico also "
              "enforces NetworkPolicy itself.",
    "cilium": "**Cilium.** eBPF programs on each node forward pod traffic, either routed natively or through a VXLAN/"
              "Geneve overlay, and enforce NetworkPolicy.",
}
