"""Checks for lab 07, "Configuration, namespaces, access, labels and annotations": the lab's table of checks.

Every verdict comes from the cluster: values read from inside the running pod, a ConfigMap the grader changes
itself and watches arrive (or not) in the pod, the bytes etcd stores, the API's answer to pods the grader submits
(dry run) to a quota, the authorizer's verdict and real requests made with a token of the team's account, the
Deployments the API server returns for the learner's selector strings. The checks of tasks 1, 4-5 and 6-7 live
beside their helpers, in ``lab07_config``, ``lab07_access`` and ``lab07_labels``; this module declares them all,
in task order, and holds the two small ones of tasks 2 and 3.
"""

from __future__ import annotations

from labsupport import etcd, find
from labsupport.answers import read_answers
from labsupport.checks import CheckSuite, fail
from labsupport.facts import is_control_plane, labels_of
from labsupport.labs import lab07_access as access
from labsupport.labs import lab07_config as config
from labsupport.labs import lab07_labels as labels
from labsupport.labs.common import missing_answer, score_parts
from labsupport.labs.lab07_common import (ACCOUNT, ANNOTATED, BUILD, CHANGE_CAUSE, CONFIGMAP, CONTACT,
                                          DEFAULT_CONTAINER, KEY, POD, SECRET, SECRET_KEY, SERVICE, SETTINGS,
                                          extra_ns, get, secret_value, short)

SUITE = CheckSuite("07", "Configuration, namespaces, access, labels and annotations")


def _control_plane(ctx) -> str:
    nodes = find.by_label(ctx.clients, "Node", None)
    return next((n["metadata"]["name"] for n in nodes if is_control_plane(n)), f"{ctx.cluster_name}-control-plane")


SUITE.check(id="config-injected", task=1, points=5,
            title="ConfigMap and Secret reach the pod as environment variables and as files",
            hint=f"Pod {POD}: env from {CONFIGMAP}/{KEY} and {SECRET}/{SECRET_KEY}, {CONFIGMAP} mounted as a "
                 f"directory and its key {KEY} once more with subPath, {SECRET} mounted as files.")(
    config.config_injected)


SUITE.check(id="config-updates", task=1, points=3,
            title="Changing the ConfigMap: the mounted file follows, the variable and the subPath file do not",
            hint="Record which of env, file, subpath showed the new value after your change: "
                 "lab.answer(ctx, 'updates-in-place', [...]).")(
    config.config_updates)


@SUITE.check(id="secret-not-encrypted", task=2, points=3,
             title="A Secret is only base64: decoded from the API, read in plain text from etcd",
             hint="Record 'decoded-password', 'etcd-key' and 'etcd-plaintext' (task 2).")
def secret_not_encrypted(ctx):
    secret = get(ctx, "Secret", SECRET)
    if secret is None:
        return fail(f"No Secret {SECRET!r} in namespace {ctx.namespace}.")
    answers = read_answers(ctx, "decoded-password", "etcd-key", "etcd-plaintext")
    if not any(answers.values()):
        return missing_answer("decoded-password", "etcd-key", "etcd-plaintext")
    password = secret_value(secret, SECRET_KEY) or ""
    key = f"/registry/secrets/{ctx.namespace}/{SECRET}"
    stored = etcd.value(_control_plane(ctx), key)
    if stored is None:
        return fail(f"etcd has no key {key}.", "Is the Secret in your namespace?")
    encrypted = stored.startswith(b"k8s:enc:")
    plain = bool(password) and password.encode() in stored
    claimed = (answers["etcd-plaintext"] or "").lower()
    parts = [
        (answers["decoded-password"] == password, f"'decoded-password' is {short(answers['decoded-password'])}, "
         f"not what {SECRET}'s data.{SECRET_KEY} decodes to",
         f"`kubectl get secret {SECRET} -o jsonpath='{{.data.{SECRET_KEY}}}' | base64 -d`: anyone allowed to "
         "read the Secret reads the password."),
        (answers["etcd-key"] == key, f"'etcd-key' is {short(answers['etcd-key'])}, not the Secret's key",
         "Keys are /registry/<resource>/<namespace>/<name>: list /registry/secrets/<your namespace>/."),
        (claimed in (("true", "yes") if plain else ("false", "no")),
         f"'etcd-plaintext' is {short(answers['etcd-plaintext'])}, but etcd "
         f"{'does' if plain else 'does not'} hold the password in plain text",
         "Look for the password's bytes in etcd's value: without an EncryptionConfiguration the API server "
         "stores Secrets unencrypted (prefix k8s\\x00, then protobuf)."),
    ]
    how = ("encrypted at rest (prefix " + stored[:20].decode(errors="replace") + ")" if encrypted else
           f"stored as {stored[:4]!r} + protobuf, password in plain text" if plain else "not in plain text")
    return score_parts(parts, f"{key} is {how}; you decoded the password and found it there.")


@SUITE.check(id="same-name", task=3, points=2, title="One name, two namespaces, two different objects",
             hint=f"Namespaces <namespace>-dev and <namespace>-prod (label environment=dev / prod), each with a "
                  f"ConfigMap {SETTINGS} whose environment key says dev / prod.")
def same_name(ctx):
    envs = ("dev", "prod")
    spaces = {e: get(ctx, "Namespace", extra_ns(ctx, e)) for e in envs}
    if not any(spaces.values()):
        return fail(f"No namespace {extra_ns(ctx, 'dev')} or {extra_ns(ctx, 'prod')}.")
    maps = {e: get(ctx, "ConfigMap", SETTINGS, extra_ns(ctx, e)) if spaces[e] else None for e in envs}
    wrong_labels = [extra_ns(ctx, e) for e in envs
                    if spaces[e] is None or labels_of(spaces[e]).get("environment") != e]
    wrong_data = [extra_ns(ctx, e) for e in envs
                  if maps[e] is None or (maps[e].get("data") or {}).get("environment") != e]
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


SUITE.check(id="quota-rejects", task=4, points=3,
            title="A ResourceQuota with a LimitRange: pods without requests get defaults, too big a pod is refused",
            hint="In <namespace>-dev: a ResourceQuota capping requests.cpu and requests.memory, a LimitRange "
                 "with defaultRequest (and default limits), and lab.answer(ctx, 'quota-rejection', message).")(
    access.quota_rejects)


SUITE.check(id="team-access-reviewed", task=5, points=4,
            title="The team's ServiceAccount may work in <namespace>-dev only, and read nodes (SubjectAccessReview)",
            hint=f"ServiceAccount {ACCOUNT}, Role and RoleBinding in <namespace>-dev, a read-only ClusterRole and "
                 "ClusterRoleBinding named <namespace>-..., owned by the namespace.")(
    access.team_access_reviewed)


SUITE.check(id="team-acts-with-token", task=5, points=3,
            title="Acting as the team with its own token: allowed in <namespace>-dev, denied in <namespace>-prod",
            hint=f"The grader requests a token of {ACCOUNT} and makes real requests with it.")(
    access.team_acts_with_token)


SUITE.check(id="label-scheme", task=6, points=2, title="Six Deployments labelled per the scheme, pods too",
            hint="Each Deployment and its pod template carry exactly the scheme's labels of the table in task 6.")(
    labels.label_scheme)


SUITE.check(id="selectors", task=6, points=5,
            title="Equality and set-based selectors select exactly the Deployments asked for",
            hint="Record each selector string with lab.answer(ctx, 'selector-...', '...') (task 6).")(
    labels.selectors)


SUITE.check(id="service-selects-by-labels", task=6, points=2,
            title="Service shop-frontend finds both frontend Deployments' pods by label, and nothing else",
            hint=f"Service {SERVICE} with selector app: shop, tier: frontend.")(
    labels.service_selects_by_labels)


SUITE.check(id="annotations", task=7, points=4,
            title="shop-web annotated: build, contact, change cause, a tool's configuration",
            hint=f"Annotate Deployment {ANNOTATED} with {BUILD}, {CONTACT}, {CHANGE_CAUSE}, and its pod template "
                 f"with {DEFAULT_CONTAINER}.")(
    labels.annotations)
