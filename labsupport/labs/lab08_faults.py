"""Lab 08's fault checks (tasks 2-6): for each planted fault, the learner's diagnosis and the repair.

A diagnosis is verified against what the cluster reported (``lab08_evidence``: the Warning events about the
object at fault) or against what the API server evaluates (a label selector, a policy's pod selector), never
against a string of the lab's own; a repair is verified by the state the cluster confirms (a claim Bound, a pod
Ready, endpoints listed, a request answered by the grader's own pod).
"""

from __future__ import annotations

from labsupport import find
from labsupport.answers import read_answers
from labsupport.diagrams.policy import Selector
from labsupport.facts import is_ready, labels_of
from labsupport.labs.common import score_parts
from labsupport.labs.lab08_app import CLAIM
from labsupport.labs.lab08_evidence import (GENERIC, about, deployment_pods, pods_selected, short, terms,
                                            waiting_reasons, warnings)
from labsupport.labs.lab08_traffic import api_open_to_grader, reaches_api
from labsupport.waits import describe_status, rolled_out


def _get(ctx, kind: str, name: str) -> dict | None:
    return find.get(ctx.clients, kind, name, ctx.namespace)


def _diagnosis(answer: str | None, key: str, evidence: set[str], where: str, look: str) -> tuple[bool, str, str]:
    """The diagnosis part of a fault check: ``answer`` must be a specific reason the cluster reported."""
    if answer is None:
        return False, f"no answer recorded for {key!r}", f"Record what the cluster said: lab.answer(ctx, {key!r}, ...)."
    if answer in evidence and answer not in GENERIC:
        return True, "", ""
    if answer in evidence:
        return (False, f"{key!r} is {short(answer)}: the cluster did report it about {where}, but it only says "
                       "that something failed, not what",
                f"A diagnosis names the failure: {look}")
    return False, f"{key!r} is {short(answer)}, which the cluster never reported about {where}", look


# --- task 2: an image that cannot be pulled ---------------------------------------------------------------------

def image_pull(ctx):
    answer = read_answers(ctx, "image-reason")["image-reason"]
    deployment = _get(ctx, "Deployment", "api")
    if deployment is None:
        return score_parts([(False, f"no answer recorded for 'image-reason'; no Deployment 'api' in namespace "
                                    f"{ctx.namespace}", "Run the release cell at the top of the notebook.")], "")
    pods = deployment_pods(ctx, "api")
    events = about(warnings(ctx), "Pod", prefix="api-", words=("image",))
    diagnosed, said, look = _diagnosis(answer, "image-reason", terms(events) | waiting_reasons(pods),
                                       "the api's pods",
                                       "read the STATUS column of `kubectl get pods -l app=api` or the Events of "
                                       "`kubectl describe pod -l app=api`: the kubelet's reason for not starting the "
                                       "container.")
    stuck = sorted(r for r in waiting_reasons(pods) if "Image" in r)
    image = deployment["spec"]["template"]["spec"]["containers"][0].get("image")
    running = bool(pods) and all(cs.get("ready") for p in pods for cs in p["status"].get("containerStatuses") or [])
    fixed = rolled_out(deployment) and running and not stuck
    return score_parts([
        (diagnosed, said, look),
        (fixed, f"the api does not run: its pods wait with {stuck} (image {short(image)})" if stuck else
         f"Deployment api has not rolled out a Ready pod ({describe_status(deployment)})",
         "The nodes hold only the images `docker exec kindlab-worker crictl images` lists, and nothing can be "
         "pulled here: set the api container's image to one of them (the release meant busybox 1.35)."),
    ], f"You read {answer} from the cluster, and the api runs {image}.")


# --- task 3: a NetworkPolicy that blocks the api ----------------------------------------------------------------

def _policy_diagnosis(ctx, answer: str | None) -> tuple[bool, str, str]:
    key = "blocking-policy"
    if answer is None:
        return False, f"no answer recorded for {key!r}", f"Record the policy's name: lab.answer(ctx, {key!r}, ...)."
    policy = _get(ctx, "NetworkPolicy", answer)
    api_labels = [labels_of(p) for p in deployment_pods(ctx, "api")]
    template = ((_get(ctx, "Deployment", "api") or {}).get("spec") or {}).get("template") or {}
    api_labels = api_labels or [labels_of(template)]
    look = ("`kubectl get networkpolicy` lists the policies; a policy applies to the pods its podSelector "
            "matches, and lets in only what its ingress rules' `from` match.")
    if policy is None:
        return False, f"{key!r} is {short(answer)}: no such NetworkPolicy in namespace {ctx.namespace}", look
    spec = policy.get("spec") or {}
    if not any(Selector.from_dict(spec.get("podSelector") or {}).matches(l) for l in api_labels):
        return False, f"{key!r} is {short(answer)}, whose podSelector does not select the api's pods", look
    if not spec.get("ingress"):
        return (False, f"{key!r} is {short(answer)}, which allows nothing on purpose (a default deny): it is not "
                       "the policy that was meant to let web in", look)
    return True, "", ""


def network_policy(ctx):
    answer = read_answers(ctx, "blocking-policy")["blocking-policy"]
    diagnosed, said, look = _policy_diagnosis(ctx, answer)
    path = reaches_api(ctx)
    open_to_all = api_open_to_grader(ctx) if path.reached("api") else None
    if not path.reached("web"):
        reach = (False, f"cannot tell whether web reaches the api: the grader's request to web failed ({path.said()})",
                 "Task 1: Deployment and Service web must answer first.")
    else:
        reach = (path.reached("api"), f"web does not reach the api: web answered {path.said()}",
                 "Make the policy that selects the api pods let in the web pods: its `from` must match the labels "
                 "the web pods carry (`kubectl get pods --show-labels`), on port 8080.")
    closed = (open_to_all is not None and not open_to_all[0],
              "cannot tell whether the api is closed to other pods until web reaches it" if open_to_all is None else
              f"the api answers any pod: the grader's own pod (no app label) got an answer from {open_to_all[1]}",
              "Let web in, not everyone: keep default-deny, and allow only pods labelled like web in the api's "
              "policy (an empty podSelector in `from` means every pod of the namespace).")
    return score_parts([(diagnosed, said, look), reach, closed],
                       f"{answer} kept web out; web now reaches the api ({path.pods['api']}), other pods still do not.")


# --- task 4: a claim that never binds ---------------------------------------------------------------------------

def claim_binds(ctx):
    answer = read_answers(ctx, "claim-reason")["claim-reason"]
    events = warnings(ctx)
    evidence = terms(about(events, "PersistentVolumeClaim", name=CLAIM)
                     + about(events, "Pod", prefix="db-", words=("volume", "storageclass")))
    diagnosed, said, look = _diagnosis(answer, "claim-reason", evidence, f"claim {CLAIM} or the db's pods",
                                       f"`kubectl describe pvc {CLAIM}` and `kubectl describe pod -l app=db`: the "
                                       "Events say why the claim gets no volume and the pod no node.")
    claim = _get(ctx, "PersistentVolumeClaim", CLAIM)
    if claim is None:
        bound = (False, f"no claim {CLAIM} in namespace {ctx.namespace}",
                 f"Create {CLAIM} again (ReadWriteOnce, 16Mi) with a StorageClass that exists.")
    else:
        cls = claim["spec"].get("storageClassName")
        exists = bool(cls) and find.get(ctx.clients, "StorageClass", cls) is not None
        phase = (claim.get("status") or {}).get("phase")
        uid = claim["metadata"].get("uid")
        latest = [e for e in about(events, "PersistentVolumeClaim", name=CLAIM)
                  if (e.get("involvedObject") or {}).get("uid") == uid]
        said_now = (f" (its latest event: {short(latest[-1].get('message'), 120)})" if latest else "")
        bound = (phase == "Bound",
                 f"claim {CLAIM} is {phase}; it asks for StorageClass {short(cls)}, which "
                 + ("exists" if exists else "is no class of this cluster") + said_now,
                 "storageClassName cannot be changed on a claim: delete it and create it again with a class of "
                 "`kubectl get storageclass` (standard: local-path provisions it when a pod uses it)." if not exists
                 else f"`kubectl describe pvc {CLAIM}`: the provisioner's event says why it makes no volume "
                      "(local-path makes ReadWriteOnce volumes only, on the node of the pod that uses the claim).")
    pods = deployment_pods(ctx, "db")
    running = [p for p in pods if p["status"].get("phase") == "Running" and any(
        (v.get("persistentVolumeClaim") or {}).get("claimName") == CLAIM for v in p["spec"].get("volumes") or [])]
    mounted = (bool(running), f"no db pod runs with claim {CLAIM}: "
               + (describe_status(pods[0]) if pods else "Deployment db has no pods"),
               "A pod Pending on an unbound claim is scheduled as soon as the claim can bind: delete the pod if it "
               "stays Pending (`kubectl delete pod -l app=db`), its Deployment makes a new one.")
    return score_parts([(diagnosed, said, look), bound, mounted],
                       f"You read {answer} from the cluster; {CLAIM} is Bound and the db runs with it.")


# --- task 5: a probe on the wrong port --------------------------------------------------------------------------

def _declared(container: dict) -> set:
    ports = container.get("ports") or []
    return {p.get("containerPort") for p in ports} | {p.get("name") for p in ports if p.get("name")}


def probe_port(ctx):
    answer = read_answers(ctx, "probe-reason")["probe-reason"]
    evidence = terms(about(warnings(ctx), "Pod", prefix="db-", words=("probe",)))
    diagnosed, said, look = _diagnosis(answer, "probe-reason", evidence, "the db's pods",
                                       "`kubectl describe pod -l app=db`: the Events say what the kubelet thinks of "
                                       "the container once it runs, and the READY column says 0/1.")
    deployment = _get(ctx, "Deployment", "db")
    container = (deployment or {}).get("spec", {}).get("template", {}).get("spec", {}).get("containers", [{}])[0]
    probe = container.get("readinessProbe") or {}
    port = (probe.get("httpGet") or probe.get("tcpSocket") or {}).get("port")
    has_exec = "exec" in probe or "grpc" in probe
    kept = (bool(probe) and (port in _declared(container) or has_exec),
            "db's readiness probe was removed: without it the db is Ready before it serves" if not probe else
            f"db's readiness probe asks port {short(str(port))}, which the container does not declare "
            f"({sorted(map(str, _declared(container)))})",
            "Point the probe at the port httpd listens on (8080, or its name http); keep the probe.")
    pods = deployment_pods(ctx, "db")
    ready = (any(is_ready(p) for p in pods),
             "no db pod is Ready: " + (describe_status(pods[0]) if pods else "Deployment db has no pods"),
             "A pod is Ready when its readiness probe passes: fix the claim first (task 4), then the probe.")
    return score_parts([(diagnosed, said, look), kept, ready],
                       f"You read {answer} from the cluster; db's probe asks port {port} and the db is Ready.")


# --- task 6: a Service selector that matches nothing ------------------------------------------------------------

def _slice_pods(ctx, service: str) -> set[str]:
    return {(ep.get("targetRef") or {}).get("name")
            for eps in find.by_label(ctx.clients, "EndpointSlice", ctx.namespace,
                                     f"kubernetes.io/service-name={service}")
            for ep in eps.get("endpoints") or [] if (ep.get("conditions") or {}).get("ready")} - {None}


def service_selector(ctx):
    answer = read_answers(ctx, "db-selector")["db-selector"]
    pods = {p["metadata"]["name"] for p in deployment_pods(ctx, "db")}
    look = ("Compare `kubectl get svc db -o wide` (SELECTOR) with `kubectl get pods -l app=db --show-labels`, "
            "and record a selector that picks exactly the db pods.")
    if answer is None:
        diagnosis = (False, "no answer recorded for 'db-selector'", look)
    else:
        picked = pods_selected(ctx, answer)
        diagnosis = (isinstance(picked, set) and bool(pods) and picked == pods,
                     f"'db-selector' {short(answer)}: {picked}" if isinstance(picked, str) else
                     f"'db-selector' {short(answer)} selects {sorted(picked) or 'no pod'}, the db's pods are "
                     f"{sorted(pods) or 'none'}", look)
    service = _get(ctx, "Service", "db")
    listed = _slice_pods(ctx, "db") if service else set()
    selector = ((service or {}).get("spec") or {}).get("selector") or {}
    endpoints = (bool(pods) and listed == pods,
                 f"no Service 'db' in namespace {ctx.namespace}" if service is None else
                 f"Service db (selector {short(','.join(f'{k}={v}' for k, v in sorted(selector.items())))}) lists "
                 f"{sorted(listed) or 'no ready endpoint'}; the db's pods are {sorted(pods) or 'none'}",
                 "A Service sends traffic to the ready pods its selector matches: give Service db the selector "
                 "the db pods carry (and fix tasks 4-5 so a db pod is Ready).")
    return score_parts([diagnosis, endpoints], f"{answer} selects the db pods, and Service db lists them.")
