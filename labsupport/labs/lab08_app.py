"""Lab 08's application, "notes", as its (broken) release ships it: web -> api -> db, with five planted faults.

Three tiers of busybox httpd with CGI scripts from one ConfigMap (no image is pulled: busybox is already on every
node). A request for ``/cgi-bin/notes?NAME`` to web makes web ask the api, the api ask the database, and the
database read the note NAME from its claim; each tier prints its own pod name first, so an answer shows the
whole path it took::

    web web-6d9c...     <- the web tier (the learner deploys it in task 1)
    api api-5f7b...     <- the api tier
    db db-7c4d...       <- the database tier, then the note from /data/NAME
    hello

The release (``plant``) brings everything but the web tier, with these faults, one per task of the lab:

=====================  ========================================  ====================================
fault                  planted as                                the cluster says
=====================  ========================================  ====================================
image                  api runs image ``busybox:1.53``           ErrImagePull / ImagePullBackOff
network policy         allow-api admits ``app: frontend`` only   (nothing: requests time out)
claim                  db-data asks for class ``fast-ssd``       ProvisioningFailed, FailedScheduling
probe                  db's readiness probe on port 8081         Unhealthy (connection refused)
selector               Service db selects ``app: database``      (nothing: no endpoints)
=====================  ========================================  ====================================

``plant`` creates what is missing and never changes what exists: the grader runs the same cell, so a submission
starts from the same broken state, and running the cell again keeps the learner's repairs.
"""

from __future__ import annotations

from labsupport import find, manifests

IMAGE = "docker.io/library/busybox:1.35"
BROKEN_IMAGE = "docker.io/library/busybox:1.53"  # no such image on the nodes, and no registry to pull it from
BROKEN_CLASS = "fast-ssd"
BROKEN_PROBE_PORT = 8081
BROKEN_SELECTOR = {"app": "database"}
PORT = 8080
CODE = "notes-code"
CLAIM = "db-data"

_PATH = 'export PATH=/bin:/usr/bin:/sbin:/usr/sbin\n'
_HEADER = 'echo "Content-Type: text/plain"\necho\n'

# The web tier's script: the learner's Deployment mounts it (task 1). The timeouts nest (web 6 s > api 3 s), so
# the api's own error reaches the caller before web gives up.
WEB_CGI = ("#!/bin/sh\n" + _PATH + _HEADER +
           'echo "web $(cat /etc/hostname)"\n'
           'timeout 6 wget -q -O - "http://api/cgi-bin/notes?$QUERY_STRING" 2>&1 '
           '|| echo "web: no answer from the api (Service api, port 80)"\n')
API_CGI = ("#!/bin/sh\n" + _PATH + _HEADER +
           'echo "api $(cat /etc/hostname)"\n'
           'timeout 3 wget -q -O - "http://db/cgi-bin/note?$QUERY_STRING" 2>&1 '
           '|| echo "api: no answer from the database (Service db, port 80)"\n')
DB_CGI = ("#!/bin/sh\n" + _PATH + _HEADER +
          'echo "db $(cat /etc/hostname)"\n'
          'name=$QUERY_STRING\n'
          "case \"$name\" in ''|*[!a-z0-9-]*) name=welcome ;; esac\n"
          'if [ -f "/data/$name" ]; then cat "/data/$name"; else echo "no note named $name"; fi\n')


def _deployment(name: str, image: str, probe_port: int, *, volumes: list, mounts: list,
                strategy: str = "RollingUpdate") -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": 1, "strategy": {"type": strategy},
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "terminationGracePeriodSeconds": 1,
                    "containers": [{
                        "name": name, "image": image, "imagePullPolicy": "IfNotPresent",
                        "command": ["httpd", "-f", "-p", str(PORT), "-h", "/srv"],
                        "ports": [{"name": "http", "containerPort": PORT}],
                        "readinessProbe": {"httpGet": {"path": "/", "port": probe_port}, "periodSeconds": 2},
                        "resources": {"requests": {"cpu": "5m", "memory": "8Mi"}},
                        "volumeMounts": mounts}],
                    "volumes": volumes}}}}


def _code_volume(script: str, index: str) -> dict:
    """The tier's files from ConfigMap notes-code: /srv/index.html and the CGI script, executable."""
    return {"name": "code", "configMap": {"name": CODE, "items": [
        {"key": index, "path": "index.html"},
        {"key": script, "path": f"cgi-bin/{'note' if script == 'db.cgi' else 'notes'}", "mode": 0o555}]}}


def _service(name: str, selector: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}


def _policy(name: str, pods: dict, sources: list | None) -> dict:
    """An ingress policy for pods ``pods``; ``sources`` None: deny all, [] : from anywhere on the app port."""
    spec = {"podSelector": {"matchLabels": pods} if pods else {}, "policyTypes": ["Ingress"]}
    if sources is not None:
        spec["ingress"] = [{"ports": [{"protocol": "TCP", "port": PORT}],
                            **({"from": [{"podSelector": {"matchLabels": s}} for s in sources]} if sources else {})}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name}, "spec": spec}


def release() -> list[dict]:
    """The release as shipped: every object of the api and db tiers, the code, the policies; faults included."""
    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": CODE},
         "data": {"web.cgi": WEB_CGI, "api.cgi": API_CGI, "db.cgi": DB_CGI,
                  "web-index.html": "notes: web tier\n", "api-index.html": "notes: api tier\n",
                  "db-index.html": "notes: database tier\n"}},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": CLAIM},
         "spec": {"storageClassName": BROKEN_CLASS, "accessModes": ["ReadWriteOnce"],
                  "resources": {"requests": {"storage": "16Mi"}}}},
        _deployment("db", IMAGE, BROKEN_PROBE_PORT, strategy="Recreate",  # one writer of a ReadWriteOnce claim
                    volumes=[_code_volume("db.cgi", "db-index.html"),
                             {"name": "data", "persistentVolumeClaim": {"claimName": CLAIM}}],
                    mounts=[{"name": "code", "mountPath": "/srv"}, {"name": "data", "mountPath": "/data"}]),
        _service("db", BROKEN_SELECTOR),
        _deployment("api", BROKEN_IMAGE, PORT, volumes=[_code_volume("api.cgi", "api-index.html")],
                    mounts=[{"name": "code", "mountPath": "/srv"}]),
        _service("api", {"app": "api"}),
        _policy("default-deny", {}, None),
        _policy("allow-web", {"app": "web"}, []),
        _policy("allow-api", {"app": "api"}, [{"app": "frontend"}]),
        _policy("allow-db", {"app": "db"}, [{"app": "api"}]),
    ]


def plant(ctx) -> list[str]:
    """Create the release's objects that do not exist yet in ``ctx.namespace``; return "Kind/name" of each created.

    Existing objects are left alone, so running it again keeps your repairs (start over with ``lab.reset(ctx)``).
    """
    created = []
    for obj in release():
        name = obj["metadata"]["name"]
        if find.get(ctx.clients, obj["kind"], name, ctx.namespace) is None:
            manifests.apply(ctx.clients, obj, namespace=ctx.namespace)
            created.append(f"{obj['kind']}/{name}")
    return created
