"""Fixture notebooks derived from a lab's answer key, so they never drift from it (a lab's
``tests/fixtures/labNN/make_fixtures.py`` holds only its data and calls ``write``).

A mistake fixture keeps only the tasks its mistake needs (the cells before task 1 and those tasks, without the
learner's ``lab.check(ctx...)`` cells: the grader runs every check itself, and in a notebook with a mistake those
cells only repeat it, minutes of a CI run) and edits text in them; an alternative keeps every cell of every task
and replaces whole solution cells.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

_TASK = re.compile(r"^## (\d+)\. ", re.M)
_CHECK_CELL = re.compile(r"lab\.check\(ctx(, task=\d+)?\)")

# An edit is (text in the answer key, replacement); a (start, end) pair of texts stands for everything from start
# to end, both included.
Edit = tuple[str | tuple[str, str], str]


def _task_of(cell, current: int | None) -> int | None:
    if cell.cell_type == "markdown":
        found = _TASK.search(cell.source)
        if found:
            return int(found.group(1))
        if cell.source.startswith("## ") or "**If it fails**" in cell.source:
            return None  # a section that is not a task (Recap, Check your work, Clean up, the help box)
    return current


def derive(key: Path, name: str, tasks: set[int] | None, edits: list[Edit]) -> nbformat.NotebookNode:
    """The answer key ``key`` with only ``tasks`` (None: all) and ``edits`` applied, each to exactly one cell."""
    nb = nbformat.read(key, as_version=4)
    cells, current, started = [], None, False
    for cell in nb.cells:
        task = _task_of(cell, current)
        started = started or task is not None
        if tasks is None or (not started or task in tasks) and not _CHECK_CELL.fullmatch(cell.source.strip()):
            cells.append(cell)
        current = task
    nb.cells = cells
    for old, new in edits:
        if isinstance(old, tuple):
            start, end = old
            cell = next((c for c in nb.cells if start in c.source), None)
            if cell is None or end not in cell.source[cell.source.index(start):]:
                raise SystemExit(f"{name}: no cell of the answer key holds {start[:60]!r} ... {end[:60]!r}")
            at = cell.source.index(start)
            old = cell.source[at:cell.source.index(end, at) + len(end)]
        hits = [c for c in nb.cells if old in c.source]
        if len(hits) != 1:
            raise SystemExit(f"{name}: {old[:60]!r} found in {len(hits)} cells of the answer key, not 1")
        hits[0].source = hits[0].source.replace(old, new)
    return nb


def alternative(key: Path, name: str, edits: list[Edit], cells: dict[str, str], *,
                solution_cells_only: bool = False) -> nbformat.NotebookNode:
    """The whole answer key with ``edits``, and each code cell holding a marker of ``cells`` replaced whole."""
    nb = derive(key, name, None, edits)
    for marker, source in cells.items():
        hits = [c for c in nb.cells if c.cell_type == "code" and marker in c.source
                and (not solution_cells_only or "BEGIN SOLUTION" in c.source)]
        if len(hits) != 1:
            kind = "solution" if solution_cells_only else "code"
            raise SystemExit(f"{name}: {marker!r} found in {len(hits)} {kind} cells of the answer key, not 1")
        hits[0].source = source
    return nb


def write(folder: Path, key: Path, fixtures: dict[str, tuple[set[int] | None, list[Edit]]],
          alternatives: dict[str, nbformat.NotebookNode] | None = None) -> None:
    """Write every mistake fixture (and the alternatives given) as ``folder/<name>.ipynb``."""
    notebooks = {name: derive(key, name, tasks, edits) for name, (tasks, edits) in fixtures.items()}
    for name, nb in {**notebooks, **(alternatives or {})}.items():
        nbformat.write(nb, folder / f"{name}.ipynb")
        print(f"wrote {name}.ipynb")
