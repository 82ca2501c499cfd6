"""Class reports from submission results shaped like report.json: formats, escaping of hostile text, size caps."""

import base64
import csv
import io
import json

import pytest

from labsupport.classreports import (class_view, classroom_output, classroom_result, gradebook_csv,
                                     gradescope_results, markdown_summary, md_text)
from labsupport.classresult import SubmissionResult

CHECKS = [("namespace", "Namespace exists", 1), ("configmap", "ConfigMap welcome", 2), ("pod", "Pod hello Ready", 2)]


def _report(passed: set[str], *, error: dict | None = None, seconds: float = 30.0, messages: dict | None = None):
    checks = [{"id": cid, "title": title, "points": pts, "score": pts if cid in passed else 0,
               "passed": cid in passed, "message": (messages or {}).get(cid, "ok" if cid in passed else "missing"),
               "hint": None if cid in passed else f"fix {cid}", "required": True} for cid, title, pts in CHECKS]
    score = sum(c["score"] for c in checks)
    return {"notebook": "x.ipynb", "lab_id": "00", "namespace": "grade-00-abc", "passed": len(passed) == 3,
            "score": score, "max_score": 5, "execution": {"ok": error is None, "seconds": seconds, "cells": 9,
                                                          "error": error}, "checks": checks}


def _class():
    return [
        SubmissionResult.from_report(_report({"namespace", "configmap", "pod"}), submission="alice.ipynb",
                                     student="Alice"),
        SubmissionResult.from_report(_report({"namespace"}), submission="bob.ipynb", student="Bob"),
        SubmissionResult.from_report(_report({"namespace", "configmap"}, error={
            "cell_index": 5, "first_line": "# sleeps", "ename": "CellTimeoutError", "evalue": "cell timed out"}),
            submission="carol.ipynb"),
        SubmissionResult.from_report(_report(set(), error={
            "cell_index": None, "first_line": "", "ename": "NotJSONError", "evalue": "not a notebook"}),
            submission="dave.ipynb", seconds=1.5),
        SubmissionResult.failure("erin.ipynb", "00", "the grading worker died", max_score=5),
    ]


def test_status_follows_what_happened():
    assert [r.status for r in _class()] == ["ok", "failed", "timeout", "error", "error"]
    with pytest.raises(ValueError):
        SubmissionResult("x", "00", "great", 0, 0, 0)


def test_gradebook_has_a_row_per_submission_and_a_column_per_check():
    rows = list(csv.DictReader(io.StringIO(gradebook_csv(_class()))))
    assert [r["submission"] for r in rows] == ["alice.ipynb", "bob.ipynb", "carol.ipynb", "dave.ipynb", "erin.ipynb"]
    assert list(rows[0])[6:9] == ["namespace", "configmap", "pod"]
    assert (rows[1]["namespace"], rows[1]["configmap"], rows[1]["pod"], rows[1]["score"]) == ("1", "0", "0", "1")
    assert rows[2]["status"] == "timeout" and "CellTimeoutError" in rows[2]["error"]
    assert rows[4]["namespace"] == "" and rows[4]["error"] == "the grading worker died"
    assert rows[3]["seconds"] == "1.5"


def test_gradebook_defuses_formulas_and_caps_cells():
    hostile = SubmissionResult.failure("=HYPERLINK(\"http://x\",\"y\").ipynb", "00", "-2+3" + "A" * 5000,
                                       student="@SUM(A1)")
    row = list(csv.DictReader(io.StringIO(gradebook_csv([hostile]))))[0]
    assert row["submission"].startswith("'=") and row["student"] == "'@SUM(A1)"
    assert row["error"].startswith("'-2+3") and len(row["error"]) <= 301


def test_gradescope_results_shape():
    result = _class()[1]
    doc = gradescope_results(result)
    assert doc["score"] == 1 and doc["execution_time"] == 30
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in doc["tests"]] == [
        ("Namespace exists", 1, 1, "passed"), ("ConfigMap welcome", 0, 2, "failed"), ("Pod hello Ready", 0, 2, "failed")]
    assert doc["tests"][1]["output"] == "missing\nHint: fix configmap"
    assert all(t["visibility"] == "visible" and t["output_format"] == "text" for t in doc["tests"])
    assert json.loads(json.dumps(doc)) == doc


def test_classroom_runner_result_shape_and_output():
    doc = classroom_result(_class()[1])
    assert doc["version"] == 1 and doc["status"] == "fail" and doc["max_score"] == 5
    assert [(t["name"], t["status"], t["score"]) for t in doc["tests"]] == [
        ("Namespace exists", "pass", 1), ("ConfigMap welcome", "fail", 0), ("Pod hello Ready", "fail", 0)]
    assert {"message", "test_code", "filename", "line_no", "duration"} <= set(doc["tests"][0])
    assert classroom_result(_class()[0])["status"] == "pass"
    broken = classroom_result(_class()[4])
    assert broken["status"] == "error" and broken["tests"][0]["message"] == "the grading worker died"
    assert json.loads(base64.b64decode(classroom_output(_class()[1]))) == doc


def test_class_view_ranks_checks_by_failures_with_the_common_hint():
    view = class_view(_class())
    assert [(s.id, s.failed, s.graded) for s in view] == [("pod", 3, 4), ("configmap", 2, 4), ("namespace", 1, 4)]
    assert view[0].hint == "fix pod" and view[0].hint_count == 3 and view[0].fail_rate == 0.75


def test_markdown_summary_counts_and_escapes():
    evil = SubmissionResult.failure("<img src=x onerror=alert(1)>|**bold**\n# heading.ipynb", "00",
                                    "boom", student="[link](javascript:alert(1))")
    text = markdown_summary(_class() + [evil])
    assert "6 submissions: 1 ok, 1 failed, 1 timeout, 3 error." in text
    assert "<img" not in text and "&lt;img" in text
    assert "\\|" in text and "\\*\\*bold\\*\\*" in text and "\n# heading" not in text
    assert "[link](" not in text
    assert "| Pod hello Ready | 3/4 | fix pod |" in text
    # the table rows are one per line: the hostile name could not add rows or columns
    row = next(line for line in text.splitlines() if "img" in line)
    assert row.count(" | ") == 4


def test_markdown_summary_stays_under_its_cap():
    many = [SubmissionResult.failure(f"student-{i:04d}-" + "x" * 200 + ".ipynb", "00", "e") for i in range(2000)]
    text = markdown_summary(many, limit=20_000)
    assert len(text.encode()) <= 20_000
    assert "more submissions: see gradebook.csv" in text
    assert markdown_summary(many[:3], limit=20_000).count("student\\-") == 3  # "-" is escaped in Markdown


def test_md_text_neutralises_entities_and_markup():
    assert md_text("a & b < c") == "a &amp; b &lt; c"
    assert md_text("`code` _x_") == "\\`code\\` \\_x\\_"
    assert md_text("x" * 400, 10) == "x" * 9 + "…"


def test_write_all_writes_every_format_and_refuses_planted_links(tmp_path):
    from labsupport.classreports import write_all

    out = tmp_path / "class"
    out.mkdir()
    (out / "summary.md").symlink_to(tmp_path / "elsewhere.md")
    with pytest.raises(OSError):
        write_all(_class(), out)
    assert not (tmp_path / "elsewhere.md").exists()
    (out / "summary.md").unlink()
    written = {p.relative_to(out).as_posix() for p in write_all(_class(), out)}
    assert {"gradebook.csv", "summary.md", "class-view.json", "results.json", "0000/gradescope.json",
            "0004/classroom.json"} <= written
    assert json.loads((out / "class-view.json").read_text())[0]["id"] == "pod"
    assert [r["status"] for r in json.loads((out / "results.json").read_text())] == [
        "ok", "failed", "timeout", "error", "error"]
