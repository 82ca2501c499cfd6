"""Grade a class: every submission in its own worker process, N at a time, each with a row whatever happens.

    rows = run_class(find_submissions(folder), command, jobs=4, each_timeout=1320, overall_timeout=7200)

``command(submission, slot, out)`` returns the argv of one grading worker (phase 2: ``python -m labsupport grade
SUBMISSION --lab NN --out OUT --slot SLOT``): it must write ``OUT/report.json`` (GradeResult.to_dict()). ``slot``
(0..jobs-1) is unique among running workers, so each can use its own sandbox user. A worker that crashes,
hangs past ``each_timeout`` or is still running at ``overall_timeout`` is killed with its whole process group
and gets an error or timeout row; the others carry on.
"""

from __future__ import annotations

import csv
import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

from labsupport.classresult import SubmissionResult
from labsupport.errors import GradingError

Command = Callable[[Path, int, Path], list[str]]
REPORT_LIMIT = 5 << 20  # bytes: a report.json is a few kB; anything larger is not ours


def find_submissions(folder: str | os.PathLike) -> list[Path]:
    """Every visible regular file in ``folder`` (not only .ipynb: a file that is not a notebook still gets a
    row saying so), sorted by name. Links are skipped: a submission is a file, not a pointer to one."""
    folder = Path(folder)
    if not folder.is_dir():
        raise GradingError(f"No submissions folder {folder}.", hint="Pass the folder holding one file per submission.")
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.is_file() and not p.is_symlink())


def read_roster(path: str | os.PathLike) -> dict[str, str]:
    """``{file name: student}`` from a CSV with a header naming a file column (file, submission or notebook)
    and a student column (student, name, email or login)."""
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        fields = {f.lower().strip(): f for f in reader.fieldnames or []}
        file_col = next((fields[k] for k in ("file", "submission", "notebook") if k in fields), None)
        who_col = next((fields[k] for k in ("student", "name", "email", "login") if k in fields), None)
        if not file_col or not who_col:
            raise GradingError(f"Roster {path} has columns {list(fields)}.",
                               hint="Give it a header row with a `file` column and a `student` column.")
        return {Path(row[file_col].strip()).name: row[who_col].strip() for row in reader if row.get(file_col)}


def _out_dir(root: Path, index: int) -> Path:
    # Numbered, not named after the file: a hostile file name must not steer where reports go.
    return root / f"{index:04d}"


def _read_report(out: Path) -> dict | None:
    try:
        fd = os.open(out / "report.json", os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(REPORT_LIMIT + 1)
    if len(data) > REPORT_LIMIT:
        return None
    try:
        report = json.loads(data)
    except ValueError:
        return None
    return report if isinstance(report, dict) and isinstance(report.get("checks"), list) else None


STOP_GRACE = 60  # seconds a stopped worker gets to kill its sandbox and tear its tenant down before SIGKILL


def _kill_group(proc: subprocess.Popen, grace: float = STOP_GRACE) -> None:
    """SIGTERM the worker's process group (the grader then kills its sandbox — the kernel's own session and
    cgroup — and tears its tenant down), SIGKILL whatever is left after ``grace`` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=wait)
            if sig == signal.SIGTERM:  # the leader is gone; anything else left in its group goes now
                os.killpg(proc.pid, signal.SIGKILL)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def run_class(submissions: list[Path], command: Command, *, lab_id: str, out: str | os.PathLike, jobs: int = 4,
              each_timeout: float = 1320, overall_timeout: float | None = None, roster: dict[str, str] | None = None,
              progress: Callable[[str], None] = lambda line: None) -> list[SubmissionResult]:
    """Grade ``submissions`` with at most ``jobs`` workers; one SubmissionResult per submission, in order."""
    if jobs < 1:
        raise GradingError(f"--jobs {jobs} is not a positive number.", hint="e.g. --jobs 4")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    roster = roster or {}
    deadline = time.monotonic() + overall_timeout if overall_timeout else None
    todo: queue.Queue = queue.Queue()
    for index, submission in enumerate(submissions):
        todo.put((index, submission))
    results: list[SubmissionResult | None] = [None] * len(submissions)
    done = [0]
    lock = threading.Lock()

    def grade(index: int, submission: Path, slot: int) -> SubmissionResult:
        target = _out_dir(out, index)
        target.mkdir(exist_ok=True)
        student = roster.get(submission.name)
        started = time.monotonic()
        limit = each_timeout if deadline is None else max(0.0, min(each_timeout, deadline - started))
        if limit <= 0:
            return SubmissionResult.failure(submission.name, lab_id, "not graded: the class ran past its overall "
                                            "timeout", status="timeout", student=student)
        with (target / "worker.log").open("wb") as log:
            proc = subprocess.Popen(command(submission, slot, target), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        try:
            proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return SubmissionResult.failure(submission.name, lab_id, f"grading ran past {limit:.0f}s and was "
                                            "stopped", status="timeout", seconds=time.monotonic() - started,
                                            student=student)
        seconds = time.monotonic() - started
        report = _read_report(target)
        if report is None:
            return SubmissionResult.failure(submission.name, lab_id, f"the grading worker ended with code "
                                            f"{proc.returncode} and no report (see {target / 'worker.log'})",
                                            seconds=seconds, student=student)
        return SubmissionResult.from_report(report, submission=submission.name, student=student, seconds=seconds)

    def worker(slot: int) -> None:
        while True:
            try:
                index, submission = todo.get_nowait()
            except queue.Empty:
                return
            try:
                row = grade(index, submission, slot)
            except Exception as exc:  # one broken submission or worker must not lose the others' rows
                row = SubmissionResult.failure(submission.name, lab_id, f"grading failed: {type(exc).__name__}: "
                                               f"{exc}", student=roster.get(submission.name))
            with lock:
                results[index] = row
                done[0] += 1
                progress(f"[{done[0]}/{len(submissions)}] {submission.name}: {row.status} "
                         f"{row.score:g}/{row.max_score:g} ({row.seconds:.0f}s)")

    threads = [threading.Thread(target=worker, args=(slot,), daemon=True) for slot in range(min(jobs, len(submissions)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for r in results if r is not None]
