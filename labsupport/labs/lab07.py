"""Checks for lab 07, "Configuration, namespaces, access, labels and annotations".

Every verdict comes from the cluster: values read from inside the running pod, a ConfigMap the grader changes
itself and watches arrive (or not) in the pod, the bytes etcd stores, the API's answer to pods the grader submits
(dry run) to a quota, the authorizer's verdict and real requests made with a token of the team's account, the
Deployments the API server returns for the learner's selector strings. Helpers: ``lab07_config`` (where a pod
sees a key), ``lab07_access`` (dry runs, reviews, tokens), ``lab07_labels`` (the scheme and the selectors asked).
"""

from __future__ import annotations

import base64
import secrets

from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError

from labsupport import etcd, find
from labsupport.answers import answer_list, read_answer, read_answers
from labsupport.checks import CheckSuite, fail, ok, partial
from labsupport.facts import annotations_of, is_control_plane, is_ready, is_terminating, labels_of, selects
from labsupport.labs import lab07_access as access
from labsupport.labs import lab07_config as config
from labsupport.labs.common import endpoint_addresses, missing_answer, score_parts
from labsupport.labs.lab07_labels import ASKED, SCHEME, SCHEME_KEYS, uses_asked_operator

SUITE = CheckSuite("07", "Configuration, namespaces, access, labels and annotations")

POD, CONFIGMAP, KEY = "config-demo", "app-config", "greeting"
SECRET, SECRET_KEY = "db-credentials", "password"
SETTINGS = "app-settings"
ACCOUNT = "deployer"
SERVICE = "shop-frontend"
ANNOTATED = "shop-web"
BUILD, CONTACT = "shop.example.com/build", "shop.example.com/contact"
CHANGE_CAUSE = "kubernetes.io/change-cause"
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
REVISION = "deployment.kubernetes.io/revision"


def _ns(ctx, suffix: str) -> str:
    return f"{ctx.namespace}-{suffix}"


def _get(ctx, kind: str, name: str, namespace: str | None = None) -> dict | None:
    return find.get(ctx.clients, kind, name, namespace or ctx.namespace)


def _short(text: str | None, cap: int = 80) -> str:
    text = "<unset>" if text is None else text
    return repr(text if len(text) <= cap else text[:cap] + "…")


def _secret_value(secret: dict, key: str) -> str | None:
    raw = (secret.get("data") or {}).get(key)
    return None if raw is None else base64.b64decode(raw).decode(errors="replace")


def _ready_pod(ctx, name: str):
    """(pod, None) when pod ``name`` is Ready, else (pod or None, the failed Outcome)."""
    pod = _get(ctx, "Pod", name)
    if pod is None:
        return None, fail(f"No pod {name!r} in namespace {ctx.namespace}.")
    if not is_ready(pod) or is_terminating(pod):
        phase = (pod.get("status") or {}).get("phase")
        return pod, fail(f"Pod {name} is not Ready (phase {phase}): its values cannot be read from inside it.",
                         f"`kubectl describe pod {name} -n {ctx.namespace}`: a missing ConfigMap, Secret or key "
                         "keeps it in ContainerCreating (event FailedMount or CreateContainerConfigError).")
    return pod, None


# ---- task 1: ConfigMaps and Secrets as environment variables and as files -------------------------------------

@SUITE.check(id="config-injected", task=1, points=5,
             title="ConfigMap and Secret reach the pod as environment variables and as files",
             hint=f"Pod {POD}: env from {CONFIGMAP}/{KEY} and {SECRET}/{SECRET_KEY}, {CONFIGMAP} mounted as a "
                  f"directory and its key {KEY} once more with subPath, {SECRET} mounted as files.")
def config_injected(ctx):
    pod, problem = _ready_pod(ctx, POD)
    if problem:
        return problem
    cm, secret = _get(ctx, "ConfigMap", CONFIGMAP), _get(ctx, "Secret", SECRET)
    if cm is None or secret is None:
        missing = " and ".join(f"{k} {n!r}" for k, n, o in (("ConfigMap", CONFIGMAP, cm), ("Secret", SECRET, secret))
                               if o is None)
        return fail(f"No {missing} in namespace {ctx.namespace}.")
    current, password = (cm.get("data") or {}).get(KEY), _secret_value(secret, SECRET_KEY)
    cm_uses = config.uses(pod, "ConfigMap", CONFIGMAP, KEY, list((cm.get("data") or {})))
    secret_uses = config.uses(pod, "Secret", SECRET, SECRET_KEY, list((secret.get("data") or {})))
    cmu, su = config.merged(cm_uses), config.merged(secret_uses)

    def env(found, u):
        if not u.env:
            return None
        return config.read_env(ctx, POD, config.container_of(found, "env", u.env[0]), u.env[0])

    def file(found, u, what):
        paths = getattr(u, what)
        return config.read_file(ctx, POD, config.container_of(found, what, paths[0]), paths[0]) if paths else None

    env_value, sub_value = env(cm_uses, cmu), file(cm_uses, cmu, "subpath_files")
    dir_value = None
    if cmu.files:
        dir_value = config.synced_file(ctx, POD, config.container_of(cm_uses, "files", cmu.files[0]), cmu.files[0],
                                       current or "", timeout=30)
    secret_env, secret_file = env(secret_uses, su), file(secret_uses, su, "files")
    start_values = {v for v in (current, sub_value, env_value) if v}
    parts = [
        (bool(cmu.env) and bool(env_value) and env_value in start_values,
         f"no environment variable from {CONFIGMAP}/{KEY}" if not cmu.env else
         f"variable {cmu.env[0]} holds {_short(env_value)}",
         f"Add env: [{{name: GREETING, valueFrom: {{configMapKeyRef: {{name: {CONFIGMAP}, key: {KEY}}}}}}}] "
         "(or envFrom: configMapRef)."),
        (bool(cmu.files) and dir_value == current,
         f"{CONFIGMAP} is not mounted as a directory (a volume mount without subPath)" if not cmu.files else
         f"{cmu.files[0]} holds {_short(dir_value)}, the ConfigMap {_short(current)}",
         f"Mount a configMap volume of {CONFIGMAP} at a directory (e.g. /etc/app): each key becomes a file."),
        (bool(cmu.subpath_files) and bool(sub_value) and sub_value in start_values,
         f"{KEY} is not mounted as a single file with subPath" if not cmu.subpath_files else
         f"{cmu.subpath_files[0]} holds {_short(sub_value)}",
         f"Mount the same volume once more with mountPath: /etc/greeting.txt and subPath: {KEY}."),
        (bool(su.env) and secret_env == password,
         f"no environment variable from {SECRET}/{SECRET_KEY}" if not su.env else
         f"variable {su.env[0]} does not hold the Secret's {SECRET_KEY}",
         f"Add env: [{{name: DB_PASSWORD, valueFrom: {{secretKeyRef: {{name: {SECRET}, key: {SECRET_KEY}}}}}}}]."),
        (bool(su.files) and secret_file == password,
         f"{SECRET} is not mounted as files" if not su.files else f"{su.files[0]} does not hold the Secret's "
                                                                    f"{SECRET_KEY}",
         f"Mount a secret volume (secretName: {SECRET}) at a directory such as /etc/db."),
    ]
    return score_parts(parts, f"Pod {POD} sees {KEY} as ${cmu.env[0] if cmu.env else '?'}, in "
                              f"{cmu.files[0] if cmu.files else '?'} and (subPath) "
                              f"{cmu.subpath_files[0] if cmu.subpath_files else '?'}, and the Secret's "
                              f"{SECRET_KEY} as a variable and in {su.files[0] if su.files else '?'}.")


@SUITE.check(id="config-updates", task=1, points=3,
             title="Changing the ConfigMap: the mounted file follows, the variable and the subPath file do not",
             hint="Record which of env, file, subpath showed the new value after your change: "
                  "lab.answer(ctx, 'updates-in-place', [...]).")
def config_updates(ctx):
    pod, problem = _ready_pod(ctx, POD)
    if problem:
        return problem
    cm = _get(ctx, "ConfigMap", CONFIGMAP)
    if cm is None:
        return fail(f"No ConfigMap {CONFIGMAP!r} in namespace {ctx.namespace}.")
    found = config.uses(pod, "ConfigMap", CONFIGMAP, KEY, list((cm.get("data") or {})))
    u = config.merged(found)
    if not u.files:
        return fail(f"Pod {POD} has no directory mount of {CONFIGMAP}: nothing there can update in place.",
                    f"Mount {CONFIGMAP} as a volume at a directory, without subPath.")
    path, box = u.files[0], config.container_of(found, "files", u.files[0])
    frozen = [("env", v, config.container_of(found, "env", v)) for v in u.env[:1]] + \
             [("subpath", p, config.container_of(found, "subpath_files", p)) for p in u.subpath_files[:1]]

    def read_frozen():
        return {kind: (config.read_env(ctx, POD, c, item) if kind == "env" else config.read_file(ctx, POD, c, item))
                for kind, item, c in frozen}

    original = (cm.get("data") or {}).get(KEY, "")
    token = "grader-" + secrets.token_hex(4)
    before = read_frozen()
    core = ctx.clients.core
    core.patch_namespaced_config_map(CONFIGMAP, ctx.namespace, {"data": {KEY: token}})
    try:
        config.touch(ctx, POD, token)
        followed = config.wait_file(ctx, POD, box, path, token)
        after = read_frozen()
    finally:  # leave the learner's value in place, and in the file too, as found
        core.patch_namespaced_config_map(CONFIGMAP, ctx.namespace, {"data": {KEY: original}})
        config.touch(ctx, POD, "restored-" + token)
        config.wait_file(ctx, POD, box, path, original, timeout=30)
    changed = {kind for kind in before if after.get(kind) != before[kind]} | ({"file"} if followed else set())
    recorded = read_answer(ctx, "updates-in-place")
    claimed = None if recorded is None else {p.lower() for p in answer_list(recorded)}
    absent = sorted({"env", "subpath"} - set(before))
    moved = sorted(kind for kind in before if kind in changed)
    parts = [
        (followed, f"after the grader set {KEY}={token}, {path} did not show it within 45 s",
         "Mount the ConfigMap as a directory without subPath; only such files are updated in place."),
        (not absent and not moved,
         f"the pod has no {' and no '.join(absent)} use of {KEY} to compare" if absent else f"{moved} changed too",
         "Keep the variable and the subPath mount of task 1."),
        (claimed == changed,
         "no answer 'updates-in-place'" if claimed is None else
         f"you recorded {sorted(claimed)} as updated in place, but in the pod only {sorted(changed)} changed "
         f"(the variable stayed {_short(after.get('env'))})",
         "Environment variables are set once, when the container starts, and a subPath file is a bind mount "
         "made at start too: neither follows the ConfigMap. Only files of a mounted volume do; restart the pod "
         "(e.g. `kubectl rollout restart` for a Deployment) for the others."),
    ]
    return score_parts(parts, f"The grader set {KEY}={token}: {path} showed it, the variable and the subPath "
                              f"file kept {sorted(set(v or '' for v in before.values()))}; you recorded "
                              f"{sorted(claimed or [])}.")


# ---- task 2: Secrets are base64, not encryption ------------------------------------------------------------------

def _control_plane(ctx) -> str:
    nodes = find.by_label(ctx.clients, "Node", None)
    return next((n["metadata"]["name"] for n in nodes if is_control_plane(n)), f"{ctx.cluster_name}-control-plane")


@SUITE.check(id="secret-not-encrypted", task=2, points=3,
             title="A Secret is only base64: decoded from the API, read in plain text from etcd",
             hint="Record 'decoded-password', 'etcd-key' and 'etcd-plaintext' (task 2).")
def secret_not_encrypted(ctx):
    secret = _get(ctx, "Secret", SECRET)
    if secret is None:
        return fail(f"No Secret {SECRET!r} in namespace {ctx.namespace}.")
    answers = read_answers(ctx, "decoded-password", "etcd-key", "etcd-plaintext")
    if not any(answers.values()):
        return missing_answer("decoded-password", "etcd-key", "etcd-plaintext")
    password = _secret_value(secret, SECRET_KEY) or ""
    key = f"/registry/secrets/{ctx.namespace}/{SECRET}"
    stored = etcd.value(_control_plane(ctx), key)
    if stored is None:
        return fail(f"etcd has no key {key}.", "Is the Secret in your namespace?")
    encrypted = stored.startswith(b"k8s:enc:")
    plain = bool(password) and password.encode() in stored
    claimed = (answers["etcd-plaintext"] or "").lower()
    parts = [
        (answers["decoded-password"] == password, f"'decoded-password' is {_short(answers['decoded-password'])}, "
         f"not what {SECRET}'s data.{SECRET_KEY} decodes to",
         f"`kubectl get secret {SECRET} -o jsonpath='{{.data.{SECRET_KEY}}}' | base64 -d`: anyone allowed to "
         "read the Secret reads the password."),
        (answers["etcd-key"] == key, f"'etcd-key' is {_short(answers['etcd-key'])}, not the Secret's key",
         "Keys are /registry/<resource>/<namespace>/<name>: list /registry/secrets/<your namespace>/."),
        (claimed in (("true", "yes") if plain else ("false", "no")),
         f"'etcd-plaintext' is {_short(answers['etcd-plaintext'])}, but etcd "
         f"{'does' if plain else 'does not'} hold the password in plain text",
         "Look for the password's bytes in etcd's value: without an EncryptionConfiguration the API server "
         "stores Secrets unencrypted (prefix k8s\\x00, then protobuf)."),
    ]
    how = ("encrypted at rest (prefix " + stored[:20].decode(errors="replace") + ")" if encrypted else
           f"stored as {stored[:4]!r} + protobuf, password in plain text" if plain else "not in plain text")
    return score_parts(parts, f"{key} is {how}; you decoded the password and found it there.")


# ---- task 3: namespaces as virtual clusters ----------------------------------------------------------------------

@SUITE.check(id="same-name", task=3, points=2, title="One name, two namespaces, two different objects",
             hint=f"Namespaces <namespace>-dev and <namespace>-prod (label environment=dev / prod), each with a "
                  f"ConfigMap {SETTINGS} whose environment key says dev / prod.")
def same_name(ctx):
    envs = ("dev", "prod")
    spaces = {e: _get(ctx, "Namespace", _ns(ctx, e)) for e in envs}
    if not any(spaces.values()):
        return fail(f"No namespace {_ns(ctx, 'dev')} or {_ns(ctx, 'prod')}.")
    maps = {e: _get(ctx, "ConfigMap", SETTINGS, _ns(ctx, e)) if spaces[e] else None for e in envs}
    wrong_labels = [_ns(ctx, e) for e in envs if spaces[e] is None or labels_of(spaces[e]).get("environment") != e]
    wrong_data = [_ns(ctx, e) for e in envs if maps[e] is None or (maps[e].get("data") or {}).get("environment") != e]
    uids = {m["metadata"]["uid"] for m in maps.values() if m}
    parts = [
        (not wrong_labels, f"namespaces {wrong_labels} are missing or lack their label environment=dev / prod",
         "Label each namespace: `kubectl label namespace <ns>-dev environment=dev` (NetworkPolicies and Pod "
         "Security select namespaces by label)."),
        (not wrong_data and len(uids) == 2,
         f"ConfigMap {SETTINGS} is missing or does not say its environment in {wrong_data}",
         f"Create ConfigMap {SETTINGS} in both namespaces with data environment: dev in one, prod in the other."),
    ]
    return score_parts(parts, f"ConfigMap {SETTINGS} exists twice, uids {sorted(uids)}: a name is unique per "
                              "namespace only.")


@SUITE.check(id="quota-rejects", task=4, points=3,
             title="A ResourceQuota with a LimitRange: pods without requests get defaults, too big a pod is refused",
             hint=f"In <namespace>-dev: a ResourceQuota capping requests.cpu and requests.memory, a LimitRange "
                  "with defaultRequest (and default limits), and lab.answer(ctx, 'quota-rejection', message).")
def quota_rejects(ctx):
    dev = _ns(ctx, "dev")
    if _get(ctx, "Namespace", dev) is None:
        return fail(f"No namespace {dev}.")
    quotas = ctx.clients.core.list_namespaced_resource_quota(dev).items
    if not quotas:
        return fail(f"No ResourceQuota in namespace {dev}.")
    bare = access.dry_run_pod(ctx.clients, dev, "grader-no-requests")
    quota, excess = next(((q, e) for q in quotas for e in [access.over_quota(q)] if e), (quotas[0], None))
    big = access.dry_run_pod(ctx.clients, dev, "grader-too-big", excess[1]) if excess else None
    name = quota.metadata.name
    refused_by_quota = big is not None and big.status == 403 and f"exceeded quota: {name}" in big.message
    recorded = read_answer(ctx, "quota-rejection")
    parts = [
        (bare.allowed, f"a pod without resources is refused: {bare.message}",
         "A quota on requests.cpu/memory makes every pod state them; a LimitRange with defaultRequest (and "
         "default, for limits) fills them in for pods that do not, so they are admitted."),
        (refused_by_quota, f"quota {name} caps neither cpu nor memory" if excess is None else
         f"a pod asking {excess[1]['requests']} was {'admitted' if big.allowed else 'refused otherwise: ' + big.message}",
         "Cap requests.cpu and requests.memory in the ResourceQuota; a LimitRange max lower than the quota "
         "refuses such a pod before the quota is asked."),
        (bool(recorded) and "exceeded quota" in recorded and name in recorded,
         "no answer 'quota-rejection'" if not recorded else f"'quota-rejection' is {_short(recorded)}",
         "Create a pod asking for more than the quota, catch the ApiException (403) and record its message: "
         "it names the quota ('exceeded quota: <name>, requested: ..., used: ..., limited: ...')."),
    ]
    defaults = access.requests_of(bare)
    return score_parts(parts, f"In {dev} a pod without resources gets requests {defaults}; the API refused the "
                              f"grader's big pod: {big.message if big else ''}")


# ---- task 5: a team's identity, limited to one namespace -------------------------------------------------------

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
    spaces = {ctx.namespace, _ns(ctx, "dev"), _ns(ctx, "prod")}
    owners = obj["metadata"].get("ownerReferences") or []
    return obj["metadata"]["name"].startswith(ctx.namespace + "-") and any(
        o.get("kind") == "Namespace" and o.get("name") in spaces for o in owners)


@SUITE.check(id="team-access-reviewed", task=5, points=4,
             title="The team's ServiceAccount may work in <namespace>-dev only, and read nodes (SubjectAccessReview)",
             hint=f"ServiceAccount {ACCOUNT}, Role and RoleBinding in <namespace>-dev, a read-only ClusterRole and "
                  "ClusterRoleBinding named <namespace>-..., owned by the namespace.")
def team_access_reviewed(ctx):
    dev = _ns(ctx, "dev")
    if _get(ctx, "ServiceAccount", ACCOUNT, dev) is None:
        return fail(f"No ServiceAccount {ACCOUNT!r} in namespace {dev}.")
    user, groups = access.service_account_user(dev, ACCOUNT)
    parts = []
    for verb, group, resource, suffix, want in REVIEWS:
        where = _ns(ctx, suffix) if suffix else None
        allowed, reason = access.review(ctx.clients, user, groups, verb, group, resource, where)
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
             if not _owned_by_lab(ctx, b) or not _owned_by_lab(ctx, _get(ctx, "ClusterRole", b["roleRef"]["name"]))]
    parts.append((not stray, f"cluster-scoped objects {stray} are not named <namespace>-... and owned by your "
                             "namespace", "Name ClusterRoles and ClusterRoleBindings after your namespace and give "
                                          "them an ownerReference to it (apiVersion v1, kind Namespace, name, uid): "
                                          "deleting the namespace then deletes them."))
    return score_parts(parts, f"The authorizer allows {ACCOUNT} to work in {dev} and read nodes, and nothing in "
                              f"{_ns(ctx, 'prod')} or cluster-wide beyond reading.")


@SUITE.check(id="team-acts-with-token", task=5, points=3,
             title="Acting as the team with its own token: allowed in <namespace>-dev, denied in <namespace>-prod",
             hint=f"The grader requests a token of {ACCOUNT} and makes real requests with it.")
def team_acts_with_token(ctx):
    dev, prod = _ns(ctx, "dev"), _ns(ctx, "prod")
    if _get(ctx, "ServiceAccount", ACCOUNT, dev) is None:
        return fail(f"No ServiceAccount {ACCOUNT!r} in namespace {dev}.")
    team = access.token_clients(ctx.clients, dev, ACCOUNT)
    probe = {"metadata": {"name": "grader-probe"}, "data": {"probe": "1"}}
    acts = (
        (f"list pods in {dev}", True, lambda: team.core.list_namespaced_pod(dev, limit=1)),
        (f"create a Deployment in {dev} (dry run)", True,
         lambda: team.apps.create_namespaced_deployment(dev, access.deployment("grader-probe"), dry_run="All")),
        ("list nodes", True, lambda: team.core.list_node(limit=1)),
        (f"list pods in {prod}", False, lambda: team.core.list_namespaced_pod(prod, limit=1)),
        (f"create a ConfigMap in {prod} (dry run)", False,
         lambda: team.core.create_namespaced_config_map(prod, probe, dry_run="All")),
        ("create a namespace (dry run)", False,
         lambda: team.core.create_namespace({"metadata": {"name": f"{ctx.namespace}-probe"}}, dry_run="All")),
    )
    parts, denials = [], []
    for what, want, call in acts:
        got = access.ask(call)
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
                              f"rest, e.g. {_short(denials[0] if denials else '', 160)}.")


# ---- task 6: labels and selectors -------------------------------------------------------------------------------

def _deployments(ctx, selector: str | None = None) -> list[dict]:
    return find.by_label(ctx.clients, "Deployment", ctx.namespace, selector)


@SUITE.check(id="label-scheme", task=6, points=2, title="Six Deployments labelled per the scheme, pods too",
             hint="Each Deployment and its pod template carry exactly the scheme's labels of the table in task 6.")
def label_scheme(ctx):
    live = {d["metadata"]["name"]: d for d in _deployments(ctx)}
    if not set(SCHEME) & set(live):
        return fail(f"No Deployments {sorted(SCHEME)} in namespace {ctx.namespace}.")
    problems, good = [], 0
    for name, want in SCHEME.items():
        dep = live.get(name)
        if dep is None:
            problems.append(f"no Deployment {name}")
            continue
        pods = labels_of(dep["spec"]["template"])
        wrong = [f"{where} {k}={have.get(k, '<none>')} (want {want.get(k, '<none>')})"
                 for where, have in (("labels", labels_of(dep)), ("pod labels", pods))
                 for k in SCHEME_KEYS if have.get(k) != want.get(k)]
        if wrong:
            problems.append(f"{name}: " + ", ".join(wrong[:3]))
        elif not (dep.get("status") or {}).get("readyReplicas"):
            problems.append(f"{name} has no Ready pod")
        else:
            good += 1
    if good == len(SCHEME):
        return ok(f"All {good} Deployments and their pods carry the scheme's labels and run.")
    return partial(good / len(SCHEME), "; ".join(problems) + ".",
                   "Copy each row of the table into metadata.labels and spec.template.metadata.labels; a key "
                   "the table leaves empty must be absent (selectors on 'no label' depend on it).")


@SUITE.check(id="selectors", task=6, points=5,
             title="Equality and set-based selectors select exactly the Deployments asked for",
             hint="Record each selector string with lab.answer(ctx, 'selector-...', '...') (task 6).")
def selectors(ctx):
    answers = read_answers(ctx, *(a.answer for a in ASKED))
    if not any(answers.values()):
        return missing_answer(*(a.answer for a in ASKED))
    parts = []
    for asked in ASKED:
        text = answers[asked.answer]
        if not text:
            parts.append((False, f"no answer {asked.answer!r}", asked.hint))
            continue
        try:
            got = {d["metadata"]["name"] for d in _deployments(ctx, text)}
        except (ApiException, DynamicApiError) as exc:
            parts.append((False, f"{asked.answer} {_short(text)} is refused by the API server: "
                                 f"{access.api_message(exc)}", asked.hint))
            continue
        right_set, right_op = got == asked.wants, uses_asked_operator(text, asked.operator)
        if right_set and right_op:
            parts.append((True, "", None))
            continue
        why = [] if right_set else [f"selects {sorted(got)} instead of {sorted(asked.wants)}"]
        if not right_op:
            why.append(f"does not use {'only equality' if asked.operator == 'equality' else asked.operator!r}")
        parts.append((False, f"{asked.answer} {_short(text)} ({asked.describe}) " + " and ".join(why), asked.hint))
    return score_parts(parts, "Each selector returns exactly the Deployments asked for, with the operator asked.")


def _deployment_of(ctx) -> dict[str, str]:
    """Pod name -> the Deployment owning it (through its ReplicaSet), for the lab namespace."""
    rs_owner = {rs["metadata"]["name"]: ref.get("name") for rs in find.by_label(ctx.clients, "ReplicaSet", ctx.namespace)
                for ref in rs["metadata"].get("ownerReferences") or [] if ref.get("kind") == "Deployment"}
    return {p["metadata"]["name"]: rs_owner.get(ref.get("name"))
            for p in find.pods(ctx.clients, ctx.namespace)
            for ref in p["metadata"].get("ownerReferences") or [] if ref.get("kind") == "ReplicaSet"}


@SUITE.check(id="service-selects-by-labels", task=6, points=2,
             title="Service shop-frontend finds both frontend Deployments' pods by label, and nothing else",
             hint=f"Service {SERVICE} with selector app: shop, tier: frontend.")
def service_selects_by_labels(ctx):
    service = _get(ctx, "Service", SERVICE)
    if service is None:
        return fail(f"No Service {SERVICE!r} in namespace {ctx.namespace}.")
    owners = _deployment_of(ctx)
    ready, _ = endpoint_addresses(ctx, SERVICE)
    behind = {owners.get(p) or p for p in ready}
    want = {"shop-web", "shop-web-canary"}
    selector = service["spec"].get("selector") or {}
    parts = [
        (want <= behind, f"its ready endpoints come from {sorted(behind) or 'no pod'}, not from both {sorted(want)}",
         "The selector must match labels that stable and canary frontend pods share (app, tier), not release."),
        (behind <= want, f"it also sends traffic to {sorted(behind - want)}",
         "Add tier: frontend to the selector: app: shop alone matches the api and the cache too."),
    ]
    label_set = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    return score_parts(parts, f"{SERVICE} selects {label_set}: the pods of {sorted(behind)}, whatever their "
                              "names, now and after any rollout.")


# ---- task 7: annotations -----------------------------------------------------------------------------------------

@SUITE.check(id="annotations", task=7, points=4,
             title="shop-web annotated: build, contact, change cause, a tool's configuration",
             hint=f"Annotate Deployment {ANNOTATED} with {BUILD}, {CONTACT}, {CHANGE_CAUSE}, and its pod template "
                  f"with {DEFAULT_CONTAINER}.")
def annotations(ctx):
    dep = _get(ctx, "Deployment", ANNOTATED)
    if dep is None:
        return fail(f"No Deployment {ANNOTATED!r} in namespace {ctx.namespace}.")
    notes = annotations_of(dep)
    revision = notes.get(REVISION)
    current = [rs for rs in find.by_label(ctx.clients, "ReplicaSet", ctx.namespace)
               if annotations_of(rs).get(REVISION) == revision
               and any(r.get("uid") == dep["metadata"]["uid"] for r in rs["metadata"].get("ownerReferences") or [])]
    cause = notes.get(CHANGE_CAUSE)
    contact = notes.get(CONTACT)
    as_label = None
    if contact:  # would the API take the contact as a label value? It decides, with dryRun.
        as_label = access.ask(ctx.clients.apps.patch_namespaced_deployment, ANNOTATED, ctx.namespace,
                              {"metadata": {"labels": {CONTACT: contact}}}, dry_run="All")
    pods = [p for p in find.pods(ctx.clients, ctx.namespace) if is_ready(p) and not is_terminating(p)
            and selects(dep["spec"]["selector"].get("matchLabels"), labels_of(p))]
    pod = pods[0] if pods else None
    default = annotations_of(pod).get(DEFAULT_CONTAINER) if pod else None
    names = [c["name"] for c in (pod or {}).get("spec", {}).get("containers") or []]
    in_labels = sorted(k for k in (BUILD, CONTACT, CHANGE_CAUSE) if k in labels_of(dep))
    parts = [
        (bool(notes.get(BUILD)) and not in_labels,
         f"{BUILD} is missing" if not notes.get(BUILD) else f"{in_labels} are labels",
         f"Put build and release information in the annotation {BUILD} (e.g. commit, pipeline, date); labels "
         "are for selecting."),
        (bool(contact) and as_label is not None and not as_label.allowed,
         f"{CONTACT} is missing" if not contact else
         f"the contact {_short(contact)} would fit in a label value, so it shows nothing a label could not hold",
         "Write a full contact (\"Name <mail@example.com>, #channel\"): the API refuses that as a label value "
         "(at most 63 characters of letters, digits, '-', '_', '.'), and annotations exist for such values."),
        (bool(cause) and len(current) == 1 and annotations_of(current[0]).get(CHANGE_CAUSE) == cause,
         f"{CHANGE_CAUSE} is missing" if not cause else
         f"the current ReplicaSet (revision {revision}) does not carry the change cause {_short(cause)}",
         f"Set {CHANGE_CAUSE} on the Deployment with each change: the Deployment controller copies it to the "
         "ReplicaSet of that revision, and `kubectl rollout history` shows it."),
        (bool(default) and default in names,
         f"{ANNOTATED}'s pods have no Ready pod" if pod is None else f"{DEFAULT_CONTAINER} is missing" if not
         default else f"{DEFAULT_CONTAINER} names {_short(default)}, not one of the containers {names}",
         f"Annotate the pod template (spec.template.metadata.annotations) with {DEFAULT_CONTAINER}: web, so "
         "`kubectl logs` and `kubectl exec` pick that container without -c."),
    ]
    return score_parts(parts, f"{ANNOTATED} carries its build, contact (refused as a label: "
                              f"{as_label.message if as_label else ''}), change cause {_short(cause)} (revision "
                              f"{revision}) and kubectl's default container {default}.")
