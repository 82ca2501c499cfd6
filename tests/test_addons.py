"""The add-ons step on the real cluster: apply, wait by watch, load missing images, record the cluster's info.

Runs against `kindlab` without recreating it: the repository's add-ons are applied again (safe to repeat), and
made-up add-ons work in the test's own namespace.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import textwrap

import pytest

from labsupport import addons, cluster, clusterinfo
from labsupport.config import DEFAULT_CLUSTER
from labsupport.errors import WaitTimeout
from labsupport.versions import get

pytestmark = pytest.mark.cluster


def _addon(tmp_path, name: str, manifest: str, waits: str, timeout: int = 60):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "app.yaml").write_text(textwrap.dedent(manifest))
    (folder / "addon.yaml").write_text(f"description: test add-on {name}\ntimeout: {timeout}\n"
                                       f"manifests: [app.yaml]\nwaits:\n{textwrap.dedent(waits)}")
    return addons.parse(folder)


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: echo, namespace: {namespace}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: echo}}}}
  template:
    metadata: {{labels: {{app: echo}}}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - {{name: echo, image: "{image}", imagePullPolicy: IfNotPresent, args: [netexec, --http-port=8080]}}
"""


def test_the_repositorys_addons_apply_again_and_record_the_cluster_info(clients, tmp_path):
    log = open(tmp_path / "log", "w+")
    seconds = cluster.install_addons(DEFAULT_CLUSTER, cluster.node_image(DEFAULT_CLUSTER), log=log)
    assert seconds < 60
    info = clusterinfo.read(clients)
    assert info is not None
    assert info.cni == "flannel"  # the offline node image's pod network
    assert info.policy == "kube-router"  # the add-on kube-router declares it (flannel alone enforces none)
    assert info.image == "offline" and info.node_image.startswith("kindlab.local/node:")
    assert info.addons[0] == "kind-defaults" and set(info.addons) == {a.name for a in addons.discover()}
    log.seek(0)
    assert "add-ons ready: kind-defaults" in log.read()


def test_an_addon_is_applied_with_versions_expanded_and_waited_for(clients, namespace, tmp_path):
    addon = _addon(tmp_path, "echo", DEPLOYMENT.format(namespace=namespace, image="${AGNHOST_IMAGE}"),
                   f"  - {{kind: Deployment, namespace: {namespace}, name: echo, condition: rolled-out}}\n"
                   f"  - {{kind: Pod, namespace: {namespace}, condition: Ready}}\n")
    results = addons.install(clients, DEFAULT_CLUSTER, [addon], nodes=cluster.node_names(DEFAULT_CLUSTER),
                             log=open(tmp_path / "log", "w"))
    assert [r.name for r in results] == ["echo"]
    deployment = clients.apps.read_namespaced_deployment("echo", namespace)
    assert deployment.spec.template.spec.containers[0].image == get("AGNHOST_IMAGE")
    assert deployment.status.available_replicas == 2


def test_addons_of_one_order_are_all_applied_before_any_is_waited_for(clients, namespace, tmp_path):
    """One group's start-ups overlap: "first" waits for the Deployment that "second" (same order, listed after it)
    makes, which works only when every add-on of the group is applied before the first wait."""
    configmap = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: first, namespace: {namespace}}}\n"
    first = _addon(tmp_path, "first", configmap,
                   f"  - {{kind: Deployment, namespace: {namespace}, name: second, condition: rolled-out}}\n")
    second = _addon(tmp_path, "second",
                    DEPLOYMENT.format(namespace=namespace, image="${AGNHOST_IMAGE}").replace("name: echo,", "name: second,"),
                    f"  - {{kind: Deployment, namespace: {namespace}, name: second, condition: Available}}\n")
    results = addons.install(clients, DEFAULT_CLUSTER, [first, second], nodes=cluster.node_names(DEFAULT_CLUSTER),
                             log=open(tmp_path / "log", "w"))
    assert [r.name for r in results] == ["first", "second"]
    assert clients.apps.read_namespaced_deployment("second", namespace).status.available_replicas == 2


def test_groups_follow_the_order_field():
    groups = addons._groups(addons.discover())
    orders = [group[0].order for group in groups]
    assert orders == sorted(set(orders)) and all(len({a.order for a in g}) == 1 for g in groups)
    # MetalLB's pool needs MetalLB's CRDs and webhook: a later group than MetalLB itself.
    by_name = {a.name: a.order for a in addons.discover()}
    assert by_name["metallb-pool"] > by_name["metallb"] and by_name["metrics-api"] > by_name["metrics-server"]


def test_a_wait_that_times_out_shows_status_and_events(clients, namespace, tmp_path):
    addon = _addon(tmp_path, "broken", DEPLOYMENT.format(namespace=namespace, image="kindlab.local/absent:0"),
                   f"  - {{kind: Deployment, namespace: {namespace}, name: echo, condition: rolled-out}}\n",
                   timeout=15)
    with pytest.raises(WaitTimeout) as err:
        addons.install(clients, DEFAULT_CLUSTER, [addon], log=open(tmp_path / "log", "w"))
    message = str(err.value)
    # The wait gets what is left of the add-on's 15 s deadline.
    assert re.search(rf"Timed out after 1[45](\.\d+)?s waiting for Deployment {namespace}/echo to be rolled out", message)
    assert "Status: " in message and "Available=False" in message
    assert "ScalingReplicaSet" in message  # the Deployment's recent events


def test_a_nameless_wait_with_nothing_to_wait_for_says_so(clients, namespace):
    with pytest.raises(addons.AddonError, match=f"there is no Deployment in namespace {namespace}"):
        addons.wait_one(clients, addons.Wait("Deployment", "Available", namespace), timeout=5)


def test_every_declared_addon_image_is_listed_on_every_node():
    """The offline node image holds them (a connected machine's cluster has them loaded or pulled by now);
    the names the declarations use match the names the runtime lists."""
    nodes = cluster.node_names(DEFAULT_CLUSTER)
    present = addons.node_images(nodes)
    wanted = {image for images in addons.declared_images(addons.discover()).values() for image in images}
    assert wanted and set(present) == set(nodes)
    missing = {node: sorted(i for i in wanted if addons.image_ref(i) not in present[node]) for node in nodes}
    assert not any(missing.values()), missing


def _on_node(node: str, image: str) -> bool:
    """Asked of the node's runtime by name, independently of addons.node_images."""
    return subprocess.run(["docker", "exec", node, "crictl", "inspecti", "-q", image],
                          capture_output=True, timeout=30).returncode == 0


def test_an_image_missing_from_the_nodes_is_loaded_into_them(tmp_path):
    """An image only Docker has (as with kind's published node image) goes onto every node with kind load."""
    tag = f"kindlab.local/addon-load-test:{secrets.token_hex(4)}"
    (tmp_path / "marker").write_text(tag)  # unique content, so the image is unique and can be removed safely
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY marker /marker\n")
    subprocess.run(["docker", "build", "-q", "-t", tag, str(tmp_path)], check=True, capture_output=True, timeout=120)
    nodes = cluster.node_names(DEFAULT_CLUSTER)
    try:
        assert not any(_on_node(n, tag) for n in nodes)
        assert addons.ensure_images(DEFAULT_CLUSTER, [tag], nodes) == [tag]
        assert all(_on_node(n, tag) for n in nodes)
        assert addons.ensure_images(DEFAULT_CLUSTER, [tag], nodes) == []  # present now: nothing to load
    finally:
        for node in nodes:
            subprocess.run(["docker", "exec", node, "crictl", "rmi", tag], capture_output=True, timeout=60)
        subprocess.run(["docker", "image", "rm", tag], capture_output=True, timeout=60)
