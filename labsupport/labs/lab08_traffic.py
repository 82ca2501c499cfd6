"""Real requests for lab 08, from the grader's own client pod (``lab04_probe.probe_pod``: ``grader-probe``).

``through_app`` asks web for a note and reads the path the answer took: each tier prints ``<tier> <pod name>``
before passing on what the next tier said (see ``lab08_app``), so one request says which hops worked. A pod name
counts only if it is a live pod of that tier's Deployment now: an answer cannot be made up by a tier.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from labsupport.labs.lab04_probe import fqdn, http_get
from labsupport.labs.lab08_app import CLAIM, PORT
from labsupport.labs.lab08_evidence import deployment_pods
from labsupport.podexec import exec_in_pod

TIERS = ("web", "api", "db")


@dataclass(frozen=True)
class Path:
    """What one request through web answered: the pod of each tier that answered (None: that hop failed)."""

    url: str
    pods: dict[str, str | None]
    body: str
    error: str

    def reached(self, tier: str) -> bool:
        return self.pods.get(tier) is not None

    def said(self) -> str:
        """What came back, capped, for a message (the tiers' own error lines say where it stopped)."""
        text = " | ".join(line for line in self.body.splitlines() if line.strip()) or self.error
        return repr(text[:200])


def through_app(ctx, note: str = "welcome", *, seconds: int = 10) -> Path:
    """GET /cgi-bin/notes?<note> from Service web, and which live pod of each tier answered."""
    url = f"http://{fqdn(ctx, 'web')}/cgi-bin/notes?{note}"
    got = http_get(ctx, url, seconds=seconds)
    live = {tier: {p["metadata"]["name"] for p in deployment_pods(ctx, tier)} for tier in TIERS}
    pods: dict[str, str | None] = dict.fromkeys(TIERS)
    for line in got.body.splitlines():
        tier, _, pod = line.strip().partition(" ")
        if tier in pods and pods[tier] is None and pod in live[tier]:
            pods[tier] = pod
    return Path(url, pods, got.body, got.error)


def reaches_api(ctx, *, within: float = 12) -> Path:
    """``through_app`` until web reaches the api or ``within`` seconds pass: a policy enforcer programs a change
    (and a new pod's address) a moment after it is made."""
    deadline = time.monotonic() + within
    path = through_app(ctx)
    while not path.reached("api") and path.reached("web") and time.monotonic() < deadline:
        time.sleep(1)
        path = through_app(ctx)
    return path


def api_open_to_grader(ctx) -> tuple[bool, str] | None:
    """Whether the grader's own pod (no app label) gets an answer from an api pod directly; None: no api pod
    with an address to ask."""
    pods = [p for p in deployment_pods(ctx, "api") if (p.get("status") or {}).get("podIP")]
    if not pods:
        return None
    ip = pods[0]["status"]["podIP"]
    got = http_get(ctx, f"http://{ip}:{PORT}/", seconds=3)
    return got.ok, f"http://{ip}:{PORT}/ ({pods[0]['metadata']['name']})"


@dataclass(frozen=True)
class Note:
    """A note the grader wrote into the database's claim: its name, its random content, where it went."""

    name: str
    token: str
    pod: str | None
    problem: str | None


def write_note(ctx) -> Note:
    """Write a random note into /data of a running db pod whose /data is claim db-data."""
    token = secrets.token_hex(8)
    name = f"grader-{token[:6]}"
    running = [p for p in deployment_pods(ctx, "db") if (p.get("status") or {}).get("phase") == "Running"]
    if not running:
        return Note(name, token, None, "no db pod is Running to hold the grader's note")
    pod = running[0]
    spec = pod["spec"]
    claims = {v["name"] for v in spec.get("volumes") or []
              if (v.get("persistentVolumeClaim") or {}).get("claimName") == CLAIM}
    mounted = any(m.get("mountPath") == "/data" and m.get("name") in claims
                  for c in spec["containers"] for m in c.get("volumeMounts") or [])
    if not mounted:
        return Note(name, token, pod["metadata"]["name"], f"pod {pod['metadata']['name']} has no claim {CLAIM} at /data")
    result = exec_in_pod(ctx.clients, ctx.namespace, pod["metadata"]["name"],
                         ["sh", "-c", f"echo {token} > /data/{name}"], timeout=20)
    if not result.ok:
        return Note(name, token, pod["metadata"]["name"],
                    f"writing /data/{name} in {pod['metadata']['name']} failed: {result.stderr.strip()[:120]}")
    return Note(name, token, pod["metadata"]["name"], None)
