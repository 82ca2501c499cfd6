"""The grader's own client pod for lab 04: real HTTP requests and DNS lookups from inside the namespace graded.

Checks never trust what the learner's pods say about themselves: they start (once, then reuse) a pod
``grader-probe`` in the namespace and ask from there. A request is bounded by ``timeout`` (it works with every
busybox; Debian's busybox-static, once used here, crashed on ``wget -T``). busybox's ``nslookup`` of a short name walks the whole search path and exits 1 on the NXDOMAIN answers of the other
domains even when one answered, so lookups here always use fully qualified names (a trailing dot).
"""

from __future__ import annotations

import re
from urllib.parse import quote
from dataclasses import dataclass

from labsupport import find, manifests, waits
from labsupport.facts import is_ready, is_terminating
from labsupport.podexec import ExecResult, exec_in_pod, run_in_node

PROBE = "grader-probe"
PROBE_LABELS = {"kindlab.dev/role": "grader-probe"}
IMAGE = "docker.io/library/busybox:1.35"


def probe_pod(ctx) -> str:
    """The name of the grader's client pod in ``ctx.namespace``, created and waited for (Ready) if needed."""
    pod = find.get(ctx.clients, "Pod", PROBE, ctx.namespace)
    if pod is not None and is_ready(pod) and not is_terminating(pod):
        return PROBE
    if pod is None:
        manifests.apply(ctx.clients, {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": PROBE, "labels": PROBE_LABELS},
            "spec": {"terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "probe", "image": IMAGE, "imagePullPolicy": "IfNotPresent",
                                     "command": ["sleep", "86400"]}]},
        }, namespace=ctx.namespace)
    waits.wait_for(ctx.clients, "Pod", PROBE, namespace=ctx.namespace, condition="Ready", timeout=90)
    return PROBE


@dataclass(frozen=True)
class Http:
    """One HTTP request's outcome: ``body`` when answered with 2xx, else ``error`` (status line or wget's words)."""

    ok: bool
    body: str
    error: str

    @property
    def status(self) -> int | None:
        """The HTTP status of a refused request ("server returned error: HTTP/1.1 404 Not Found" -> 404)."""
        match = re.search(r"HTTP/1\.[01] (\d{3})", self.error)
        return 200 if self.ok else (int(match.group(1)) if match else None)


def http_get(ctx, url: str, *, host: str | None = None, user: str | None = None, password: str | None = None,
             seconds: int = 5) -> Http:
    """GET ``url`` from the grader's pod, optionally with a Host header and basic-auth credentials."""
    args = ["timeout", str(seconds), "wget", "-qO-"]
    if host:
        args += ["--header", f"Host: {host}"]
    if user is not None:  # busybox wget takes credentials in the URL only
        scheme, rest = url.split("://", 1)
        url = f"{scheme}://{quote(user, safe='')}:{quote(password or '', safe='')}@{rest}"
    result = exec_in_pod(ctx.clients, ctx.namespace, probe_pod(ctx), args + [url], timeout=seconds + 20)
    error = (result.stderr.strip() or f"no answer within {seconds}s (exit {result.returncode})")[:200]
    return Http(result.ok, result.stdout.strip()[:200], "" if result.ok else error)


@dataclass(frozen=True)
class Lookup:
    """What busybox nslookup answered for one name: its addresses and the CNAME it followed, if any."""

    name: str
    addresses: tuple[str, ...]
    cname: str | None
    error: str


def nslookup(ctx, name: str) -> Lookup:
    """Resolve the fully qualified ``name`` (a trailing dot is added: no search path) from the grader's pod."""
    fqdn = name.rstrip(".") + "."
    result = exec_in_pod(ctx.clients, ctx.namespace, probe_pod(ctx), ["timeout", "8", "nslookup", fqdn], timeout=30)
    out = result.stdout
    # The first "Address:" line is the DNS server's own (10.96.0.10:53); answers follow a "Name:" line.
    answers = out.split("Name:", 1)[1] if "Name:" in out else ""
    addresses = tuple(re.findall(r"Address:\s*([0-9a-fA-F.:]+)", answers))
    cname = re.search(r"canonical name = (\S+)", out)
    said = [line for line in (out + result.stderr).splitlines() if "can't find" in line or "timed out" in line]
    error = "" if addresses else (said[0].strip() if said else "no answer")[:160]
    return Lookup(name, addresses, cname.group(1).rstrip(".") if cname else None, error)


def node_get(node: str, url: str, *, seconds: int = 5) -> ExecResult:
    """GET ``url`` from inside kind node ``node`` (its network namespace is the node's: outside the pod network)."""
    return run_in_node(node, ["curl", "-s", "-S", "-f", "-m", str(seconds), url], timeout=seconds + 20)



def app_pods(ctx, app: str) -> list[dict]:
    """The live (not terminating) pods labelled app=<app>: the pods a Service for <app> must send traffic to."""
    return [p for p in find.pods(ctx.clients, ctx.namespace, f"app={app}") if not is_terminating(p)]


def names(pods: list[dict]) -> set[str]:
    return {p["metadata"]["name"] for p in pods}


def fqdn(ctx, service: str) -> str:
    return f"{service}.{ctx.namespace}.svc.cluster.local"


def answered_by(ctx, app: str, url: str, *, host: str | None = None) -> tuple[bool, str]:
    """Whether a GET of ``url`` from the grader's pod is answered by a pod labelled app=<app>, and what happened.

    The pods run agnhost serve-hostname: each answers with its own name, so the answer says who answered.
    """
    got = http_get(ctx, url, host=host)
    where = f"{url} with Host: {host}" if host else url
    if not got.ok:
        return False, f"{where} answered {got.error!r}"
    if got.body not in names(app_pods(ctx, app)):
        return False, f"{where} was answered by {got.body!r}, not by an app={app} pod"
    return True, f"{where} -> {got.body}"
