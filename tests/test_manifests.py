import pytest

from labsupport import find, manifests
from labsupport.errors import ApplyError

pytestmark = pytest.mark.cluster

CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {app: demo}
data:
  greeting: hello
---
apiVersion: v1
kind: Service
metadata:
  name: demo
spec:
  selector: {app: demo}
  ports: [{port: 80, targetPort: 8080}]
"""


def test_apply_twice_is_idempotent(clients, namespace):
    first = manifests.apply(clients, CONFIG, namespace=namespace)
    second = manifests.apply(clients, CONFIG, namespace=namespace)
    assert [o["kind"] for o in first] == ["ConfigMap", "Service"]
    assert all(o["metadata"]["namespace"] == namespace for o in second)
    # A no-op server-side apply does not write: the objects keep their resourceVersion.
    assert [o["metadata"]["resourceVersion"] for o in first] == [o["metadata"]["resourceVersion"] for o in second]


def test_apply_changes_what_changed_and_find_sees_it(clients, namespace):
    manifests.apply(clients, CONFIG, namespace=namespace)
    manifests.apply(clients, CONFIG.replace("greeting: hello", "greeting: bonjour"), namespace=namespace)
    (cm,) = find.by_label(clients, "ConfigMap", namespace, "app=demo")
    assert cm["data"] == {"greeting": "bonjour"}


def test_rejected_manifest_names_the_object_and_the_field(clients, namespace):
    bad = CONFIG.replace("port: 80,", "port: -1,")
    with pytest.raises(ApplyError, match=f"Service {namespace}/demo") as exc:
        manifests.apply(clients, bad, namespace=namespace)
    assert "port" in str(exc.value)


def test_unknown_kind(clients, namespace):
    with pytest.raises(ApplyError, match="does not serve Gizmo"):
        manifests.apply(clients, {"apiVersion": "v1", "kind": "Gizmo", "metadata": {"name": "g"}}, namespace=namespace)


def test_delete_waits_and_ignores_absent_objects(clients, namespace):
    manifests.apply(clients, CONFIG, namespace=namespace)
    manifests.delete(clients, CONFIG, namespace=namespace)
    assert find.get(clients, "ConfigMap", "settings", namespace) is None
    manifests.delete(clients, CONFIG, namespace=namespace)  # already gone: fine
