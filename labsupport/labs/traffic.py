"""Real traffic for checks: HTTP requests sent from the grader's own client pod, never from a learner's pod.

A Service's endpoints say which pods it *would* send to; only a request shows that packets reach them (a wrong
``targetPort`` keeps the endpoints and loses the traffic). The client pod is created by the grader with its own
credentials in the graded namespace, carries no label a learner's selector could match, and is reused by later
checks (it is deleted with the namespace).
"""

from __future__ import annotations

from dataclasses import dataclass

from labsupport import find, manifests, versions, waits
from labsupport.podexec import exec_in_pod

CLIENT = "kindlab-grader-client"
CLIENT_LABEL = "kindlab.dev/grader-client"
MARK = "@@end@@"


def _manifest() -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": CLIENT, "labels": {CLIENT_LABEL: "true"}},
            "spec": {"terminationGracePeriodSeconds": 0, "automountServiceAccountToken": False,
                     "containers": [{"name": "client", "image": versions.get("BUSYBOX_IMAGE"),
                                     "imagePullPolicy": "IfNotPresent", "command": ["sleep", "3600"],
                                     "resources": {"requests": {"cpu": "5m", "memory": "8Mi"},
                                                   "limits": {"cpu": "100m", "memory": "32Mi"}}}]}}


def client_pod(ctx) -> str:
    """The grader's client pod in the lab namespace, Ready (created on first use); its name."""
    pod = find.get(ctx.clients, "Pod", CLIENT, ctx.namespace)
    if pod is None or pod["metadata"].get("deletionTimestamp"):
        manifests.apply(ctx.clients, _manifest(), namespace=ctx.namespace)
    waits.wait_for(ctx.clients, "Pod", CLIENT, namespace=ctx.namespace, condition="Ready", timeout=60)
    return CLIENT


@dataclass(frozen=True)
class Replies:
    """What ``count`` requests to ``url`` got back: the bodies of those that succeeded, and how many failed."""

    url: str
    bodies: tuple[str, ...]
    failures: int

    @property
    def count(self) -> int:
        return len(self.bodies) + self.failures


def http_get(ctx, url: str, *, count: int = 1, timeout_each: int = 2) -> Replies:
    """GET ``url`` ``count`` times (one new connection each) from the grader's client pod."""
    client = client_pod(ctx)
    script = (f'for i in $(seq {int(count)}); do timeout {int(timeout_each)} wget -qO- "$0" 2>/dev/null '
              f'|| echo FAILED; echo {MARK}; done')
    result = exec_in_pod(ctx.clients, ctx.namespace, client, ["sh", "-c", script, url],
                         timeout=count * (timeout_each + 1) + 10)
    chunks = [c.strip() for c in result.stdout.split(MARK)][:count]
    bodies = tuple(c for c in chunks if c and c != "FAILED" and not c.endswith("FAILED"))
    return Replies(url, bodies, count - len(bodies))


def service_url(ctx, service: dict, path: str = "/") -> str:
    """http://<name>.<namespace>.svc:<first port><path>."""
    port = (service["spec"].get("ports") or [{}])[0].get("port", 80)
    return f"http://{service['metadata']['name']}.{ctx.namespace}.svc:{port}{path}"
