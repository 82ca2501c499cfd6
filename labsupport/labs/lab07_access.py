"""Lab 07, tasks 4 and 5: what the API server itself answers, asked by the grader.

- Quota: pods the grader submits with ``dryRun=All`` (admission runs in full, LimitRange defaults and
  ResourceQuota included, but nothing is stored): one without resources, one asking for more than the quota has
  left. The verdict is the API's answer, never a message the learner recorded.
- Access: what a ServiceAccount may do, asked twice: a SubjectAccessReview (the authorizer's verdict for that
  user and its groups) and real requests sent with a token of that very account, from the TokenRequest API
  (short-lived, bound to the account, never stored).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.utils import parse_quantity

from labsupport.kube import Clients

BUSYBOX = "docker.io/library/busybox:1.35"
MESSAGE_CAP = 300
TOKEN_SECONDS = 600  # the TokenRequest API's minimum lifetime


@dataclass(frozen=True)
class Answer:
    """The API's answer to one request: allowed (2xx) or not, the HTTP status, its message."""

    allowed: bool
    status: int
    message: str
    body: object = None


def api_message(exc: ApiException) -> str:
    """The API server's own message (capped), not the whole HTTP response."""
    try:
        text = json.loads(exc.body or "")["message"]
    except (ValueError, KeyError, TypeError):
        text = f"{exc.status} {exc.reason}"
    return text if len(text) <= MESSAGE_CAP else text[:MESSAGE_CAP] + "…"


def ask(call, *args, **kwargs) -> Answer:
    """Make one API call and keep its verdict instead of raising."""
    try:
        return Answer(True, 200, "", call(*args, **kwargs))
    except ApiException as exc:
        return Answer(False, exc.status, api_message(exc))


def _pod(name: str, resources: dict | None) -> dict:
    container = {"name": "probe", "image": BUSYBOX, "imagePullPolicy": "IfNotPresent", "command": ["true"]}
    if resources:
        container["resources"] = resources
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"restartPolicy": "Never", "containers": [container]}}


def dry_run_pod(clients: Clients, namespace: str, name: str, resources: dict | None = None) -> Answer:
    """Submit a pod with dryRun=All: admission (LimitRange, ResourceQuota) answers, nothing is created."""
    return ask(clients.core.create_namespaced_pod, namespace, _pod(name, resources), dry_run="All")


def requests_of(answer: Answer) -> dict:
    """The requests the admitted (dry-run) pod's first container ended up with, e.g. filled in by a LimitRange."""
    pod = answer.body
    if not answer.allowed or pod is None:
        return {}
    resources = pod.spec.containers[0].resources
    return dict(resources.requests or {}) if resources else {}


def _format(resource: str, amount) -> str:
    return f"{int(amount * 1000)}m" if resource == "cpu" else str(int(amount))


def over_quota(quota) -> tuple[str, dict] | None:
    """A resources stanza that asks for more than ``quota`` (a V1ResourceQuota) has left of cpu or memory.

    Both cpu and memory get requests and limits, so the quota cannot refuse it for a missing value: only for the
    excess. Returns (the quota key exceeded, resources), or None when the quota caps neither cpu nor memory.
    """
    hard = (quota.spec.hard if quota.spec else None) or {}
    used = (quota.status.used if quota.status else None) or {}
    small = {"cpu": parse_quantity("10m"), "memory": parse_quantity("16Mi")}
    for key in ("requests.cpu", "cpu", "requests.memory", "memory", "limits.cpu", "limits.memory"):
        if key in hard:
            resource = key.split(".")[-1]
            left = parse_quantity(hard[key]) - parse_quantity(used.get(key, "0"))
            amounts = dict(small)
            amounts[resource] = left + (1 if resource == "cpu" else 64 * 1024 ** 2)
            values = {r: _format(r, a) for r, a in amounts.items()}
            return key, {"requests": values, "limits": dict(values)}
    return None


def service_account_user(namespace: str, name: str) -> tuple[str, list[str]]:
    """The user name and groups a ServiceAccount's token authenticates as."""
    return (f"system:serviceaccount:{namespace}:{name}",
            ["system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"])


def review(clients: Clients, user: str, groups: list[str], verb: str, group: str, resource: str,
           namespace: str | None) -> tuple[bool, str]:
    """The authorizer's verdict (SubjectAccessReview): may ``user`` ``verb`` ``resource`` in ``namespace``?"""
    attributes = {"verb": verb, "group": group, "resource": resource}
    if namespace:
        attributes["namespace"] = namespace
    status = clients.authz.create_subject_access_review(
        {"spec": {"user": user, "groups": groups, "resourceAttributes": attributes}}).status
    return bool(status.allowed), status.reason or ""


def token_clients(clients: Clients, namespace: str, account: str) -> Clients:
    """Clients for the same API server and CA that authenticate only with a fresh token of ``account``."""
    token = clients.core.create_namespaced_service_account_token(
        account, namespace, {"spec": {"expirationSeconds": TOKEN_SECONDS}}).status.token
    conf = copy.deepcopy(clients.api.configuration)
    conf.cert_file = conf.key_file = None  # the grader's own client certificate must not come along
    conf.api_key = {"authorization": "Bearer " + token}
    conf.api_key_prefix = {}
    conf.refresh_api_key_hook = None
    return Clients(client.ApiClient(conf))


def deployment(name: str) -> dict:
    """A minimal valid Deployment, for dry-run creations."""
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": _pod(name, None)["spec"]["containers"]}}}}
