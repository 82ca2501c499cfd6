"""The sandbox a submission's kernel runs in, tried with real processes as a hostile submission would.

These need root (the sandbox switches user, mounts and makes cgroups). Without root they are skipped, except
under CI=true, where they fail: CI must prove the isolation, never pass by skipping it.
"""

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest

from labsupport.sandbox import USER_PREFIX, Sandbox, _pids_of_user

REPO = Path(__file__).resolve().parent.parent
# Each slot's user is killed wholesale at a deadline: two tests sharing a slot must not run at once.
pytestmark = pytest.mark.exclusive


@pytest.fixture(autouse=True)
def _need_root():
    if os.geteuid() != 0:
        reason = "the sandbox's isolation needs root (it switches user, mounts, makes cgroups)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so this fails instead of skipping", pytrace=False)
        pytest.skip(reason)


def _sh(box: Sandbox, script: str, tmp_path: Path, *, timeout: float = 30, **kw):
    out = tmp_path / f"out-{time.monotonic_ns()}.txt"
    with out.open("w") as fh:
        result = box.run(["/bin/sh", "-c", script], timeout=timeout, output=fh, **kw)
    return result, out.read_text()


@pytest.fixture
def open_dir():
    """A world-traversable folder (pytest's tmp_path lies under a 0700 folder, which would hide it anyway)."""
    path = Path(tempfile.mkdtemp(prefix="sandbox-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def test_child_cannot_read_root_files_the_grader_env_or_hidden_paths(open_dir, tmp_path, monkeypatch):
    secret = open_dir / "grader-secret"
    secret.write_text("s3cret")
    secret.chmod(0o600)
    hidden = open_dir / "solutions"
    hidden.mkdir(mode=0o755)
    (hidden / "00-welcome.ipynb").write_text("answer key")
    (hidden / "00-welcome.ipynb").chmod(0o644)  # world-readable: only the mount hides it
    monkeypatch.setenv("GRADER_TOKEN", "do-not-leak")
    with Sandbox(7, kubeconfig={"users": [{"name": "t", "user": {"token": "tenant-token"}}]}, hide=[hidden]) as box:
        result, out = _sh(box, f"id -un; cat {secret} 2>/dev/null || echo CANNOT-READ-SECRET; "
                               f"ls -A {hidden} | wc -l; ls -A /root; env; "
                               "stat -c '%a %U' $HOME; cat $KUBECONFIG", tmp_path)
    assert result.exit_code == 0 and not result.timed_out
    lines = out.splitlines()
    assert lines[0] == f"{USER_PREFIX}7"
    assert "s3cret" not in out and "CANNOT-READ-SECRET" in out
    assert lines[2] == "0"  # the answer keys' folder is empty inside the sandbox
    assert "GRADER_TOKEN" not in out and "do-not-leak" not in out
    assert f"700 {USER_PREFIX}7" in out and "tenant-token" in out
    assert result.isolation.own_user and result.isolation.mounts and not result.isolation.missing


def test_python_of_the_grader_runs_inside_even_under_roots_home(tmp_path):
    with Sandbox(7, kubeconfig=None) as box:
        box.add_package(REPO / "labsupport")
        result, out = _sh(box, f"{sys.executable} -c 'import labsupport, yaml, os; print(labsupport.__file__); "
                               "print(os.getuid())'", tmp_path)
    assert result.exit_code == 0, out
    assert "/lib/labsupport/__init__.py" in out and str(REPO) not in out and "\n0\n" not in out


def test_escaped_grandchild_is_killed_at_the_deadline(tmp_path):
    with Sandbox(7) as box:
        started = time.monotonic()
        # The grandchild leaves the session with setsid and would sleep forever; the child also sleeps.
        result, _ = _sh(box, "sh -c 'setsid sleep 100000 & setsid sh -c \"while :; do sleep 1; done\" &'; "
                             "sleep 100000", tmp_path, timeout=3)
        uid = box.user.uid
        assert result.timed_out and result.exit_code is None
        assert result.killed >= 3
        assert time.monotonic() - started < 10
        assert _pids_of_user(uid) == set()


def test_background_process_left_after_a_clean_exit_is_killed(tmp_path):
    with Sandbox(7) as box:
        result, _ = _sh(box, "setsid sh -c 'sleep 100000' >/dev/null 2>&1 & exit 0", tmp_path, timeout=20)
        assert result.exit_code == 0 and not result.timed_out
        assert result.killed >= 1 and _pids_of_user(box.user.uid) == set()


def test_memory_cap_kills_a_hog(tmp_path):
    with Sandbox(7, memory_bytes=64 << 20) as box:
        if box.cgroup is None:
            pytest.fail("no cgroup on this root host: " + "; ".join(box.isolation().missing))
        result, _ = _sh(box, f"{sys.executable} -c 'x = bytearray(512 << 20); print(len(x))'", tmp_path)
    assert result.exit_code != 0 and result.oom_killed


def test_process_cap_stops_a_fork_bomb(tmp_path):
    with Sandbox(7, max_procs=30) as box:
        result, out = _sh(box, "i=0; while [ $i -lt 200 ]; do sleep 100 & i=$((i+1)); done; "
                               "echo all-started; wait", tmp_path, timeout=5)
        # The shell cannot fork past the cap (it gives up), and what it started is killed when it ends.
        assert "all-started" not in out and "fork" in out.lower()
        assert 0 < result.killed <= 30
        assert _pids_of_user(box.user.uid) == set()


def test_outputs_are_read_without_following_planted_links(open_dir, tmp_path):
    secret = open_dir / "root-only"
    secret.write_text("root secret")
    secret.chmod(0o600)
    with Sandbox(7) as box:
        result, _ = _sh(box, f"echo fine > ok.json; ln -s {secret} report.json; mkdir d; ln -s /etc d/etc; "
                             "mkfifo pipe", tmp_path)
        assert result.exit_code == 0
        assert box.read_output("ok.json") == b"fine\n"
        assert box.read_output("report.json") is None
        assert box.read_output("d/etc/hostname") is None
        assert box.read_output("pipe") is None
        assert box.read_output("missing.json") is None
