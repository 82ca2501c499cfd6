"""Checks for lab 03, "Workload controllers".

Each check reads the controllers and what they own on the live cluster: ReplicaSets and their pods (through
ownerReferences), a Deployment's ReplicaSet history, a canary behind one Service (endpoint slices), a DaemonSet's
pods per node, a StatefulSet's claims and the files its pods wrote, Jobs and a CronJob's manual run.
"""

from __future__ import annotations

from labsupport import find
from labsupport.answers import read_answer
from labsupport.checks import CheckSuite, fail, ok, partial
from labsupport.facts import (CONTROL_PLANE_ROLE, annotations_of, condition_true, conditions, is_ready, labels_of,
                              selector_text, selects)
from labsupport.labs.common import endpoint_addresses, selector_mismatch, summarize
from labsupport.labs.evidence import healing
from labsupport.labs.traffic import http_get, service_url
from labsupport.podexec import exec_in_pod
from labsupport.waits import rolled_out

SUITE = CheckSuite("03", "Workload controllers")

CHANGE_CAUSE = "kubernetes.io/change-cause"
REVISION = "deployment.kubernetes.io/revision"
CONTROL_PLANE_TAINT = CONTROL_PLANE_ROLE  # kubeadm taints control-plane nodes with the key of their role label
MANUAL_ANNOTATION = "cronjob.kubernetes.io/instantiate"


def _get(ctx, kind: str, name: str) -> dict | None:
    return find.get(ctx.clients, kind, name, ctx.namespace)


def _owned(ctx, kind: str, owner: dict) -> list[dict]:
    """Objects of ``kind`` in the lab namespace whose ownerReferences name ``owner`` (by uid)."""
    uid = owner["metadata"]["uid"]
    return [o for o in find.by_label(ctx.clients, kind, ctx.namespace)
            if any(ref.get("uid") == uid for ref in o["metadata"].get("ownerReferences") or [])]


def _env(template: dict, name: str = "VERSION") -> str | None:
    for container in (template.get("spec") or {}).get("containers") or []:
        for var in container.get("env") or []:
            if var.get("name") == name:
                return var.get("value")
    return None


@SUITE.check(id="replicaset-self-heals", task=1, title="A ReplicaSet replaces a deleted pod", points=2,
             hint="Create ReplicaSet rs-demo, delete one of its pods, record its name with "
                  "lab.answer(ctx, 'deleted-pod', name).")
def replicaset_self_heals(ctx):
    rs = _get(ctx, "ReplicaSet", "rs-demo")
    if rs is None:
        return fail(f"No ReplicaSet 'rs-demo' in namespace {ctx.namespace}.")
    pods = [p for p in _owned(ctx, "Pod", rs) if not p["metadata"].get("deletionTimestamp")]
    want = rs["spec"].get("replicas", 1)
    ready = [p["metadata"]["name"] for p in pods if is_ready(p)]
    score, problems, hints = 0.0, [], []
    if len(ready) == want:
        score += 0.5
    else:
        problems.append(f"rs-demo wants {want} pods and has {len(ready)} Ready")
        hints.append("`kubectl describe rs rs-demo` shows its events.")
    deleted = read_answer(ctx, "deleted-pod")
    if deleted is None:
        problems.append("no answer for 'deleted-pod'")
        hints.append("Delete one of rs-demo's pods and record its name with lab.answer(ctx, 'deleted-pod', name).")
    elif not deleted.strip().startswith("rs-demo-"):
        problems.append(f"{deleted.strip()!r} is not a pod of rs-demo (their names start with 'rs-demo-')")
    elif _get(ctx, "Pod", deleted.strip()) is not None:
        problems.append(f"pod {deleted.strip()} still exists")
        hints.append(f"Delete it: `kubectl delete pod {deleted.strip()}`.")
    else:
        # A name is a claim: the ReplicaSet's and the kubelet's events confirm it was created, stopped, replaced.
        healed = healing(ctx, rs, deleted.strip(), find.pods(ctx.clients, ctx.namespace))
        if healed.problem:
            problems.append(healed.problem)
            hints.append("Delete one of rs-demo's running pods and record the name of the pod you deleted.")
        else:
            score += 0.5
    return summarize(score, problems, hints,
                    f"Pod {deleted and deleted.strip()} is gone and rs-demo runs {want} Ready pods again: {ready}.")


def _replicas_changed_by(rs: dict) -> str | None:
    """How spec.replicas was last changed by hand: the scale subresource, or an update (patch, edit); None when
    only an apply (the manifest) owns it."""
    for entry in rs["metadata"].get("managedFields") or []:
        owns = "f:replicas" in ((entry.get("fieldsV1") or {}).get("f:spec") or {})
        if entry.get("subresource") == "scale":
            return f"with the scale subresource, by {entry.get('manager')}"
        if owns and entry.get("operation") == "Update":
            return f"with an update by {entry.get('manager')}"
    return None


@SUITE.check(id="scaled-by-hand", task=1, title="rs-demo scaled by hand to 3 replicas", points=1,
             hint="kubectl scale rs rs-demo --replicas=3")
def scaled_by_hand(ctx):
    rs = _get(ctx, "ReplicaSet", "rs-demo")
    if rs is None:
        return fail(f"No ReplicaSet 'rs-demo' in namespace {ctx.namespace}.")
    replicas = rs["spec"].get("replicas", 1)
    if replicas != 3:
        return fail(f"rs-demo wants {replicas} replicas, not 3.")
    how = _replicas_changed_by(rs)
    if how is None:
        return partial(0.5, "rs-demo has 3 replicas, but only as written in its manifest: it was not scaled.",
                       "Create it with 2 replicas and scale it with `kubectl scale rs rs-demo --replicas=3` (the "
                       "scale subresource, which an autoscaler uses too) or `kubectl patch`.")
    ready = [p for p in _owned(ctx, "Pod", rs) if is_ready(p) and not p["metadata"].get("deletionTimestamp")]
    if len(ready) != 3:
        return partial(0.75, f"rs-demo was scaled to 3 ({how}) but has {len(ready)} Ready pods.",
                       "`kubectl describe rs rs-demo` shows its events.")
    return ok(f"rs-demo was scaled to 3 replicas ({how}) and runs 3 Ready pods.")


@SUITE.check(id="rollout-and-rollback", task=2,
             title="Deployment web rolled out to v2 with change causes, then rolled back",
             points=4, hint="Apply web with VERSION=v1, then VERSION=v2 (each with a kubernetes.io/change-cause), "
                            "then `kubectl rollout undo deployment/web`.")
def rollout_and_rollback(ctx):
    web = _get(ctx, "Deployment", "web")
    if web is None:
        return fail(f"No Deployment 'web' in namespace {ctx.namespace}.")
    history = sorted(_owned(ctx, "ReplicaSet", web),
                     key=lambda rs: int(annotations_of(rs).get(REVISION, "0")))
    versions = [_env(rs["spec"]["template"]) for rs in history]
    current = _env(web["spec"]["template"])
    revision = annotations_of(web).get(REVISION, "?")
    if "v2" not in versions or "v1" not in versions:
        return partial(0.25, f"web's ReplicaSets run {versions or 'nothing'}: no rollout from v1 to v2 yet.",
                       "Change the pod template's VERSION from v1 to v2 and apply it: a template change makes a new "
                       "ReplicaSet, which is one new revision.")
    if current != "v1":
        return partial(0.5, f"web runs VERSION={current} (revision {revision}): it was not rolled back.",
                       "Roll back with `kubectl rollout undo deployment/web` and wait for `kubectl rollout status`.")
    score, problems, hints = 1.0, [], []
    if not rolled_out(web):
        score -= 0.25
        status = web.get("status") or {}
        problems.append(f"the rollback has not finished: {status.get('updatedReplicas', 0)} updated, "
                        f"{status.get('availableReplicas', 0)} available of {web['spec'].get('replicas', 1)}")
        hints.append("Wait with `kubectl rollout status deployment/web`.")
    causes = {rs["metadata"]["name"]: annotations_of(rs).get(CHANGE_CAUSE) for rs in history}
    missing = sorted(name for name, cause in causes.items() if not cause)
    if missing:
        score -= 0.25
        problems.append(f"ReplicaSets {missing} have no {CHANGE_CAUSE} annotation, so `kubectl rollout history` "
                        "shows <none> as their cause")
        hints.append(f"Set the annotation {CHANGE_CAUSE} on the Deployment (metadata.annotations, or `kubectl "
                     "annotate --overwrite`) together with each change; the Deployment copies it to the new "
                     "ReplicaSet.")
    elif len(set(causes.values())) < len(causes):
        score -= 0.25
        problems.append(f"the revisions share one change cause ({sorted(set(causes.values()))})")
        hints.append("Give each rollout its own cause: update the annotation with every change.")
    return summarize(score, problems, hints,
                    f"web went v1 → v2 and back to v1 (now revision {revision}); causes: "
                    f"{[causes[rs['metadata']['name']] for rs in history]}.")


@SUITE.check(id="canary", task=3,
             title="A canary: two versions behind one Service, split by replicas and labels", points=3,
             hint="Deployments shop-stable (3 replicas, track=stable, v1) and shop-canary (1 replica, track=canary, "
                  "v2), both app=shop; Service shop selecting app=shop only.")
def canary(ctx):
    tracks = {track: _get(ctx, "Deployment", f"shop-{track}") for track in ("stable", "canary")}
    service = _get(ctx, "Service", "shop")
    if service is None and not any(tracks.values()):
        return fail(f"No Deployments shop-stable, shop-canary and no Service 'shop' in namespace {ctx.namespace}.")
    score, problems, hints = 0.0, [], []
    pods: dict[str, list[dict]] = {}
    for track, dep in tracks.items():
        if dep is None:
            problems.append(f"no Deployment shop-{track}")
            continue
        selector = dep["spec"]["selector"].get("matchLabels") or {}
        pods[track] = [p for p in find.pods(ctx.clients, ctx.namespace, selector_text(selector))
                       if not p["metadata"].get("deletionTimestamp")]
        if selector.get("track") != track:
            problems.append(f"shop-{track}'s selector {selector_text(selector)} does not include track={track}")
            hints.append("Each Deployment's selector needs the track label, or both Deployments claim each other's "
                         "pods.")
    if len(pods) == 2 and not problems:
        stable, canary_ = tracks["stable"], tracks["canary"]
        versions = (_env(stable["spec"]["template"]), _env(canary_["spec"]["template"]))
        split = (stable["spec"].get("replicas", 1), canary_["spec"].get("replicas", 1))
        if versions[0] == versions[1]:
            problems.append(f"stable and canary both run VERSION={versions[0]}")
            hints.append("The canary runs the new version: VERSION=v2 (stable stays on v1).")
        elif not split[0] > split[1] >= 1:
            problems.append(f"stable has {split[0]} replicas and canary {split[1]}")
            hints.append("A canary takes the small share: 3 stable replicas, 1 canary.")
        else:
            score += 0.5
    if service is None:
        problems.append("no Service 'shop'")
        hints.append("Create Service shop: selector app: shop, port 80, targetPort 8080.")
    elif pods:
        everyone = [p for group in pods.values() for p in group]
        selector = service["spec"].get("selector") or {}
        chosen = {track: [p for p in group if selects(selector, labels_of(p))] for track, group in pods.items()}
        ready, _ = endpoint_addresses(ctx, "shop")
        behind = {track: sorted(p["metadata"]["name"] for p in group if p["metadata"]["name"] in ready)
                  for track, group in pods.items()}
        if all(chosen.get(t) for t in ("stable", "canary")) and all(behind.get(t) for t in ("stable", "canary")):
            # Endpoints say where traffic would go; the grader's own pod sends it and reads the versions back.
            replies = http_get(ctx, service_url(ctx, service), count=40)
            seen = sorted({w for b in replies.bodies for w in b.split() if w in ("v1", "v2")})
            if seen == ["v1", "v2"]:
                score += 0.5
            else:
                problems.append(f"the grader's {replies.count} requests to {replies.url} got {len(replies.bodies)} "
                                f"answers with versions {seen or 'none'}, not both v1 and v2")
                hints.append("The Service's targetPort must be the port the pods serve on (8080); both tracks "
                             "must answer.")
        elif all(chosen.get(t) for t in ("stable", "canary")):
            problems.append(f"the service selects both tracks but has ready endpoints {behind}")
            hints.append("Wait until the pods are Ready: `kubectl get endpointslices -l "
                         "kubernetes.io/service-name=shop`.")
        else:
            count = sum(len(g) for g in chosen.values())
            only = [t for t, g in chosen.items() if g]
            if "track" in selector and only:
                problems.append(f"the service selects only the track={only[0]} pods ({count} pods): its selector "
                                f"{selector_text(selector)} includes the track label")
                hints.append("Drop track from the Service's selector (select app=shop only), so that both stable "
                             "and canary pods receive traffic.")
            else:
                problems.append(f"the service selects {count} pods: {selector_mismatch(service, everyone)}")
                hints.append("The Service's selector must match labels that stable and canary pods both carry.")
    return summarize(score, problems, hints, "Requests to Service shop from the grader's pod reach both tracks: "
                                            "3 stable (v1) and 1 canary (v2) pods.")


@SUITE.check(id="daemonset-every-node", task=4,
             title="A DaemonSet runs a pod on every node, the control plane included",
             points=3, hint="DaemonSet node-agent with a toleration for node-role.kubernetes.io/control-plane.")
def daemonset_every_node(ctx):
    ds = _get(ctx, "DaemonSet", "node-agent")
    if ds is None:
        return fail(f"No DaemonSet 'node-agent' in namespace {ctx.namespace}.")
    nodes = {n["metadata"]["name"]: n for n in find.by_label(ctx.clients, "Node", None)}
    covered = {p["spec"].get("nodeName") for p in _owned(ctx, "Pod", ds) if is_ready(p)}
    missing = sorted(set(nodes) - covered)
    if not missing:
        if not _reads_var_log(ds):
            return partial(0.75, f"node-agent has a Ready pod on each of the {len(nodes)} nodes, but does not mount "
                                 "the node's /var/log read-only (a hostPath volume with readOnly: true).",
                           "An agent that only reads logs must not be able to change the node: mount the hostPath "
                           "/var/log with readOnly: true at /host/var/log.")
        return ok(f"node-agent has a Ready pod on each of the {len(nodes)} nodes: {sorted(nodes)}.")
    tainted = [name for name in missing
               if any(t.get("key") == CONTROL_PLANE_TAINT for t in nodes[name]["spec"].get("taints") or [])]
    tolerations = ds["spec"]["template"]["spec"].get("tolerations") or []
    hint = None
    if tainted and not any(t.get("key") == CONTROL_PLANE_TAINT or (t.get("operator") == "Exists" and not t.get("key"))
                           for t in tolerations):
        hint = (f"Node {tainted[0]} has the taint {CONTROL_PLANE_TAINT}:NoSchedule and node-agent does not "
                f"tolerate it: add tolerations: [{{key: {CONTROL_PLANE_TAINT}, operator: Exists, "
                "effect: NoSchedule}] to the pod template.")
    return partial(len(covered & set(nodes)) / len(nodes),
                   f"node-agent has Ready pods on {len(covered & set(nodes))} of {len(nodes)} nodes; none on "
                   f"{missing}.", hint)


def _reads_var_log(ds: dict) -> bool:
    """The pod template mounts a hostPath volume of the node's /var/log, read-only, in every container."""
    spec = ds["spec"]["template"]["spec"]
    host = {v["name"] for v in spec.get("volumes") or []
            if ((v.get("hostPath") or {}).get("path") or "").rstrip("/") == "/var/log"}
    containers = spec.get("containers") or []
    return bool(host) and all(any(m.get("name") in host and m.get("readOnly") for m in c.get("volumeMounts") or [])
                              for c in containers)


def _boots(ctx, pod: str) -> list[str] | None:
    result = exec_in_pod(ctx.clients, ctx.namespace, pod, ["cat", "/data/boots"])
    return result.stdout.split() if result.ok else None


@SUITE.check(id="statefulset-identity", task=5,
             title="A StatefulSet keeps names and per-replica storage across deletion",
             points=3, hint="StatefulSet db (serviceName db, 2 replicas, volumeClaimTemplates 'data' with "
                            "storageClassName standard); delete pod db-0 and let it come back.")
def statefulset_identity(ctx):
    sts = _get(ctx, "StatefulSet", "db")
    if sts is None:
        return fail(f"No StatefulSet 'db' in namespace {ctx.namespace}.")
    replicas = sts["spec"].get("replicas", 1)
    names = [f"db-{i}" for i in range(replicas)]
    pods = {n: _get(ctx, "Pod", n) for n in names}
    score, problems, hints = 0.0, [], []
    headless = _get(ctx, "Service", sts["spec"].get("serviceName") or "db")
    if replicas < 2:
        problems.append(f"db has {replicas} replica")
        hints.append("Run 2 replicas to see one name and one claim per replica.")
    elif not all(p is not None and is_ready(p) for p in pods.values()):
        problems.append(f"not all of {names} are Ready")
    elif sts["spec"].get("podManagementPolicy", "OrderedReady") != "OrderedReady":
        problems.append(f"db starts its pods with podManagementPolicy {sts['spec']['podManagementPolicy']}")
        hints.append("Keep the default podManagementPolicy OrderedReady: db-1 starts only once db-0 is Ready.")
    elif headless is None or headless["spec"].get("clusterIP") != "None":
        problems.append(f"no headless Service {sts['spec'].get('serviceName')!r} (clusterIP: None)")
        hints.append("Create Service db with clusterIP: None, and set serviceName: db in the StatefulSet.")
    else:
        score += 0.25
    templates = [t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates") or []]
    if "data" not in templates:
        problems.append(f"db has volumeClaimTemplates {templates}, not 'data'")
        hints.append("Storage per replica comes from volumeClaimTemplates (one claim per pod); an emptyDir dies "
                     "with its pod.")
        return summarize(score, problems, hints, "")
    claims = {n: _get(ctx, "PersistentVolumeClaim", f"data-{n}") for n in names}
    bad = {f"data-{n}": "missing" if c is None else
           f"{c['status'].get('phase')}, class {c['spec'].get('storageClassName')}"
           for n, c in claims.items()
           if c is None or c["status"].get("phase") != "Bound" or c["spec"].get("storageClassName") != "standard"}
    if bad:
        problems.append(f"claims not Bound with StorageClass standard: {bad}")
        hints.append("Set storageClassName: standard in the claim template; the claim binds when its pod starts.")
    else:
        score += 0.25
    boots = {n: _boots(ctx, n) for n, p in pods.items() if p is not None and is_ready(p)}
    foreign = {n: b for n, b in boots.items() if b is None or set(b) != {n}}
    if not boots or foreign:
        problems.append(f"/data/boots does not list only the pod's own name: {foreign or 'no pod Ready'}")
        hints.append("Each pod should append its hostname to /data/boots on its own volume at start-up.")
    else:
        score += 0.25
    restarted = boots.get("db-0") or []
    if len(restarted) >= 2 and set(restarted) == {"db-0"}:
        score += 0.25
    elif boots.get("db-0") is not None:
        problems.append(f"db-0 has started {len(restarted)} time(s) on its volume")
        hints.append("Delete pod db-0 (`kubectl delete pod db-0`): it comes back with the same name and claim, "
                     "and appends a second line.")
    return summarize(score, problems, hints,
                    f"Pods {names} are Ready, each with its own Bound claim; db-0 came back with the same name and "
                    f"data ({len(restarted)} boots).")


@SUITE.check(id="job-completions", task=6, title="A Job completed 6 times, 2 at a time", points=2,
             hint="Job batch-work with completions: 6 and parallelism: 2.")
def job_completions(ctx):
    job = _get(ctx, "Job", "batch-work")
    if job is None:
        return fail(f"No Job 'batch-work' in namespace {ctx.namespace}.")
    spec, status = job["spec"], job.get("status") or {}
    problems, hints, score = [], [], 1.0
    if spec.get("completions") != 6:
        score -= 0.5
        problems.append(f"completions is {spec.get('completions')}")
        hints.append("completions: 6 asks for six successful pods.")
    if spec.get("parallelism", 1) != 2:
        score -= 0.25
        problems.append(f"parallelism is {spec.get('parallelism', 1)}")
        hints.append("parallelism: 2 runs two pods at a time.")
    complete = condition_true(job, "Complete")
    if not complete:
        score -= 0.25
        problems.append(f"the Job has not completed: {status.get('succeeded', 0)} succeeded, "
                        f"{status.get('failed', 0)} failed")
        hints.append("Wait for condition Complete (`kubectl wait --for=condition=Complete job/batch-work`).")
    return summarize(score, problems, hints, f"batch-work completed {status.get('succeeded')} pods, 2 at a time.")


@SUITE.check(id="job-retries", task=6, title="A failing Job retried up to its backoffLimit", points=1,
             hint="Job doomed with backoffLimit: 1 and a command that exits 1.")
def job_retries(ctx):
    job = _get(ctx, "Job", "doomed")
    if job is None:
        return fail(f"No Job 'doomed' in namespace {ctx.namespace}.")
    limit, failed = job["spec"].get("backoffLimit", 6), (job.get("status") or {}).get("failed", 0)
    condition = conditions(job).get("Failed") or {}
    if condition.get("status") != "True":
        return partial(0.5, f"doomed has not given up yet: {failed} failed pods, backoffLimit {limit}.",
                       "Its command must always fail (exit 1); with backoffLimit: 1 it gives up after 2 failed pods "
                       "(backoffLimit + 1).")
    if limit != 1:
        return partial(0.5, f"doomed failed ({condition.get('reason')}) with backoffLimit {limit}.",
                       "Set backoffLimit: 1: one retry, then the Job is Failed.")
    return ok(f"doomed ran {failed} pods (1 try + {limit} retry), then failed: {condition.get('reason')}.")


@SUITE.check(id="cronjob-on-demand", task=7,
             title="A CronJob run on demand, without waiting for its schedule", points=2,
             hint="CronJob report, then `kubectl create job report-manual --from=cronjob/report`.")
def cronjob_on_demand(ctx):
    cron = _get(ctx, "CronJob", "report")
    if cron is None:
        return fail(f"No CronJob 'report' in namespace {ctx.namespace}.")
    manual = [j for j in _owned(ctx, "Job", cron)
              if annotations_of(j).get(MANUAL_ANNOTATION) == "manual"]
    if not manual:
        loose = _get(ctx, "Job", "report-manual")
        if loose is not None:
            return partial(0.5, "Job report-manual exists but the CronJob does not own it (no ownerReference to "
                                "CronJob report, no cronjob.kubernetes.io/instantiate annotation).",
                           "Create it FROM the CronJob so it uses the CronJob's jobTemplate and is owned by it: "
                           "`kubectl create job report-manual --from=cronjob/report`.")
        return partial(0.25, f"CronJob report (schedule {cron['spec'].get('schedule')!r}) has no manual run.",
                       "Run it now: `kubectl create job report-manual --from=cronjob/report`.")
    done = [j["metadata"]["name"] for j in manual if condition_true(j, "Complete")]
    if not done:
        return partial(0.75, f"Manual run {manual[0]['metadata']['name']} has not completed.",
                       f"Wait for it: `kubectl wait --for=condition=Complete job/{manual[0]['metadata']['name']}`.")
    return ok(f"CronJob report (schedule {cron['spec'].get('schedule')!r}) ran on demand as Job {done[0]}.")
