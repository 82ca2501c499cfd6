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

from labsupport import find
from labsupport.answers import read_answer
from labsupport.checks import fail
from labsupport.config import TENANT_LABEL
from labsupport.facts import labels_of
from labsupport.kube import Clients
from labsupport.labs.common import score_parts
from labsupport.labs.lab07_common import ACCOUNT, extra_ns, get, short

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


# ---- the checks of tasks 4 and 5 (registered in lab07.py) ----

def quota_rejects(ctx):
    dev = extra_ns(ctx, "dev")
    if get(ctx, "Namespace", dev) is None:
        return fail(f"No namespace {dev}.")
    # A graded submission's namespaces carry the grader's own quota (labelled with the tenant; it caps object
    # counts only, labsupport.tenantneeds): it is not the learner's work.
    quotas = [q for q in ctx.clients.core.list_namespaced_resource_quota(dev).items
              if TENANT_LABEL not in (q.metadata.labels or {})]
    if not quotas:
        return fail(f"No ResourceQuota in namespace {dev}.")
    bare = dry_run_pod(ctx.clients, dev, "grader-no-requests")
    quota, excess = next(((q, e) for q in quotas for e in [over_quota(q)] if e), (quotas[0], None))
    big = dry_run_pod(ctx.clients, dev, "grader-too-big", excess[1]) if excess else None
    name = quota.metadata.name
    refused_by_quota = big is not None and big.status == 403 and f"exceeded quota: {name}" in big.message
    recorded = read_answer(ctx, "quota-rejection")
    parts = [
        (bare.allowed, f"a pod without resources is refused: {bare.message}",
         "A quota on requests.cpu/memory makes every pod state them; a LimitRange with defaultRequest (and "
         "default, for limits) fills them in for pods that do not, so they are admitted."),
        (refused_by_quota, f"quota {name} caps neither cpu nor memory" if excess is None else
         f"a pod asking {excess[1]['requests']} was "
         + ("admitted" if big.allowed else "refused otherwise: " + big.message),
         "Cap requests.cpu and requests.memory in the ResourceQuota; a LimitRange max lower than the quota "
         "refuses such a pod before the quota is asked."),
        (bool(recorded) and "exceeded quota" in recorded and name in recorded,
         "no answer 'quota-rejection'" if not recorded else f"'quota-rejection' is {short(recorded)}",
         "Create a pod asking for more than the quota, catch the ApiException (403) and record its message: "
         "it names the quota ('exceeded quota: <name>, requested: ..., used: ..., limited: ...')."),
    ]
    defaults = requests_of(bare)
    return score_parts(parts, f"In {dev} a pod without resources gets requests {defaults}; the API refused the "
                              f"grader's big pod: {big.message if big else ''}")


REVIEWS = (  # verb, API group, resource, namespace suffix (None: cluster-wide), allowed?
    ("create", "apps", "deployments", "dev", True),
    ("list", "", "pods", "dev", True),
    ("list", "", "nodes", None, True),
    ("create", "apps", "deployments", "prod", False),
    ("list", "", "pods", "prod", False),
    ("list", "", "pods", None, False),
    ("delete", "", "nodes", None, False),
)


CLUSTER_HINT = ("Nodes are cluster-scoped: a Role (namespaced) can never grant them. Give read access with a "
                "ClusterRole (get, list, watch on nodes) and a ClusterRoleBinding to the ServiceAccount.")


def _cluster_bindings(ctx, dev: str) -> list[dict]:
    return [b for b in find.by_label(ctx.clients, "ClusterRoleBinding", None)
            if any(s.get("kind") == "ServiceAccount" and s.get("name") == ACCOUNT and s.get("namespace") == dev
                   for s in b.get("subjects") or [])]


def _owned_by_lab(ctx, obj: dict | None) -> bool:
    """Named after the lab namespace, and owned by it (deleted with it)."""
    if obj is None or labels_of(obj).get("kubernetes.io/bootstrapping") == "rbac-defaults":
        return True  # absent, or one of the API server's built-in roles: not made by the lab
    spaces = {ctx.namespace, extra_ns(ctx, "dev"), extra_ns(ctx, "prod")}
    owners = obj["metadata"].get("ownerReferences") or []
    return obj["metadata"]["name"].startswith(ctx.namespace + "-") and any(
        o.get("kind") == "Namespace" and o.get("name") in spaces for o in owners)


def team_access_reviewed(ctx):
    dev = extra_ns(ctx, "dev")
    if get(ctx, "ServiceAccount", ACCOUNT, dev) is None:
        return fail(f"No ServiceAccount {ACCOUNT!r} in namespace {dev}.")
    user, groups = service_account_user(dev, ACCOUNT)
    parts = []
    for verb, group, resource, suffix, want in REVIEWS:
        where = extra_ns(ctx, suffix) if suffix else None
        allowed, reason = review(ctx.clients, user, groups, verb, group, resource, where)
        what = f"{verb} {resource} " + (f"in {where}" if where else "cluster-wide")
        hint = (CLUSTER_HINT if resource == "nodes" and want else
                "Bind roles in <namespace>-dev only (a RoleBinding there); a ClusterRoleBinding to a role that "
                "grants pods or deployments opens every namespace." if not want else
                f"Grant it in a Role in {dev} bound to the ServiceAccount by a RoleBinding (subjects: kind "
                f"ServiceAccount, name {ACCOUNT}, namespace {dev}).")
        parts.append((allowed == want, f"{ACCOUNT} {'may' if allowed else 'may not'} {what}"
                                       + (f" ({reason})" if reason else ""), hint))
    bindings = _cluster_bindings(ctx, dev)
    stray = [b["metadata"]["name"] for b in bindings
             if not _owned_by_lab(ctx, b) or not _owned_by_lab(ctx, get(ctx, "ClusterRole", b["roleRef"]["name"]))]
    parts.append((not stray, f"cluster-scoped objects {stray} are not named <namespace>-... and owned by your "
                             "namespace", "Name ClusterRoles and ClusterRoleBindings after your namespace and give "
                                          "them an ownerReference to it (apiVersion v1, kind Namespace, name, uid): "
                                          "deleting the namespace then deletes them."))
    return score_parts(parts, f"The authorizer allows {ACCOUNT} to work in {dev} and read nodes, and nothing in "
                              f"{extra_ns(ctx, 'prod')} or cluster-wide beyond reading.")


def team_acts_with_token(ctx):
    dev, prod = extra_ns(ctx, "dev"), extra_ns(ctx, "prod")
    if get(ctx, "ServiceAccount", ACCOUNT, dev) is None:
        return fail(f"No ServiceAccount {ACCOUNT!r} in namespace {dev}.")
    team = token_clients(ctx.clients, dev, ACCOUNT)
    probe = {"metadata": {"name": "grader-probe"}, "data": {"probe": "1"}}
    acts = (
        (f"list pods in {dev}", True, lambda: team.core.list_namespaced_pod(dev, limit=1)),
        (f"create a Deployment in {dev} (dry run)", True,
         lambda: team.apps.create_namespaced_deployment(dev, deployment("grader-probe"), dry_run="All")),
        ("list nodes", True, lambda: team.core.list_node(limit=1)),
        (f"list pods in {prod}", False, lambda: team.core.list_namespaced_pod(prod, limit=1)),
        (f"create a ConfigMap in {prod} (dry run)", False,
         lambda: team.core.create_namespaced_config_map(prod, probe, dry_run="All")),
        ("create a namespace (dry run)", False,
         lambda: team.core.create_namespace({"metadata": {"name": f"{ctx.namespace}-probe"}}, dry_run="All")),
    )
    parts, denials = [], []
    for what, want, call in acts:
        got = ask(call)
        if not got.allowed and got.status == 403:
            denials.append(got.message)
        if got.allowed == want:
            parts.append((True, "", None))
        elif want:
            parts.append((False, f"{what}: {got.message}",
                          CLUSTER_HINT if "nodes" in what else f"Grant it with the Role in {dev}."))
        else:
            parts.append((False, f"{what} was allowed",
                          f"Nothing may grant {ACCOUNT} rights outside {dev}: no ClusterRoleBinding to a role that "
                          "writes, no RoleBinding in another namespace."))
    return score_parts(parts, f"With its own token, {ACCOUNT} works in {dev} and reads nodes; the API refused the "
                              f"rest, e.g. {short(denials[0] if denials else '', 160)}.")
