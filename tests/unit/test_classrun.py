"""Grading a class in parallel with stand-in workers: every submission gets a row whatever its worker does."""

import json
import sys
import time
from pathlib import Path

import pytest

from labsupport.classrun import find_submissions, read_roster, run_class
from labsupport.errors import GradingError

WORKER = r"""
import json, os, sys, time
name, out, slot = sys.argv[1], sys.argv[2], sys.argv[3]
kind = os.path.basename(name).split(".")[0].split("-")[0]
if kind == "hang":
    os.system("sleep 1000 &")  # a grandchild in the same process group, killed with it
    time.sleep(1000)
if kind == "crash":
    sys.exit(3)
if kind == "sleep":
    time.sleep(1)
if kind == "garbage":
    open(os.path.join(out, "report.json"), "w").write("{not json")
    sys.exit(0)
check = {"id": "c", "title": "C", "points": 2, "score": 2, "passed": True, "message": "slot " + slot,
         "hint": None, "required": True}
json.dump({"lab_id": "00", "passed": True, "score": 2, "max_score": 2,
           "execution": {"ok": True, "seconds": 0.1, "cells": 1, "error": None}, "checks": [check]},
          open(os.path.join(out, "report.json"), "w"))
"""


def _command(submission, slot, out):
    return [sys.executable, "-c", WORKER, str(submission), str(out), str(slot)]


def _submissions(tmp_path, *names):
    folder = tmp_path / "subs"
    folder.mkdir()
    for name in names:
        (folder / name).write_text("{}")
    return folder


def test_every_submission_gets_a_row_whatever_its_worker_does(tmp_path):
    folder = _submissions(tmp_path, "ok-alice.ipynb", "hang-bob.ipynb", "crash-carol.ipynb", "garbage-dave.ipynb",
                          "notes.txt")
    (folder / ".hidden").write_text("x")
    (folder / "link.ipynb").symlink_to(folder / "ok-alice.ipynb")
    lines = []
    started = time.monotonic()
    rows = run_class(find_submissions(folder), _command, lab_id="00", out=tmp_path / "out", jobs=3,
                     each_timeout=3, roster={"ok-alice.ipynb": "Alice"}, progress=lines.append)
    assert time.monotonic() - started < 10
    by_name = {r.submission: r for r in rows}
    assert list(by_name) == ["crash-carol.ipynb", "garbage-dave.ipynb", "hang-bob.ipynb", "notes.txt",
                             "ok-alice.ipynb"]
    assert by_name["ok-alice.ipynb"].status == "ok" and by_name["ok-alice.ipynb"].student == "Alice"
    assert by_name["hang-bob.ipynb"].status == "timeout" and "stopped" in by_name["hang-bob.ipynb"].error
    assert by_name["crash-carol.ipynb"].status == "error" and "code 3" in by_name["crash-carol.ipynb"].error
    assert by_name["garbage-dave.ipynb"].status == "error"
    assert len(lines) == 5 and lines[-1].startswith("[5/5]")
    slots = {r.checks[0].message for r in rows if r.checks}
    assert slots <= {"slot 0", "slot 1", "slot 2"}


def test_parallel_workers_run_at_the_same_time(tmp_path):
    folder = _submissions(tmp_path, *(f"sleep-{i}.ipynb" for i in range(4)))
    started = time.monotonic()
    rows = run_class(find_submissions(folder), _command, lab_id="00", out=tmp_path / "out", jobs=4, each_timeout=30)
    assert time.monotonic() - started < 3.5  # four 1 s workers, not one after another (>= 4 s)
    assert [r.status for r in rows] == ["ok"] * 4


def test_overall_timeout_leaves_timeout_rows(tmp_path):
    folder = _submissions(tmp_path, "hang-a.ipynb", "ok-b.ipynb")
    rows = run_class(find_submissions(folder), _command, lab_id="00", out=tmp_path / "out", jobs=1,
                     each_timeout=60, overall_timeout=2)
    assert [(r.submission, r.status) for r in rows] == [("hang-a.ipynb", "timeout"), ("ok-b.ipynb", "timeout")]


def test_roster_columns_and_errors(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Submission,Email\nsubs/alice.ipynb,alice@example.org\n")
    assert read_roster(roster) == {"alice.ipynb": "alice@example.org"}
    roster.write_text("who,what\n")
    with pytest.raises(GradingError):
        read_roster(roster)
    with pytest.raises(GradingError):
        find_submissions(tmp_path / "missing")
