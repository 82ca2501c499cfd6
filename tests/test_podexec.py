import pytest

from labsupport import manifests, waits
from labsupport.errors import ExecError
from labsupport.podexec import exec_in_pod, run_in_node

pytestmark = pytest.mark.cluster

SHELL = """
apiVersion: v1
kind: Pod
metadata: {name: shell}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: docker.io/library/busybox:1.35
    imagePullPolicy: IfNotPresent
    command: [sleep, "3600"]
"""


@pytest.fixture
def shell(clients, namespace):
    manifests.apply(clients, SHELL, namespace=namespace)
    waits.wait_for(clients, "Pod", "shell", namespace=namespace, condition="Ready", timeout=120)
    return namespace


def test_exec_collects_stdout_stderr_and_exit_code(clients, shell):
    result = exec_in_pod(clients, shell, "shell", ["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (result.stdout, result.stderr.strip(), result.returncode) == ("out\n", "err", 3)
    assert exec_in_pod(clients, shell, "shell", ["true"]).ok


def test_missing_executable_is_a_failed_result(clients, shell):
    result = exec_in_pod(clients, shell, "shell", ["no-such-command"])
    assert result.returncode != 0 and "no-such-command" in result.stderr


def test_exec_timeout_and_missing_pod(clients, shell):
    with pytest.raises(ExecError, match="did not finish within 2s"):
        exec_in_pod(clients, shell, "shell", ["sleep", "30"], timeout=2)
    with pytest.raises(ExecError, match="Cannot exec in pod"):
        exec_in_pod(clients, shell, "absent", ["true"])


def test_run_in_node(clients):
    node = clients.core.list_node().items[0].metadata.name
    result = run_in_node(node, ["cat", "/etc/hostname"])
    assert result.ok and result.stdout.strip() == node
    with pytest.raises(ExecError, match="No node container"):
        run_in_node("kindlab-no-such-node", ["true"])
