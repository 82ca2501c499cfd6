"""Checks for lab 02, "Pods".

Each check reads the live cluster (pods, their status, logs and files inside their containers, endpoint slices)
and, where the lab asks the learner to record what they saw with ``lab.answer``, compares the answer with the
cluster's truth. Partial credit points at the step that is missing or wrong.
"""

from __future__ import annotations

from datetime import datetime, timezone

from labsupport import find
from labsupport.answers import read_answer
from labsupport.checks import CheckSuite, fail, ok, partial
from labsupport.errors import WaitTimeout
from labsupport.facts import container_status, is_ready, labels_of, selector_text, selects
from labsupport.labs.common import endpoint_addresses, missing_answer, selector_mismatch, summarize
from labsupport.labs.traffic import http_get, service_url
from labsupport.podexec import exec_in_pod
from labsupport.waits import wait_for

SUITE = CheckSuite("02", "Pods")


# --- helpers --------------------------------------------------------------------------------------------------

def _pod(ctx, name: str) -> dict | None:
    return find.get(ctx.clients, "Pod", name, ctx.namespace)


def _no_pod(ctx, name: str):
    return fail(f"No pod {name!r} in namespace {ctx.namespace}.")


def _state(pod: dict) -> str:
    status = pod.get("status") or {}
    waiting = [cs["state"]["waiting"].get("reason") for cs in status.get("containerStatuses") or []
               if (cs.get("state") or {}).get("waiting")]
    return status.get("phase", "Pending") + (f" ({', '.join(w for w in waiting if w)})" if any(waiting) else "")


# --- checks ---------------------------------------------------------------------------------------------------

@SUITE.check(id="sidecar-pod", task=1, title="A sidecar serves over localhost what the main container writes", points=3,
             hint="One pod, two containers (writer, server), one emptyDir volume mounted in both; the server runs "
                  "`httpd -f -p 8080 -h <its mount path>`.")
def sidecar_pod(ctx):
    pod = _pod(ctx, "sidecar")
    if pod is None:
        return _no_pod(ctx, "sidecar")
    # Since 1.33 a sidecar may also be a native one: an init container with restartPolicy Always, which starts
    # before and runs beside the main containers. Both forms count.
    containers = {c["name"]: c for c in pod["spec"]["containers"]}
    containers.update({c["name"]: c for c in pod["spec"].get("initContainers") or []
                       if c.get("restartPolicy") == "Always"})
    if len(containers) < 2:
        return partial(0.25, f"Pod 'sidecar' has {len(containers)} container.",
                       "A sidecar is a second container in the same pod: add 'server' next to 'writer' (in "
                       "containers, or as a native sidecar: an initContainer with restartPolicy: Always).")
    if not {"writer", "server"} <= containers.keys():
        return partial(0.25, f"Pod 'sidecar' has containers {sorted(containers)}.",
                       "Name them 'writer' (the main container) and 'server' (the sidecar).")
    mounts = {name: {m["name"]: m["mountPath"] for m in c.get("volumeMounts") or []}
              for name, c in containers.items()}
    # Every container also mounts the injected service-account token (a projected volume): not the learner's.
    declared = {v["name"]: v for v in pod["spec"].get("volumes") or [] if "projected" not in v}
    shared = sorted(mounts["writer"].keys() & mounts["server"].keys() & declared.keys(),
                    key=lambda name: "emptyDir" not in declared[name])
    if not shared:
        return partial(0.25, f"writer mounts {sorted(mounts['writer'].keys() & declared.keys()) or 'no volume'}, "
                             f"server mounts {sorted(mounts['server'].keys() & declared.keys()) or 'no volume'}: "
                             "no volume is mounted in both.",
                       "Declare ONE emptyDir volume in the pod and list it in the volumeMounts of both containers; "
                       "two volumes are two different directories.")
    if not is_ready(pod):
        return partial(0.5, f"Pod 'sidecar' shares volume {shared[0]!r} but is {_state(pod)}, not Ready.",
                       "`kubectl describe pod sidecar` shows why (events at the bottom).")
    path = mounts["writer"][shared[0]].rstrip("/") + "/index.html"
    wrote = exec_in_pod(ctx.clients, ctx.namespace, "sidecar", ["cat", path], container="writer")
    if not wrote.ok or not wrote.stdout.strip():
        return partial(0.5, f"The writer has no {path} on the shared volume.",
                       "The writer container must write index.html into the directory where it mounts the volume.")
    served = exec_in_pod(ctx.clients, ctx.namespace, "sidecar",
                         ["timeout", "5", "wget", "-qO-", "http://127.0.0.1:8080/index.html"], container="writer")
    if not served.ok:
        return partial(0.5, f"Nothing serves http://localhost:8080/index.html inside the pod "
                            f"({(served.stderr or 'no answer').strip()}).",
                       "The server container must listen on port 8080 and serve the shared directory: "
                       "`httpd -f -p 8080 -h <where server mounts the volume>`.")
    if served.stdout.strip() != wrote.stdout.strip():
        return partial(0.75, "The server answers on localhost:8080, but not with what the writer wrote.",
                       "Serve the directory where the server mounts the shared volume (httpd's -h).")
    return ok(f"The server answers on localhost with the writer's file: {wrote.stdout.strip()[:60]!r}")


@SUITE.check(id="pod-ip-changes", task=2, title="A recreated pod is a new pod with a new IP", points=2,
             hint="Record the running pod's IP and uid, delete the pod, create it again, and compare.")
def pod_ip_changes(ctx):
    ip_before, uid_before = read_answer(ctx, "ip-before"), read_answer(ctx, "uid-before")
    if ip_before is None or uid_before is None:
        return missing_answer("ip-before" if ip_before is None else "uid-before")
    pod = _pod(ctx, "ephemeral")
    if pod is None:
        return partial(0.25, "No pod 'ephemeral' now.", "After deleting it, create it again from the same manifest.")
    ip_now, uid_now = (pod.get("status") or {}).get("podIP"), pod["metadata"]["uid"]
    if uid_now == uid_before.strip():
        return partial(0.25, f"Pod 'ephemeral' is still the pod you recorded (uid {uid_now}).",
                       "Record its IP and uid first, THEN delete it and create it again.")
    if not ip_now:
        return partial(0.5, f"The new pod 'ephemeral' has no IP yet ({_state(pod)}).", "Wait for it to be Ready.")
    if ip_now == ip_before.strip():
        return ok(f"Pod 'ephemeral' is a new pod (uid {uid_now}); by chance it got the same IP {ip_now}.")
    return ok(f"Pod 'ephemeral' was recreated: a new uid, and IP {ip_before.strip()} became {ip_now}.")


def _restart_outcome(ctx, name: str, policy: str, phase: str, restarted: bool) -> tuple[bool, str, str | None]:
    pod = _pod(ctx, name)
    if pod is None:
        return False, f"no pod {name!r}", f"Create {name} with restartPolicy: {policy}."
    actual = pod["spec"].get("restartPolicy", "Always")
    restarts = container_status(pod).get("restartCount", 0)
    now = (pod.get("status") or {}).get("phase")
    if actual != policy:
        why = (" the kubelet restarts the container even after it exits 0, so the pod never finishes;"
               if actual == "Always" else "")
        return False, f"{name} has restartPolicy {actual}", f"{name}: restartPolicy is {actual}:{why} set {policy}."
    if now != phase:
        return False, f"{name} is {_state(pod)} with {restarts} restarts, not {phase}", (
            f"Wait until {name} has finished; its program must fail on the first run and succeed on the second "
            "(the mark lives in an emptyDir volume, which survives container restarts).")
    if restarted != (restarts > 0):
        return False, f"{name} is {phase} after {restarts} restarts", (
            "The program must fail once (exit 1) before it succeeds: keep its mark in an emptyDir volume.")
    return True, f"{name}: {phase} after {restarts} restart{'s' * (restarts != 1)}", None


@SUITE.check(id="restart-policy", task=3, title="Restart policies OnFailure and Never acting on a failing container",
             points=2, hint="Run the fail-once program in flaky-onfailure (OnFailure) and flaky-never (Never).")
def restart_policy(ctx):
    outcomes = [_restart_outcome(ctx, "flaky-onfailure", "OnFailure", "Succeeded", True),
                _restart_outcome(ctx, "flaky-never", "Never", "Failed", False)]
    good = [o for o in outcomes if o[0]]
    message = "; ".join(o[1] for o in outcomes) + "."
    if len(good) == 2:
        return ok(message)
    if all(o[1].startswith("no pod") for o in outcomes):
        return fail(message)
    return partial(len(good) / 2, message, " ".join(o[2] for o in outcomes if o[2]))


def _probe_url(pod: dict, container: dict) -> str | None:
    """http://<pod IP>:<port><path> of an httpGet liveness probe (named ports resolved), or None."""
    get = container["livenessProbe"].get("httpGet")
    ip = (pod.get("status") or {}).get("podIP")
    if not get or not ip or (get.get("scheme") or "HTTP") != "HTTP":
        return None
    port = get.get("port")
    if isinstance(port, str) and not port.isdigit():
        port = next((p["containerPort"] for p in container.get("ports") or [] if p.get("name") == port), None)
    return f"http://{ip}:{port}{get.get('path') or '/'}" if port else None


def _stays_alive(ctx, container: dict, restarts: int) -> dict | None:
    """Watch the pod for one probe window after its container started: the pod as the window closes, or None.

    A container that fails its probe again is Ready for a moment after each restart (no readiness probe): a
    pass needs it to survive the probe's initial delay and failure threshold, not a glimpse of Ready.
    """
    probe = container["livenessProbe"]
    window = (probe.get("initialDelaySeconds", 0) + probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)
              + probe.get("timeoutSeconds", 1) + 5)  # + the kubelet's kill and status report
    started = ((container_status(_pod(ctx, "liveness") or {}, container["name"]).get("state") or {})
               .get("running") or {}).get("startedAt")
    age = (datetime.now(timezone.utc) - datetime.fromisoformat(started.replace("Z", "+00:00"))).total_seconds() \
        if started else 0
    if age >= window:
        return None
    try:  # a restart within the window ends the wait early; the timeout means it stayed up
        return wait_for(ctx.clients, "Pod", "liveness", namespace=ctx.namespace, timeout=min(window - age, 30),
                        condition=lambda p: container_status(p, container["name"]).get("restartCount", 0) != restarts
                        or not is_ready(p))
    except WaitTimeout:
        return _pod(ctx, "liveness")


@SUITE.check(id="liveness-restart", task=4, title="A liveness probe restarts a broken container", points=2,
             hint="Give pod 'liveness' an httpGet livenessProbe on /healthz, then `kubectl exec liveness -- rm "
                  "/www/healthz` and watch RESTARTS.")
def liveness_restart(ctx):
    pod = _pod(ctx, "liveness")
    if pod is None:
        return _no_pod(ctx, "liveness")
    container = pod["spec"]["containers"][0]
    if not container.get("livenessProbe"):
        return partial(0.25, "Pod 'liveness' has no livenessProbe.",
                       "Add livenessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 2, "
                       "failureThreshold: 1} to its container.")
    status = container_status(pod, container["name"])
    restarts = status.get("restartCount", 0)
    if restarts == 0:
        return partial(0.5, "Pod 'liveness' has a liveness probe but was never restarted.",
                       "Break the probe inside the running container: `kubectl exec liveness -- rm /www/healthz`.")
    failing = None
    if is_ready(pod):
        # Ready is also the short moment after each restart of a container that fails its probe again: the
        # grader asks the probe's own URL itself (an httpGet probe), or watches one probe window (others).
        url = _probe_url(pod, container)
        if url is not None:
            if not http_get(ctx, url).bodies:
                failing = f"the grader's GET of the probe's {url} fails now, so the probe will kill this container too"
        else:
            pod = _stays_alive(ctx, container, restarts) or pod
            status = container_status(pod, container["name"])
    if not is_ready(pod) or status.get("restartCount", 0) != restarts or failing:
        return partial(0.75, f"Pod 'liveness' restarted {restarts} times but is {_state(pod)} now"
                             + (f" and {failing}" if failing else
                                " and its probe killed the new container again" if is_ready(pod) else "") + ".",
                       "After a restart the container must pass the probe again: create /www/healthz at start-up, "
                       "in the container's own file system (not a volume), so a fresh container has it.")
    last = (status.get("lastState") or {}).get("terminated") or {}
    return ok(f"The kubelet restarted 'liveness' {restarts} time(s) (last exit code {last.get('exitCode', '?')}); "
              "it is Ready again.")


@SUITE.check(id="readiness-gates-traffic", task=5,
             title="A readiness probe decides which pods a Service sends traffic to",
             points=3, hint="Two pods app=gate with a readinessProbe on /ready, Service 'gate' selecting app=gate; "
                            "create /www/ready in gate-a only.")
def readiness_gates_traffic(ctx):
    pods = {name: _pod(ctx, name) for name in ("gate-a", "gate-b")}
    absent = [n for n, p in pods.items() if p is None]
    service = find.get(ctx.clients, "Service", "gate", ctx.namespace)
    if len(absent) == 2 and service is None:
        return fail(f"No pods gate-a, gate-b and no Service 'gate' in namespace {ctx.namespace}.")
    score, problems, hints = 0.0, [], []
    present = [p for p in pods.values() if p is not None]
    unprobed = [p["metadata"]["name"] for p in present if not p["spec"]["containers"][0].get("readinessProbe")]
    if absent or unprobed:
        problems.append(", ".join([f"no pod {n}" for n in absent] + [f"{n} has no readinessProbe" for n in unprobed]))
        hints.append("Both pods need readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1}.")
    else:
        score += 0.25
    if service is None:
        problems.append("no Service 'gate'")
        hints.append("Create Service 'gate' with selector app: gate, port 80, targetPort 8080.")
    elif present:
        why = selector_mismatch(service, present)
        selected = [p for p in present if selects(service["spec"].get("selector") or {}, labels_of(p))]
        if why:
            problems.append(f"the service selects {len(selected)} of the {len(present)} gate pods: {why}")
            hints.append("A Service selects pods by label: its selector must match the pods' labels exactly.")
        else:
            score += 0.25
    ready, unready = endpoint_addresses(ctx, "gate") if service else (set(), set())
    if pods["gate-a"] is not None:
        if not is_ready(pods["gate-a"]):
            problems.append("gate-a is not Ready")
            hints.append("Make gate-a pass its probe: `kubectl exec gate-a -- touch /www/ready`.")
        elif service is not None:
            # Endpoints only say where traffic would go: the grader's own pod sends some through the Service.
            replies = http_get(ctx, service_url(ctx, service), count=4)
            answered = sorted({b.strip() for b in replies.bodies})
            if replies.bodies and answered == ["gate-a"] and not replies.failures:
                score += 0.25
            elif not replies.bodies:
                problems.append(f"gate-a is Ready but the grader's {replies.count} requests to {replies.url} got no "
                                "answer" + ("" if "gate-a" not in ready else
                                            " although gate-a is among its endpoints"))
                hints.append("The Service's targetPort must be the port the pods listen on (8080), and its "
                             "selector must match them.")
            else:
                problems.append(f"requests to {replies.url} were answered by {answered} with "
                                f"{replies.failures} failures, not by gate-a alone")
    if pods["gate-b"] is not None:
        if is_ready(pods["gate-b"]) or "gate-b" in ready:
            problems.append("gate-b is Ready too")
            hints.append("Leave gate-b without /www/ready, to see readiness keep a running pod out of the service.")
        elif service is not None and "gate-b" in unready:
            score += 0.25
        elif service is not None and not problems:
            problems.append("gate-b is not among the service's endpoints at all")
    return summarize(score, problems, hints,
                     f"Requests to Service 'gate' from the grader's pod reach {sorted(ready)} only; gate-b runs "
                     "but is not ready.")


def _token_line(log: str) -> str | None:
    for line in log.splitlines():
        if "log token:" in line:
            return line.split("log token:", 1)[1].strip()
    return None


@SUITE.check(id="logs-and-exec", task=6, title="Read a container's logs and run a command in it", points=2,
             hint="`kubectl logs vault` and `kubectl exec vault -- cat /tmp/file-token`, then record both tokens.")
def logs_and_exec(ctx):
    log_answer, file_answer = read_answer(ctx, "log-token"), read_answer(ctx, "file-token")
    if log_answer is None and file_answer is None:
        return missing_answer("log-token")
    if _pod(ctx, "vault") is None:
        return _no_pod(ctx, "vault")
    log = ctx.clients.core.read_namespaced_pod_log("vault", ctx.namespace)
    in_log = _token_line(log)
    in_file = exec_in_pod(ctx.clients, ctx.namespace, "vault", ["cat", "/tmp/file-token"]).stdout.strip()
    score, problems, hints = 0.0, [], []
    for key, answer, truth, how in (("log-token", log_answer, in_log, "kubectl logs vault"),
                                    ("file-token", file_answer, in_file, "kubectl exec vault -- cat /tmp/file-token")):
        if answer is not None and truth and answer.strip() == truth:
            score += 0.5
        elif answer is None:
            problems.append(f"no answer for {key!r}")
        else:
            problems.append(f"{key} {answer.strip()!r} is not what `{how}` shows now")
            hints.append("Record only the token itself (no 'log token:' prefix)." if "token" in answer else
                         "If the pod was recreated its tokens changed: read them again.")
    return summarize(score, problems, hints,
                     "Both tokens match: one read from the logs, one from inside the container.")


@SUITE.check(id="one-pod-per-tier", task=7, title="One pod per tier, reached over the pod network", points=2,
             hint="Pods stack-db (tier=db, port 5432) and stack-web (tier=web), each a single container; answer "
                  "the quiz with lab.answer(ctx, 'tiers-quiz', ...).")
def one_pod_per_tier(ctx):
    web, db = _pod(ctx, "stack-web"), _pod(ctx, "stack-db")
    quiz = read_answer(ctx, "tiers-quiz")
    if web is None and db is None and quiz is None:
        return fail(f"No pods stack-web, stack-db in namespace {ctx.namespace}, and no quiz answer.")
    score, problems, hints = 0.0, [], []
    for name, tier, pod in (("stack-web", "web", web), ("stack-db", "db", db)):
        if pod is None:
            problems.append(f"no pod {name}")
        elif labels_of(pod).get("tier") != tier or labels_of(pod).get("app") != "stack":
            problems.append(f"{name} carries labels {selector_text(labels_of(pod))}")
            hints.append(f"Label {name} app=stack, tier={tier}.")
        elif len(pod["spec"]["containers"]) != 1:
            problems.append(f"{name} has {len(pod['spec']['containers'])} containers")
            hints.append("One tier per pod: a single container in each.")
        else:
            score += 0.25
    if web is not None and db is not None and is_ready(web) and is_ready(db):
        ip = db["status"]["podIP"]
        answer = exec_in_pod(ctx.clients, ctx.namespace, "stack-web",
                             ["timeout", "5", "wget", "-qO-", f"http://{ip}:5432"])
        if answer.ok and "rows from the database" in answer.stdout:
            score += 0.25
        else:
            problems.append(f"stack-web gets no 'rows from the database' from http://{ip}:5432")
            hints.append("stack-db must serve a file saying 'rows from the database' on port 5432: "
                         "`httpd -f -p 5432 -h /db`.")
    elif web is not None and db is not None:
        problems.append("stack-web and stack-db are not both Ready")
    if quiz is None:
        problems.append("no answer for 'tiers-quiz'")
    elif quiz.strip().lower().strip("()") == "b":
        score += 0.25
    else:
        problems.append(f"quiz answer {quiz.strip()!r} is not right")
        hints.append("Copies of a pod copy every container in it: tiers in one pod can only scale together.")
    return summarize(score, problems, hints,
                     "Web and database run as separate pods; the web tier reaches the database by its pod IP.")
