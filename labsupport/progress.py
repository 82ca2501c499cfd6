"""Progress for slow steps (creating a cluster): a bar in a notebook, a text line elsewhere.

    with progress("Creating cluster kindlab", total=5) as p:
        p.step("nodes")            # 1/5
        ...

In a notebook kernel the bar is an ipywidgets FloatProgress with a label; on a terminal the line is redrawn in
place on stderr; when stderr is not a terminal (CI logs) a line is written per step, or at most every 10 s.
Set LABSUPPORT_PROGRESS=widget|text|none to choose explicitly.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import IO, Iterable, Sequence

BAR_WIDTH = 24
LOG_INTERVAL = 10.0  # seconds between lines when stderr is a log file, not a terminal


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where widgets can show), False in a terminal IPython or plain Python."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class Progress:
    """One progress display. `total=None` is an open-ended task: it shows elapsed time, not a fraction."""

    def __init__(self, description: str, total: float | None = None, *, backend: str | None = None,
                 stream: IO[str] | None = None):
        self.description, self.total = description, total
        self.value: float = 0
        self.message = ""
        self.started = time.monotonic()
        self.closed = False
        self._lock = threading.Lock()
        backend = backend or os.environ.get("LABSUPPORT_PROGRESS") or ("widget" if in_notebook() else "text")
        if backend not in ("widget", "text", "none"):
            raise ValueError(f"progress backend {backend!r}: choose widget, text or none")
        self._view = {"widget": _WidgetView, "text": _TextView, "none": _NullView}[backend](self, stream)
        self._view.draw()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def update(self, value: float | None = None, *, advance: float = 0, message: str | None = None) -> None:
        """Set the value (or advance it) and/or the message, then redraw."""
        with self._lock:
            if self.closed:
                return
            if value is not None:
                self.value = value
            self.value += advance
            if self.total is not None:
                self.value = min(self.value, self.total)
            if message is not None:
                self.message = message
            self._view.draw()

    def step(self, message: str) -> None:
        """One more step done; `message` names the step now running."""
        self.update(advance=1, message=message)

    def close(self, message: str | None = None, *, ok: bool = True) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            if ok and self.total is not None:
                self.value = self.total
            if message is not None:
                self.message = message
            self._view.finish(ok)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.close("done")
        else:
            self.close(f"failed after {self.elapsed:.0f}s: {type(exc).__name__}", ok=False)

    def count(self) -> str:
        """'3/5', or '' for an open-ended task."""
        return f"{self.value:g}/{self.total:g}" if self.total else ""

    def text(self) -> str:
        """The one-line rendering used on terminals (and handy in tests)."""
        elapsed = f"{self.elapsed:.0f}s"
        if self.total:
            filled = int(BAR_WIDTH * self.value / self.total)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            core = f"[{bar}] {self.count()}"
        else:
            core = "..."
        msg = f" {self.message}" if self.message else ""
        return f"{self.description} {core}{msg} ({elapsed})"


def progress(description: str, total: float | None = None, **kw) -> Progress:
    return Progress(description, total, **kw)


# The steps `kind create cluster` prints: " • Preparing nodes 📦  ..." then " ✓ Preparing nodes 📦".
KIND_STEPS = ("Ensuring node image", "Preparing nodes", "Writing configuration", "Starting control-plane",
              "Installing CNI", "Installing StorageClass", "Joining worker nodes", "Waiting")


def follow_steps(lines: Iterable[str], p: Progress, steps: Sequence[str] = KIND_STEPS) -> list[str]:
    """Drive `p` from a tool's output: a line naming a step starts it, a line with ✓ finishes it.

    Returns the lines read, to quote in an error message. Lines naming no step are kept but do not move the bar.

        proc = subprocess.Popen(["kind", "create", "cluster", ...], stderr=subprocess.PIPE, text=True)
        with progress("Creating cluster kindlab", total=len(KIND_STEPS)) as p:
            output = follow_steps(proc.stderr, p)
    """
    seen: list[str] = []
    done: set[str] = set()
    for line in lines:
        seen.append(line.rstrip("\n"))
        step = next((s for s in steps if s in line), None)
        if step is None:
            continue
        if "✓" in line and step not in done:
            done.add(step)
            p.update(advance=1, message=f"{step} ✓")
        elif "✗" in line:
            p.update(message=f"{step} failed")
        elif step not in done:
            p.update(message=f"{step} …")
    return seen


class _NullView:
    def __init__(self, p: Progress, stream=None):
        self.p = p

    def draw(self) -> None:
        pass

    def finish(self, ok: bool) -> None:
        pass


class _TextView(_NullView):
    def __init__(self, p: Progress, stream=None):
        super().__init__(p)
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_key: tuple | None = None
        self.last_time = 0.0

    def draw(self) -> None:
        line = self.p.text()
        if self.tty:
            self.stream.write("\r\033[K" + line)
            self.stream.flush()
            return
        # A log file: write when the step or message changes, else at most every LOG_INTERVAL seconds.
        key = (self.p.message, self.p.value)
        if key != self.last_key or time.monotonic() - self.last_time >= LOG_INTERVAL:
            self.stream.write(line + "\n")
            self.stream.flush()
            self.last_key, self.last_time = key, time.monotonic()

    def finish(self, ok: bool) -> None:
        line = self.p.text()
        self.stream.write(("\r\033[K" + line + "\n") if self.tty else line + "\n")
        self.stream.flush()


class _WidgetView(_NullView):
    def __init__(self, p: Progress, stream=None):
        super().__init__(p)
        import ipywidgets as w
        from IPython.display import display

        self.bar = w.FloatProgress(value=0, min=0, max=p.total or 1, bar_style="info",
                                   layout=w.Layout(width="40%"))
        self.label = w.HTML()
        self.box = w.HBox([w.HTML(f"<b>{_esc(p.description)}</b>&nbsp;"), self.bar, self.label])
        display(self.box)

    def draw(self) -> None:
        p = self.p
        if p.total:
            self.bar.value = p.value
        else:  # open-ended: a full striped bar that says "working"
            self.bar.value, self.bar.bar_style = 1, "info"
        self.label.value = f"&nbsp;{_esc(p.count())} {_esc(p.message)} <small>({p.elapsed:.0f}s)</small>"

    def finish(self, ok: bool) -> None:
        self.draw()
        self.bar.bar_style = "success" if ok else "danger"


def _esc(text: str) -> str:
    import html

    return html.escape(text)
