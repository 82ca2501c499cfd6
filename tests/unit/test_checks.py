import json
import xml.etree.ElementTree as ET

import pytest

from labsupport.checks import CheckSuite, Report, UnknownTask, fail, ok, partial
from labsupport.errors import LabError, WaitTimeout


def _suite() -> CheckSuite:
    suite = CheckSuite("99", "Fixture lab")

    @suite.check(id="passes", task=1, title="Passes", points=2)
    def passes(ctx):
        return ok("all good")

    @suite.check(id="fails", task=2, title="Fails", points=3, hint="default hint")
    def fails(ctx):
        return fail("it is <broken> & \x00 bad")

    @suite.check(id="half", task=2, title="Half", points=4, hint="default", required=False)
    def half(ctx):
        return partial(0.5, "1 of 2", "own hint")

    @suite.check(id="crashes", task=3, title="Crashes", points=1, hint="check hint")
    def crashes(ctx):
        raise KeyError("spec")

    @suite.check(id="lab-error", task=3, title="Lab error", points=1)
    def lab_error(ctx):
        raise WaitTimeout("pod never Ready", hint="look at the events")

    @suite.check(id="boolean", task=5, title="Boolean", points=1)
    def boolean(ctx):
        return True

    return suite


def test_results_are_typed_and_scored():
    report = _suite().run(ctx=None)
    by_id = {r.id: r for r in report.results}
    assert [r.id for r in report.results] == ["passes", "fails", "half", "crashes", "lab-error", "boolean"]
    assert by_id["passes"].passed and by_id["passes"].score == 2 and by_id["passes"].hint is None
    assert not by_id["fails"].passed and by_id["fails"].hint == "default hint"
    assert by_id["half"].score == 2 and by_id["half"].hint == "own hint" and not by_id["half"].required
    assert by_id["boolean"].passed
    assert report.score == 5 and report.max_score == 12
    assert not report.passed


def test_exception_in_check_is_a_failed_result_naming_it():
    by_id = {r.id: r for r in _suite().run(ctx=None).results}
    assert not by_id["crashes"].passed
    assert "KeyError" in by_id["crashes"].message and by_id["crashes"].hint == "check hint"
    assert "WaitTimeout" in by_id["lab-error"].message and by_id["lab-error"].hint == "look at the events"


def test_passed_means_every_required_check():
    suite = CheckSuite("99", "t")
    suite.check(id="a", title="a")(lambda ctx: ok())
    suite.check(id="b", title="b", required=False)(lambda ctx: fail("optional"))
    assert suite.run(None).passed


def test_duplicate_ids_are_refused():
    suite = CheckSuite("99", "t")
    suite.check(id="a", title="a")(lambda ctx: ok())
    with pytest.raises(ValueError, match="two checks"):
        suite.check(id="a", title="again")


def test_partial_is_clamped_and_passes_only_when_whole():
    assert partial(2, "x").fraction == 1 and partial(2, "x").passed
    assert partial(-1, "x").fraction == 0
    assert not partial(0.99, "x").passed


def test_json_round_trips():
    data = json.loads(_suite().run(None).to_json())
    assert data["lab_id"] == "99" and data["max_score"] == 12 and len(data["results"]) == 6
    assert set(data["results"][0]) == {"id", "title", "points", "score", "passed", "message", "hint", "required",
                                       "task"}
    assert [r["task"] for r in data["results"]] == [1, 2, 2, 3, 3, 5] and data["task"] is None


def test_junit_is_well_formed_even_with_control_characters():
    xml = _suite().run(None).to_junit_xml()
    root = ET.fromstring(xml.encode())
    suite = root.find("testsuite")
    assert suite.get("tests") == "6" and suite.get("failures") == "4"
    failures = {c.get("name"): c.find("failure") for c in suite.findall("testcase")}
    assert failures["passes"] is None
    assert "<broken> &" in failures["fails"].get("message")
    assert "Hint: default hint" in failures["fails"].text


def test_html_escapes_and_shows_every_column():
    html = _suite().run(None)._repr_html_()
    assert "&lt;broken&gt; &amp;" in html and "<broken>" not in html
    for header in ("task", "check", "points", "result", "message", "hint"):
        assert f"<th>{header}</th>" in html
    assert html.count("<tr>") == 7
    assert "<tr><td>2</td><td>Fails<br>" in html


def test_markdown_table_rows_survive_pipes_and_newlines():
    report = Report("99", "t", ())
    suite = CheckSuite("99", "t")
    suite.check(id="x", title="a|b")(lambda ctx: fail("line1\nline2 | more"))
    report = suite.run(None)
    rows = [line for line in report.to_markdown().splitlines() if line.startswith("|  | a")]
    assert len(rows) == 1 and rows[0].count(" | ") == 5


# ------------------------------------------------------------------------------------------- per-task checks


def test_a_task_runs_only_its_own_checks():
    report = _suite().run(None, task=3)
    assert [r.id for r in report.results] == ["crashes", "lab-error"]
    assert all(r.task == 3 for r in report.results)
    assert report.task == 3 and report.max_score == 2
    assert "task 3" in report.to_markdown().splitlines()[0] and ", task 3</b>" in report._repr_html_()


def test_the_whole_lab_runs_every_check():
    report = _suite().run(None)
    assert len(report.results) == 6 and report.task is None and "task" not in report.to_markdown().splitlines()[0]


def test_an_unknown_task_is_a_lab_error_listing_the_tasks():
    suite = _suite()
    assert suite.tasks == [1, 2, 3, 5]
    for bad in (4, 0, True, "3"):
        with pytest.raises(UnknownTask) as info:
            suite.run(None, task=bad)
        assert isinstance(info.value, LabError)
        assert "1, 2, 3, 5" in info.value.hint and "lab.check(ctx" in info.value.hint


def test_task_must_be_a_positive_number():
    suite = CheckSuite("99", "t")
    for bad in (0, -1, "2", 1.5, True):
        with pytest.raises(ValueError, match="task"):
            suite.check(id=f"x{bad}", title="x", task=bad)


def test_reports_show_the_task_in_markdown_and_junit():
    report = _suite().run(None)
    markdown = report.to_markdown()
    assert "| task | check |" in markdown and "| 5 | Boolean (`boolean`)" in markdown
    cases = {c.get("name"): c for c in ET.fromstring(report.to_junit_xml().encode()).iter("testcase")}
    assert cases["fails"].get("classname") == "lab99.task2"
    assert cases["boolean"].find("system-out").text.startswith("Task 5: Boolean")
