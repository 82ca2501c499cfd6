"""A cgroup (v1: memory, pids, freezer) per sandbox run: caps memory and process count, and kills as a whole.

Processes cannot leave a cgroup without write access to cgroup files (root's), so the cgroup finds every
process a submission started, whatever sessions or double forks it used. Freezing first means nothing forks
while the members are being killed. cgroup v2 hosts get no cgroup (``why_unavailable`` says so); the sandbox
still kills by session and by user there.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "freezer")


def _own_path(controller: str) -> str | None:
    """This process's cgroup path in ``controller`` (e.g. "/" or "/process_api/..."), from /proc/self/cgroup."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            return path
    return None


def why_unavailable() -> str:
    if (ROOT / "cgroup.controllers").exists():
        return "this host uses cgroup v2, which the sandbox does not manage yet"
    if os.geteuid() != 0:
        return "only root can create cgroups"
    missing = [c for c in CONTROLLERS if not (ROOT / c).is_dir()]
    return f"controllers {missing} are not mounted" if missing else "creating a cgroup failed"


@dataclass(frozen=True)
class Cgroup:
    dirs: tuple[Path, ...]  # one per controller, same order as CONTROLLERS

    @property
    def _freezer(self) -> Path:
        return self.dirs[2]

    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    def pids(self) -> set[int]:
        text = (self._freezer / "cgroup.procs").read_text()
        return {int(p) for p in text.split()}

    def oom_kills(self) -> int:
        """How many processes the kernel killed for exceeding the memory cap."""
        for line in (self.dirs[0] / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def kill(self, *, timeout: float = 10) -> set[int]:
        """Freeze, SIGKILL every member, thaw, until the cgroup is empty; the pids that were killed."""
        victims: set[int] = set()
        deadline = time.monotonic() + timeout
        state = self._freezer / "freezer.state"
        while (members := self.pids()) and time.monotonic() < deadline:
            state.write_text("FROZEN")
            while state.read_text().strip() == "FREEZING" and time.monotonic() < deadline:
                time.sleep(0.01)
            for pid in self.pids():
                victims.add(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            state.write_text("THAWED")  # SIGKILL is delivered as the tasks thaw
            time.sleep(0.02)
            victims |= members
        return victims

    def remove(self) -> None:
        for d in self.dirs:
            try:
                d.rmdir()
            except OSError:
                pass  # still busy (a zombie not reaped yet); the empty folder costs nothing


def create(name: str, *, memory_bytes: int, max_procs: int) -> Cgroup | None:
    """A fresh cgroup under this process's own, with the caps set; None where cgroups cannot be made here."""
    if os.geteuid() != 0 or (ROOT / "cgroup.controllers").exists():
        return None
    dirs = []
    try:
        for controller in CONTROLLERS:
            own = _own_path(controller)
            if own is None:
                raise OSError(f"no {controller} controller")
            d = ROOT / controller / own.lstrip("/") / name
            d.mkdir()
            dirs.append(d)
        (dirs[0] / "memory.limit_in_bytes").write_text(str(memory_bytes))
        (dirs[1] / "pids.max").write_text(str(max_procs))
    except OSError:
        for d in dirs:
            try:
                d.rmdir()
            except OSError:
                pass
        return None
    return Cgroup(tuple(dirs))
