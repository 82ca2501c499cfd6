"""One row of a class's grades: a submission's result, whatever happened to it (ok, failed, timeout, error).

Built from the per-submission report.json (``GradeResult.to_dict()``) or, when grading broke before any report,
from the error alone, so every submission gets a row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

STATUSES = ("ok", "failed", "timeout", "error")
TIMEOUT_ERRORS = ("TimeoutError", "CellTimeoutError")


@dataclass(frozen=True)
class CheckRow:
    id: str
    title: str
    points: float
    score: float
    passed: bool
    message: str = ""
    hint: str | None = None
    required: bool = True


@dataclass(frozen=True)
class SubmissionResult:
    """``status``: ok (every required check passed), failed (some did not), timeout (the notebook ran past a
    timeout), error (it could not be graded: not a notebook, or the grader broke)."""

    submission: str
    lab_id: str
    status: str
    score: float
    max_score: float
    seconds: float
    checks: tuple[CheckRow, ...] = ()
    student: str | None = None
    error: str | None = None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} is not one of {STATUSES}")

    @classmethod
    def from_report(cls, report: dict, *, submission: str, student: str | None = None,
                    seconds: float | None = None, notes: tuple[str, ...] = ()) -> "SubmissionResult":
        """From a report.json dict. ``seconds`` (wall time of the whole grading) defaults to the notebook's."""
        execution = report.get("execution") or {}
        error = execution.get("error") or None
        checks = tuple(CheckRow(**{k: c.get(k) for k in CheckRow.__dataclass_fields__ if k in c})
                       for c in report.get("checks") or [])
        if report.get("passed"):
            status = "ok"
        elif error and error.get("ename") in TIMEOUT_ERRORS:
            status = "timeout"
        elif error and error.get("cell_index") is None and not execution.get("ok"):
            status = "error"  # no cell ran: not a notebook, or the kernel never started
        else:
            status = "failed"
        return cls(submission, str(report.get("lab_id", "")), status, float(report.get("score") or 0),
                   float(report.get("max_score") or 0),
                   float(execution.get("seconds") or 0) if seconds is None else seconds, checks, student,
                   _describe(error), tuple(notes))

    @classmethod
    def failure(cls, submission: str, lab_id: str, message: str, *, status: str = "error", seconds: float = 0,
                max_score: float = 0, student: str | None = None) -> "SubmissionResult":
        """A row for a submission that produced no report (grader crash, overall timeout, killed worker)."""
        return cls(submission, lab_id, status, 0.0, max_score, seconds, (), student, message)

    def to_dict(self) -> dict:
        return asdict(self)


def _describe(error: dict | None) -> str | None:
    if not error:
        return None
    where = "before any cell ran" if error.get("cell_index") is None else f"cell {error['cell_index']}"
    return f"{where}: {error.get('ename', 'Error')}: {error.get('evalue', '')}"
