"""Checks for lab 04, "Services, discovery and ingress".

Every check asks the cluster, never the notebook: it reads Services, EndpointSlices, Ingresses and Gateway API
routes, then sends real traffic: HTTP requests and DNS lookups from the grader's own client pod in the
namespace graded (``lab04_probe``), and requests to node ports from inside a kind node. Pods answer with their
own name (agnhost serve-hostname), so a check knows which Service's pod answered.
"""

from __future__ import annotations

from labsupport import find
from labsupport.answers import read_answers
from labsupport.checks import CheckSuite, fail, ok, partial
from labsupport.facts import is_ready, is_terminating, labels_of, selects
from labsupport.labs import lab04_edge
from labsupport.labs.common import missing_answer, score_parts, selector_mismatch
from labsupport.labs.lab04_probe import answered_by as _answered_by
from labsupport.labs.lab04_probe import app_pods as _pods
from labsupport.labs.lab04_probe import fqdn as _fqdn
from labsupport.labs.lab04_probe import names as _names
from labsupport.labs.lab04_probe import node_get, nslookup

SUITE = CheckSuite("04", "Services, discovery and ingress")


# --- helpers --------------------------------------------------------------------------------------------------

def _get(ctx, kind: str, name: str) -> dict | None:
    return find.get(ctx.clients, kind, name, ctx.namespace)


def _ports_hint(service: dict, pods: list[dict]) -> str:
    """What the Service's targetPort points at versus what the pods declare."""
    declared = {f"{p.get('name', '')}={p['containerPort']}".lstrip("=") for pod in pods[:1]
                for c in pod["spec"]["containers"] for p in c.get("ports") or []}
    targets = [str(p.get("targetPort", p.get("port"))) for p in (service.get("spec") or {}).get("ports") or []]
    return (f"its targetPort is {', '.join(targets)} but the pods declare {', '.join(sorted(declared)) or 'no port'}: "
            "targetPort must be the port the container listens on (8080, or its name http)")


# --- task 1: a Service by label, its EndpointSlices ------------------------------------------------------------

def _slice_endpoints(ctx, service: str) -> dict[str, bool]:
    """Pod name -> the `ready` condition of its endpoint, over all of ``service``'s EndpointSlices."""
    out = {}
    for eps in find.by_label(ctx.clients, "EndpointSlice", ctx.namespace, f"kubernetes.io/service-name={service}"):
        for ep in eps.get("endpoints") or []:
            name, cond = (ep.get("targetRef") or {}).get("name"), ep.get("conditions") or {}
            if name and not cond.get("terminating"):
                out[name] = bool(cond.get("ready"))
    return out


@SUITE.check(id="service-endpoints", task=1, points=3,
             title="Service 'web' selects the app=web pods; its EndpointSlices follow them, ready or not",
             hint="Service 'web': selector app: web, port 80, targetPort http (8080); drain one pod with "
                  "`kubectl exec <pod> -- touch /tmp/drain`.")
def service_endpoints(ctx):
    service, pods = _get(ctx, "Service", "web"), _pods(ctx, "web")
    if service is None:
        return fail(f"No Service 'web' in namespace {ctx.namespace}.")
    if not pods:
        return fail("No pods labelled app=web.", "Apply Deployment 'web' (3 replicas, pod label app: web).")
    why = selector_mismatch(service, pods)
    slices = _slice_endpoints(ctx, "web")
    ready_pods = {p["metadata"]["name"] for p in pods if is_ready(p)}
    drained = _names(pods) - ready_pods
    stale = {n for n, r in slices.items() if (n in ready_pods) != r}
    want = _names(pods)
    in_slices = (f"the EndpointSlices list {sorted(slices) or 'no endpoint'}, the app=web pods are {sorted(want)}"
                 + (f"; `ready` differs from the pod's Ready for {sorted(stale)}" if stale else ""))
    answers = [_answered_by(ctx, "web", f"http://{_fqdn(ctx, 'web')}/") for _ in range(4)] if slices else []
    bad = [m for good, m in answers if not good]
    hit_drained = [m for good, m in answers if good and m.rsplit(" ", 1)[-1] in drained]
    parts = [
        (why is None, f"Service 'web' does not select the app=web pods: {why}",
         "A Service selects pods by label: its selector must equal the pods' labels (app: web)."),
        (set(slices) == want and not stale, in_slices,
         "The endpoint slice controller lists every selected pod; fix the selector, then `kubectl get "
         "endpointslices -l kubernetes.io/service-name=web -o wide`."),
        (bool(drained) and bool(ready_pods),
         "no app=web pod is drained (Running but not Ready)" if not drained else "no app=web pod is Ready",
         "Make one pod fail its readiness probe: `kubectl exec <pod> -- touch /tmp/drain`; keep the others Ready."),
        (bool(answers) and not bad and not hit_drained,
         (f"requests to the service fail: {bad[0]}; " + _ports_hint(service, pods)) if bad and slices else
         "no request could be sent: the service has no endpoints" if not answers else
         f"a drained pod answered: {hit_drained[:1]}",
         "Requests go to ready endpoints only, on the targetPort: point targetPort at the container's port."),
    ]
    served = sorted({m.rsplit(' ', 1)[-1] for good, m in answers if good})
    return score_parts(parts, f"Service 'web' has {len(slices)} endpoints ({len(drained)} not ready); the grader's "
                              f"requests were answered by {served}, never by the drained pod.")


# --- task 2: NodePort and LoadBalancer --------------------------------------------------------------------------

def _node_addresses(ctx) -> dict[str, str]:
    return {n["metadata"]["name"]: next((a["address"] for a in n["status"].get("addresses") or []
                                         if a["type"] == "InternalIP"), "")
            for n in find.by_label(ctx.clients, "Node", None)}


@SUITE.check(id="nodeport-from-node", task=2, points=2,
             title="Service 'web-nodeport' answers on every node's IP at the port the API assigned",
             hint="Service 'web-nodeport': type NodePort, selector app: web, port 80, targetPort http, and NO "
                  "nodePort: let the API pick one and read it back.")
def nodeport_from_node(ctx):
    service = _get(ctx, "Service", "web-nodeport")
    if service is None:
        return fail(f"No Service 'web-nodeport' in namespace {ctx.namespace}.")
    spec = service["spec"]
    if spec.get("type") != "NodePort":
        return partial(0.25, f"Service 'web-nodeport' is of type {spec.get('type', 'ClusterIP')}.",
                       "Set type: NodePort.")
    port = (spec.get("ports") or [{}])[0].get("nodePort")
    nodes = _node_addresses(ctx)
    # Ask from inside one node (outside the pod network) for every node's address: each node forwards.
    asker = sorted(nodes)[0]
    answers = {n: node_get(asker, f"http://{ip}:{port}/") for n, ip in sorted(nodes.items())}
    web = _names(_pods(ctx, "web"))
    good = {n for n, r in answers.items() if r.ok and r.stdout.strip() in web}
    if good == set(nodes):
        return ok(f"Node port {port} answered on all {len(nodes)} nodes' addresses (asked from {asker}): "
                  f"{sorted({answers[n].stdout.strip() for n in good})}.")
    failed = sorted(set(nodes) - good)
    said = (answers[failed[0]].stderr or answers[failed[0]].stdout).strip()[:120]
    return partial(0.5 if not good else 0.75,
                   f"Node port {port} did not answer with a web pod's name on {failed} (asked from {asker}): {said}",
                   "The node port forwards to the Service's endpoints on its targetPort: check the selector and "
                   "targetPort (`kubectl get endpointslices -l kubernetes.io/service-name=web-nodeport`).")


@SUITE.check(id="loadbalancer-answers", task=2, points=2,
             title="Service 'web-lb' got an external IP from MetalLB, and it answers",
             hint="Service 'web-lb': type LoadBalancer, selector app: web, port 80, targetPort http.")
def loadbalancer_answers(ctx):
    service = _get(ctx, "Service", "web-lb")
    if service is None:
        return fail(f"No Service 'web-lb' in namespace {ctx.namespace}.")
    if service["spec"].get("type") != "LoadBalancer":
        return partial(0.25, f"Service 'web-lb' is of type {service['spec'].get('type', 'ClusterIP')}.",
                       "Set type: LoadBalancer.")
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    ip = (ingress[0].get("ip") if ingress else None)
    if not ip:
        return partial(0.5, "Service 'web-lb' has no external IP yet (status.loadBalancer is empty).",
                       "`kubectl describe svc web-lb` shows MetalLB's events (IPAllocated); wait a few seconds.")
    good, said = _answered_by(ctx, "web", f"http://{ip}/")
    if not good:
        return partial(0.75, f"External IP {ip} was assigned, but {said}.",
                       "Check the Service's selector and targetPort: the address forwards to its endpoints.")
    return ok(f"MetalLB assigned {ip}; {said}.")


# --- task 3: DNS --------------------------------------------------------------------------------------------------

@SUITE.check(id="dns-names", task=3, points=2,
             title="The names you recorded resolve, from the grader's pod, to the Service and the pod",
             hint="Record 'web-fqdn' (<service>.<namespace>.svc.cluster.local), 'pod-record' (a web pod's "
                  "<a-b-c-d>.<namespace>.pod.cluster.local) and 'search-path' (the search line of a pod's "
                  "/etc/resolv.conf).")
def dns_names(ctx):
    answers = read_answers(ctx, "web-fqdn", "pod-record", "search-path")
    if answers["web-fqdn"] is None:
        return missing_answer("web-fqdn")
    service = _get(ctx, "Service", "web")
    cluster_ip = (service or {}).get("spec", {}).get("clusterIP")
    fqdn = nslookup(ctx, answers["web-fqdn"])
    pod_ips = {p.get("status", {}).get("podIP") for p in _pods(ctx, "web")} - {None}
    record = nslookup(ctx, answers["pod-record"]) if answers["pod-record"] else None
    search = (answers["search-path"] or "").split()
    search = search[1:] if search[:1] == ["search"] else search
    want_search = [f"{ctx.namespace}.svc.cluster.local", "svc.cluster.local", "cluster.local"]
    parts = [
        (bool(cluster_ip) and cluster_ip in fqdn.addresses,
         f"'web-fqdn' {answers['web-fqdn']!r} resolves to {list(fqdn.addresses) or fqdn.error}, "
         f"not to Service web's ClusterIP {cluster_ip}", "The name is web.<your namespace>.svc.cluster.local."),
        (record is not None and bool(set(record.addresses) & pod_ips),
         "no 'pod-record' recorded" if record is None else
         f"'pod-record' {answers['pod-record']!r} resolves to {list(record.addresses) or record.error}, which is "
         "no app=web pod's IP now",
         "A pod's record is its IP with dashes: 10-244-1-7.<namespace>.pod.cluster.local (re-read the IP: a new "
         "pod has a new one)."),
        (search[:3] == want_search, f"'search-path' is {search}, a pod here has {want_search}",
         "Read it in a pod: `kubectl exec <pod> -- cat /etc/resolv.conf` (the line starting with search)."),
    ]
    return score_parts(parts, f"{answers['web-fqdn']} -> {cluster_ip}; {answers['pod-record']} -> a web pod; "
                              "the search path makes 'web' work as a short name.")


@SUITE.check(id="externalname-cname", task=3, points=1,
             title="Service 'web-alias' is a DNS CNAME to a name that resolves in this cluster",
             hint="Service 'web-alias': type ExternalName, externalName: api.<namespace>.svc.cluster.local "
                  "(fully qualified).")
def externalname_cname(ctx):
    service = _get(ctx, "Service", "web-alias")
    if service is None:
        return fail(f"No Service 'web-alias' in namespace {ctx.namespace}.")
    spec = service["spec"]
    if spec.get("type") != "ExternalName":
        return partial(0.25, f"Service 'web-alias' is of type {spec.get('type', 'ClusterIP')}.",
                       "Set type: ExternalName and externalName: the name it stands for.")
    answer = nslookup(ctx, _fqdn(ctx, "web-alias"))
    if not answer.cname:
        return partial(0.5, f"{_fqdn(ctx, 'web-alias')} has no CNAME in the DNS answer ({answer.error}).",
                       "CoreDNS answers an ExternalName Service with a CNAME to spec.externalName.")
    if not answer.addresses:
        return partial(0.75, f"{_fqdn(ctx, 'web-alias')} is a CNAME to {answer.cname!r}, which does not resolve "
                             f"({answer.error}).",
                       "The CNAME is not followed through the search path: write the target fully qualified, "
                       f"e.g. api.{ctx.namespace}.svc.cluster.local.")
    return ok(f"{_fqdn(ctx, 'web-alias')} is a CNAME to {answer.cname}, which resolves to {list(answer.addresses)}.")


@SUITE.check(id="headless-records", task=3, points=2,
             title="Headless Service 'web-pods' answers one A record per ready app=web pod",
             hint="Service 'web-pods': clusterIP: None, selector app: web.")
def headless_records(ctx):
    service = _get(ctx, "Service", "web-pods")
    if service is None:
        return fail(f"No Service 'web-pods' in namespace {ctx.namespace}.")
    pods = _pods(ctx, "web")
    ready_ips = {p["status"].get("podIP") for p in pods if is_ready(p)} - {None}
    answer = nslookup(ctx, _fqdn(ctx, "web-pods"))
    selector = service["spec"].get("selector") or {}
    parts = [
        (bool(pods) and all(selects(selector, labels_of(p)) for p in pods),
         f"Service 'web-pods' does not select the app=web pods: {selector_mismatch(service, pods)}",
         "Give it selector app: web."),
        (service["spec"].get("clusterIP") == "None",
         f"Service 'web-pods' has a ClusterIP ({service['spec'].get('clusterIP')}): it is not headless",
         "clusterIP: None makes it headless (it can only be set at creation: delete the Service and apply again)."),
        (set(answer.addresses) == ready_ips,
         f"DNS answers {sorted(answer.addresses) or answer.error} for {_fqdn(ctx, 'web-pods')}, the ready app=web "
         f"pods have {sorted(ready_ips)}", "A headless Service's name resolves to its ready pods' IPs."),
    ]
    return score_parts(parts, f"{_fqdn(ctx, 'web-pods')} -> {sorted(answer.addresses)}: one A record per ready pod.")



# --- tasks 4-6: Ingress, Gateway API, edge policy (lab04_edge) --------------------------------------------------

SUITE.check(id="ingress-routing", task=4, points=3,
            title="Ingress 'front' routes two hosts and two paths to Services web and api through Traefik",
            hint="Ingress 'front': host web.<namespace>.lab.test path / (Prefix) -> web:80; host "
                 "api.<namespace>.lab.test path /v1 (Prefix) -> api:80.")(lab04_edge.ingress_routing)

SUITE.check(id="httproute-routing", task=5, points=2,
            title="The same routing as Gateway API HTTPRoutes on your own Gateway",
            hint="Gateway 'gw' (gatewayClassName: traefik, an HTTP listener on port 80 for *.<namespace>.gw.test) "
                 "and HTTPRoutes for web.<namespace>.gw.test (/ -> web) and api.<namespace>.gw.test "
                 "(/v1 -> api).")(lab04_edge.httproute_routing)

SUITE.check(id="edge-policy", task=6, points=2, required=False,
            title="Stretch: an edge proxy asks for credentials before it lets a request through",
            hint="Deployment and Service 'edge' (Traefik, file provider) with a basicAuth middleware; record "
                 "'edge-user' and 'edge-password'.")(lab04_edge.edge_policy)
