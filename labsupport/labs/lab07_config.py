"""Lab 07, task 1: where a pod sees a ConfigMap's or Secret's key, and what it sees there, read from inside it.

A key reaches a container in three ways, each read from the pod's spec (so any valid spelling counts: env
``valueFrom`` or ``envFrom`` with a prefix; a ``configMap``/``secret`` volume or a ``projected`` one, with or
without ``items``):

- an environment variable: set once, when the container starts;
- a file in a mounted volume: the kubelet rewrites it (an atomic symlink swap) when the object changes;
- a file mounted with ``subPath``: a bind mount of one file, made at container start and never updated.

The kubelet refreshes volume contents when it syncs the pod: on its periodic sync (``syncFrequency``, 1 min by
default, plus jitter) or at once when the pod object itself changes. ``touch`` changes an annotation of the pod,
so a check sees an update in about a second instead of waiting up to a minute and a half.
"""

from __future__ import annotations

import posixpath
import re
import secrets
from dataclasses import dataclass, field

from labsupport.checks import fail
from labsupport.errors import ExecError
from labsupport.facts import is_ready, is_terminating
from labsupport.labs.common import score_parts
from labsupport.labs.lab07_common import CONFIGMAP, KEY, POD, SECRET, SECRET_KEY, get, secret_value, short
from labsupport.podexec import exec_in_pod
from labsupport.answers import answer_list, read_answer

SYNC_ANNOTATION = "kindlab.dev/grader-sync"  # changed by ``touch``: any change of the pod makes the kubelet sync it
_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")


@dataclass
class Uses:
    """Where one container sees one key of one ConfigMap or Secret."""

    container: str
    env: list[str] = field(default_factory=list)  # variable names
    files: list[str] = field(default_factory=list)  # paths inside a mounted volume: updated in place
    subpath_files: list[str] = field(default_factory=list)  # paths mounted with subPath: frozen at start

    @property
    def any(self) -> bool:
        return bool(self.env or self.files or self.subpath_files)


def _volume_path(volume: dict, kind: str, name: str, key: str) -> str | None:
    """The path of ``key`` of ConfigMap/Secret ``name`` inside ``volume``, or None when the volume lacks it."""
    ref = "secretName" if kind == "Secret" else "name"
    source_key = "secret" if kind == "Secret" else "configMap"
    sources = []
    if (volume.get(source_key) or {}).get(ref) == name:
        sources.append(volume[source_key])
    for projected in (volume.get("projected") or {}).get("sources") or []:
        if (projected.get(source_key) or {}).get("name") == name:  # projected sources say name, even for secrets
            sources.append(projected[source_key])
    for source in sources:
        items = source.get("items")
        if not items:
            return key
        for item in items:
            if item.get("key") == key:
                return item.get("path")
    return None


def uses(pod: dict, kind: str, name: str, key: str, data_keys: list[str] = ()) -> list[Uses]:
    """Every container of ``pod`` that sees ``key`` of ``kind`` (ConfigMap or Secret) ``name``, and how.

    ``data_keys``: all keys of the object, so an ``envFrom`` knows which variables it makes.
    """
    spec = pod.get("spec") or {}
    in_volume = {v.get("name"): _volume_path(v, kind, name, key) for v in spec.get("volumes") or []}
    ref_field = "secretKeyRef" if kind == "Secret" else "configMapKeyRef"
    from_field = "secretRef" if kind == "Secret" else "configMapRef"
    found = []
    for container in spec.get("containers") or []:
        seen = Uses(container.get("name", ""))
        for var in container.get("env") or []:
            ref = (var.get("valueFrom") or {}).get(ref_field) or {}
            if ref.get("name") == name and ref.get("key") == key:
                seen.env.append(var.get("name"))
        for source in container.get("envFrom") or []:
            if (source.get(from_field) or {}).get("name") == name and key in data_keys:
                variable = (source.get("prefix") or "") + key
                if _ENV_NAME.fullmatch(variable) and variable not in seen.env:
                    seen.env.append(variable)
        for mount in container.get("volumeMounts") or []:
            path = in_volume.get(mount.get("name"))
            if path is None:
                continue
            sub = mount.get("subPath")
            if not sub:
                seen.files.append(posixpath.join(mount.get("mountPath", "/"), path))
            elif posixpath.normpath(sub) == posixpath.normpath(path):
                seen.subpath_files.append(mount.get("mountPath"))
        if seen.any:
            found.append(seen)
    return found


def merged(found: list[Uses]) -> Uses:
    """The first container's uses, with the others' added (checks ask "is it seen anywhere in the pod")."""
    if not found:
        return Uses("")
    out = Uses(found[0].container)
    for u in found:
        out.env += [v for v in u.env if v not in out.env]
        out.files += [f for f in u.files if f not in out.files]
        out.subpath_files += [f for f in u.subpath_files if f not in out.subpath_files]
    return out


def container_of(found: list[Uses], what: str, item: str) -> str:
    """The container in which ``item`` (a variable or path of kind ``what``) was found."""
    return next((u.container for u in found if item in getattr(u, what)), found[0].container if found else "")


def _strip(text: str) -> str:
    return text[:-1] if text.endswith("\n") else text


def read_env(ctx, pod: str, container: str, variable: str) -> str | None:
    """The variable's value in the running container (None when unset).

    Read from /proc/self/environ of a `cat` run in the container: exec gets the container's environment, and
    that file separates variables by NUL, so any value reads back exactly (busybox has no printenv here).
    """
    result = exec_in_pod(ctx.clients, ctx.namespace, pod, ["cat", "/proc/self/environ"], container=container,
                         timeout=20)
    if not result.ok:
        return None
    for entry in result.stdout.split("\0"):
        name, sep, value = entry.partition("=")
        if sep and name == variable:
            return value
    return None


def read_file(ctx, pod: str, container: str, path: str) -> str | None:
    """The file's content in the running container, None when it cannot be read."""
    result = exec_in_pod(ctx.clients, ctx.namespace, pod, ["cat", path], container=container, timeout=20)
    return _strip(result.stdout) if result.ok else None


def touch(ctx, pod: str, value: str) -> None:
    """Change an annotation of the pod: the kubelet syncs it at once, refreshing its ConfigMap/Secret files."""
    ctx.clients.core.patch_namespaced_pod(pod, ctx.namespace, {"metadata": {"annotations": {SYNC_ANNOTATION: value}}})


def wait_file(ctx, pod: str, container: str, path: str, want: str, *, timeout: int = 45) -> bool:
    """Wait, inside the container, until ``path`` holds ``want``; False after ``timeout`` seconds.

    One exec that loops in the container's shell (no polling from here); the values travel as arguments, never
    as shell text.
    """
    loop = ('n=0; while [ "$(cat "$1" 2>/dev/null)" != "$2" ]; do n=$((n+1)); [ "$n" -ge "$3" ] && exit 1; '
            'sleep 0.2; done')
    try:
        result = exec_in_pod(ctx.clients, ctx.namespace, pod, ["sh", "-c", loop, "sh", path, want, str(timeout * 5)],
                             container=container, timeout=timeout + 15)
    except ExecError:
        return False
    return result.ok


def synced_file(ctx, pod: str, container: str, path: str, want: str, *, timeout: int = 45) -> str | None:
    """The file's content once it shows ``want`` (asking the kubelet to sync if it does not yet), else as is."""
    if read_file(ctx, pod, container, path) != want:
        touch(ctx, pod, "sync-" + secrets.token_hex(4))  # a new value: an unchanged pod is no update
        wait_file(ctx, pod, container, path, want, timeout=timeout)
    return read_file(ctx, pod, container, path)


# ---- the checks of task 1 (registered in lab07.py) ----

def ready_pod(ctx, name: str):
    """(pod, None) when pod ``name`` is Ready, else (pod or None, the failed Outcome)."""
    pod = get(ctx, "Pod", name)
    if pod is None:
        return None, fail(f"No pod {name!r} in namespace {ctx.namespace}.")
    if not is_ready(pod) or is_terminating(pod):
        phase = (pod.get("status") or {}).get("phase")
        return pod, fail(f"Pod {name} is not Ready (phase {phase}): its values cannot be read from inside it.",
                         f"`kubectl describe pod {name} -n {ctx.namespace}`: a missing ConfigMap, Secret or key "
                         "keeps it in ContainerCreating (event FailedMount or CreateContainerConfigError).")
    return pod, None


def config_injected(ctx):
    pod, problem = ready_pod(ctx, POD)
    if problem:
        return problem
    cm, secret = get(ctx, "ConfigMap", CONFIGMAP), get(ctx, "Secret", SECRET)
    if cm is None or secret is None:
        missing = " and ".join(f"{k} {n!r}" for k, n, o in (("ConfigMap", CONFIGMAP, cm), ("Secret", SECRET, secret))
                               if o is None)
        return fail(f"No {missing} in namespace {ctx.namespace}.")
    current, password = (cm.get("data") or {}).get(KEY), secret_value(secret, SECRET_KEY)
    cm_uses = uses(pod, "ConfigMap", CONFIGMAP, KEY, list((cm.get("data") or {})))
    secret_uses = uses(pod, "Secret", SECRET, SECRET_KEY, list((secret.get("data") or {})))
    cmu, su = merged(cm_uses), merged(secret_uses)

    def env(found, u):
        if not u.env:
            return None
        return read_env(ctx, POD, container_of(found, "env", u.env[0]), u.env[0])

    def file(found, u, what):
        paths = getattr(u, what)
        return read_file(ctx, POD, container_of(found, what, paths[0]), paths[0]) if paths else None

    env_value, sub_value = env(cm_uses, cmu), file(cm_uses, cmu, "subpath_files")
    dir_value = None
    if cmu.files:
        dir_value = synced_file(ctx, POD, container_of(cm_uses, "files", cmu.files[0]), cmu.files[0],
                                       current or "", timeout=30)
    secret_env, secret_file = env(secret_uses, su), file(secret_uses, su, "files")
    # The variable and the subPath file were both fixed at container start: each must match the other or the
    # ConfigMap's current value (the learner may have changed it since).
    parts = [
        (bool(cmu.env) and bool(env_value) and env_value in (current, sub_value),
         f"no environment variable from {CONFIGMAP}/{KEY}" if not cmu.env else
         f"variable {cmu.env[0]} holds {short(env_value)}",
         f"Add env: [{{name: GREETING, valueFrom: {{configMapKeyRef: {{name: {CONFIGMAP}, key: {KEY}}}}}}}] "
         "(or envFrom: configMapRef)."),
        (bool(cmu.files) and dir_value == current,
         f"{CONFIGMAP} is not mounted as a directory (a volume mount without subPath)" if not cmu.files else
         f"{cmu.files[0]} holds {short(dir_value)}, the ConfigMap {short(current)}",
         f"Mount a configMap volume of {CONFIGMAP} at a directory (e.g. /etc/app): each key becomes a file."),
        (bool(cmu.subpath_files) and bool(sub_value) and sub_value in (current, env_value),
         f"{KEY} is not mounted as a single file with subPath" if not cmu.subpath_files else
         f"{cmu.subpath_files[0]} holds {short(sub_value)}",
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


def config_updates(ctx):
    pod, problem = ready_pod(ctx, POD)
    if problem:
        return problem
    cm = get(ctx, "ConfigMap", CONFIGMAP)
    if cm is None:
        return fail(f"No ConfigMap {CONFIGMAP!r} in namespace {ctx.namespace}.")
    found = uses(pod, "ConfigMap", CONFIGMAP, KEY, list((cm.get("data") or {})))
    u = merged(found)
    if not u.files:
        return fail(f"Pod {POD} has no directory mount of {CONFIGMAP}: nothing there can update in place.",
                    f"Mount {CONFIGMAP} as a volume at a directory, without subPath.")
    path, box = u.files[0], container_of(found, "files", u.files[0])
    frozen = [("env", v, container_of(found, "env", v)) for v in u.env[:1]] + \
             [("subpath", p, container_of(found, "subpath_files", p)) for p in u.subpath_files[:1]]

    def read_frozen():
        return {kind: (read_env(ctx, POD, c, item) if kind == "env" else read_file(ctx, POD, c, item))
                for kind, item, c in frozen}

    original = (cm.get("data") or {}).get(KEY, "")
    token = "grader-" + secrets.token_hex(4)
    before = read_frozen()
    core = ctx.clients.core
    core.patch_namespaced_config_map(CONFIGMAP, ctx.namespace, {"data": {KEY: token}})
    try:
        touch(ctx, POD, token)
        followed = wait_file(ctx, POD, box, path, token)
        after = read_frozen()
    finally:  # leave the learner's value in place, and in the file too, as found
        core.patch_namespaced_config_map(CONFIGMAP, ctx.namespace, {"data": {KEY: original}})
        touch(ctx, POD, "restored-" + token)
        wait_file(ctx, POD, box, path, original, timeout=30)
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
         f"(the variable stayed {short(after.get('env'))})",
         "Environment variables are set once, when the container starts, and a subPath file is a bind mount "
         "made at start too: neither follows the ConfigMap. Only files of a mounted volume do; restart the pod "
         "(e.g. `kubectl rollout restart` for a Deployment) for the others."),
    ]
    return score_parts(parts, f"The grader set {KEY}={token}: {path} showed it, the variable and the subPath "
                              f"file kept {sorted(set(v or '' for v in before.values()))}; you recorded "
                              f"{sorted(claimed or [])}.")
