"""The e2e test images the offline build makes (clusters/components/e2e-images.sh) have what upstream's have: the
tools the conformance specs and the labs run in them, the files they read, and servers that answer."""

from __future__ import annotations

import secrets

import pytest

from labsupport import manifests, waits
from labsupport.config import TEST_LABEL
from labsupport.namespaces import delete_namespaces, ensure_namespace
from labsupport.podexec import exec_in_pod
from labsupport.versions import versions

pytestmark = pytest.mark.cluster

E2E = "registry.k8s.io/e2e-test-images"
# name -> (image, args): each a long-running server or shell, as the e2e specs start them.
PODS = {
    "agnhost": (versions()["AGNHOST_IMAGE"], ["netexec", "--http-port=8080", "--udp-port=8081"]),
    "httpd": (f"{E2E}/httpd:2.4.38-4", None),
    "httpd-new": (f"{E2E}/httpd:2.4.39-4", None),
    "nginx": (f"{E2E}/nginx:1.14-4", None),
    "dnsutils": (f"{E2E}/jessie-dnsutils:1.7", ["sleep", "3600"]),
    "kitten": (f"{E2E}/kitten:1.7", None),
    "busybox": (f"{E2E}/busybox:1.37.0-1", ["sleep", "3600"]),
}


def _pod(name: str, image: str, args: list[str] | None) -> dict:
    container = {"name": "main", "image": image, "imagePullPolicy": "IfNotPresent"}
    if args and args[0] == "sleep":
        container["command"] = args
    elif args:
        container["args"] = args
    if name == "busybox":  # names with '-' as the ConfigMap/Secret env specs give them (not shell names)
        container["env"] = [{"name": "data-1", "value": "value-1"}, {"name": "p.data-2", "value": "value-2"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"terminationGracePeriodSeconds": 0, "containers": [container]}}


@pytest.fixture(scope="module")
def pods(clients, request):
    """Every image's pod in one namespace, Ready; returns (namespace, pod IPs)."""
    ns = f"test-e2e-images-{secrets.token_hex(3)}"
    ensure_namespace(clients, ns, {TEST_LABEL: "true"})
    request.addfinalizer(lambda: delete_namespaces(clients, [ns]))
    manifests.apply(clients, [_pod(n, image, args) for n, (image, args) in PODS.items()], namespace=ns)
    ips = {}
    for name in PODS:
        pod = waits.wait_for(clients, "Pod", name, namespace=ns, condition="Ready", timeout=120)
        ips[name] = pod["status"]["podIP"]
    return ns, ips


def _sh(clients, ns: str, pod: str, script: str, timeout: float = 30):
    result = exec_in_pod(clients, ns, pod, ["sh", "-c", script], timeout=timeout)
    assert result.ok, f"{pod}: `{script}` exited {result.returncode}: {result.stdout}{result.stderr}"
    return result.stdout


def test_agnhost_has_upstreams_tools_and_files(clients, pods):
    ns, _ = pods
    out = _sh(clients, ns, "agnhost", "for t in curl nc dig nslookup bash ss iperf wget; do command -v $t >/dev/null "
                                      "|| echo missing $t; done; ls /agnhost /agnhost-2 /coredns /localhost.crt "
                                      "/localhost.key; test -d /uploads; readlink /agnhost-2; id user-defined-in-image")
    assert "missing" not in out, out
    assert {"/agnhost-2", "/coredns", "/localhost.crt", "/localhost.key"} <= set(out.split()), out
    assert "\nagnhost\n" in out  # the relative symlink upstream's Dockerfile makes
    assert "uid=1000(user-defined-in-image)" in out and "50000(group-defined-in-image)" in out
    # /agnhost-2 runs agnhost itself (the entrypoint-override specs call it), and /coredns is a real CoreDNS
    assert "netexec" in _sh(clients, ns, "agnhost", "/agnhost-2 --help")
    assert "CoreDNS-" in _sh(clients, ns, "agnhost", "/coredns -version")


def test_agnhost_tools_work_against_the_cluster(clients, pods):
    ns, ips = pods
    # dig and nslookup resolve through the cluster's DNS; curl and a full netcat reach netexec over HTTP and UDP
    assert _sh(clients, ns, "agnhost", "dig +short kubernetes.default.svc.cluster.local").strip()
    assert "kubernetes.default.svc.cluster.local" in _sh(clients, ns, "agnhost",
                                                         "nslookup kubernetes.default.svc.cluster.local")
    assert _sh(clients, ns, "agnhost", "curl -sS --max-time 5 http://127.0.0.1:8080/hostname") == "agnhost"
    assert _sh(clients, ns, "agnhost", "wget -qO- http://127.0.0.1:8080/hostname") == "agnhost"  # as lab 05 asks
    assert "succeeded" in _sh(clients, ns, "agnhost", "nc -vz -w 5 127.0.0.1 8080 2>&1")
    assert _sh(clients, ns, "agnhost", "echo hostname | nc -u -w 2 127.0.0.1 8081").strip() == "agnhost"
    assert _sh(clients, ns, "agnhost", "bash -c 'echo ${BASH_VERSION%%.*}'").strip().isdigit()


def test_web_server_images_serve_like_upstreams(clients, pods):
    ns, ips = pods
    for name in ("httpd", "httpd-new"):
        page = _sh(clients, ns, "agnhost", f"curl -sS --max-time 5 http://{ips[name]}/index.html")
        assert "It works!" in page, (name, page)
    # the StatefulSet specs break httpd's readiness probe by moving this file away
    _sh(clients, ns, "httpd", "test -f /usr/local/apache2/htdocs/index.html")
    assert "nginx" in _sh(clients, ns, "agnhost", f"curl -sS --max-time 5 http://{ips['nginx']}/")
    assert _sh(clients, ns, "agnhost", f"curl -sS --max-time 5 -o /dev/null -w '%{{http_code}}' "
                                       f"http://{ips['kitten']}/kitten.jpg") == "200"


def test_dnsutils_and_busybox_images(clients, pods):
    ns, _ = pods
    # the DNS specs' "jessie" prober runs dig, getent, hostname and awk in this image
    out = _sh(clients, ns, "dnsutils", "dig +short +search kubernetes.default.svc.cluster.local; "
                                       "getent hosts kubernetes.default.svc.cluster.local; hostname; "
                                       "echo a.b | awk -F. '{print $2}'")
    lines = out.split("\n")
    assert lines[0].strip() and lines[-3] == "dnsutils" and lines[-2] == "b", out
    assert _sh(clients, ns, "busybox", "busybox | head -n1").startswith("BusyBox")


def test_busybox_keeps_every_environment_variable_and_its_wget_times_out(clients, pods):
    """Upstream busybox's sh passes on environment variables whose names are not shell names (Debian's patched
    busybox-static dropped them, failing the env specs); its `wget -T` gives up cleanly (Debian's crashed)."""
    ns, ips = pods
    env = _sh(clients, ns, "busybox", "env").split("\n")
    assert "data-1=value-1" in env and "p.data-2=value-2" in env, env
    # a port nothing listens on: refused at once; -T bounds it either way. Exit 1, not a crash (139).
    result = exec_in_pod(clients, ns, "busybox", ["wget", "-T", "3", "-q", "-O", "-", f"http://{ips['agnhost']}:9/"],
                         timeout=30)
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "can't connect" in result.stderr or "timed out" in result.stderr, result.stderr


def test_nonewprivs_shows_whether_the_setuid_bit_took_effect(clients, pods):
    """The Security Context specs run nnp as uid 1000: setuid root takes effect unless allowPrivilegeEscalation is
    false, and the program prints the effective uid either way."""
    ns, _ = pods
    runs = {"nnp-false": False, "nnp-true": True}
    manifests.apply(clients, [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
         "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 0,
                  "containers": [{"name": "main", "image": f"{E2E}/nonewprivs:1.3", "imagePullPolicy": "IfNotPresent",
                                  "securityContext": {"runAsUser": 1000, "allowPrivilegeEscalation": escalate}}]}}
        for name, escalate in runs.items()], namespace=ns)
    for name, escalate in runs.items():
        pod = waits.wait_for(clients, "Pod", name, namespace=ns, timeout=120,
                             condition=lambda p: (p.get("status") or {}).get("phase") in ("Succeeded", "Failed"))
        assert pod["status"]["phase"] == "Succeeded", pod["status"]
        log = clients.core.read_namespaced_pod_log(name, ns)
        assert log.strip() == f"Effective uid: {0 if escalate else 1000}", (name, log)
