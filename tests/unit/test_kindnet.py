"""Runtime values of add-on manifests: MetalLB's range from kind's Docker network, and the cluster info's extras."""

from __future__ import annotations

import json

import pytest

from labsupport import kindnet
from labsupport.clusterinfo import ClusterInfo
from labsupport.errors import AddonError


def _inspect(*subnets: str) -> str:
    return json.dumps([{"Name": "kind", "IPAM": {"Config": [{"Subnet": s} for s in subnets]}}])


def test_the_range_is_the_top_of_the_ipv4_subnet():
    assert kindnet.lb_range(_inspect("fc00:f853:ccd:e793::/64", "172.18.0.0/16")) == "172.18.255.200-172.18.255.250"
    assert kindnet.lb_range(_inspect("10.5.7.0/24")) == "10.5.7.200-10.5.7.250"


@pytest.mark.parametrize("text", [_inspect("fc00::/64"), _inspect("10.0.0.0/28"), "[]", "not json"])
def test_no_usable_subnet_says_how_to_check(text):
    with pytest.raises(AddonError) as err:
        kindnet.lb_range(text)
    assert "docker network inspect kind" in err.value.hint


def test_docker_is_asked_only_when_a_manifest_uses_a_runtime_key(monkeypatch):
    monkeypatch.setattr(kindnet.subprocess, "run", lambda *a, **k: pytest.fail("docker asked"))
    assert kindnet.runtime_values("image: ${AGNHOST_IMAGE}\n") == {}


def test_cluster_info_keeps_the_addons_other_keys():
    data = {"cni": "flannel", "policy": "kube-router", "image": "offline", "node-image": "n", "addons": "a,b",
            "ingress": "traefik", "loadbalancer": "metallb"}
    info = ClusterInfo.from_data(data)
    assert info.extra == {"ingress": "traefik", "loadbalancer": "metallb"} and info.to_data() == data
