"""The grader's isolation parts that need no cluster: slots held by one run at a time, a forged runner result
reduced to well-typed fields, reports that replace planted links, workers stopped gently then for good."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from labsupport import sandboxslots
from labsupport.checks import CheckSuite, fail
from labsupport.classrun import _kill_group
from labsupport.errors import LabError
from labsupport.execute import Execution
from labsupport.isolatedrun import _outcome
from labsupport.reports import GradeResult, write_reports
from labsupport.sandbox import Isolation, SandboxResult
from labsupport.tenantneeds import needs_for


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(sandboxslots.tempfile, "gettempdir", lambda: str(tmp_path))
    return tmp_path


HOLD = """
import sys, time
from labsupport import sandboxslots
with sandboxslots.claim(int(sys.argv[1])) as slot:
    print(slot, flush=True)
    time.sleep(30)
"""


def test_a_slot_is_held_by_one_run_and_freed_when_its_holder_dies(private_tmp):
    env = {**os.environ, "TMPDIR": str(private_tmp)}
    holder = subprocess.Popen([sys.executable, "-c", HOLD, "3"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "3"
        with sandboxslots.claim(3) as slot:  # busy: the next free one
            assert slot == 0
            with sandboxslots.claim(0) as other:
                assert other == 1
    finally:
        holder.kill()
        holder.wait()
    with sandboxslots.claim(3) as slot:  # the kernel dropped the dead holder's lock
        assert slot == 3
    with pytest.raises(LabError):
        with sandboxslots.claim(99):
            pass


def test_slot_folder_planted_by_someone_else_is_refused(private_tmp):
    folder = private_tmp / f"kindlab-grader-{os.geteuid()}"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    with pytest.raises(LabError) as err:
        with sandboxslots.claim():
            pass
    assert "rm -rf" in err.value.hint


def test_needs_decide_serialising_and_credentials():
    assert not needs_for("00").serialised and needs_for("00").node_access  # reads Docker; changes nothing shared
    assert needs_for("01").serialised and needs_for("01").credential == "certificate"
    assert needs_for("02").credential == "token"
    assert any("certificate" in line for line in needs_for("01").describe())


def _sandbox(**kw) -> SandboxResult:
    return SandboxResult(kw.get("code", 0), kw.get("timed_out", False), 0, 1.0, kw.get("oom", False),
                         Isolation(True, True, True))


def test_forged_runner_result_keeps_only_well_typed_fields():
    forged = json.dumps({"ok": True, "cell_index": "x", "ename": 7, "evalue": "e" * 5000, "score": 100}).encode()
    assert _outcome(forged, _sandbox(), 60) == {"ok": True, "evalue": "e" * 2000}
    assert _outcome(b'{"ok": "yes"}', _sandbox(), 60)["ename"] == "GradingError"
    assert _outcome(forged, _sandbox(timed_out=True), 60)["ename"] == "TimeoutError"
    assert _outcome(forged, _sandbox(oom=True), 60)["ename"] == "MemoryError"


def test_reports_replace_planted_links_instead_of_writing_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("report.json", "summary.md", "junit.xml", "executed.ipynb"):
        (out / name).symlink_to(victim)
    suite = CheckSuite("00", "t")
    suite.check(id="c", title="C")(lambda ctx: fail("no"))
    result = GradeResult("x.ipynb", "00", "grade-00-x", Execution(True, 1.0, 2), suite.run(None),
                         ("Pod Security admission: baseline.",))
    write_reports(result, out, b'{"cells": []}')
    assert victim.read_text() == "untouched"
    assert not any(p.is_symlink() for p in out.iterdir())
    assert json.loads((out / "report.json").read_text())["notes"] == ["Pod Security admission: baseline."]
    assert "How it ran" in (out / "summary.md").read_text()
    write_reports(result, out, None)
    assert not (out / "executed.ipynb").exists()


def test_a_worker_ignoring_sigterm_is_killed_after_the_grace(tmp_path):
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    started = time.monotonic()
    _kill_group(proc, grace=1)
    assert proc.returncode == -signal.SIGKILL and time.monotonic() - started < 10
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    _kill_group(polite, grace=30)
    assert polite.returncode == -signal.SIGTERM
