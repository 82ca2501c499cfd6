"""Cluster life cycle and bad environments, on the real Docker engine and kind.

- a user who may not use Docker gets a clear message and a nonzero exit from the engine setup;
- a failing build step names its component and its log;
- an unhealthy cluster of the lab's name is reported with how to fix it, and recreated only on request.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from labsupport import cluster
from labsupport.errors import ClusterUnavailable

REPO = Path(__file__).resolve().parent.parent
# Makes throwaway clusters (CPU, Docker): run alone, never beside the parallel tests.
pytestmark = [pytest.mark.cluster, pytest.mark.exclusive]


def test_engine_setup_refuses_a_user_without_docker_clearly():
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run the script as an unprivileged user")
    # The checkout may live where only root may enter (root's home is 0700), and so may pytest's tmp_path: the
    # unprivileged user gets its own world-readable copy of the scripts, a home, and a working directory there.
    tmp_path = Path(tempfile.mkdtemp(prefix="kindlab-nobody-"))
    try:
        scripts = tmp_path / "clusters"
        shutil.copytree(REPO / "clusters", scripts, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
        for path in (tmp_path, *tmp_path.rglob("*")):
            os.chmod(path, 0o777 if path.is_dir() else 0o755)
        out = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", str(scripts / "docker/engine.sh")],
            capture_output=True, text=True, timeout=60, cwd=tmp_path,
            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "KINDLAB_CACHE": str(tmp_path / "cache")})
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)
    assert "Permission denied" not in out.stderr, out.stderr  # the script ran, wherever the checkout lives
    assert out.returncode != 0
    assert "Docker is installed but not running (or you may not use it)" in out.stderr
    assert "docker info" in out.stderr  # says how to check the fix


def test_failing_build_step_names_component_and_log(tmp_path):
    script = f'source {REPO}/clusters/build/lib.sh; run_logged etcd bash -c "echo compiler says no; exit 3"'
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30,
                         env=dict(os.environ, KINDLAB_CACHE=str(tmp_path)))
    assert out.returncode != 0
    log = tmp_path / "logs" / "etcd.log"
    assert f"building etcd failed; full log: {log}" in out.stderr
    assert "compiler says no" in log.read_text() and "compiler says no" in out.stderr


def test_status_of_a_missing_cluster():
    st = cluster.status("kindlab-no-such-cluster")
    assert not st.exists and not st.healthy


def _config_without_host_ports(tmp_path: Path) -> Path:
    """kind-1node.yaml minus its host port mappings: the lab cluster holds 127.0.0.1:80/443 already."""
    import yaml

    config = yaml.safe_load((REPO / "clusters" / "kind-1node.yaml").read_text())
    for node in config["nodes"]:
        node.pop("extraPortMappings", None)
    out = tmp_path / "kind-1node.yaml"
    out.write_text(yaml.safe_dump(config))
    return out


@pytest.fixture(scope="module")
def one_node(tmp_path_factory):
    """A throwaway one-node cluster's spec and a log; the tests below share it (one cluster creation for both),
    each makes it if it is missing (so each also runs alone). Deleted at the end, the user's kubeconfig untouched."""
    tmp_path = tmp_path_factory.mktemp("one-node")
    name = "kindlab-test-unhealthy"
    image = cluster.choose_image(cluster.ClusterSpec())
    kubeconfig = str(tmp_path / "kubeconfig")  # the user's kubeconfig and current context stay untouched
    # Without add-ons: the lab cluster's MetalLB owns the addresses on kind's network, and they are not the point.
    spec = cluster.ClusterSpec(name, _config_without_host_ports(tmp_path), image, wait_seconds=120,
                               kubeconfig=kubeconfig, addons=False)
    before = Path.home().joinpath(".kube/config").read_text() if Path.home().joinpath(".kube/config").exists() else None
    with open(tmp_path / "kind.log", "w") as log:
        try:
            yield spec, log
        finally:
            subprocess.run(["kind", "delete", "cluster", "--name", name, "--kubeconfig", kubeconfig],
                           capture_output=True, timeout=180)
    after = Path.home().joinpath(".kube/config").read_text() if Path.home().joinpath(".kube/config").exists() else None
    assert after == before, "creating and deleting a throwaway cluster changed the user's kubeconfig"


def test_a_new_cluster_networks_its_first_pods_without_retries(one_node):
    """flannel writes the CNI config only after it has leased the node's subnet, and reaches the API server
    directly: on a new cluster no pod sandbox fails for want of /run/flannel/subnet.env (kubelet would retry it
    10 s later) and flanneld does not exit for want of kube-proxy's rules (upstream's manifest does both)."""
    from labsupport.kube import connect
    from labsupport.waits import wait_for

    spec, log = one_node
    cluster.ensure_cluster(spec, log=log)  # the first test of the module: a cluster made just now
    clients = connect(kubeconfig=spec.kubeconfig, context=f"kind-{spec.name}")
    wait_for(clients, "Deployment", "coredns", namespace="kube-system", condition="Available", timeout=120)
    failed = [f"{e.involved_object.name}: {e.message}"
              for e in clients.core.list_namespaced_event("kube-system").items if e.reason == "FailedCreatePodSandBox"]
    assert not failed, failed
    flannel = clients.core.list_namespaced_pod("kube-flannel").items
    assert flannel and all(s.restart_count == 0 for p in flannel for s in p.status.container_statuses or []), \
        [(p.metadata.name, [(s.restart_count, s.last_state) for s in p.status.container_statuses or []]) for p in flannel]
    env = {e.name for e in flannel[0].spec.containers[0].env or []}
    assert "CONTROL_PLANE_ENDPOINT" in env  # kind's patch marker did its part


def test_unhealthy_cluster_is_reported_then_recreated_on_request(one_node):
    spec, log = one_node
    name, kubeconfig = spec.name, spec.kubeconfig
    cluster.ensure_cluster(spec, log=log)
    assert cluster.status(name, kubeconfig=kubeconfig).healthy
    subprocess.run(["docker", "stop", f"{name}-control-plane"], check=True, capture_output=True, timeout=120)

    st = cluster.status(name, kubeconfig=kubeconfig)
    assert st.exists and not st.healthy and "not running" in st.detail
    with pytest.raises(ClusterUnavailable) as err:
        cluster.ensure_cluster(spec, log=log)
    assert "exists but is unhealthy" in str(err.value)
    assert "RECREATE=1" in err.value.hint and f"kind delete cluster --name {name}" in err.value.hint

    recreated = cluster.ensure_cluster(spec, recreate=True, log=log)
    assert recreated.healthy and recreated.nodes == {f"{name}-control-plane": "True"}


def test_lab01_scheduling_checks_say_a_one_node_cluster_lacks_two_workers(one_node):
    """Issue 9: on a one-node cluster, lab 01's tasks that need two workers say so instead of failing obscurely."""
    from labsupport.answers import answer
    from labsupport.context import LabContext
    from labsupport.kube import connect
    from labsupport.labs import suite_for
    from labsupport.namespaces import ensure_namespace

    spec, log = one_node
    assert cluster.ensure_cluster(spec, log=log).nodes == {f"{spec.name}-control-plane": "True"}
    clients = connect(kubeconfig=spec.kubeconfig, context=f"kind-{spec.name}")
    ns = "lab01-onenode"
    ensure_namespace(clients, ns, {"kindlab.dev/lab": "01"})
    ctx = LabContext("01", ns, spec.name, spec.kubeconfig, clients)
    # What a learner following the lab on this cluster leaves behind: 'pinned' asks for worker2 (there is none,
    # so it stays Pending; no image is needed) and the cordon task's answers are recorded.
    clients.core.create_namespaced_pod(ns, {"metadata": {"name": "pinned"}, "spec": {
        "nodeSelector": {"kubernetes.io/hostname": f"{spec.name}-worker2"},
        "containers": [{"name": "c", "image": "kindlab.invalid/never-pulled:1"}]}})
    answer(ctx, "cordoned-node", f"{spec.name}-worker")
    answer(ctx, "while-cordoned-node", f"{spec.name}-worker2")

    results = {r.id: r for r in suite_for("01").run(ctx).results if r.id in ("node-selector", "cordon")}
    for task, check in (("Pinning a pod to worker2", "node-selector"),
                        ("Cordoning one worker while pods go to the other", "cordon")):
        result = results[check]
        assert result.score == 0 and not result.passed, result
        assert result.message == (f"{task} needs two Ready worker nodes, and this cluster has 0 ([]): it is not the "
                                  "three-node lab cluster."), result.message
        assert "Labs 00 and 01 need 1 control plane + 2 workers" in result.hint, result.hint
