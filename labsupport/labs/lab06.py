"""Checks for lab 06, "Storage".

Each check grades one task of the answer key, solutions/06-storage.ipynb, by reading the live cluster and, where
the point is what survives, by doing it: the checks write their own random token into the learner's volumes,
restart a container (crictl on its node) or delete a pod, and read the token back from what comes back.
Hand-made PersistentVolumes are found by name (``<namespace>-...``), label or claim (``lab06_volumes``).
"""

from __future__ import annotations

import base64

from labsupport import find
from labsupport.checks import CheckSuite, fail, ok, partial
from labsupport.facts import container_status, is_ready, is_terminating, selector_text
from labsupport.labs.common import score_parts, summarize
from labsupport.labs.lab06_probe import (LAYER_PATH, TOKEN_FILE, delete_and_replace, mounts, new_token, read,
                                         ready_pod, restart_container, write)
from labsupport.labs.lab06_volumes import PROVISIONED_BY, hand_made, list_directory, node_names, node_of
from labsupport.waits import wait_for

SUITE = CheckSuite("06", "Storage")

DEMO = "volumes-demo"
PATHS = {"/scratch": "emptyDir", "/keep": "hostPath", "/config": "configMap", "/secret": "secret"}
PHASES = ("Available", "Bound", "Released", "Failed")


def _get(ctx, kind: str, name: str) -> dict | None:
    return find.get(ctx.clients, kind, name, ctx.namespace)


def _demo_pod(ctx) -> tuple[dict | None, str, object]:
    """volumes-demo's Ready pod and its selector, or (None, selector, the failed outcome)."""
    dep = _get(ctx, "Deployment", DEMO)
    if dep is None:
        return None, "", fail(f"No Deployment '{DEMO}' in namespace {ctx.namespace}.")
    selector = selector_text(dep["spec"]["selector"].get("matchLabels") or {})
    pod = ready_pod(ctx, selector)
    if pod is None:
        return None, selector, fail(f"Deployment {DEMO} has no Ready pod (selector {selector}).",
                                    f"`kubectl describe pod -l {selector} -n {ctx.namespace}`: its events say why "
                                    "(a missing ConfigMap or Secret keeps it in ContainerCreating).")
    return pod, selector, None


def _config_files_match(ctx, pod: str, path: str, kind: str, name: str) -> str | None:
    """None when every key of ConfigMap/Secret ``name`` is a file under ``path`` with its value, else why not."""
    obj = _get(ctx, kind, name)
    if obj is None:
        return f"{path} mounts {kind} {name!r}, which does not exist"
    data = dict(obj.get("data") or {})
    if kind == "Secret":
        data = {k: base64.b64decode(v).decode(errors="replace") for k, v in data.items()}
    if not data:
        return f"{kind} {name} holds no data"
    for key, value in sorted(data.items()):
        seen = read(ctx, pod, f"{path}/{key}")
        if seen != value:
            return f"{path}/{key} in pod {pod} is {'missing' if seen is None else 'not the ' + kind + ' value'}"
    return None


def _config_parts(ctx, pod: dict) -> list[tuple[bool, str, str | None]]:
    name, found = pod["metadata"]["name"], mounts(pod)
    parts = []
    for path, (kind, field) in {"/config": ("ConfigMap", "configMap"), "/secret": ("Secret", "secret")}.items():
        if path not in found or found[path][1] != field:
            what = found[path][1] if path in found else "nothing"
            parts.append((False, f"{path} is {what}, not a {field} volume",
                          f"Mount a {field} volume of {kind} {'app-config' if field == 'configMap' else 'app-secret'}"
                          f" at {path}."))
            continue
        source = found[path][2].get("name" if field == "configMap" else "secretName")
        why = _config_files_match(ctx, name, path, kind, source)
        parts.append((why is None, why or "", f"Each key of the {kind} becomes a file of that name under {path}."))
    return parts


@SUITE.check(id="volume-types", task=1, title="One pod mounts emptyDir, hostPath, configMap and secret volumes",
             points=2, hint="Task 1: Deployment volumes-demo mounting /scratch (emptyDir), /keep (hostPath), "
                            "/config (ConfigMap app-config) and /secret (Secret app-secret).")
def volume_types(ctx):
    pod, _, failed = _demo_pod(ctx)
    if pod is None:
        return failed
    found = mounts(pod)
    parts = []
    for path, field in PATHS.items():
        if field in ("configMap", "secret"):
            continue
        what = found[path][1] if path in found else "no volume"
        parts.append((what == field, f"{path} is {what}, not {field}",
                      f"Mount a {field} volume at {path}."))
    parts += _config_parts(ctx, pod)
    return score_parts(parts, f"Pod {pod['metadata']['name']} mounts " +
                       ", ".join(f"{p} ({k})" for p, k in PATHS.items()) +
                       "; the configMap and secret files hold the objects' values.")


def _write_tokens(ctx, pod: str, paths: list[str], token: str) -> list[str]:
    """Write the token into each path; the paths where that failed.

    A failed write is tried once more after the pod's container is running and Ready again (it may have been
    restarting, e.g. right after the restart check).
    """
    broken = [p for p in paths if not write(ctx, pod, p, token)]
    if broken:
        wait_for(ctx.clients, "Pod", pod, namespace=ctx.namespace, timeout=60,
                 condition=lambda p: is_ready(p) and "running" in (container_status(p).get("state") or {}))
        broken = [p for p in broken if not write(ctx, pod, p, token)]
    return broken


@SUITE.check(id="survives-restart", task=1, title="Volumes outlive a container restart; the container's files do "
             "not", points=2, hint="Task 1: /scratch and /keep must be volumes (emptyDir, hostPath) of volumes-demo.")
def survives_restart(ctx):
    pod, _, failed = _demo_pod(ctx)
    if pod is None:
        return failed
    name, token = pod["metadata"]["name"], new_token()
    targets = {"/scratch": f"/scratch/{TOKEN_FILE}", "/keep": f"/keep/{TOKEN_FILE}"}
    broken = _write_tokens(ctx, name, list(targets.values()), token)
    if broken:
        return fail(f"The check could not write a file to {broken} in pod {name}.",
                    "Mount writable volumes at /scratch and /keep (configMap and secret volumes are read-only).")
    # A read-only root filesystem (readOnlyRootFilesystem) is fine: then there is no layer file to lose.
    layered = not _write_tokens(ctx, name, [LAYER_PATH], token)
    pod = restart_container(ctx, pod)
    if layered and read(ctx, name, LAYER_PATH) == token:
        return fail(f"Container {container_status(pod).get('name')} of {name} kept a file of its own filesystem "
                    "across the restart, so it did not really restart.", "Check again.")
    parts = [(read(ctx, name, f) == token, f"the token written to {path} was gone after the container restart",
              f"Mount a volume at {path}: a container's own files are lost when it restarts, a volume's are not.")
             for path, f in targets.items()]
    return score_parts(parts, f"The check restarted {name}'s container (restartCount "
                              f"{container_status(pod).get('restartCount')}): its token is still in /scratch and "
                              f"/keep, while the one in the container's own filesystem ({LAYER_PATH}) is gone.")


@SUITE.check(id="survives-pod-deletion", task=1,
             title="After the pod is deleted: hostPath data stays (same node), emptyDir starts empty", points=3,
             hint="Task 1: /keep must be a hostPath volume and volumes-demo pinned to one node (nodeSelector), so "
                  "the replacement pod finds the same directory.")
def survives_pod_deletion(ctx):
    pod, selector, failed = _demo_pod(ctx)
    if pod is None:
        return failed
    name, token, node = pod["metadata"]["name"], new_token(), pod["spec"].get("nodeName")
    broken = _write_tokens(ctx, name, [f"/scratch/{TOKEN_FILE}", f"/keep/{TOKEN_FILE}"], token)
    if broken:
        return fail(f"The check could not write a file to {broken} in pod {name}.",
                    "Mount writable volumes at /scratch and /keep.")
    new = delete_and_replace(ctx, pod, selector)
    new_name, new_node, found = new["metadata"]["name"], new["spec"].get("nodeName"), mounts(new)
    keep_kind = found.get("/keep", ("", "nothing"))[1]
    kept = read(ctx, new_name, f"/keep/{TOKEN_FILE}") == token
    if kept:
        keep_part = (True, "", None)
    elif keep_kind == "hostPath" and new_node != node:
        keep_part = (False, f"the token written to /keep was not in the replacement pod {new_name}: it runs on "
                            f"{new_node}, the deleted pod ran on {node}, and a hostPath is one node's directory",
                     "Pin volumes-demo to one node (nodeSelector kubernetes.io/hostname: <node>).")
    else:
        keep_part = (False, f"the token written to /keep was gone in the replacement pod {new_name}: /keep is "
                            f"{keep_kind}" + (", which is made empty for every new pod" if keep_kind == "emptyDir"
                                              else ""),
                     "Data that must outlive the pod needs storage outside it: a hostPath on a pinned node here, "
                     "a PersistentVolumeClaim in real life. An emptyDir lives and dies with its pod.")
    fresh = read(ctx, new_name, f"/scratch/{TOKEN_FILE}") is None
    config = _config_parts(ctx, new)
    parts = [keep_part,
             (fresh, "the token written to /scratch was still there in the new pod, so /scratch is not a "
                     "per-pod emptyDir", "Mount an emptyDir at /scratch."),
             (all(p for p, _, _ in config), "; ".join(m for p, m, _ in config if not p),
              " ".join(h for p, _, h in config if not p and h) or None)]
    return score_parts(parts, f"The check deleted pod {name}; in its replacement {new_name} (node {new_node}) the "
                              "token is still in /keep (hostPath), /scratch (emptyDir) starts empty, and /config "
                              "and /secret are mounted again from their objects.")


def _volume_line(pv: dict) -> str:
    return f"{pv['metadata']['name']} ({(pv.get('status') or {}).get('phase', '?')})"


def _bound_claim(ctx, pv: dict) -> dict | None:
    ref = pv["spec"].get("claimRef") or {}
    claim = _get(ctx, "PersistentVolumeClaim", ref.get("name", "")) if ref.get("namespace") == ctx.namespace \
        else None
    if claim and claim["metadata"]["uid"] == ref.get("uid") and claim["spec"].get("volumeName") == \
            pv["metadata"]["name"] and (claim.get("status") or {}).get("phase") == "Bound":
        return claim
    return None


def _claim_is_gone(ctx, pv: dict) -> bool:
    ref = pv["spec"].get("claimRef") or {}
    claim = _get(ctx, "PersistentVolumeClaim", ref.get("name", ""))
    return bool(ref.get("uid")) and (claim is None or claim["metadata"]["uid"] != ref["uid"])


def _stuck_claims(ctx) -> list[str]:
    """Why claims of the namespace meant for hand-made volumes are not bound to them."""
    out = []
    for claim in find.by_label(ctx.clients, "PersistentVolumeClaim", ctx.namespace):
        spec, phase = claim["spec"], (claim.get("status") or {}).get("phase")
        target, cls = spec.get("volumeName"), spec.get("storageClassName")
        if phase == "Pending" and target and cls:
            out.append(f"claim {claim['metadata']['name']} names volume {target} but asks for class {cls!r} (set by "
                       "the DefaultStorageClass admission plugin because the claim set none), so it never binds "
                       "(event VolumeMismatch)")
        elif phase == "Pending" and not target and cls:
            out.append(f"claim {claim['metadata']['name']} waits for class {cls!r} to provision a new volume instead "
                       "of taking a hand-made one")
    return out


@SUITE.check(id="pv-four-phases", task=2,
             title="Hand-made PersistentVolumes in each phase: Available, Bound, Released, Failed", points=4,
             hint="Task 2: four hostPath volumes named <namespace>-...; claims with storageClassName \"\" for the "
                  "bound, released (Retain) and failed (Delete) ones, then delete the last two claims.")
def pv_four_phases(ctx):
    volumes = hand_made(ctx.clients, ctx.namespace)
    if not volumes:
        return fail(f"No hand-made PersistentVolume of namespace {ctx.namespace} (named {ctx.namespace}-...).")
    by_phase = {phase: [pv for pv in volumes if (pv.get("status") or {}).get("phase") == phase] for phase in PHASES}
    stuck = _stuck_claims(ctx)
    failed_events = {}
    for pv in by_phase["Failed"]:
        events = find.events_about(ctx.clients, None, "PersistentVolume", pv["metadata"]["name"])
        failed_events[pv["metadata"]["name"]] = [e for e in events if e.get("reason") == "VolumeFailedDelete"]
    released_retain = [pv for pv in by_phase["Released"]
                       if pv["spec"].get("persistentVolumeReclaimPolicy") == "Retain" and _claim_is_gone(ctx, pv)]
    confused = [pv["metadata"]["name"] for pv in by_phase["Failed"] if "released" in pv["metadata"]["name"]]
    parts = [
        (bool(by_phase["Available"]), "no volume is Available",
         "A volume no claim has taken (or one reserved for a claim that does not exist yet, spec.claimRef) is "
         "Available."),
        (any(_bound_claim(ctx, pv) for pv in by_phase["Bound"]),
         "no hand-made volume is Bound to a claim of this namespace" + (": " + "; ".join(stuck) if stuck else ""),
         "A claim meant for a hand-made volume sets storageClassName: \"\" (and volumeName): without it the "
         "default class 'standard' is filled in, which either provisions a new volume or never matches yours."),
        (bool(released_retain), "no volume is Released (bound once, its claim deleted, kept by Retain)" +
         (f": {', '.join(confused)} went Failed instead, its reclaim policy is Delete" if confused else ""),
         "A volume whose claim is deleted goes Released only with persistentVolumeReclaimPolicy: Retain; with "
         "Delete the controller tries to delete it (Failed here, since nothing can delete a hostPath volume)."),
        (any(failed_events.values()), "no volume is Failed with a VolumeFailedDelete event" if not
         by_phase["Failed"] else "the Failed volumes have no VolumeFailedDelete event",
         "Give a volume persistentVolumeReclaimPolicy: Delete, bind a claim to it, delete the claim: the hostPath "
         "deleter refuses paths outside /tmp, so the volume goes Failed."),
    ]
    reason = next((e.get("message", "") for es in failed_events.values() for e in es), "")
    return score_parts(parts, "Volumes " + ", ".join(_volume_line(pv) for pv in volumes) +
                       f". The Failed one's event says: {reason[:160]}")


@SUITE.check(id="retain-keeps-data", task=2, title="A Released volume (Retain) still holds the data written to it",
             points=2, hint="Task 2: write a file through the claim of the Retain volume before deleting the claim.")
def retain_keeps_data(ctx):
    released = [pv for pv in hand_made(ctx.clients, ctx.namespace)
                if (pv.get("status") or {}).get("phase") == "Released"]
    if not released:
        return fail(f"No Released hand-made volume of namespace {ctx.namespace}.",
                    "Bind a claim to a volume with persistentVolumeReclaimPolicy: Retain, write through it, delete "
                    "the claim.")
    seen = []
    for pv in released:
        path = (pv["spec"].get("hostPath") or {}).get("path")
        if not path:
            continue
        for node in [node_of(pv)] if node_of(pv) else node_names(ctx.clients):
            entries = list_directory(node, path)
            if entries:
                return ok(f"Volume {pv['metadata']['name']} is Released and its directory {path} on {node} still "
                          f"holds {entries[:5]}: Retain leaves the data for an administrator to recover or wipe.")
            seen.append(f"{path} on {node}: " + ("missing" if entries is None else "empty"))
    return partial(0.5, f"Released volumes {[pv['metadata']['name'] for pv in released]} hold no data: "
                        f"{'; '.join(seen) or 'none is a hostPath volume'}.",
                   "Run a pod that mounts the claim and writes a file, before you delete the claim.")


@SUITE.check(id="dynamic-provisioning", task=3,
             title="A claim of the default class, Pending until a pod used it, then provisioned on the pod's node",
             points=3, hint="Task 3: claim dynamic-claim (the default class), look at it Pending, then pod "
                            "dynamic-user mounting it.")
def dynamic_provisioning(ctx):
    claim = _get(ctx, "PersistentVolumeClaim", "dynamic-claim")
    if claim is None:
        return fail(f"No claim 'dynamic-claim' in namespace {ctx.namespace}.")
    cls = claim["spec"].get("storageClassName")
    pv = find.get(ctx.clients, "PersistentVolume", claim["spec"].get("volumeName") or "") \
        if claim["spec"].get("volumeName") else None
    klass = find.get(ctx.clients, "StorageClass", cls) if cls else None
    users = [p for p in find.pods(ctx.clients, ctx.namespace)
             if is_ready(p) and not is_terminating(p)
             and any((v.get("persistentVolumeClaim") or {}).get("claimName") == "dynamic-claim"
                     for v in p["spec"].get("volumes") or [])]
    waited = any(e.get("reason") == "WaitForFirstConsumer"
                 for e in find.events_about(ctx.clients, ctx.namespace, "PersistentVolumeClaim", "dynamic-claim"))
    provisioned = (pv is not None and klass is not None
                   and (pv["metadata"].get("annotations") or {}).get(PROVISIONED_BY) == klass.get("provisioner"))
    nodes = {p["spec"].get("nodeName") for p in users}
    parts = [
        (provisioned and (claim.get("status") or {}).get("phase") == "Bound",
         f"dynamic-claim (class {cls!r}) is {(claim.get('status') or {}).get('phase')}" +
         (f", bound to {pv['metadata']['name']}, which no provisioner made" if pv is not None and not provisioned
          else ""),
         "Leave storageClassName out (or name the default class, standard): its provisioner makes the volume."),
        (bool(users) and pv is not None and node_of(pv) in nodes,
         "no Ready pod mounts dynamic-claim on the node its volume was made for" if not users else
         f"its volume is on node {pv and node_of(pv)}, the pods using it run on {sorted(nodes)}",
         "Create pod dynamic-user mounting the claim: WaitForFirstConsumer provisions only once a pod is "
         "scheduled, on that pod's node."),
        (waited, "dynamic-claim has no WaitForFirstConsumer event: it was never seen Pending for want of a pod",
         "Create the claim first and look at it (Pending, event WaitForFirstConsumer) before creating the pod."),
    ]
    return score_parts(parts, f"dynamic-claim waited for a consumer (WaitForFirstConsumer), then class {cls} "
                              f"({klass and klass.get('provisioner')}) provisioned {pv and pv['metadata']['name']} "
                              f"on node {pv and node_of(pv)}, where pod(s) {sorted(p['metadata']['name'] for p in users)}"
                              " run.")


@SUITE.check(id="statefulset-keeps-data", task=4,
             title="A StatefulSet's claim outlives its pod: the grader's token survives deleting notes-0", points=3,
             hint="Task 4: StatefulSet notes with volumeClaimTemplates 'data' mounted at /data.")
def statefulset_keeps_data(ctx):
    sts = _get(ctx, "StatefulSet", "notes")
    if sts is None:
        return fail(f"No StatefulSet 'notes' in namespace {ctx.namespace}.")
    pod = _get(ctx, "Pod", "notes-0")
    if pod is None or not is_ready(pod) or is_terminating(pod):
        return fail("Pod notes-0 is not Ready.", "`kubectl describe pod notes-0` shows why (a claim that does not "
                                                  "bind keeps it Pending).")
    templates = [t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates") or []]
    found = mounts(pod)
    data = found.get("/data")
    earned, problems, hints = 1, [], []  # thirds: Ready pod, claim per replica, token kept
    claim_name = data[2].get("claimName") if data and data[1] == "persistentVolumeClaim" else None
    if claim_name and any(claim_name == f"{t}-notes-0" for t in templates):
        earned += 1
    else:
        problems.append(f"/data in notes-0 is {data[1] if data else 'no volume'}"
                        + ("" if templates else ", and notes has no volumeClaimTemplates"))
        hints.append("Add volumeClaimTemplates (name: data) to the StatefulSet and mount 'data' at /data: each "
                     "replica gets its own claim, data-notes-0, data-notes-1, ...")
    token = new_token()
    if not write(ctx, "notes-0", f"/data/{TOKEN_FILE}", token):
        problems.append("the check could not write to /data in notes-0")
        return summarize(earned / 3, problems, hints, "")
    new = delete_and_replace(ctx, pod, "")
    if read(ctx, "notes-0", f"/data/{TOKEN_FILE}") == token:
        earned += 1
    else:
        problems.append(f"the token the check wrote to /data in notes-0 was gone after it deleted the pod "
                        f"(/data is {data[1] if data else 'no volume'})")
        hints.append("Only a PersistentVolumeClaim outlives the pod; an emptyDir starts empty in every new pod.")
    return summarize(earned / 3, problems, hints,
                     f"The check wrote a token to /data in notes-0, deleted the pod, and read it back from the new "
                     f"notes-0 (uid {new['metadata']['uid'][:8]}...), which mounts the same claim {claim_name}.")
