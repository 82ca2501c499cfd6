"""Which sandbox slot a grading run may use, and the lock that serialises labs changing cluster-wide state.

A sandbox run kills every process of its slot's user (``kindlab-grader-<slot>``) before and after it runs, so two
runs must never share a slot at the same time — not between the workers of one ``grade-class``, nor between
that and a test run or a second grader on the same machine. Slots are claimed with ``flock`` on one file per
slot in a folder only this user can write; the kernel frees the lock when the holder dies, so a killed grader
never leaves a slot taken.

    with claim(preferred=2) as slot:      # 2 if free, else the first free slot
        ...
    with cluster_lock():                  # one lab that cordons nodes at a time, machine-wide
        ...
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Iterator

from labsupport.errors import LabError

MAX_SLOTS = 64


def _folder() -> Path:
    """``$TMPDIR/kindlab-grader-<uid>`` (the grader's uid, not a slot), mode 0700, refused if someone else made it (a sandbox user could
    otherwise plant it first and hold every lock)."""
    folder = Path(tempfile.gettempdir()) / f"kindlab-grader-{os.geteuid()}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    st = folder.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
        raise LabError(f"{folder} is not a private folder of this user.",
                       hint=f"Remove it (`rm -rf {folder}`); the grader recreates it with mode 0700.")
    return folder


def _lock(path: Path, *, block: bool) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


@contextlib.contextmanager
def claim(preferred: int | None = None, *, wait: float = 600) -> Iterator[int]:
    """Hold a free slot (``preferred`` first) while the block runs; wait up to ``wait`` s for one to free up."""
    folder = _folder()
    order = list(range(MAX_SLOTS))
    if preferred is not None:
        if not 0 <= preferred < MAX_SLOTS:
            raise LabError(f"Slot {preferred} is outside 0..{MAX_SLOTS - 1}.", hint="Pass --slot between 0 and 63.")
        order.remove(preferred)
        order.insert(0, preferred)
    deadline = time.monotonic() + wait
    while True:
        for slot in order:
            fd = _lock(folder / f"slot-{slot}.lock", block=False)
            if fd is not None:
                try:
                    yield slot
                finally:
                    os.close(fd)
                return
        if time.monotonic() > deadline:
            raise LabError(f"All {MAX_SLOTS} sandbox slots stayed taken for {wait:g}s.",
                           hint="Too many graders run at once on this machine; lower --jobs.")
        time.sleep(0.5)


@contextlib.contextmanager
def cluster_lock() -> Iterator[None]:
    """Machine-wide: one grading run of a lab that changes cluster-wide state (cordons) at a time."""
    fd = _lock(_folder() / "cluster-write.lock", block=True)
    try:
        yield
    finally:
        os.close(fd)
