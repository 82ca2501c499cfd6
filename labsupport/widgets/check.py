"""The "Check my work" button: runs the lab's checks and shows the report (pass/fail, message, hint) under it."""

from __future__ import annotations

import datetime as _dt
import html
import time
from typing import Any, Callable

import ipywidgets as w

from ..diagrams import COLORS


class CheckButton:
    """A button that runs the lab's checks and shows the report (a table with hints) under it."""

    def __init__(self, run: Callable[[], Any], *, description: str = "Check my work"):
        self.run = run
        self.description = description
        self.last_report: Any = None
        self.button = w.Button(description=description, button_style="primary", icon="check",
                               layout=w.Layout(width="auto"))
        self.button.add_class("labsupport-check")
        self.summary = w.HTML()
        self.output = w.Output()
        self.button.on_click(self._clicked)
        self.widget = w.VBox([w.HBox([self.button, self.summary]), self.output])

    def _clicked(self, _button=None) -> None:
        self.button.disabled, self.button.description = True, "Checking…"
        self.output.outputs = ()  # clear (clear_output() would also print outside a kernel)
        started = time.monotonic()
        try:
            report = self.run()
            self.last_report = report
            self.output.append_display_data(report)
            verdict = "all required checks pass" if getattr(report, "passed", False) else "not yet"
            score = f"score {report.score:g}/{report.max_score:g}, " if hasattr(report, "score") else ""
            self.summary.value = (f"&nbsp;{score}{verdict} <small>(checked at "
                                  f"{_dt.datetime.now():%H:%M:%S} in {time.monotonic() - started:.1f}s)</small>")
        except Exception as exc:  # a cluster problem, not a failed check: say what to do
            hint = getattr(exc, "hint", None)
            self.summary.value = (f"&nbsp;<span style='color:{COLORS['bad'][1]}'>could not run the checks: "
                                  f"{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</span>"
                                  + (f"<br>&nbsp;{html.escape(hint)}" if hint else ""))
        finally:
            self.button.disabled, self.button.description = False, self.description

    def click(self) -> None:
        """Press the button from code (tests)."""
        self.button.click()

    def _repr_mimebundle_(self, **kwargs) -> dict:
        return self.widget._repr_mimebundle_(**kwargs)


def check_button(ctx: Any, *, task: int | None = None, run: Callable[[], Any] | None = None,
                 description: str | None = None) -> CheckButton:
    """A "Check my work" button for the lab of `ctx`: each click runs `labsupport.lab.check(ctx, task=task)`.

    Place ``check_button(ctx, task=3)`` right after task 3 to check that task alone; without ``task`` it checks
    the whole lab. An unknown task is refused here, when the cell runs, rather than at the first click.
    """
    if task is not None and run is None:
        from ..labs import suite_for

        suite_for(ctx.lab_id).for_task(task)  # raises UnknownTask listing the lab's tasks
    if run is None:
        def run():
            from .. import lab

            return lab.check(ctx, task=task)
    if description is None:
        description = "Check my work" if task is None else f"Check task {task}"
    return CheckButton(run, description=description)
