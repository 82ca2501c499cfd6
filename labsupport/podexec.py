"""Run commands inside pods (through the API server) and inside kind nodes (through docker exec)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import stream
from kubernetes.stream.ws_client import ERROR_CHANNEL

from labsupport.errors import ExecError
from labsupport.kube import Clients


@dataclass(frozen=True)
class ExecResult:
    stdout: str
    stderr: str
    returncode: int

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _exit_code(status_text: str) -> tuple[int, str]:
    """The exit code and reason from the exec status channel (a metav1.Status document)."""
    status = yaml.safe_load(status_text or "") or {}
    if status.get("status") == "Success":
        return 0, ""
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            return int(cause.get("message", 1)), ""
    # No exit code: the command never started (e.g. executable not found in the image).
    return 126, status.get("message") or "the command could not be started"


def exec_in_pod(clients: Clients, namespace: str, pod: str, command: list[str], *, container: str | None = None,
                timeout: float = 30) -> ExecResult:
    """Run ``command`` in a pod's container and collect its output (like `kubectl exec`).

    >>> exec_in_pod(clients, "lab-02", "web", ["cat", "/etc/hostname"]).stdout  # doctest: +SKIP
    """
    if isinstance(command, str):
        raise TypeError("command is a list of arguments, e.g. ['sh', '-c', 'echo hi']")
    # The websocket transport swaps a method on the ApiClient while it connects: use a private one.
    core = client.CoreV1Api(client.ApiClient(clients.api.configuration))
    kwargs = {"container": container} if container else {}
    try:
        ws = stream(core.connect_get_namespaced_pod_exec, pod, namespace, command=command, stderr=True,
                    stdin=False, stdout=True, tty=False, _preload_content=False, **kwargs)
    except ApiException as exc:
        raise ExecError(f"Cannot exec in pod {namespace}/{pod}: {exc.status} {exc.reason}",
                        hint="The pod must exist and be Running (wait for it to be Ready first); "
                             "name the container if the pod has several.") from exc
    try:
        ws.run_forever(timeout=timeout)
        if ws.is_open():
            raise ExecError(f"{command!r} in pod {namespace}/{pod} did not finish within {timeout:g}s.",
                            hint="Pass a larger timeout=, or make the command end (e.g. `timeout 5 ...`).")
        stdout, stderr = ws.read_stdout(timeout=0) or "", ws.read_stderr(timeout=0) or ""
        code, reason = _exit_code(ws.read_channel(ERROR_CHANNEL))
    finally:
        ws.close()
    if reason:
        stderr = (stderr + "\n" + reason).strip()
    return ExecResult(stdout, stderr, code)


def run_in_node(node_name: str, command: list[str], *, timeout: float = 60) -> ExecResult:
    """Run ``command`` in a kind node's container with `docker exec` (nodes are containers)."""
    try:
        done = subprocess.run(["docker", "exec", node_name, *command], capture_output=True, text=True,
                              timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise ExecError("The docker CLI is not on PATH.", hint="kind nodes are Docker containers: install "
                        "Docker, or run `make lab` which sets it up.") from exc
    except subprocess.TimeoutExpired as exc:
        raise ExecError(f"{command!r} in node {node_name} did not finish within {timeout:g}s.",
                        hint="Pass a larger timeout=, or make the command end.") from exc
    if done.returncode != 0 and "No such container" in done.stderr:
        raise ExecError(f"No node container named {node_name!r}.",
                        hint="List the nodes with `kubectl get nodes`; their names are the container names.")
    return ExecResult(done.stdout, done.stderr, done.returncode)
