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

from labsupport.errors import ExecError
from labsupport.podexec import exec_in_pod

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
    """The variable's value in the running container (None when unset), as `printenv` shows it."""
    result = exec_in_pod(ctx.clients, ctx.namespace, pod, ["printenv", variable], container=container, timeout=20)
    return _strip(result.stdout) if result.ok else None


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
