"""The first process of a sandbox: runs as root, confines itself, then becomes the submission's command.

Started by labsupport.sandbox as ``python -I -S sandboxlaunch.py JOB_JSON`` in a new session. Standard library
only (it runs before any site-packages are trusted). In order: join the sandbox's cgroups, enter a private mount
namespace where the hidden paths are empty tmpfs and the exposed paths are read-only binds, set resource
limits, drop to the sandbox user with no supplementary groups (unless the job names some), and exec.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {source} on {target}")


def confine_mounts(hide: list[str], expose: list[str], stage: str) -> None:
    """Private mount namespace: ``hide`` paths become empty tmpfs; ``expose`` paths reappear read-only where
    they were (even under a hidden path, e.g. a Python installed under root's 0700 HOME)."""
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we mount here leaks back to the host
    staged = []
    for i, path in enumerate(expose):
        spot = os.path.join(stage, str(i))
        os.makedirs(spot, exist_ok=True)
        _mount(path, spot, None, MS_BIND | MS_REC)  # keep a handle before a tmpfs may cover it
        staged.append((spot, path))
    for path in sorted(hide, key=len):
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
        elif os.path.exists(path):
            _mount("/dev/null", path, None, MS_BIND)
    for spot, path in staged:
        os.makedirs(path, exist_ok=True)  # inside a fresh tmpfs when an ancestor was hidden
        _mount(spot, path, None, MS_BIND | MS_REC)
        _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    try:  # other users' processes (the grader's) become invisible in /proc; kernels before 5.8 refuse
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible")
    except OSError:
        pass


def main(job: dict) -> None:
    for procs in job.get("cgroup_procs", []):
        with open(procs, "w") as fh:  # before anything forks: every descendant stays in these cgroups
            fh.write(str(os.getpid()))
    if job.get("hide") or job.get("expose"):
        confine_mounts(job.get("hide", []), job.get("expose", []), job["stage"])
    for name, value in job.get("rlimits", {}).items():
        resource.setrlimit(getattr(resource, name), (value, value))
    if job.get("uid") is not None:
        os.setgroups(job.get("groups", []))
        os.setresgid(job["gid"], job["gid"], job["gid"])
        os.setresuid(job["uid"], job["uid"], job["uid"])
    os.umask(0o077)
    os.chdir(job["cwd"])
    os.execve(job["argv"][0], job["argv"], job["env"])


if __name__ == "__main__":
    try:
        main(json.loads(sys.argv[1]))
    except OSError as exc:
        print(f"sandbox: cannot start: {exc}", file=sys.stderr)
        sys.exit(126)
