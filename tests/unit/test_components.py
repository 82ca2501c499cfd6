"""Component declarations (clusters/components/*.sh, clusters/addons/*/component.sh): the preload list, the node
files and the cache directories are derived from them, each declared once."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from labsupport import versions

REPO = Path(__file__).resolve().parents[2]


def _run(clusters: Path, *args: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(clusters / "build" / "components.sh"), *args], capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": str(cache), "KINDLAB_CACHE": str(cache)})


@pytest.fixture
def clusters(tmp_path) -> Path:
    """A clusters/ tree with the real build scripts and versions, and made-up components."""
    root = tmp_path / "clusters"
    (root / "build").mkdir(parents=True)
    for name in ("lib.sh", "components.sh"):
        shutil.copy(REPO / "clusters" / "build" / name, root / "build" / name)
    (root / "versions.env").write_text("WIDGET_VERSION=v1.2.3\nBASE_IMAGE=example.org/base:7\n")
    (root / "components").mkdir()
    (root / "components" / "widget.sh").write_text(
        'version=$WIDGET_VERSION\n'
        'build() { echo "built $version" >>"$KINDLAB_CACHE/build-log"; echo bin >"$OUT/bin/widget"; }\n'
        'image "example.org/widget:$version" scratch --entrypoint \'["/widget"]\' widget:/widget\n'
        'image "example.org/widget-debug:$version" busybox --no-preload widget:/widget\n'
        'image_alias example.org/widget:latest "example.org/widget:$version"\n'
        'node_file widget /usr/local/bin/\n')
    (root / "components" / "base.sh").write_text('version=7\nimage_prebuilt "$BASE_IMAGE" "another script"\n')
    (root / "addons" / "gadget").mkdir(parents=True)
    (root / "addons" / "gadget" / "component.sh").write_text(
        'version=v9\nbuild() { echo g >"$OUT/bin/gadget"; }\nimage example.org/gadget:v9 scratch gadget:/gadget\n')
    return root


def test_preload_list_is_derived_from_the_declarations(clusters, tmp_path):
    out = _run(clusters, "--preload", cache=tmp_path / "cache")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["example.org/base:7", "example.org/widget:v1.2.3", "example.org/widget:latest",
                                  "example.org/gadget:v9"]


def test_images_name_their_component_and_preload_flag(clusters, tmp_path):
    out = _run(clusters, "--images", cache=tmp_path / "cache")
    assert out.returncode == 0, out.stderr
    assert [tuple(line.split()) for line in out.stdout.splitlines()] == [
        ("base", "example.org/base:7", "true"), ("widget", "example.org/widget:v1.2.3", "true"),
        ("widget", "example.org/widget-debug:v1.2.3", "false"), ("widget", "example.org/widget:latest", "true"),
        ("gadget", "example.org/gadget:v9", "true")]


def test_build_goes_to_the_versioned_cache_once(clusters, tmp_path):
    cache = tmp_path / "cache"
    for _ in range(2):
        out = _run(clusters, "widget", cache=cache)
        assert out.returncode == 0, out.stderr
    assert (cache / "widget-v1.2.3" / "bin" / "widget").read_text() == "bin\n"
    assert (cache / "widget-v1.2.3" / ".done").is_file()
    assert (cache / "build-log").read_text() == "built v1.2.3\n"  # the second run reused the cache
    assert not (cache / "gadget-v9").exists()  # only the component named was built


def test_unknown_component_is_an_error_naming_the_known_ones(clusters, tmp_path):
    out = _run(clusters, "nonesuch", cache=tmp_path / "cache")
    assert out.returncode != 0
    assert "unknown component" in out.stderr and "widget" in out.stderr and "gadget" in out.stderr


def test_a_declaration_without_version_is_an_error(clusters, tmp_path):
    (clusters / "components" / "broken.sh").write_text("image x:1 scratch\n")
    out = _run(clusters, "--preload", cache=tmp_path / "cache")
    assert out.returncode != 0 and "broken.sh declares no version=" in out.stderr


def test_the_real_nodes_preload_every_image_a_cluster_needs(tmp_path):
    """The real declarations preload what the node image always held (control plane, DNS, CNI, storage, labs)."""
    v = versions.versions()
    out = _run(REPO / "clusters", "--preload", cache=tmp_path / "cache")
    assert out.returncode == 0, out.stderr
    k8s = v["K8S_VERSION"]
    assert sorted(out.stdout.split()) == sorted([
        *(f"registry.k8s.io/{c}:{k8s}" for c in ("kube-apiserver", "kube-controller-manager", "kube-scheduler",
                                                 "kube-proxy")),
        f"registry.k8s.io/etcd:{v['ETCD_IMAGE_TAG']}", f"registry.k8s.io/coredns/coredns:{v['COREDNS_VERSION']}",
        v["PAUSE_IMAGE"], v["KUBEADM_PAUSE_IMAGE"], f"kindlab.local/flannel:{v['FLANNEL_VERSION']}",
        f"kindlab.local/flannel-cni-plugin:{v['FLANNEL_CNI_PLUGINS_VERSION']}", v["LOCAL_PATH_PROVISIONER_IMAGE"],
        v["LOCAL_PATH_HELPER_IMAGE"], v["AGNHOST_IMAGE"], v["BUSYBOX_IMAGE"],
        # the add-ons' own (clusters/addons/*/component.sh)
        v["METRICS_SERVER_IMAGE"], v["METALLB_CONTROLLER_IMAGE"], v["METALLB_SPEAKER_IMAGE"],
        v["KUBE_ROUTER_IMAGE"], v["TRAEFIK_IMAGE"],
        # the e2e framework's test images (clusters/components/e2e-images.sh), under the tags it asks for
        *(f"registry.k8s.io/e2e-test-images/{t}" for t in (
            "kitten:1.7", "nautilus:1.7", "busybox:1.37.0-1", "httpd:2.4.38-4", "httpd:2.4.39-4", "nginx:1.14-4",
            "nginx:1.15-4", "jessie-dnsutils:1.7", "nonewprivs:1.3"))])


def test_components_build_in_parallel_and_every_failure_is_named(clusters, tmp_path):
    """Two builds overlap (each waits until the other has started), and a failing one is named after the others
    finish, with the build failing as a whole."""
    cache = tmp_path / "cache"
    for name in ("alpha", "beta"):  # each finishes only once the other has started: serial builds would fail
        other = "beta" if name == "alpha" else "alpha"
        (clusters / "components" / f"{name}.sh").write_text(
            'version=1\n'
            f'build() {{ touch "$KINDLAB_CACHE/{name}.started"; for i in $(seq 100); do '
            f'[ -f "$KINDLAB_CACHE/{other}.started" ] && break; sleep 0.05; done; '
            f'[ -f "$KINDLAB_CACHE/{other}.started" ] || exit 1; echo ok >"$OUT/bin/{name}"; }}\n')
    (clusters / "components" / "broken.sh").write_text('version=2\nbuild() { echo "no such module" >&2; exit 3; }\n')
    out = _run(clusters, cache=cache)
    assert out.returncode != 0
    assert "failed to build: broken" in out.stderr
    assert (cache / "alpha-1" / "bin" / "alpha").read_text() == "ok\n"  # built beside each other
    assert (cache / "beta-1" / "bin" / "beta").read_text() == "ok\n"
    assert (cache / "widget-v1.2.3" / ".done").is_file()  # the others still finished
    assert not (cache / "broken-2" / ".done").exists()
