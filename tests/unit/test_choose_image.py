"""Which node image `make cluster` uses: explicit, then the offline build, then the published one, else an error
that says how to build it. (Decision logic only; creating clusters is tested on the real engine.)"""

from __future__ import annotations

import pytest

from labsupport import cluster, versions
from labsupport.errors import PreflightError

K8S_VERSION = versions.get("K8S_VERSION")
OFFLINE = f"kindlab.local/node:{K8S_VERSION}-abc"


@pytest.fixture
def machine(monkeypatch):
    state = {"present": set(), "registry": False}
    monkeypatch.delenv("KINDLAB_NODE_IMAGE", raising=False)
    monkeypatch.setattr(cluster, "offline_image_tag", lambda: OFFLINE)
    monkeypatch.setattr(cluster, "_image_present", lambda image: image in state["present"])
    monkeypatch.setattr(cluster, "_registry_resolves", lambda: state["registry"])
    return state


def test_explicit_image_wins(machine):
    machine["present"].add(OFFLINE)
    assert cluster.choose_image(cluster.ClusterSpec(image="my/node:1")) == "my/node:1"


def test_offline_build_is_used_when_present(machine):
    machine["present"].add(OFFLINE)
    machine["registry"] = True
    assert cluster.choose_image(cluster.ClusterSpec()) == OFFLINE


def test_published_image_where_a_registry_answers(machine):
    machine["registry"] = True
    assert cluster.choose_image(cluster.ClusterSpec()) == cluster.PUBLISHED_IMAGE


def test_no_image_and_no_registry_says_to_build(machine):
    with pytest.raises(PreflightError) as err:
        cluster.choose_image(cluster.ClusterSpec())
    assert OFFLINE in str(err.value) and "make images" in err.value.hint


def test_offline_tag_is_keyed_by_the_pinned_version():
    assert cluster.offline_image_tag().startswith(f"kindlab.local/node:{K8S_VERSION}-")


def test_published_image_is_the_pinned_kubernetes_version():
    assert cluster.PUBLISHED_IMAGE.startswith(f"kindest/node:{K8S_VERSION}@sha256:")
