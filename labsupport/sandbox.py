"""Run a submission's processes (the papermill kernel tree) confined, and kill all of them at a deadline.

    with Sandbox(slot=0, kubeconfig=tenant.kubeconfig, hide=[checkout / "solutions"]) as box:
        notebook = box.add_file(submission)
        result = box.run([python, "-c", "..."], timeout=900)

When the grader runs as root, the command runs as user ``kindlab-grader-<slot>`` (created on first use; one per
parallel slot, because the deadline kills every process of that user), in its own session, in cgroups that cap
its memory and process count, in a private mount namespace where ``hide`` paths (answer keys, the grader's
HOME with its kubeconfig) are empty, with a minimal environment whose HOME is a fresh 0700 folder it owns and
whose KUBECONFIG holds only the submission's token. The Python that runs it is exposed read-only even when it
lives under a hidden or 0700 folder. Not as root, only the session, the private HOME and the environment apply;
``SandboxResult.isolation`` says what was missing.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from labsupport import sandboxcgroup, sandboxlaunch
from labsupport.errors import LabError

USER_PREFIX = "kindlab-grader-"
SANDBOX_HINT = "Run the grader as root (e.g. in the CI container) so submissions run as their own user."
BASE_PATH = ("/usr/local/bin", "/usr/bin", "/bin")


@dataclass(frozen=True)
class SandboxUser:
    name: str
    uid: int
    gid: int


@dataclass(frozen=True)
class Isolation:
    """Which confinements applied to a run, and sentences for those that could not."""

    own_user: bool
    mounts: bool
    cgroup: bool
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class SandboxResult:
    exit_code: int | None
    timed_out: bool
    killed: int          # processes still alive at the end (deadline or left behind) and killed
    seconds: float
    oom_killed: bool
    isolation: Isolation = field(repr=False)


def ensure_user(slot: int) -> SandboxUser:
    """System user ``kindlab-grader-<slot>`` (no home, no shell, own group); created if missing (root only)."""
    name = f"{USER_PREFIX}{slot}"
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        done = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir",
                               "/nonexistent", "--shell", "/usr/sbin/nologin", name],
                              capture_output=True, text=True, check=False)
        if done.returncode not in (0, 9):  # 9: made meanwhile by a parallel worker
            raise LabError(f"Cannot create sandbox user {name}: {done.stderr.strip()}",
                           hint="The grader must run as root with useradd available (Debian: package passwd).")
        entry = pwd.getpwnam(name)
    return SandboxUser(name, entry.pw_uid, entry.pw_gid)


def _traversable(path: Path, user: SandboxUser) -> bool:
    st = path.stat()
    if st.st_uid == user.uid:
        return bool(st.st_mode & 0o100)
    if st.st_gid == user.gid:
        return bool(st.st_mode & 0o010)
    return bool(st.st_mode & 0o001)


def python_paths() -> list[Path]:
    """What a kernel of this Python needs to read: the environment, the interpreter's installation, and the
    real folders of tools linked into the environment's bin (kind, kubectl)."""
    paths = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    bin_dir = Path(sys.prefix) / "bin"
    for entry in bin_dir.iterdir() if bin_dir.is_dir() else ():
        if entry.is_symlink() and entry.exists():
            paths.add(entry.resolve().parent)
    return sorted(p for p in paths if not any(q != p and q in p.parents for q in paths))


def _grader_credentials() -> set[str]:
    """The grader's HOME (its ~/.kube) and any kubeconfig file $KUBECONFIG names: hidden from the sandbox."""
    found = {str(Path.home().resolve())}
    for path in os.environ.get("KUBECONFIG", "").split(os.pathsep):
        if path and Path(path).exists():
            found.add(str(Path(path).resolve()))
    return found


def _blocked_ancestors(paths: list[Path], user: SandboxUser) -> set[Path]:
    """Ancestors the user cannot traverse on the way to ``paths``: they get hidden, the paths re-exposed."""
    blocked = set()
    for path in paths:
        for parent in reversed(path.parents):
            if parent != Path("/") and not _traversable(parent, user):
                blocked.add(parent)
                break
    return blocked


class Sandbox:
    """A private folder and a confined way to run commands in it; ``close`` kills leftovers and removes it."""

    def __init__(self, slot: int = 0, *, kubeconfig: dict | None = None, hide: list[str | os.PathLike] = (),
                 expose: list[str | os.PathLike] | None = None, memory_bytes: int = 2 << 30, max_procs: int = 512,
                 groups: list[int] = (), base: str | os.PathLike | None = None) -> None:
        self.root_user = os.geteuid() == 0
        self.user = ensure_user(slot) if self.root_user else None
        self.root = Path(tempfile.mkdtemp(prefix=f"kindlab-sandbox-{slot}-", dir=base))
        self.home, self.work, self.lib = self.root / "home", self.root / "work", self.root / "lib"
        for folder in (self.home, self.work, self.lib, self.root / "tmp"):
            folder.mkdir(mode=0o700)
        self.kubeconfig = None
        if kubeconfig is not None:
            (self.home / ".kube").mkdir(mode=0o700)
            self.kubeconfig = self.home / ".kube" / "config"
            fd = os.open(self.kubeconfig, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                yaml.safe_dump(kubeconfig, fh, sort_keys=False)
        exposed = [Path(p) for p in (python_paths() if expose is None else expose)]
        # A hidden folder holding the sandbox itself (a submission graded from /tmp) would hide its work folder.
        own = self.root.resolve()
        hide = [Path(p).resolve() for p in hide if Path(p).exists()]
        self.unhidden = tuple(str(p) for p in hide if p == own or p in own.parents)
        self.hide = sorted({str(p) for p in hide if str(p) not in self.unhidden} |
                           (_grader_credentials() if self.root_user else set()) |
                           ({str(p) for p in _blocked_ancestors(exposed, self.user)} if self.user else set()))
        self.expose = [str(p) for p in exposed]
        self.groups = list(groups)
        self.memory_bytes, self.max_procs = memory_bytes, max_procs
        self.cgroup = sandboxcgroup.create(f"kindlab-sandbox-{slot}-{secrets.token_hex(3)}", memory_bytes=memory_bytes,
                                           max_procs=max_procs) if self.root_user else None
        self._chown_tree()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _chown_tree(self) -> None:
        if not self.user:
            return
        for path in [self.root, *self.root.rglob("*")]:
            os.chown(path, self.user.uid, self.user.gid, follow_symlinks=False)

    def add_file(self, source: str | os.PathLike, name: str | None = None, *, folder: Path | None = None) -> Path:
        """Copy ``source`` into the work folder, or ``folder`` (e.g. ``self.lib``), as ``name`` (may hold
        sub-folders). A copy: the submission cannot reach the original."""
        target = (folder or self.work) / (name or Path(source).name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        self._chown_tree()
        return target

    def add_package(self, package_dir: str | os.PathLike) -> Path:
        """Copy a Python package (e.g. labsupport, never solutions/) into lib/, which ``run`` puts on
        PYTHONPATH. Returns lib/."""
        package_dir = Path(package_dir)
        shutil.copytree(package_dir, self.lib / package_dir.name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        self._chown_tree()
        return self.lib

    def read_output(self, relative: str, *, limit: int = 50 << 20) -> bytes | None:
        """A file the command wrote under the work folder, read safely after it is dead: no symlinks followed
        (a planted link to a root-only file must not be copied into a report), regular files only, at most
        ``limit`` bytes. None when missing or not a regular file."""
        path = self.work / relative
        if self.work.resolve() not in path.resolve(strict=False).parents and path.parent != self.work:
            return None
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode) or os.fstat(fd).st_size > limit:
                return None
            return fh.read(limit + 1)[:limit]

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The whole environment the command gets: nothing of the grader's own."""
        env = {"PATH": os.pathsep.join([str(Path(sys.prefix) / "bin"), *BASE_PATH]), "HOME": str(self.home),
               "TMPDIR": str(self.root / "tmp"), "LANG": "C.UTF-8", "PYTHONPATH": str(self.lib),
               "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"), "PYTHONDONTWRITEBYTECODE": "1"}
        if self.user:
            env |= {"USER": self.user.name, "LOGNAME": self.user.name}
        if self.kubeconfig:
            env["KUBECONFIG"] = str(self.kubeconfig)
        return env | (extra or {})

    def isolation(self) -> Isolation:
        missing = []
        if not self.user:
            missing += ["runs as the grader's own user: it can read the grader's files and kubeconfig",
                        "no private mounts: answer keys readable if the grader can read them"]
        if not self.cgroup:
            missing.append("no cgroup: memory and process count are not capped; " + sandboxcgroup.why_unavailable())
        if self.unhidden:
            missing.append(f"{', '.join(self.unhidden)} not hidden: the sandbox itself lies inside; keep "
                           "submissions and reports elsewhere than the temporary folder")
        return Isolation(bool(self.user), bool(self.user), bool(self.cgroup), tuple(missing))

    def run(self, argv: list[str], *, timeout: float, env: dict[str, str] | None = None,
            cwd: str | os.PathLike | None = None, output=subprocess.DEVNULL) -> SandboxResult:
        """Run ``argv`` confined; after ``timeout`` seconds, or when it exits, kill every process it left."""
        job = {"argv": argv, "env": self.environment(env), "cwd": str(cwd or self.work),
               "rlimits": {"RLIMIT_CORE": 0}, "hide": [], "expose": [], "stage": str(self.root / ".stage")}
        if self.user:
            job |= {"uid": self.user.uid, "gid": self.user.gid, "groups": self.groups, "hide": self.hide,
                    "expose": self.expose, "rlimits": {"RLIMIT_CORE": 0, "RLIMIT_NPROC": self.max_procs}}
            _kill_user(self.user)  # a previous run's leftovers must not count against this one
        if self.cgroup:
            job["cgroup_procs"] = self.cgroup.procs_files()
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-I", "-S", sandboxlaunch.__file__, json.dumps(job)],
                                stdin=subprocess.DEVNULL, stdout=output, stderr=output, start_new_session=True,
                                close_fds=True, env={})
        self._session = proc.pid  # close() kills it too if the grader is stopped while this waits
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        killed = self.kill_all(proc.pid)
        proc.wait()
        oom = bool(self.cgroup and self.cgroup.oom_kills())
        code = None if timed_out else proc.returncode
        return SandboxResult(code, timed_out, killed, time.monotonic() - started, oom, self.isolation())

    def kill_all(self, session: int | None = None) -> int:
        """Kill the session, the cgroup and (as root) every process of the sandbox user; how many there were."""
        victims = set(_pids_in_session(session)) if session else set()
        if session:
            try:
                os.killpg(session, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.cgroup:
            victims |= self.cgroup.kill()
        if self.user:
            victims |= _kill_user(self.user)
        return len(victims)

    def close(self) -> None:
        self.kill_all(getattr(self, "_session", None))
        if self.cgroup:
            self.cgroup.remove()
        shutil.rmtree(self.root, ignore_errors=True)


def _proc_status(pid: str) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return dict(line.split(":", 1) for line in fh if ":" in line)
    except OSError:
        return {}


def _pids_of_user(uid: int) -> set[int]:
    found = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            status = _proc_status(pid)
            # Zombies are dead already; they linger only until their parent (maybe not us) reaps them.
            if str(uid) in status.get("Uid", "").split() and not status.get("State", "").strip().startswith("Z"):
                found.add(int(pid))
    return found


def _pids_in_session(sid: int) -> set[int]:
    found = set()
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid:  # fields after the name: state ppid pgrp session
            found.add(int(pid))
    return found


def _kill_user(user: SandboxUser, *, attempts: int = 50) -> set[int]:
    """Kill every process of ``user``, including ones that left the session, until none is left.

    A child switched to the user calls kill(-1, SIGKILL): the kernel signals all that user's processes under
    one lock, so a process forking in a loop cannot outrun it the way a scan-then-kill loop can be outrun.
    """
    victims: set[int] = set()
    for _ in range(attempts):
        alive = _pids_of_user(user.uid)
        if not alive:
            return victims
        victims |= alive
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child only switches user and signals
            try:
                os.setgroups([])
                os.setresgid(user.gid, user.gid, user.gid)
                os.setresuid(user.uid, user.uid, user.uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.02)  # killed processes vanish from /proc once their parents (or init) reap them
    raise LabError(f"Processes of sandbox user {user.name} survive SIGKILL: {sorted(_pids_of_user(user.uid))}.",
                   hint="A process stuck in the kernel (state D) cannot be killed; look at `ps -u " + user.name + "`.")
