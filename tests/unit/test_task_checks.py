"""Per-task checking on the real lab suites, without a cluster: which checks a task selects, the error for a task
that does not exist, and the "Check my work" button placed after one task."""

import pytest

from labsupport import lab
from labsupport.checks import UnknownTask
from labsupport.context import LabContext
from labsupport.labs import available, suite_for
from labsupport.widgets import check_button


def _ctx(lab_id: str) -> LabContext:
    # No clients: every check fails with "could not run", which is enough to see which checks ran.
    return LabContext(lab_id, "nowhere", "kindlab", None, None)


@pytest.mark.parametrize("lab_id", available())
def test_every_check_of_every_lab_names_its_task(lab_id):
    suite = suite_for(lab_id)
    assert all(isinstance(c.task, int) and c.task >= 1 for c in suite.checks), \
        [c.id for c in suite.checks if c.task is None]


def test_lab_check_runs_one_task_or_the_whole_lab():
    one = lab.check(_ctx("03"), task=6)
    assert [r.id for r in one.results] == ["job-completions", "job-retries"] and one.task == 6
    assert len(lab.check(_ctx("03")).results) == len(suite_for("03").checks)


def test_lab_check_of_an_unknown_task_lists_the_tasks():
    with pytest.raises(UnknownTask) as info:
        lab.check(_ctx("02"), task=8)
    assert "no checks for task 8" in info.value.message
    assert "1, 2, 3, 4, 5, 6, 7" in info.value.hint


def test_check_button_after_one_task_checks_only_that_task():
    button = check_button(_ctx("00"), task=5)
    assert button.button.description == "Check task 5"
    button.click()
    assert [r.id for r in button.last_report.results] == ["first-configmap", "first-pod"]
    assert "task 5" in button.output.outputs[0]["data"]["text/html"]


def test_check_button_for_the_whole_lab_keeps_its_name():
    assert check_button(_ctx("00")).button.description == "Check my work"


def test_check_button_refuses_an_unknown_task_when_placed():
    with pytest.raises(UnknownTask, match="task 42"):
        check_button(_ctx("01"), task=42)
