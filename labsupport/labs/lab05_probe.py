"""The grader's own pods for lab 05: small busybox web servers that send (and answer) real traffic.

A check never trusts a learner's pod to say what the network allows: it places its own probe pods (labelled
``kindlab.dev/grader-probe``), with the labels a policy is about, in the namespace and on the node it needs, and
sends requests from them. Each probe also serves its own name on port 8080, so it can be a target too. Probes
are found by name and reused when a check runs again; they go with the lab's namespaces.

    >>> probe_manifest("probe-web", {"tier": "web"})["metadata"]["labels"]["tier"]
    'web'
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from labsupport import manifests
from labsupport.podexec import exec_in_pod
from labsupport.waits import wait_for

PROBE_LABEL = "kindlab.dev/grader-probe"
PROBE_PORT = 8080
IMAGE = "docker.io/library/busybox:1.35"


@dataclass(frozen=True)
class Probe:
    namespace: str
    name: str
    ip: str
    node: str


@dataclass(frozen=True)
class Attempt:
    """One request from a probe: answered (with what), or not (and why)."""

    answered: bool
    output: str

    def __str__(self) -> str:
        return self.output.strip()[:120] if self.answered else "no answer (" + (self.output.strip()[-120:] or
                                                                                  "timed out") + ")"


def probe_manifest(name: str, labels: dict[str, str], node: str | None = None) -> dict:
    spec = {"terminationGracePeriodSeconds": 0, "automountServiceAccountToken": False,
            "containers": [{"name": "probe", "image": IMAGE, "imagePullPolicy": "IfNotPresent",
                            "command": ["sh", "-c", f"mkdir -p /www && echo {name} > /www/index.html && "
                                                    f"exec httpd -f -p {PROBE_PORT} -h /www"],
                            "ports": [{"containerPort": PROBE_PORT}],
                            "resources": {"requests": {"cpu": "5m", "memory": "8Mi"}}}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {PROBE_LABEL: "true", **labels}}, "spec": spec}


def ensure_probes(clients, wanted: list[tuple[str, str, dict[str, str], str | None]],
                  timeout: float = 60) -> dict[tuple[str, str], Probe]:
    """Create (or reuse) probes (namespace, name, labels, node or None), all first, then wait for each.

    Returns them by (namespace, name). A namespace that does not exist raises ApplyError from the apply.
    """
    for namespace, name, labels, node in wanted:
        manifests.apply(clients, probe_manifest(name, labels, node), namespace=namespace)
    probes = {}
    for namespace, name, _, _ in wanted:
        pod = wait_for(clients, "Pod", name, namespace=namespace, condition="Ready", timeout=timeout)
        probes[(namespace, name)] = Probe(namespace, name, pod["status"]["podIP"], pod["spec"].get("nodeName", ""))
    return probes


def request(clients, probe: Probe, url: str, *, seconds: int = 2) -> Attempt:
    """One HTTP GET of ``url`` from ``probe`` (busybox wget, ``seconds`` to connect and answer)."""
    # `timeout`, not wget's own -T: it bounds the whole request on any busybox (Debian's busybox-static crashed on -T).
    result = exec_in_pod(clients, probe.namespace, probe.name,
                         ["timeout", str(seconds), "wget", "-q", "-O", "-", url], timeout=seconds + 20)
    return Attempt(result.ok, result.stdout if result.ok else result.stderr)


def reaches(clients, probe: Probe, url: str, *, within: float = 12) -> Attempt:
    """Traffic that should pass: tried again for ``within`` seconds (at least twice), since a policy plugin programs
    a new pod's address a moment after the pod starts."""
    deadline = time.monotonic() + within
    attempt = request(clients, probe, url)
    while not attempt.answered:
        attempt = request(clients, probe, url)
        if attempt.answered or time.monotonic() > deadline:
            break
    return attempt


def resolves(clients, probe: Probe, name: str) -> Attempt:
    """A DNS lookup of ``name`` from ``probe`` (busybox nslookup through the pod's resolv.conf)."""
    result = exec_in_pod(clients, probe.namespace, probe.name,
                         ["timeout", "8", "nslookup", "-timeout=3", "-retry=1", name], timeout=30)
    answered = result.ok and "Address" in result.stdout.split(name, 1)[-1]
    return Attempt(answered, result.stdout if answered else (result.stderr or result.stdout))


__all__ = ["Attempt", "PROBE_LABEL", "Probe", "ensure_probes", "probe_manifest", "reaches",
           "request", "resolves"]
