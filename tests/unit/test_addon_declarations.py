"""Add-on declarations (clusters/addons/<name>/addon.yaml) parse into typed add-ons, or fail saying what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from labsupport import addons
from labsupport.addons import AddonError, Wait
from labsupport.waits import condition_met


def _folder(tmp_path: Path, name: str, text: str, manifests: tuple[str, ...] = ()) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "addon.yaml").write_text(text)
    for manifest in manifests:
        (folder / manifest).write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    return folder


FULL = """
description: an ingress controller
order: 20
timeout: 90
manifests: [rbac.yaml, controller.yaml]
waits:
  - {kind: Deployment, namespace: ingress, name: controller, condition: Available}
  - {kind: IPAddressPool, apiVersion: metallb.io/v1beta1, namespace: metallb-system, name: pool, condition: Ready}
  - {kind: Node, condition: Ready}
info: {policy: kube-router}
"""


def test_a_full_declaration(tmp_path):
    addon = addons.parse(_folder(tmp_path, "ingress", FULL, ("rbac.yaml", "controller.yaml")))
    assert addon.name == "ingress" and addon.order == 20 and addon.timeout == 90
    assert [m.name for m in addon.manifests] == ["rbac.yaml", "controller.yaml"]
    assert addon.waits == (Wait("Deployment", "Available", "ingress", "controller"),
                           Wait("IPAddressPool", "Ready", "metallb-system", "pool", "metallb.io/v1beta1"),
                           Wait("Node", "Ready"))
    assert addon.info == {"policy": "kube-router"} and not addon.has_component
    assert str(addon.waits[2]) == "Node * Ready"


def test_defaults_and_order(tmp_path):
    _folder(tmp_path, "zeta", "description: z\norder: 10\n")
    _folder(tmp_path, "alpha", "description: a\n")
    _folder(tmp_path, "beta", "description: b\norder: 10\n")
    (tmp_path / "not-an-addon").mkdir()
    found = addons.discover(tmp_path)
    assert [a.name for a in found] == ["beta", "zeta", "alpha"]
    assert found[2].order == addons.DEFAULT_ORDER and found[2].timeout == addons.DEFAULT_TIMEOUT
    assert found[2].manifests == () and found[2].waits == ()


@pytest.mark.parametrize("text, message", [
    ("order: 1\n", "no description"),
    ("description: x\nwaitz: []\n", "unknown keys ['waitz']"),
    ("description: x\nmanifests: [absent.yaml]\n", "manifest absent.yaml is not in"),
    ("description: x\nwaits: [{kind: Deployment}]\n", "wait 1"),
    ("description: x\nwaits: [{kind: Pod, condition: Ready, selector: a=b}]\n", "wait 1"),
    ("description: x\norder: first\n", "order and timeout must be numbers"),
    ("description: x\ninfo: [a]\n", "info must be a mapping"),
    ("description: [unclosed\n", "cannot read"),
])
def test_invalid_declarations_say_what_to_fix(tmp_path, text, message):
    with pytest.raises(AddonError) as err:
        addons.parse(_folder(tmp_path, "bad", text))
    assert message in str(err.value) and "clusters/addons/README.md" in err.value.hint


def test_the_repositorys_addons_parse_and_kind_defaults_come_first():
    found = addons.discover()
    # First of the first group: its waits (nodes, CoreDNS, storage) overlap the built add-ons' start-ups.
    assert found[0].name == "kind-defaults" and found[0].order == min(a.order for a in found)
    assert Wait("Node", "Ready") in found[0].waits
    assert Wait("Deployment", "Available", "local-path-storage") in found[0].waits


def test_rolled_out_is_a_check_per_kind():
    ds = {"metadata": {"generation": 2}, "status": {"observedGeneration": 2, "desiredNumberScheduled": 3,
                                                    "updatedNumberScheduled": 3, "numberAvailable": 2}}
    check = addons.condition_for(Wait("DaemonSet", "rolled-out"))
    assert not condition_met(ds, check)
    ds["status"]["numberAvailable"] = 3
    assert condition_met(ds, check) and check.__name__ == "rolled_out"
    assert addons.condition_for(Wait("Deployment", "Available")) == "Available"
    with pytest.raises(AddonError, match="rolled-out applies to"):
        addons.condition_for(Wait("Pod", "rolled-out"))


def test_a_built_manifest_is_read_from_the_components_cache_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("KINDLAB_CACHE", str(tmp_path / "cache"))
    folder = _folder(tmp_path, "metrics-server", "description: d\nmanifests: [$OUT/manifests/m.yaml, local.yaml]\n",
                     ("local.yaml",))
    (folder / "component.sh").write_text("# what it is\nversion=$K8S_VERSION\n")
    addon = addons.parse(folder)
    from labsupport.versions import get
    assert addon.manifests[0] == tmp_path / "cache" / f"metrics-server-{get('K8S_VERSION')}" / "manifests" / "m.yaml"
    assert addon.manifests[1] == folder / "local.yaml"
    with pytest.raises(AddonError) as err:  # not built yet: the install says how to build it
        addons.read_manifest(addon, addon.manifests[0])
    assert "make images" in err.value.hint


def test_a_built_manifest_needs_a_component(tmp_path):
    with pytest.raises(AddonError) as err:
        addons.parse(_folder(tmp_path, "x", "description: d\nmanifests: [$OUT/m.yaml]\n"))
    assert "needs a component.sh" in str(err.value)


def test_the_repositorys_addons_are_wired_in_order():
    found = {a.name: a for a in addons.discover()}
    assert {"metrics-server", "metrics-api", "metallb", "metallb-pool", "kube-router", "traefik"} <= set(found)
    # The APIService and the pool come after what serves them (their README says why).
    assert found["metrics-api"].order > found["metrics-server"].order
    assert found["metallb-pool"].order > found["metallb"].order
    assert found["kube-router"].info == {"policy": "kube-router"}
    assert found["traefik"].info["ingress"] == "traefik" and found["metallb-pool"].info == {"loadbalancer": "metallb"}
    assert all(found[n].has_component for n in ("metrics-server", "metallb", "kube-router", "traefik"))


def test_an_apply_a_starting_webhook_refuses_is_retried_until_the_deadline(monkeypatch):
    import time

    from labsupport.errors import ApplyError

    calls = []

    def fake_apply(clients, text):
        calls.append(text)
        if len(calls) < 3:
            raise ApplyError('Internal error occurred: failed calling webhook "ipaddresspoolvalidationwebhook.metallb.io"')
        return [{"kind": "IPAddressPool"}]

    monkeypatch.setattr(addons, "apply", fake_apply)
    monkeypatch.setattr(addons.time, "sleep", lambda s: None)
    assert addons.apply_until(None, "pool", time.monotonic() + 60) == [{"kind": "IPAddressPool"}] and len(calls) == 3
    calls.clear()
    with pytest.raises(ApplyError):  # past the deadline the webhook's refusal is the error
        addons.apply_until(None, "pool", time.monotonic() - 1)
    assert len(calls) == 1

    def refused(clients, text):
        calls.append(text)
        raise ApplyError("spec.addresses: Invalid value")

    calls.clear()
    monkeypatch.setattr(addons, "apply", refused)
    with pytest.raises(ApplyError):  # any other refusal at once
        addons.apply_until(None, "pool", time.monotonic() + 60)
    assert len(calls) == 1


@pytest.mark.parametrize("name, ref", [
    ("busybox:1.35", "docker.io/library/busybox:1.35"),
    ("cloudnativelabs/kube-router:v2.1.0", "docker.io/cloudnativelabs/kube-router:v2.1.0"),
    ("quay.io/metallb/speaker:v0.15.2", "quay.io/metallb/speaker:v0.15.2"),
    ("kindlab.local/flannel", "kindlab.local/flannel:latest"),
    ("localhost:5000/app", "localhost:5000/app:latest"),
    ("localhost/app:1", "localhost/app:1"),
])
def test_image_names_are_compared_as_the_runtime_lists_them(name, ref):
    assert addons.image_ref(name) == ref
