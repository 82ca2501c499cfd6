"""Checks for lab 05, "The pod network".

Each check asks the cluster, not the notebook: where pods run and which pod CIDR their IPs come from, the
routes on the node itself (docker exec), the rules kube-proxy wrote on every node for one Service's virtual IP,
and real requests from the grader's own probe pods (lab05_probe), which a NetworkPolicy must let through or
refuse. Policy checks first ask whether anything enforces NetworkPolicy here, and say so when nothing does.
"""

from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor

from labsupport import find
from labsupport.answers import answer_list, read_answers
from labsupport.checks import CheckSuite, fail, partial
from labsupport.facts import is_ready
from labsupport.labs.common import score_parts
from labsupport.labs.lab05_net import cni_of, node_route, node_service_rules, proxy_mode
from labsupport.labs.lab05_policy import PolicyProbes, policy_probes
from labsupport.podexec import exec_in_pod
from labsupport.labs.lab05_probe import ensure_probes, reaches

SUITE = CheckSuite("05", "The pod network")


def _pod(ctx, name: str, namespace: str | None = None) -> dict | None:
    return find.get(ctx.clients, "Pod", name, namespace or ctx.namespace)


def _pair(ctx):
    """(net-a, net-b, None) when both run and are Ready, else (.., .., the failing outcome)."""
    a, b = _pod(ctx, "net-a"), _pod(ctx, "net-b")
    if a is None and b is None:
        return a, b, fail(f"No pods net-a and net-b in namespace {ctx.namespace}.")
    missing = [n for n, p in (("net-a", a), ("net-b", b)) if p is None or not is_ready(p)]
    if missing:
        return a, b, fail(f"Pod(s) {missing} missing or not Ready.",
                          "Create net-a and net-b (agnhost netexec --http-port=8080) and wait until both are Ready.")
    return a, b, None


@SUITE.check(id="cross-node", task=1, title="A pod on one worker reaches a pod on the other by its IP", points=3,
             hint="Pods net-a on <cluster>-worker and net-b on <cluster>-worker2 (nodeSelector kubernetes.io/hostname, "
                  "or a podAntiAffinity), both agnhost netexec --http-port=8080.")
def cross_node(ctx):
    a, b, failed = _pair(ctx)
    if failed:
        return failed
    node_a, node_b = a["spec"]["nodeName"], b["spec"]["nodeName"]
    if node_a == node_b:
        return partial(0.25, f"net-a and net-b both run on node {node_a}: their traffic never leaves that node, so "
                             "it says nothing about the pod network between nodes.",
                       "Put them on two different workers: nodeSelector {kubernetes.io/hostname: <node>} on each, "
                       "or a required podAntiAffinity on kubernetes.io/hostname; pods cannot move, so delete and "
                       "recreate them.")
    cidrs = {n["metadata"]["name"]: n["spec"].get("podCIDR") for n in find.by_label(ctx.clients, "Node", None)}
    outside = [f"{p['metadata']['name']} ({p['status']['podIP']} not in {cidrs.get(p['spec']['nodeName'])})"
               for p in (a, b) if not _in_cidr(p["status"]["podIP"], cidrs.get(p["spec"]["nodeName"]))]
    # The grader's own pod, on net-a's node, asks net-b by IP: the request must cross from one node to the other.
    probe = ensure_probes(ctx.clients, [(ctx.namespace, f"probe-{node_a}", {}, node_a)])[(ctx.namespace,
                                                                                          f"probe-{node_a}")]
    attempt = reaches(ctx.clients, probe, f"http://{b['status']['podIP']}:8080/hostname")
    answered = attempt.answered and "net-b" in attempt.output
    return score_parts([
        (True, "", None),
        (not outside, f"pod IPs outside their node's pod CIDR: {outside}", "Each node hands out IPs from its own "
         "spec.podCIDR: `kubectl get nodes -o custom-columns=NAME:.metadata.name,CIDR:.spec.podCIDR`."),
        (answered, f"a request from the grader's pod on {node_a} to net-b at http://{b['status']['podIP']}:8080/"
                   f"hostname got {attempt}",
         "net-b must serve HTTP on port 8080 (agnhost netexec --http-port=8080) and answer /hostname; check "
         "`kubectl logs net-b` and that no NetworkPolicy in your namespace refuses it."),
        (answered, "", None),
    ], f"net-a on {node_a} ({a['status']['podIP']}) and net-b on {node_b} ({b['status']['podIP']}), each IP from its "
       f"node's pod CIDR; the grader's pod on {node_a} reached net-b by IP across nodes.")


def _in_cidr(ip: str | None, cidr: str | None) -> bool:
    return bool(ip and cidr) and ipaddress.ip_address(ip) in ipaddress.ip_network(cidr)


@SUITE.check(id="overlay-route", task=2, title="The route between the nodes' pod CIDRs, read on the node itself",
             points=2, hint="On net-a's node: `docker exec <node> ip route get <net-b IP>`; record 'cni', "
                            "'route-device' and 'route-via' with lab.answer.")
def overlay_route(ctx):
    answers = read_answers(ctx, "cni", "route-device", "route-via")
    if not any(answers.values()):
        return fail("No answers recorded for 'cni', 'route-device' and 'route-via'.")
    a, b, failed = _pair(ctx)
    if failed:
        return failed
    if a["spec"]["nodeName"] == b["spec"]["nodeName"]:
        return fail(f"net-a and net-b run on one node ({a['spec']['nodeName']}): there is no route between nodes "
                    "to read.", "Put net-a and net-b on two different workers first (task 1).")
    cni = cni_of(ctx.clients)
    route = node_route(a["spec"]["nodeName"], b["status"]["podIP"])
    where = f"on {a['spec']['nodeName']}, `ip route get {b['status']['podIP']}`"
    return score_parts([
        ((answers["cni"] or "").lower() == cni, f"you recorded cni {answers['cni']!r}, the cluster runs {cni}",
         "The DaemonSets in kube-system and kube-flannel tell which CNI plugin runs: `kubectl get ds -A`."),
        (answers["route-device"] == route.device,
         f"you recorded route-device {answers['route-device']!r}; {where} says dev {route.device}",
         "Record the word after 'dev' in `ip route get <net-b IP>`, run on net-a's node."),
        (answers["route-via"] == route.via,
         f"you recorded route-via {answers['route-via']!r}; {where} says via {route.via}",
         "Record the word after 'via' (the next hop) in the same output."),
    ], f"The cluster runs {cni}; {where} leaves through {route.device} via {route.via}.")


def _exec(ctx, pod: str, container: str, command: list[str]):
    return exec_in_pod(ctx.clients, ctx.namespace, pod, command, container=container, timeout=20)


@SUITE.check(id="shared-netns", task=3, title="Two containers in one pod share one network namespace", points=2,
             hint="Pod duo: container web (busybox httpd -f -p 8080) and container sidecar (busybox sleep); "
                  "from sidecar, `wget -qO- http://localhost:8080/`.")
def shared_netns(ctx):
    pod = _pod(ctx, "duo")
    if pod is None:
        return fail(f"No pod 'duo' in namespace {ctx.namespace}.")
    containers = [c["name"] for c in pod["spec"]["containers"]]
    if "sidecar" not in containers or len(containers) < 2 or not is_ready(pod):
        return fail(f"duo has containers {containers} and is {'Ready' if is_ready(pod) else 'not Ready'}.",
                    "duo needs two containers, web and sidecar, both running.")
    if pod["spec"].get("hostNetwork"):
        return fail("duo uses hostNetwork: its containers share the node's network namespace, not a pod's own.",
                    "Remove hostNetwork: true.")
    macs = {c: _exec(ctx, "duo", c, ["cat", "/sys/class/net/eth0/address"]).stdout.strip() for c in containers}
    local = _exec(ctx, "duo", "sidecar", ["timeout", "3", "wget", "-qO-", "http://127.0.0.1:8080/"])
    return score_parts([
        (len(set(macs.values())) == 1 and all(macs.values()),
         f"the containers see different eth0 interfaces: {macs}", None),
        (local.ok and bool(local.stdout.strip()),
         f"from sidecar, http://127.0.0.1:8080/ gives no answer ({(local.stderr or 'empty').strip()[-100:]})",
         "The web container must listen on port 8080 (httpd -f -p 8080 -h <dir with an index.html>)."),
    ], f"duo's containers {containers} see one eth0 ({next(iter(macs.values()))}, IP {pod['status']['podIP']}), "
       "and sidecar reaches web on localhost:8080.")


@SUITE.check(id="service-rules", task=4,
             title="kube-proxy's rules for Service echo's virtual IP, found on the nodes, before and after scaling",
             points=3, hint="Record 'proxy-mode', 'svc-chain', 'sep-before' (2 replicas) and 'sep-after' (3 replicas) "
                            "from `iptables-save -t nat` on a node.")
def service_rules(ctx):
    svc = find.get(ctx.clients, "Service", "echo", ctx.namespace)
    if svc is None:
        return fail(f"No Service 'echo' in namespace {ctx.namespace}.")
    answers = read_answers(ctx, "proxy-mode", "svc-chain", "sep-before", "sep-after")
    mode = proxy_mode(ctx.clients)
    ip, port = svc["spec"].get("clusterIP"), svc["spec"]["ports"][0]["port"]
    nodes = [n["metadata"]["name"] for n in find.by_label(ctx.clients, "Node", None)]
    with ThreadPoolExecutor(max_workers=len(nodes) or 1) as pool:  # one docker exec per node, side by side
        rules = dict(zip(nodes, pool.map(lambda node: node_service_rules(node, mode, ip, port), nodes)))
    chains = {r.service_chain for r in rules.values()}
    seps = {frozenset(r.endpoint_chains) for r in rules.values()}
    targets = sorted(set(next(iter(rules.values())).endpoint_chains.values()))
    ready = _ready_addresses(ctx, "echo")
    before = set(answer_list(answers["sep-before"] or ""))
    after = set(answer_list(answers["sep-after"] or ""))
    current = set(next(iter(seps))) if len(seps) == 1 else set()
    return score_parts([
        (answers["proxy-mode"] == mode, f"you recorded proxy-mode {answers['proxy-mode']!r}, kube-proxy's "
         f"configuration says {mode!r}", "Read `mode:` in `kubectl get configmap kube-proxy -n kube-system -o "
         "yaml` (empty means iptables)."),
        (len(chains) == 1 and answers["svc-chain"] in chains,
         f"you recorded svc-chain {answers['svc-chain']!r}; the nodes have {sorted(map(str, chains))} for "
         f"{ip}:{port}", f"`docker exec <node> iptables-save -t nat | grep {ip}` shows the KUBE-SERVICES rule that "
                         "jumps to the Service's chain."),
        (after == current and len(ready) == 3 and {t.split(':')[0] for t in targets} == ready,
         f"the nodes have endpoint chains {sorted(current)} → {targets} (ready endpoints {sorted(ready)}); you "
         f"recorded sep-after {sorted(after)}",
         "Scale echo to 3 replicas, wait for its 3 endpoints, then record the KUBE-SEP chains its KUBE-SVC chain "
         "jumps to."),
        (len(before) == 2 and before < after,
         f"sep-before {sorted(before)} is not the 2 chains of 2 replicas that sep-after extends",
         "Record the KUBE-SEP chains with 2 replicas first (sep-before), then scale to 3 and record again."),
    ], f"kube-proxy ({mode}) sends {ip}:{port} through {answers['svc-chain']} to {len(current)} endpoint chains "
       f"on all {len(nodes)} nodes: {targets}; scaling 2 → 3 added one.")


def _ready_addresses(ctx, service: str) -> set[str]:
    out = set()
    for eps in find.by_label(ctx.clients, "EndpointSlice", ctx.namespace, f"kubernetes.io/service-name={service}"):
        for ep in eps.get("endpoints") or []:
            if (ep.get("conditions") or {}).get("ready"):
                out.update(ep.get("addresses") or [])
    return out


def _policy_probes(ctx) -> tuple[PolicyProbes | None, object]:
    probes = policy_probes(ctx)
    return (None, probes) if not isinstance(probes, PolicyProbes) else (probes, None)


@SUITE.check(id="default-deny", task=5, title="Namespace shop denies all traffic by default, in and out",
             points=2, hint="In <namespace>-shop, a NetworkPolicy with podSelector: {} and policyTypes [Ingress, "
                            "Egress] and no rules.")
def default_deny(ctx):
    p, failed = _policy_probes(ctx)
    if failed:
        return failed
    web_to_db = p.request(p.lab_web, p.db_url)
    other_out = p.request(p.shop_other, p.lab_web_url)
    return score_parts([
        (not web_to_db.answered, f"a pod tier=web in {ctx.namespace} reached db ({web_to_db}): ingress to the shop "
                                 "is open", "Default deny: podSelector: {} (every pod of the namespace) with "
                                            "policyTypes: [Ingress, Egress] and no rules."),
        (not other_out.answered, f"a pod with no tier in {p.shop} reached a pod in {ctx.namespace} ({other_out}): "
                                 "egress from the shop is open",
         "List Egress in policyTypes too: a policy without Egress in policyTypes restricts incoming traffic only."),
    ], f"{p.shop} refuses traffic in and out unless a policy allows it ({p.enforcer} enforces it).")


@SUITE.check(id="allow-tier", task=6, title="db accepts the api tier of the lab namespace, and no one else",
             points=2, hint="A NetworkPolicy for pods tier=db: ingress from pods tier=api in namespace <namespace> "
                            "(namespaceSelector and podSelector in ONE from entry), TCP 8080.")
def allow_tier(ctx):
    p, failed = _policy_probes(ctx)
    if failed:
        return failed
    api_to_db = p.reaches(p.lab_api, p.db_url)
    web_to_db = p.request(p.lab_web, p.db_url)
    return score_parts([
        (api_to_db.answered, f"a pod tier=api in {ctx.namespace} could not reach db ({api_to_db})",
         p.why_not_allowed("tier=db", {"tier": "api"}, ctx.namespace)),
        (not web_to_db.answered, f"a pod tier=web in {ctx.namespace} reached db too ({web_to_db})",
         "namespaceSelector and podSelector in one `from` entry (one '-') must both match; as two entries either "
         "one is enough, so every pod of the namespace gets in."),
    ], f"db answers pods tier=api of {ctx.namespace} and refuses tier=web.")


@SUITE.check(id="egress-dns", task=7, title="The api tier may resolve names and call db, and nothing else",
             points=3, hint="A NetworkPolicy for pods tier=api: egress to tier=db on TCP 8080 and to the kube-dns "
                            "pods in kube-system on UDP and TCP 53; db must accept tier=api of its own namespace.")
def egress_dns(ctx):
    p, failed = _policy_probes(ctx)
    if failed:
        return failed
    name = f"db.{p.shop}.svc.cluster.local"
    dns = p.resolves(p.shop_api, name)
    to_db = p.reaches(p.shop_api, p.db_url)
    elsewhere = p.request(p.shop_api, p.lab_web_url)
    return score_parts([
        (dns.answered, f"a pod tier=api in {p.shop} cannot resolve {name} ({dns})",
         "Allow egress to UDP and TCP port 53 of the kube-dns pods: to: [{namespaceSelector: {matchLabels: "
         "{kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]; without "
         "it every name lookup fails, even for allowed services."),
        (to_db.answered, f"a pod tier=api in {p.shop} could not reach db ({to_db})",
         p.why_not_allowed("tier=db", {"tier": "api"}, p.shop)),
        (not elsewhere.answered, f"a pod tier=api in {p.shop} reached a pod in {ctx.namespace} ({elsewhere})",
         "The api tier's egress should allow only db (TCP 8080) and DNS."),
    ], f"tier=api in {p.shop} resolves {name}, reaches db, and nothing else.")
