"""Storage: Pod -> PersistentVolumeClaim -> PersistentVolume -> StorageClass, with phases.

A claim is a request, a volume is the supply, a class is how supply is made. With `WaitForFirstConsumer`
(kind's `standard` class) a claim stays Pending until a pod using it is scheduled: drawn as a dashed edge to the
class saying so. Pods also list their other volumes (emptyDir, configMap, secret, hostPath) so one picture shows
every kind of volume a pod mounts.
"""

from __future__ import annotations

from collections import defaultdict

from .. import render
from ..model import Claim, PersistentVolume, Pod, Snapshot, StorageClass
from ..render import COLORS, KIND_COLORS, Diagram

PARTS = {"pods", "storage"}
PHASE_HEALTH = {"Bound": "ok", "Pending": "progress", "Available": "progress", "Released": "done",
                "Lost": "bad", "Failed": "bad"}


def draw(snap: Snapshot, *, max_pods: int = 6, other_volumes: bool = True) -> Diagram:
    """Draw the claims of the snapshot's namespace, the pods using them, their volumes and classes.

    `other_volumes=False` leaves out pods that mount no claim.
    """
    g = render.new_graph("storage", "Storage", snap)
    claims = sorted(snap.in_namespace(snap.claims), key=lambda c: c.name)
    claim_keys = {(c.namespace, c.name) for c in claims}
    users: dict[tuple[str, str], list[Pod]] = defaultdict(list)
    hidden = 0
    for pod in snap.in_namespace(snap.pods):
        for claim in pod.claims:
            users[(pod.namespace, claim)].append(pod)

    # Pods first (left), one column; claims a pod mounts but the snapshot lacks are drawn as missing.
    drawn_pods: set[str] = set()
    pods_for_volumes = [p for p in snap.in_namespace(snap.pods)
                        if p.claims or (other_volumes and any(v.kind != "persistentVolumeClaim" for v in p.volumes))]
    for pod in sorted(pods_for_volumes, key=render.pod_sort_key):
        for claim in pod.claims:
            if (pod.namespace, claim) not in claim_keys:
                cid = render.node_id("PersistentVolumeClaim", claim, pod.namespace)
                g.node(cid, render.label(claim, "missing: no such claim", kind="PersistentVolumeClaim"),
                       fillcolor=COLORS["bad"][0], color=COLORS["bad"][1])
    for key, pods in users.items():  # truncate per claim: a shared RWX claim can have many users
        shown, extra = render.take(sorted(pods, key=render.pod_sort_key), max_pods)
        cid = render.node_id("PersistentVolumeClaim", key[1], key[0])
        for p in shown:
            pid = render.node_id("Pod", p.name, p.namespace)
            if pid not in drawn_pods:
                drawn_pods.add(pid)
                _pod(g, p)
            g.edge(pid, cid, label=f" {_mount_name(p, key[1])}")
        if extra:
            hidden += extra
            g.edge(render.more_node(g, cid + "/users", extra), cid, style="dashed")
    loose = [p for p in pods_for_volumes if not p.claims]
    if loose:
        with g.subgraph(name="cluster_ephemeral") as sub:
            sub.attr(label="pods with only ephemeral or config volumes (gone with the pod)", style="rounded,dashed",
                     color="#cfd8dc", fontsize="10")
            shown, extra = render.take(sorted(loose, key=render.pod_sort_key), max_pods)
            for p in shown:
                _pod(sub, p)
            if extra:
                hidden += extra
                render.more_node(sub, "storage/no-claim", extra)

    volumes = {v.name: v for v in snap.volumes}
    classes = {c.name: c for c in snap.storage_classes}
    drawn_classes: set[str] = set()

    def sc(name: str) -> str:
        if name not in drawn_classes:
            drawn_classes.add(name)
            _class(g, classes.get(name), name)
        return render.node_id("StorageClass", name)

    for claim in claims:
        cid = _claim(g, claim)
        pv = volumes.get(claim.volume) if claim.volume else None
        if pv is not None:
            g.edge(cid, _volume(g, pv), label=" bound")
            if pv.storage_class:
                g.edge(render.node_id("PersistentVolume", pv.name), sc(pv.storage_class), label=" provisioned by",
                       style="dotted")
        elif claim.volume:
            g.edge(cid, render.node_id("PersistentVolume", claim.volume), label=" bound (volume not read)")
        elif claim.storage_class:
            waiting = classes.get(claim.storage_class)
            if waiting and waiting.binding_mode == "WaitForFirstConsumer":
                why = " waits for a pod to be scheduled" if not users.get((claim.namespace, claim.name)) \
                    else " provisioning for the pod's node"
            else:
                why = " provisioning"
            g.edge(cid, sc(claim.storage_class), label=why, style="dashed", color=COLORS["progress"][1])
    # Volumes left behind by deleted claims of this namespace (Released), or free ones: the reclaim policy at work.
    for pv in sorted(snap.volumes, key=lambda v: v.name):
        if pv.phase in ("Released", "Available", "Failed") and (
                snap.namespace is None or (pv.claim and pv.claim[0] == snap.namespace)):
            _volume(g, pv)
            if pv.storage_class:
                g.edge(render.node_id("PersistentVolume", pv.name), sc(pv.storage_class), style="dotted")
    if not claims and not pods_for_volumes:
        g.node("empty", "no volumes or claims here", shape="plaintext", style="")
    return Diagram(g, snap, hidden=hidden)


def _mount_name(pod: Pod, claim: str) -> str:
    return next((v.name for v in pod.volumes if v.kind == "persistentVolumeClaim" and v.source == claim), "")


def _pod(g, pod: Pod) -> str:
    others = [f"{v.kind}: {v.name}" + (f" ({v.source})" if v.source and v.source != v.name else "")
              for v in pod.volumes if v.kind != "persistentVolumeClaim"]
    return render.pod_node(g, pod, extra=others)


def _phase_colors(phase: str) -> tuple[str, str]:
    return COLORS[PHASE_HEALTH.get(phase, "unknown")]


def _claim(g, c: Claim) -> str:
    cid = render.node_id("PersistentVolumeClaim", c.name, c.namespace)
    size = c.capacity or c.request
    fill, border = _phase_colors(c.phase)
    g.node(cid, render.label(c.name, f"{c.phase}  {size}", " ".join(c.access_modes),
                             f"class {c.storage_class}" if c.storage_class else "no class",
                             kind="PersistentVolumeClaim"),
           fillcolor=fill, color=border, shape="box")
    return cid


def _volume(g, pv: PersistentVolume) -> str:
    vid = render.node_id("PersistentVolume", pv.name)
    fill, border = _phase_colors(pv.phase)
    g.node(vid, render.label(pv.name, f"{pv.phase}  {pv.capacity}  reclaim {pv.reclaim_policy}",
                             render.shorten(pv.source),
                             f"on node {pv.node}" if pv.node else "",
                             f"claim {pv.claim[0]}/{pv.claim[1]}" if pv.claim and pv.phase != "Bound" else "",
                             kind="PersistentVolume"),
           fillcolor=fill, color=border, shape="cylinder", tooltip=pv.source or pv.name)
    return vid


def _class(g, c: StorageClass | None, name: str) -> str:
    sid = render.node_id("StorageClass", name)
    if c is None:
        g.node(sid, render.label(name, "no such StorageClass", kind="StorageClass"), fillcolor=COLORS["bad"][0],
               color=COLORS["bad"][1])
    else:
        g.node(sid, render.label(name + (" (default)" if c.default else ""), c.provisioner, c.binding_mode,
                                 f"reclaim {c.reclaim_policy}", kind="StorageClass"),
               fillcolor=KIND_COLORS["StorageClass"], shape="component")
    return sid
