"""Class-level reports from many SubmissionResults: gradebook CSV, Gradescope results.json, GitHub Classroom
runner results, a size-bounded Markdown job summary, and a class view of the checks most students failed.

Every text that can come from a submission (file names, check messages naming its objects, error text) is
escaped for where it lands: Markdown/HTML, CSV (cells that a spreadsheet would run as a formula are quoted with
a leading apostrophe) and capped in length.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from labsupport.classresult import STATUSES, SubmissionResult

CELL_CAP = 300        # characters of submission text per CSV cell or Markdown cell
OUTPUT_CAP = 4000     # characters of text per test in Gradescope / Classroom output
SUMMARY_CAP = 60_000  # bytes; GitHub allows 1 MiB per step summary, and a class table should stay readable
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cap(text: str | None, limit: int) -> str:
    text = _CONTROL.sub("", text or "")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def csv_text(text: str | None, limit: int = CELL_CAP) -> str:
    """Safe CSV cell text: capped, and never read as a formula by a spreadsheet."""
    text = cap(text, limit)
    return "'" + text if text.startswith(_FORMULA_START) else text


def md_text(text: str | None, limit: int = CELL_CAP) -> str:
    """Text for one Markdown table cell or line: no HTML, no Markdown syntax, no line breaks."""
    text = html.escape(cap(text, limit).replace("\r", " ").replace("\n", " "), quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+!|~>-])", r"\\\1", text)


def _number(value: float) -> str:
    return f"{value:g}"


def check_ids(results: list[SubmissionResult]) -> list[tuple[str, str]]:
    """(id, title) of every check seen, in the order the lab declares them (first submission that has them)."""
    seen: dict[str, str] = {}
    for result in results:
        for check in result.checks:
            seen.setdefault(check.id, check.title)
    return list(seen.items())


def gradebook_csv(results: list[SubmissionResult]) -> str:
    """One row per submission, one column per check (its score), total, status, duration."""
    checks = check_ids(results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "student", "status", "score", "max_score", "seconds",
                     *(csv_text(cid) for cid, _ in checks), "error"])
    for r in sorted(results, key=lambda r: r.submission):
        scores = {c.id: _number(c.score) for c in r.checks}
        writer.writerow([csv_text(r.submission), csv_text(r.student), r.status, _number(r.score),
                         _number(r.max_score), f"{r.seconds:.1f}", *(scores.get(cid, "") for cid, _ in checks),
                         csv_text(r.error)])
    return out.getvalue()


def _check_output(message: str, hint: str | None) -> str:
    return cap(message + (f"\nHint: {hint}" if hint else ""), OUTPUT_CAP)


def gradescope_results(result: SubmissionResult, *, visibility: str = "visible") -> dict:
    """Gradescope's results.json for one submission. Outputs are plain text (``output_format: text``), so
    nothing a submission wrote can render as HTML in Gradescope."""
    tests = [{"name": cap(c.title, 200), "number": str(i), "score": c.score, "max_score": c.points,
              "status": "passed" if c.passed else "failed", "output": _check_output(c.message, c.hint),
              "output_format": "text", "visibility": visibility}
             for i, c in enumerate(result.checks, 1)]
    output = f"Status: {result.status}." + (f" The notebook stopped at {result.error}" if result.error else "")
    return {"score": result.score, "execution_time": round(result.seconds), "output": cap(output, OUTPUT_CAP),
            "output_format": "text", "visibility": visibility, "tests": tests}


def classroom_result(result: SubmissionResult) -> dict:
    """GitHub Classroom's runner result (what autograding-command-grader emits and
    autograding-grading-reporter reads): version 1, status pass/fail/error, max_score, one test per check."""
    status = {"ok": "pass", "failed": "fail"}.get(result.status, "error")
    per_check_ms = round(result.seconds * 1000 / max(1, len(result.checks)))
    tests = [{"name": cap(c.title, 200), "status": "pass" if c.passed else "fail", "score": c.score,
              "message": _check_output(c.message, c.hint), "test_code": f"check {c.id}", "filename": "",
              "line_no": 0, "duration": per_check_ms} for c in result.checks]
    if not tests:
        tests = [{"name": "grading", "status": "error", "score": 0, "message": cap(result.error, OUTPUT_CAP),
                  "test_code": "", "filename": "", "line_no": 0, "duration": round(result.seconds * 1000)}]
    return {"version": 1, "status": status, "max_score": result.max_score, "tests": tests}


def classroom_output(result: SubmissionResult) -> str:
    """The ``result=`` value a step writes to $GITHUB_OUTPUT: the runner result, base64-encoded JSON."""
    return base64.b64encode(json.dumps(classroom_result(result)).encode()).decode()


@dataclass(frozen=True)
class CheckStat:
    """How the class did on one check; ``hint`` is the hint most failing submissions got."""

    id: str
    title: str
    failed: int
    graded: int
    hint: str | None
    hint_count: int

    @property
    def fail_rate(self) -> float:
        return self.failed / self.graded if self.graded else 0.0


def class_view(results: list[SubmissionResult]) -> list[CheckStat]:
    """Checks ordered by how many submissions failed them (most first), each with its most common hint."""
    stats = []
    for cid, title in check_ids(results):
        rows = [c for r in results for c in r.checks if c.id == cid]
        failing = [c for c in rows if not c.passed]
        hints = Counter(c.hint for c in failing if c.hint)
        hint, count = hints.most_common(1)[0] if hints else (None, 0)
        stats.append(CheckStat(cid, title, len(failing), len(rows), hint, count))
    return sorted(stats, key=lambda s: (-s.failed, s.id))


def markdown_summary(results: list[SubmissionResult], *, title: str = "Class grades",
                     limit: int = SUMMARY_CAP) -> str:
    """A Markdown summary for a CI job summary: totals, the class view, one row per submission; never more
    than ``limit`` bytes (rows that do not fit are counted, not shown)."""
    counts = Counter(r.status for r in results)
    lines = [f"# {md_text(title)}", "",
             f"{len(results)} submissions: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES) + ".", ""]
    view = [s for s in class_view(results) if s.failed]
    if view:
        lines += ["## Checks most submissions failed", "", "| check | failed | most common hint |", "|---|---|---|"]
        lines += [f"| {md_text(s.title)} | {s.failed}/{s.graded} | {md_text(s.hint) or '-'} |" for s in view[:10]]
        lines.append("")
    lines += ["## Submissions", "", "| submission | student | status | score | seconds |", "|---|---|---|---|---|"]
    text = "\n".join(lines) + "\n"
    rows = sorted(results, key=lambda r: (STATUSES.index(r.status), r.submission))
    for shown, r in enumerate(rows):
        row = (f"| {md_text(r.submission)} | {md_text(r.student) or '-'} | {r.status} | "
               f"{_number(r.score)}/{_number(r.max_score)} | {r.seconds:.0f} |\n")
        more = f"\n… {len(rows) - shown} more submissions: see gradebook.csv.\n"
        if len((text + row + more).encode()) > limit:
            return text + more
        text += row
    return text


def _write(path, text: str) -> None:
    # O_NOFOLLOW: a link planted where a report goes is refused rather than written through.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def write_all(results: list[SubmissionResult], out: str | os.PathLike, *, title: str = "Class grades") -> list[Path]:
    """Write the class's reports into ``out``: gradebook.csv, summary.md, class-view.json, results.json (every
    row), and per submission ``NNNN/gradescope.json`` and ``NNNN/classroom.json`` (NNNN: its index, as the class
    runner numbers its folders)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    files = {"gradebook.csv": gradebook_csv(results), "summary.md": markdown_summary(results, title=title),
             "class-view.json": json.dumps([{**asdict(s), "fail_rate": round(s.fail_rate, 3)}
                                            for s in class_view(results)], indent=2) + "\n",
             "results.json": json.dumps([r.to_dict() for r in results], indent=2) + "\n"}
    for index, result in enumerate(results):
        files[f"{index:04d}/gradescope.json"] = json.dumps(gradescope_results(result), indent=2) + "\n"
        files[f"{index:04d}/classroom.json"] = json.dumps(classroom_result(result), indent=2) + "\n"
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(exist_ok=True)
        _write(path, text)
        written.append(path)
    return written
