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


def test_follow_lists_again_when_its_resource_version_is_gone(clients, namespace):
    """The shared watch loop (waits and the live widgets): a watch from an expired version gets 410 Gone."""
    from labsupport.watching import Follow

    follow = Follow(clients, "ConfigMap", namespace)
    real_list, versions, changes = follow._list, [], []

    def list_then_expire(on_change):
        versions.append(real_list(on_change))
        return "1" if len(versions) == 1 else versions[-1]  # long compacted: the API answers 410 Gone

    follow._list = list_then_expire
    manifests.apply(clients, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seen"}},
                    namespace=namespace)
    started = time.monotonic()
    assert follow.run(30, until=lambda objs: len(versions) >= 2 and "seen" in objs,
                      on_change=lambda kind, obj: changes.append(kind))
    assert time.monotonic() - started < 20 and changes.count("LISTED") == 2


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
