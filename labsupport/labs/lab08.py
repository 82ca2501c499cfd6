"""Checks for lab 08, "Capstone: run and repair a multi-tier application": the lab's table of checks.

The application "notes" (web -> api -> db, ``lab08_app``) arrives broken: the release cell plants five faults.
Task 1 deploys the web tier; tasks 2-6 each diagnose and repair one fault (checks in ``lab08_faults``: the
diagnosis is compared with what the cluster reported, the repair with what it confirms); task 7 is graded by a
real request from the grader's own pod through web, api and db to a note the grader wrote into the claim.
"""

from __future__ import annotations

from labsupport import find
from labsupport.checks import CheckSuite, fail
from labsupport.facts import is_ready
from labsupport.labs import lab08_faults as faults
from labsupport.labs.common import score_parts, selector_mismatch
from labsupport.labs.lab04_probe import fqdn, http_get
from labsupport.labs.lab08_evidence import deployment_pods
from labsupport.labs.lab08_traffic import through_app, write_note
from labsupport.waits import describe_status

SUITE = CheckSuite("08", "Capstone: run and repair a multi-tier application")
WEB_INDEX = "notes: web tier"


@SUITE.check(id="web-tier", task=1, points=3,
             title="The web tier: Deployment and Service web, Ready behind a readiness probe, answering",
             hint="Deployment web (label app: web, busybox httpd on 8080 serving ConfigMap notes-code's web files, "
                  "a readinessProbe) and Service web (port 80 -> 8080).")
def web_tier(ctx):
    deployment = find.get(ctx.clients, "Deployment", "web", ctx.namespace)
    if deployment is None:
        return fail(f"No Deployment 'web' in namespace {ctx.namespace}.")
    pods = deployment_pods(ctx, "web")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    service = find.get(ctx.clients, "Service", "web", ctx.namespace)
    why = "no Service 'web'" if service is None else selector_mismatch(service, pods) if pods else None
    got = http_get(ctx, f"http://{fqdn(ctx, 'web')}/") if service is not None else None
    return score_parts([
        (any(is_ready(p) for p in pods),
         "no web pod is Ready: " + (describe_status(pods[0]) if pods else "Deployment web has no pods"),
         "`kubectl describe pod -l app=web`: its Events say why."),
        ("readinessProbe" in container, "web's container has no readiness probe",
         "Add readinessProbe: httpGet path / port 8080, so web gets traffic only once httpd answers."),
        (service is not None and why is None and bool(pods), f"Service web does not select the web pods: {why}",
         "Service web: selector app: web, port 80, targetPort 8080 (or the port's name)."),
        (got is not None and got.ok and got.body.strip() == WEB_INDEX,
         "no request could be sent: there is no Service web" if got is None else
         f"http://{fqdn(ctx, 'web')}/ answered {got.error or repr(got.body[:80])}, not web's index page",
         "Mount ConfigMap notes-code's web-index.html as /srv/index.html and web.cgi as /srv/cgi-bin/notes "
         "(mode 0555), and serve /srv with httpd on port 8080."),
    ], f"Web runs ({len(pods)} pod(s)), and the grader's request to Service web got its index page.")


SUITE.check(id="image-pull", task=2, points=2,
            title="The api's image cannot be pulled: diagnosed from the pod's status, repaired",
            hint="Record the reason the cluster gives with lab.answer(ctx, 'image-reason', ...), then fix the api "
                 "Deployment's image.")(faults.image_pull)

SUITE.check(id="network-policy", task=3, points=2,
            title="A NetworkPolicy keeps web from the api: found, and fixed for web only",
            hint="Record the policy's name with lab.answer(ctx, 'blocking-policy', ...), then let the web pods (and "
                 "only them) in.")(faults.network_policy)

SUITE.check(id="claim-binds", task=4, points=2,
            title="The database's claim never binds: diagnosed from its events, recreated, mounted",
            hint="Record the event reason with lab.answer(ctx, 'claim-reason', ...), then recreate claim db-data "
                 "with a StorageClass that exists.")(faults.claim_binds)

SUITE.check(id="probe-port", task=5, points=2,
            title="The database's readiness probe never passes: diagnosed from its events, pointed at the right port",
            hint="Record the event reason with lab.answer(ctx, 'probe-reason', ...), then fix the probe's port in "
                 "Deployment db.")(faults.probe_port)

SUITE.check(id="service-selector", task=6, points=2,
            title="Service db selects no pod: the right selector found, the Service's endpoints listed",
            hint="Record a selector that picks the db pods with lab.answer(ctx, 'db-selector', ...), then fix "
                 "Service db's selector.")(faults.service_selector)


@SUITE.check(id="end-to-end", task=7, points=3,
             title="End to end: the grader's request goes web -> api -> db and back with the note it wrote",
             hint="Every tier must answer: web (task 1), the api (tasks 2-3), the database (tasks 4-6).")
def end_to_end(ctx):
    note = write_note(ctx)
    path = through_app(ctx, note.name)
    stopped = f"the grader's request to {path.url} got {path.said()}"
    # One message for the hop where the request stopped; the hops after it only say they were not reached.
    first = next((t for t in ("web", "api", "db") if not path.reached(t)), None)
    said = {t: stopped if t == first else f"so no {t} pod answered" for t in ("web", "api", "db")}
    if path.reached("db") and note.problem is None and note.token not in path.body.split():
        said["db"] = f"the database answered without the grader's note {note.name}: {path.said()}"
    elif note.problem:
        said["db"] = f"{said['db']}; the grader's note: {note.problem}"
    return score_parts([
        (path.reached("web"), said["web"], "Task 1: web must answer on Service web."),
        (path.reached("api"), said["api"], "Tasks 2-3: the api must run and web must be let in."),
        (path.reached("db") and note.problem is None and note.token in path.body.split(), said["db"],
         "Tasks 4-6: the database must run with its claim at /data, be Ready, and be selected by Service db."),
    ], f"web {path.pods['web']} -> api {path.pods['api']} -> db {path.pods['db']} returned the grader's note "
       f"{note.name} from the claim.")
