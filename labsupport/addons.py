"""Cluster add-ons: one folder each under clusters/addons/, applied after `kind create cluster` and waited for.

A folder holds ``addon.yaml`` (what to apply, what to wait for), its manifests, and optionally a
``component.sh`` that builds its images (clusters/addons/README.md has the format). ``install`` makes sure
every node has the add-on's images, applies its manifests, then waits for what it declares, by watch with a
deadline; a timeout names the object, its status and its recent events.

>>> install(clients, "kindlab", discover())      # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from labsupport import kindnet, versions
from labsupport.errors import AddonError, ApplyError
from labsupport.kube import Clients, list_items, resource_for
from labsupport.manifests import apply
from labsupport.waits import rolled_out, wait_for

ADDONS_DIR = versions.CLUSTERS / "addons"
DEFAULT_ORDER = 50
DEFAULT_TIMEOUT = 180
_ADDON_KEYS = {"description", "order", "timeout", "manifests", "waits", "info"}
_WAIT_KEYS = {"kind", "condition", "namespace", "name", "apiVersion"}
# A manifest named "$OUT/..." is one the add-on's component.sh renders into its cache directory at build time
# (upstream YAML stays out of the repository).
BUILT = "$OUT/"
_VERSION_REF = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)\}?")


def cache_dir() -> Path:
    """Where the build puts its outputs (clusters/build/lib.sh: $KINDLAB_CACHE)."""
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kindlab"
    return Path(os.environ.get("KINDLAB_CACHE") or default)


def component_out(folder: Path) -> Path:
    """$OUT of the add-on's component.sh: $KINDLAB_CACHE/<name>-<version>, its version= line read as bash does."""
    source = folder / "component.sh"
    try:
        line = next(l for l in source.read_text().splitlines() if l.startswith("version="))
    except (OSError, StopIteration) as exc:
        raise AddonError(f"{source} has no version= line", hint="Start it with version=$SOME_VERSION "
                         "(clusters/components/README.md).") from exc
    version = _VERSION_REF.sub(lambda m: versions.get(m.group(1)), line.removeprefix("version=").strip())
    return cache_dir() / f"{folder.name}-{version}"


@dataclass(frozen=True)
class Wait:
    kind: str
    condition: str
    namespace: str | None = None
    name: str | None = None  # None: every object of `kind` (in `namespace`)
    api_version: str | None = None

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name or '*'} {self.condition}"


@dataclass(frozen=True)
class Addon:
    name: str
    folder: Path
    description: str
    order: int = DEFAULT_ORDER
    timeout: float = DEFAULT_TIMEOUT
    manifests: tuple[Path, ...] = ()
    waits: tuple[Wait, ...] = ()
    info: dict[str, str] = field(default_factory=dict)

    @property
    def has_component(self) -> bool:
        return (self.folder / "component.sh").is_file()


def parse(folder: Path, text: str | None = None) -> Addon:
    """The add-on declared in ``folder/addon.yaml`` (``text`` instead of the file, for tests)."""
    source = folder / "addon.yaml"
    hint = f"Fix {source} (format: clusters/addons/README.md)."
    try:
        doc = yaml.safe_load(source.read_text() if text is None else text) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AddonError(f"cannot read {source}: {exc}", hint=hint) from exc
    if not isinstance(doc, dict):
        raise AddonError(f"{source} is not a mapping", hint=hint)
    unknown = sorted(set(doc) - _ADDON_KEYS)
    if unknown:
        raise AddonError(f"{source}: unknown keys {unknown} (known: {sorted(_ADDON_KEYS)})", hint=hint)
    if not doc.get("description"):
        raise AddonError(f"{source}: no description", hint=hint)
    manifests = []
    for name in doc.get("manifests") or []:
        if str(name).startswith(BUILT):
            if not (folder / "component.sh").is_file():
                raise AddonError(f"{source}: {name} needs a component.sh that builds it", hint=hint)
            manifests.append(component_out(folder) / str(name)[len(BUILT):])  # made by the build: checked at install
            continue
        manifests.append(folder / name)
        if not manifests[-1].is_file():
            raise AddonError(f"{source}: manifest {name} is not in {folder}", hint=hint)
    waits = []
    for number, item in enumerate(doc.get("waits") or [], 1):
        if not isinstance(item, dict) or not item.get("kind") or not item.get("condition") \
                or set(item) - _WAIT_KEYS:
            raise AddonError(f"{source}: wait {number} {item!r} needs kind and condition, and only {sorted(_WAIT_KEYS)}",
                             hint=hint)
        waits.append(Wait(str(item["kind"]), str(item["condition"]), item.get("namespace"), item.get("name"),
                          item.get("apiVersion")))
    try:
        order, timeout = int(doc.get("order", DEFAULT_ORDER)), float(doc.get("timeout", DEFAULT_TIMEOUT))
    except (TypeError, ValueError) as exc:
        raise AddonError(f"{source}: order and timeout must be numbers", hint=hint) from exc
    info = doc.get("info") or {}
    if not isinstance(info, dict):
        raise AddonError(f"{source}: info must be a mapping of names to values", hint=hint)
    return Addon(folder.name, folder, str(doc["description"]), order, timeout, tuple(manifests), tuple(waits),
                 {str(k): str(v) for k, v in info.items()})


def discover(root: Path = ADDONS_DIR) -> list[Addon]:
    """Every add-on under ``root``, in the order they are applied (``order``, then name)."""
    found = [parse(folder) for folder in sorted(root.iterdir()) if (folder / "addon.yaml").is_file()]
    return sorted(found, key=lambda a: (a.order, a.name))


# ---- images ---------------------------------------------------------------------------------------------------

def declared_images(addons: list[Addon]) -> dict[str, list[str]]:
    """Add-on name -> the images its component.sh declares (read through the build's own loader)."""
    wanted = {a.name for a in addons if a.has_component}
    if not wanted:
        return {}
    out = subprocess.run(["bash", str(versions.CLUSTERS / "build" / "components.sh"), "--images"],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AddonError(f"cannot list the declared images: {out.stderr.strip()[-500:]}",
                         hint="Fix the component declaration the message names (clusters/components/README.md).")
    images: dict[str, list[str]] = {name: [] for name in wanted}
    for line in out.stdout.splitlines():
        component, tag, _preload = line.split()
        if component in wanted:
            images[component].append(tag)
    return images


def image_ref(name: str) -> str:
    """``name`` as the container runtime lists it: docker.io for names without a registry, :latest when untagged."""
    first, _, rest = name.partition("/")
    if not rest:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    if "@" not in name and ":" not in name.rpartition("/")[2]:
        name += ":latest"
    return name


def node_images(nodes: list[str]) -> dict[str, frozenset[str]]:
    """The image names each node's containerd holds: one `crictl images` per node, all nodes at once."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    def listed(node: str) -> frozenset[str]:
        out = subprocess.run(["docker", "exec", node, "crictl", "images", "-o", "json"],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise AddonError(f"cannot list the images on node {node}: {out.stderr.strip()[-300:]}",
                             hint=f"Check the node runs: `docker exec {node} crictl info`.")
        return frozenset(ref for image in json.loads(out.stdout).get("images") or []
                         for ref in (image.get("repoTags") or []) + (image.get("repoDigests") or []))

    with ThreadPoolExecutor(max_workers=max(1, len(nodes))) as pool:
        return dict(zip(nodes, pool.map(listed, nodes)))


def ensure_images(cluster: str, images: list[str], nodes: list[str], *,
                  present: dict[str, frozenset[str]] | None = None, log=sys.stderr) -> list[str]:
    """Load into the nodes (kind load) each image some node lacks and this machine's Docker has; return them.

    ``present`` is what node_images says (listed here when not given). The offline node image already holds
    every declared image; kind's published one does not. An image neither a node nor Docker has is left for
    the node to pull (a connected machine), and the add-on's wait then shows the pull error if it cannot.
    """
    present = node_images(nodes) if present is None else present
    loaded = []
    for image in images:
        missing = [n for n in nodes if image_ref(image) not in present.get(n, frozenset())]
        if not missing:
            continue
        if subprocess.run(["docker", "image", "inspect", image], capture_output=True, timeout=30).returncode != 0:
            print(f"[kindlab] {image} is on no node and not in Docker: nodes will try to pull it", file=log, flush=True)
            continue
        out = subprocess.run([shutil.which("kind") or "kind", "load", "docker-image", image, "--name", cluster,
                              "--nodes", ",".join(missing)], capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise AddonError(f"kind could not load {image} into {', '.join(missing)}: {out.stderr.strip()[-500:]}",
                             hint="Check `docker image inspect " + image + "` and the nodes' free disk space.")
        loaded.append(image)
    return loaded


# ---- apply and wait -------------------------------------------------------------------------------------------

def _daemonset_rolled_out(ds: dict) -> bool:
    meta, st = ds.get("metadata") or {}, ds.get("status") or {}
    want = st.get("desiredNumberScheduled", 0)
    return (st.get("observedGeneration", 0) >= meta.get("generation", 0)
            and st.get("updatedNumberScheduled", 0) == want and st.get("numberAvailable", 0) == want)


def _statefulset_rolled_out(sts: dict) -> bool:
    meta, spec, st = sts.get("metadata") or {}, sts.get("spec") or {}, sts.get("status") or {}
    want = spec.get("replicas", 1)
    return (st.get("observedGeneration", 0) >= meta.get("generation", 0)
            and st.get("updatedReplicas", 0) == want and st.get("readyReplicas", 0) == want
            and st.get("currentRevision") == st.get("updateRevision"))


# labsupport.waits words a timeout from the condition's name: "to be rolled out".
_daemonset_rolled_out.__name__ = _statefulset_rolled_out.__name__ = "rolled_out"
_ROLLED_OUT: dict[str, Callable[[dict], bool]] = {
    "Deployment": rolled_out, "DaemonSet": _daemonset_rolled_out, "StatefulSet": _statefulset_rolled_out}


def condition_for(wait: Wait):
    """The condition labsupport.waits understands for ``wait`` (a name, or a function for rolled-out)."""
    if wait.condition != "rolled-out":
        return wait.condition
    if wait.kind not in _ROLLED_OUT:
        raise AddonError(f"wait {wait}: rolled-out applies to {sorted(_ROLLED_OUT)}, not {wait.kind}",
                         hint="Use a status condition such as Available or Ready for this kind.")
    return _ROLLED_OUT[wait.kind]


def _names(clients: Clients, wait: Wait) -> list[str]:
    resource = resource_for(clients, wait.kind, wait.api_version)
    items, _ = list_items(clients, resource, namespace=wait.namespace if resource.namespaced else None)
    return sorted(item["metadata"]["name"] for item in items)


def wait_one(clients: Clients, wait: Wait, *, timeout: float) -> None:
    """``wait`` met by its object, or by every object of its kind when it names none."""
    deadline = time.monotonic() + timeout
    names = [wait.name] if wait.name else _names(clients, wait)
    if not names:
        raise AddonError(f"wait {wait}: there is no {wait.kind}" + (f" in namespace {wait.namespace}" if wait.namespace else ""),
                         hint="Check the manifests create it, and the wait's kind and namespace.")
    condition = condition_for(wait)
    for name in names:
        wait_for(clients, wait.kind, name, namespace=wait.namespace, condition=condition,
                 timeout=max(1.0, deadline - time.monotonic()), api_version=wait.api_version)


def read_manifest(addon: Addon, path: Path) -> str:
    """A manifest's text with ${KEY} expanded: versions.env's keys and the runtime ones (labsupport.kindnet)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise AddonError(f"add-on {addon.name}: cannot read {path}: {exc}",
                         hint="Build it: `make images` (or `bash clusters/build/components.sh " + addon.name + "`).") from exc
    return versions.expand(text, {**versions.versions(), **kindnet.runtime_values(text)}, source=str(path))


def apply_until(clients: Clients, text: str, deadline: float) -> list[dict]:
    """Apply ``text``; while a webhook that validates it does not answer yet (it is starting), retry until
    ``deadline``. Any other refusal is raised at once."""
    while True:
        try:
            return apply(clients, text)
        except ApplyError as exc:
            if "webhook" not in exc.message or time.monotonic() >= deadline:
                raise
        time.sleep(2)


@dataclass(frozen=True)
class AddonResult:
    name: str
    seconds: float
    images_loaded: tuple[str, ...] = ()


def _groups(addons: list[Addon]) -> list[list[Addon]]:
    """Add-ons of one ``order`` form a group: later groups may depend on earlier ones (their CRDs, webhooks,
    APIs); add-ons of one group do not depend on each other."""
    groups: dict[int, list[Addon]] = {}
    for addon in addons:
        groups.setdefault(addon.order, []).append(addon)
    return [groups[order] for order in sorted(groups)]


def _apply(clients: Clients, cluster: str, addon: Addon, images: list[str], nodes: list[str],
           present: dict[str, frozenset[str]], bar, start: float, log) -> list[str]:
    loaded: list[str] = []
    if images:
        bar.update(message=f"{addon.name}: images")
        loaded = ensure_images(cluster, images, nodes, present=present, log=log)
        bar.step(f"{addon.name}: images on every node")
    for manifest in addon.manifests:
        bar.update(message=f"{addon.name}: applying {manifest.name}")
        applied = apply_until(clients, read_manifest(addon, manifest), start + addon.timeout)
        # Objects of a new CustomResourceDefinition can be applied once it is Established.
        for crd in (o for o in applied if o.get("kind") == "CustomResourceDefinition"):
            wait_for(clients, "CustomResourceDefinition", crd["metadata"]["name"], condition="Established",
                     timeout=max(1.0, start + addon.timeout - time.monotonic()),
                     api_version="apiextensions.k8s.io/v1")
        bar.step(f"{addon.name}: applied {manifest.name}")
    return loaded


def install(clients: Clients, cluster: str, addons: list[Addon], *, nodes: list[str] | None = None,
            log=sys.stderr) -> list[AddonResult]:
    """Images onto the nodes, manifests applied, waits met, with a progress display. Within a group (one
    ``order``) every add-on is applied before any is waited for, so their start-ups overlap instead of adding up;
    each add-on's timeout runs from its group's start."""
    from labsupport.progress import progress

    images = declared_images(addons)
    steps = sum(len(a.manifests) + len(a.waits) + (1 if images.get(a.name) else 0) for a in addons)
    results = []
    with progress(f"Add-ons on cluster {cluster}", total=max(steps, 1), stream=log) as bar:
        present = node_images(nodes) if nodes and any(images.values()) else {}
        for group in _groups(addons):
            start = time.monotonic()
            loaded = {a.name: _apply(clients, cluster, a, images.get(a.name, []), nodes or [], present, bar, start, log)
                      for a in group}
            for addon in group:
                deadline = start + addon.timeout
                for wait in addon.waits:
                    bar.update(message=f"{addon.name}: waiting for {wait}")
                    wait_one(clients, wait, timeout=max(1.0, deadline - time.monotonic()))
                    bar.step(f"{addon.name}: {wait}")
                results.append(AddonResult(addon.name, time.monotonic() - start, tuple(loaded[addon.name])))
    return results
