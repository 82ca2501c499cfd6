"""Checks: typed results of inspecting the live cluster, and reports rendered as HTML, JSON, JUnit and Markdown.

A lab's checks are data (id, the task they grade, title, points, hint) plus a function of the LabContext:

    SUITE = CheckSuite("02", "Pods")

    @SUITE.check(id="sidecar", task=1, title="A sidecar serves the file", points=2, hint="Share an emptyDir volume.")
    def sidecar(ctx):
        return ok("It does.") if ... else fail("No pod 'web'.")

``task`` is the number of the notebook's task section the check grades, so a learner can check one task
(``SUITE.run(ctx, task=1)``) right after doing it, and reports say which task a failure belongs to.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from typing import Callable

from kubernetes.client.exceptions import ApiException

from labsupport.errors import LabError, UnknownTask


@dataclass(frozen=True)
class Outcome:
    """What a check function returns: the fraction of its points earned, and why."""

    fraction: float
    message: str = ""
    hint: str | None = None

    @property
    def passed(self) -> bool:
        return self.fraction >= 1


def ok(message: str = "") -> Outcome:
    return Outcome(1.0, message)


def fail(message: str, hint: str | None = None) -> Outcome:
    return Outcome(0.0, message, hint)


def partial(fraction: float, message: str, hint: str | None = None) -> Outcome:
    """Some of the points: ``partial(0.5, "1 of 2 replicas Ready")``. Passes only at fraction 1."""
    return Outcome(min(max(float(fraction), 0.0), 1.0), message, hint)


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    points: float
    score: float
    passed: bool
    message: str
    hint: str | None
    required: bool = True
    task: int | None = None


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    points: float
    hint: str | None
    required: bool
    fn: Callable[..., Outcome | bool]
    task: int | None = None

    def run(self, ctx) -> CheckResult:
        """Never raises: an exception inside the check is a failed result that names it."""
        try:
            outcome = self.fn(ctx)
            if isinstance(outcome, bool):
                outcome = ok() if outcome else fail("")
            if not isinstance(outcome, Outcome):
                raise TypeError(f"check {self.id!r} returned {type(outcome).__name__}, not ok()/fail()/partial()")
        except Exception as exc:  # a broken check or cluster must not stop the other checks
            outcome = fail(f"The check could not run: {describe_exception(exc)}",
                           getattr(exc, "hint", None) or self.hint)
        passed = outcome.passed
        return CheckResult(self.id, self.title, self.points, round(self.points * outcome.fraction, 2), passed,
                           outcome.message, None if passed else (outcome.hint or self.hint), self.required,
                           self.task)


def describe_exception(exc: BaseException) -> str:
    if isinstance(exc, ApiException):
        return f"Kubernetes API error {exc.status} {exc.reason}"
    if isinstance(exc, LabError):
        return f"{type(exc).__name__}: {exc.message}"
    return f"{type(exc).__name__}: {exc}"


class CheckSuite:
    """One lab's checks, in the order they are declared."""

    def __init__(self, lab_id: str, title: str) -> None:
        self.lab_id = lab_id
        self.title = title
        self.checks: list[Check] = []

    def check(self, *, id: str, title: str, task: int | None = None, points: float = 1, hint: str | None = None,
              required: bool = True) -> Callable:
        """Decorator registering ``fn(ctx) -> Outcome`` as a check of task ``task`` (the notebook's task number)."""
        if any(c.id == id for c in self.checks):
            raise ValueError(f"lab {self.lab_id}: two checks with id {id!r}")
        if task is not None and (isinstance(task, bool) or not isinstance(task, int) or task < 1):
            raise ValueError(f"lab {self.lab_id}, check {id!r}: task must be a task number 1, 2, ..., not {task!r}")

        def register(fn: Callable) -> Callable:
            self.checks.append(Check(id, title, points, hint, required, fn, task))
            return fn

        return register

    @property
    def tasks(self) -> list[int]:
        """The task numbers this lab's checks grade, in order."""
        return sorted({c.task for c in self.checks if c.task is not None})

    def for_task(self, task: int) -> list[Check]:
        """The checks of task ``task``; an unknown task is an UnknownTask error listing the lab's tasks."""
        checks = [c for c in self.checks if c.task == task and not isinstance(task, bool)]
        if not checks:
            known = ", ".join(map(str, self.tasks)) or "none (its checks name no task)"
            raise UnknownTask(f"Lab {self.lab_id} has no checks for task {task!r}.",
                              hint=f"Lab {self.lab_id}'s tasks with checks: {known}. Write e.g. "
                                   f"`lab.check(ctx, task={self.tasks[0] if self.tasks else 1})`, or "
                                   "`lab.check(ctx)` for the whole lab.")
        return checks

    def run(self, ctx, *, task: int | None = None) -> Report:
        """Every check (the grader, the notebook's last cell), or only task ``task``'s."""
        checks = self.checks if task is None else self.for_task(task)
        return Report(self.lab_id, self.title, tuple(c.run(ctx) for c in checks), task)


# XML 1.0 cannot carry these characters at all, even escaped; a check message might contain them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str | None) -> str:
    return _XML_INVALID.sub("\ufffd", text or "")


@dataclass(frozen=True)
class Report:
    lab_id: str
    title: str
    results: tuple[CheckResult, ...] = field(default_factory=tuple)
    task: int | None = None  # set when only that task's checks ran

    @property
    def heading(self) -> str:
        return f"Lab {self.lab_id}: {self.title}" + (f", task {self.task}" if self.task is not None else "")

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 2)

    @property
    def max_score(self) -> float:
        return round(sum(r.points for r in self.results), 2)

    @property
    def passed(self) -> bool:
        """Every required check passed."""
        return all(r.passed for r in self.results if r.required)

    def to_dict(self) -> dict:
        return {"lab_id": self.lab_id, "title": self.title, "task": self.task, "passed": self.passed,
                "score": self.score, "max_score": self.max_score, "results": [asdict(r) for r in self.results]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_junit_element(self) -> ET.Element:
        """A <testsuite>, one <testcase> per check; failed checks carry <failure> with message and hint."""
        suite = ET.Element("testsuite", name=f"lab-{self.lab_id}", tests=str(len(self.results)),
                           failures=str(sum(not r.passed for r in self.results)), errors="0", skipped="0")
        for r in self.results:
            # JUnit has no task field: the task goes in the class name, which CI tools group by.
            case = ET.SubElement(suite, "testcase", classname=f"lab{self.lab_id}" + _task_suffix(r.task),
                                 name=_xml_text(r.id))
            if not r.passed:
                failure = ET.SubElement(case, "failure", message=_xml_text(r.message),
                                        type="required" if r.required else "optional")
                failure.text = _xml_text(f"{r.title}\n{r.message}" + (f"\nHint: {r.hint}" if r.hint else ""))
            ET.SubElement(case, "system-out").text = _xml_text(f"{_task_label(r.task)}{r.title}: "
                                                               f"{r.score:g}/{r.points:g} points")
        return suite

    def to_junit_xml(self) -> str:
        suites = ET.Element("testsuites")
        suites.append(self.to_junit_element())
        return junit_document(suites)

    def to_markdown(self) -> str:
        lines = [f"## {_md(self.heading)}", "",
                 f"**Score {self.score:g}/{self.max_score:g}** — "
                 f"{'all required checks pass' if self.passed else 'some required checks fail'}.", "",
                 "| task | check | points | result | message | hint |", "| --- | --- | --- | --- | --- | --- |"]
        for r in self.results:
            mark = "pass" if r.passed else ("FAIL" if r.required else "fail (optional)")
            lines.append(f"| {_task_cell(r.task)} | {_md(r.title)} (`{_md(r.id)}`) | {r.score:g}/{r.points:g} | "
                         f"{mark} | {_md(r.message)} | {_md(r.hint or '')} |")
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        e = html.escape
        rows = []
        for r in self.results:
            color = "#1a7f37" if r.passed else ("#cf222e" if r.required else "#9a6700")
            mark = "✔ pass" if r.passed else ("✘ fail" if r.required else "✘ fail (optional)")
            rows.append(f"<tr><td>{_task_cell(r.task)}</td><td>{e(r.title)}<br><code>{e(r.id)}</code></td>"
                        f"<td>{r.score:g}/{r.points:g}</td>"
                        f"<td style='color:{color};font-weight:bold'>{mark}</td><td>{e(r.message)}</td>"
                        f"<td>{e(r.hint or '')}</td></tr>")
        verdict = "all required checks pass" if self.passed else "some required checks fail"
        return (f"<div class='labsupport-report'><p><b>{e(self.heading)}</b> — score "
                f"{self.score:g}/{self.max_score:g}, {verdict}.</p><table><thead><tr><th>task</th><th>check</th>"
                f"<th>points</th>"
                f"<th>result</th><th>message</th><th>hint</th></tr></thead><tbody>{''.join(rows)}</tbody>"
                f"</table></div>")

    def __str__(self) -> str:
        return self.to_markdown()


def junit_document(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _task_cell(task: int | None) -> str:
    return "" if task is None else str(task)


def _task_label(task: int | None) -> str:
    return "" if task is None else f"Task {task}: "


def _task_suffix(task: int | None) -> str:
    return "" if task is None else f".task{task}"


def _md(text: str) -> str:
    """Table-cell safe Markdown: no pipes or newlines breaking the row."""
    return (text or "").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")
