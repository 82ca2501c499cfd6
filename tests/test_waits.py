import time

import pytest

from labsupport import find, manifests, waits
from labsupport.errors import WaitTimeout

pytestmark = pytest.mark.cluster

POD = """
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels: {{app: waits}}
spec:
  terminationGracePeriodSeconds: 0
  {extra}
  containers:
  - name: main
    image: registry.k8s.io/pause:3.10
    imagePullPolicy: IfNotPresent
    resources: {{requests: {{cpu: 10m, memory: 16Mi}}}}
"""


def test_ready_pod_then_already_true_returns_at_once(clients, namespace):
    manifests.apply(clients, POD.format(name="p", extra=""), namespace=namespace)
    pod = waits.wait_for(clients, "Pod", "p", namespace=namespace, condition="Ready", timeout=120)
    assert pod["status"]["phase"] == "Running"
    started = time.monotonic()
    waits.wait_for(clients, "pod", "p", namespace=namespace, condition="Ready", timeout=60)
    assert time.monotonic() - started < 5


def test_unschedulable_pod_times_out_with_status_and_events(clients, namespace):
    manifests.apply(clients, POD.format(name="stuck", extra="nodeSelector: {kindlab.dev/no-such-node: 'true'}"),
                    namespace=namespace)
    started = time.monotonic()
    with pytest.raises(WaitTimeout) as exc:
        waits.wait_for(clients, "Pod", "stuck", namespace=namespace, condition="Ready", timeout=15)
    assert 14 <= time.monotonic() - started < 40
    text = str(exc.value)
    assert f"Pod {namespace}/stuck to be Ready" in text
    assert "phase Pending" in text and "Unschedulable" in text
    assert "FailedScheduling" in text
    assert "kubectl describe pod stuck" in exc.value.hint


def test_wait_pods_ready_and_deleted(clients, namespace):
    for name in ("a", "b"):
        manifests.apply(clients, POD.format(name=name, extra=""), namespace=namespace)
    pods = waits.wait_pods_ready(clients, namespace, "app=waits", count=2, timeout=120)
    assert sorted(p["metadata"]["name"] for p in pods) == ["a", "b"]
    clients.core.delete_namespaced_pod("a", namespace)
    assert waits.wait_for(clients, "Pod", "a", namespace=namespace, condition="deleted", timeout=60) is None
    assert [p["metadata"]["name"] for p in find.pods(clients, namespace, "app=waits")] == ["b"]


def test_no_matching_pods_hint_names_the_selector_problem(clients, namespace):
    with pytest.raises(WaitTimeout) as exc:
        waits.wait_pods_ready(clients, namespace, "app=nothing", count=1, timeout=3)
    assert "0 of 0 matching pods" in str(exc.value) and "selector" in exc.value.hint


def test_rollout_and_owner_chain(clients, namespace):
    manifests.apply(clients, """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - {name: main, image: registry.k8s.io/pause:3.10, imagePullPolicy: IfNotPresent}
""", namespace=namespace)
    dep = waits.wait_rollout(clients, namespace, "web", timeout=180)
    assert waits.rolled_out(dep)
    pod = find.pods(clients, namespace, "app=web")[0]
    assert [o["kind"] for o in find.owner_chain(clients, pod)] == ["Pod", "ReplicaSet", "Deployment"]


def test_recent_events_are_readable_lines(clients, namespace):
    manifests.apply(clients, POD.format(name="p", extra=""), namespace=namespace)
    waits.wait_for(clients, "Pod", "p", namespace=namespace, condition="Ready", timeout=120)
    events = waits.recent_events(clients, namespace, "Pod", "p")
    assert 0 < len(events) <= 5 and any("Scheduled" in e for e in events)


def test_follow_lists_again_when_its_resource_version_is_gone(clients, namespace, monkeypatch):
    """The shared watch loop (waits and the live widgets): a watch whose version expired gets 410 Gone, and the
    loop lists again and watches on from the new list's version.

    The 410 is injected into the first watch exactly as the client raises it for the API server's ERROR event:
    a real expiry cannot be forced on demand (a young cluster's API server replays history from any old version
    instead of answering 410). Everything else is the real cluster: both lists, the second watch, the object.
    """
    from kubernetes.client.exceptions import ApiException

    from labsupport.watching import Follow

    def gone():
        raise ApiException(status=410, reason="Expired: too old resource version")
        yield  # a generator, like the client's watch: the error comes on the first read

    real_watch, versions, changes = clients.dynamic.watch, [], []

    def watch_gone_once(*args, **kw):
        versions.append(kw["resource_version"])
        if len(versions) > 1:
            return real_watch(*args, **kw)
        # Made after the first list, so only the second list (or the watch after it) can see it.
        manifests.apply(clients, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seen"}},
                        namespace=namespace)
        return gone()

    monkeypatch.setattr(clients.dynamic, "watch", watch_gone_once)
    follow = Follow(clients, "ConfigMap", namespace)
    started = time.monotonic()
    assert follow.run(30, until=lambda objs: "seen" in objs, on_change=lambda kind, obj: changes.append(kind))
    assert time.monotonic() - started < 20
    assert changes.count("LISTED") == 2 and len(versions) >= 1
    assert follow.objects["seen"]["metadata"]["name"] == "seen"


def test_follow_stops_at_its_deadline_and_when_stopped(clients, namespace):
    import threading

    from labsupport.watching import Follow

    follow = Follow(clients, "ConfigMap", namespace)
    started = time.monotonic()
    assert not follow.run(2)  # nothing to wait for: it returns False at the deadline, no sooner, not much later
    assert 2 <= time.monotonic() - started < 10
    stopper = threading.Timer(1, follow.stop)
    stopper.start()
    started = time.monotonic()
    assert not follow.run(60)
    assert time.monotonic() - started < 10 and follow.stopped
