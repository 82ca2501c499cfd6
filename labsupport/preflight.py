"""Preflight: is this machine ready to run the lab cluster? Each check returns a typed result with a fix.

>>> results = run_preflight(nodes=3)
>>> [r.name for r in results if not r.ok]   # [] on a ready machine
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from labsupport.errors import PreflightError

# kind's known-issues page: multi-node clusters exhaust the default inotify limits ("too many open files").
INOTIFY_WANTED = {"max_user_watches": 524288, "max_user_instances": 512}
MIN_MEMORY_GIB = {1: 3.0, 3: 6.0}
MIN_DISK_GIB = 8.0
KIND_KNOWN_ISSUES = "https://kind.sigs.k8s.io/docs/user/known-issues/"


@dataclass(frozen=True)
class PreflightResult:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _run(cmd: list[str], timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def check_docker() -> PreflightResult:
    if not shutil.which("docker"):
        return PreflightResult("docker", False, "the docker CLI is not on PATH",
                               "Install Docker (https://docs.docker.com/engine/install/); as root on Debian, "
                               "`make cluster` installs Debian's docker.io for you.")
    try:
        out = _run(["docker", "info", "--format", "{{json .}}"])
    except subprocess.TimeoutExpired:
        return PreflightResult("docker", False, "`docker info` did not answer in 20 s",
                               "Restart the Docker engine and try again.")
    if out.returncode != 0:
        return PreflightResult("docker", False, f"Docker is installed but not running: {out.stderr.strip()[:200]}",
                               "Start it (`sudo systemctl start docker`, or open Docker Desktop); "
                               "as root, `make cluster` starts it for you.")
    info = json.loads(out.stdout)
    return PreflightResult("docker", True, f"Docker {info.get('ServerVersion', '?')}, "
                                           f"root dir {info.get('DockerRootDir', '?')}")


def _mem_available_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def check_memory(nodes: int) -> PreflightResult:
    need = MIN_MEMORY_GIB[1 if nodes == 1 else 3]
    have = _mem_available_gib()
    if have < need:
        return PreflightResult("memory", False, f"{have:.1f} GiB available, {need:.0f} GiB needed for {nodes} node(s)",
                               "Close other programs, give Docker Desktop more memory, or use the single-node "
                               "cluster: `make cluster CONFIG=clusters/kind-1node.yaml`.")
    return PreflightResult("memory", True, f"{have:.1f} GiB available")


def check_disk(path: str = "/var/lib/docker") -> PreflightResult:
    probe = Path(path)
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free / 1024**3
    if free < MIN_DISK_GIB:
        return PreflightResult("disk", False, f"{free:.1f} GiB free under {probe}, {MIN_DISK_GIB:.0f} GiB needed",
                               "Free disk space (e.g. `docker system prune`) and try again.")
    return PreflightResult("disk", True, f"{free:.0f} GiB free under {probe}")


def check_inotify(nodes: int, *, raise_limits: bool = True,
                  base: Path = Path("/proc/sys/fs/inotify")) -> PreflightResult:
    """Multi-node clusters need higher inotify limits; raise them where allowed (root), else say how."""
    if nodes == 1:
        return PreflightResult("inotify", True, "single node: default limits suffice")
    low = {k: int((base / k).read_text()) for k, want in INOTIFY_WANTED.items()
           if int((base / k).read_text()) < want}
    if low and raise_limits and os.geteuid() == 0:
        for key in list(low):
            try:
                (base / key).write_text(str(INOTIFY_WANTED[key]))
                del low[key]
            except OSError:
                pass
    if low:
        cmds = " && ".join(f"sudo sysctl fs.inotify.{k}={INOTIFY_WANTED[k]}" for k in low)
        return PreflightResult("inotify", False,
                               ", ".join(f"fs.inotify.{k}={v} (want {INOTIFY_WANTED[k]})" for k, v in low.items()),
                               f"Raise them: {cmds} (see {KIND_KNOWN_ISSUES}#pod-errors-due-to-too-many-open-files)")
    return PreflightResult("inotify", True, ", ".join(f"{k} >= {v}" for k, v in INOTIFY_WANTED.items()))


def check_tool(name: str, version_args: list[str]) -> PreflightResult:
    path = shutil.which(name)
    if not path:
        return PreflightResult(name, False, f"{name} is not on PATH",
                               "Run `make setup` (it links kind and kubectl into .venv/bin), then use the "
                               "workbook from `make lab`.")
    out = _run([path, *version_args])
    return PreflightResult(name, out.returncode == 0, (out.stdout or out.stderr).strip().splitlines()[0][:120])


def run_preflight(*, nodes: int = 3, tools: bool = True) -> list[PreflightResult]:
    """Every check, in order; nothing raises. ``nodes`` picks the memory and inotify needs."""
    results = [check_docker(), check_memory(nodes), check_disk(), check_inotify(nodes)]
    if tools:
        results += [check_tool("kind", ["version"]), check_tool("kubectl", ["version", "--client"])]
    return results


def require(results: list[PreflightResult]) -> None:
    """Raise PreflightError naming every failed check and its fix."""
    failed = [r for r in results if not r.ok]
    if failed:
        raise PreflightError("; ".join(f"{r.name}: {r.detail}" for r in failed),
                             hint=" ".join(r.fix for r in failed if r.fix))
