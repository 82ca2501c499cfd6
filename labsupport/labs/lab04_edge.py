"""Lab 04's checks at the edge: Ingress (task 4), Gateway API routes (task 5), an edge policy (task 6).

Registered on the lab's suite in ``lab04``. Hosts carry the namespace (``web.<namespace>.lab.test``), so the
learner's run and a grader's run, which share the one Traefik, never claim the same host. Requests go from the
grader's pod to Traefik's in-cluster Service with a Host header: the same entry point 127.0.0.1:80 reaches
from the host through kind's port mapping.
"""

from __future__ import annotations

from labsupport import find
from labsupport.answers import read_answers
from labsupport.checks import fail
from labsupport.facts import condition_true
from labsupport.kube import list_items, resource_for
from labsupport.labs.common import missing_answer, score_parts
from labsupport.labs.lab04_probe import answered_by, app_pods, fqdn, http_get, names

TRAEFIK = "http://traefik.traefik.svc.cluster.local"  # the add-on's entry point "web", for in-cluster clients
GATEWAY_API = "gateway.networking.k8s.io/v1"


def hosts(ctx, domain: str) -> tuple[str, str]:
    return f"web.{ctx.namespace}.{domain}", f"api.{ctx.namespace}.{domain}"


def _routing_parts(ctx, domain: str, api_hint: str) -> list[tuple[bool, str, str | None]]:
    """Three requests through Traefik: web host / -> web, api host /v1/items -> api, api host / -> not api."""
    web_host, api_host = hosts(ctx, domain)
    web_ok, web_said = answered_by(ctx, "web", f"{TRAEFIK}/", host=web_host)
    api_ok, api_said = answered_by(ctx, "api", f"{TRAEFIK}/v1/items", host=api_host)
    other = http_get(ctx, f"{TRAEFIK}/", host=api_host)
    leaked = other.ok and other.body in names(app_pods(ctx, "api"))
    return [
        (web_ok, web_said, f"Route host {web_host}, path / (Prefix), to Service web port 80."),
        (api_ok, api_said, api_hint),
        (not leaked, f"{TRAEFIK}/ with Host: {api_host} reached api too: the api route matches every path",
         "Route only /v1 (and what is below it) of the api host to Service api."),
    ]


def _ingress_api_hint(ctx, ingress: dict) -> str:
    """Why the api host's /v1/items is not routed, from the Ingress's own rules."""
    _, api_host = hosts(ctx, "lab.test")
    rules = (ingress.get("spec") or {}).get("rules") or []
    api_rules = [r for r in rules if r.get("host") == api_host]
    if not api_rules:
        return (f"No rule has host {api_host} (the Ingress has {[r.get('host') for r in rules]}): hosts must carry "
                "your namespace, so runs in other namespaces never claim the same host.")
    paths = [p for r in api_rules for p in (r.get("http") or {}).get("paths") or []]
    if any(p.get("pathType") == "Exact" for p in paths):
        return "pathType Exact matches /v1 alone, not /v1/items: use pathType Prefix for /v1."
    return f"Give host {api_host} a path /v1 with pathType Prefix and backend Service api, port 80."


def ingress_routing(ctx):
    ingress = find.get(ctx.clients, "Ingress", "front", ctx.namespace)
    if ingress is None:
        return fail(f"No Ingress 'front' in namespace {ctx.namespace}.")
    lb = ((ingress.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    klass = (ingress.get("spec") or {}).get("ingressClassName")
    parts = [(bool(lb), f"Traefik has not admitted Ingress 'front' (no address in its status; class {klass!r})",
              "Leave ingressClassName out (traefik is the default class) or set it to traefik.")]
    parts += _routing_parts(ctx, "lab.test", _ingress_api_hint(ctx, ingress))
    web_host, api_host = hosts(ctx, "lab.test")
    return score_parts(parts, f"Traefik routes {web_host}/ to web and {api_host}/v1/... to api, behind one "
                              "address.")


def _gateway_objects(ctx, kind: str) -> list[dict]:
    items, _ = list_items(ctx.clients, resource_for(ctx.clients, kind, GATEWAY_API), namespace=ctx.namespace)
    return items


def _route_accepted(route: dict) -> bool:
    return any(condition_true({"status": parent}, "Accepted")
               for parent in (route.get("status") or {}).get("parents") or [])


def httproute_routing(ctx):
    web_host, api_host = hosts(ctx, "gw.test")
    routes = [r for r in _gateway_objects(ctx, "HTTPRoute")
              if {web_host, api_host} & set((r.get("spec") or {}).get("hostnames") or [])]
    if not routes:
        return fail(f"No HTTPRoute for {web_host} or {api_host} in namespace {ctx.namespace}.")
    gateways = [g for g in _gateway_objects(ctx, "Gateway")
                if g["spec"].get("gatewayClassName") == "traefik" and condition_true(g, "Programmed")]
    refused = [r["metadata"]["name"] for r in routes if not _route_accepted(r)]
    covered = {h for r in routes for h in r["spec"].get("hostnames") or []}
    api_hint = (f"No HTTPRoute has hostname {api_host}." if api_host not in covered else
                "Match path /v1 with type PathPrefix (not Exact) and send it to Service api, port 80.")
    parts = [
        (bool(gateways), f"no Gateway of class traefik is Programmed in namespace {ctx.namespace}",
         "Create Gateway 'gw': gatewayClassName traefik, listener HTTP port 80."),
        (not refused, f"HTTPRoutes {refused} are not Accepted by their Gateway",
         "`kubectl describe httproute` shows why: parentRefs must name your Gateway, whose listener hostname must "
         "match the route's."),
    ] + _routing_parts(ctx, "gw.test", api_hint)
    return score_parts(parts, f"Gateway API routes {web_host}/ to web and {api_host}/v1/... to api through "
                              "Traefik.")


def edge_policy(ctx):
    service = find.get(ctx.clients, "Service", "edge", ctx.namespace)
    if service is None:
        return fail(f"No Service 'edge' in namespace {ctx.namespace}.")
    answers = read_answers(ctx, "edge-user", "edge-password")
    if answers["edge-user"] is None or answers["edge-password"] is None:
        return missing_answer("edge-user" if answers["edge-user"] is None else "edge-password")
    url = f"http://{fqdn(ctx, 'edge')}/"
    anonymous = http_get(ctx, url)
    signed = http_get(ctx, url, user=answers["edge-user"], password=answers["edge-password"])
    web = names(app_pods(ctx, "web"))
    parts = [
        (anonymous.status == 401, f"without credentials {url} answered "
                                  f"{anonymous.status or anonymous.error} (want 401 Unauthorized)",
         "Put the basicAuth middleware on the router, in the edge's dynamic configuration."),
        (signed.ok and signed.body in web, f"with the recorded credentials {url} answered "
                                           f"{signed.body if signed.ok else signed.error!r}, not a web pod's name",
         "The users line is user:{SHA}base64(sha1(password)); the router's service is "
         "http://web.<namespace>.svc.cluster.local."),
    ]
    return score_parts(parts, f"{url} refuses anonymous requests (401) and lets the recorded user through to "
                              f"{signed.body}.") if anonymous.ok or anonymous.status or signed.ok else \
        fail(f"{url} does not answer at all ({anonymous.error}).",
             "Is Deployment 'edge' Ready, and does Service 'edge' send port 80 to Traefik's entry point?")


__all__ = ["edge_policy", "httproute_routing", "ingress_routing"]
