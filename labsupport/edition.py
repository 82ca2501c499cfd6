"""The learner's edition: labs/NN-slug.ipynb generated from the answer key solutions/NN-slug.ipynb.

In a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` become one ``# YOUR CODE HERE``
line (same indentation); outputs and execution counts are cleared. ``check`` reports drift for CI.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat

from labsupport.errors import LabError

BEGIN, END, PLACEHOLDER = "### BEGIN SOLUTION", "### END SOLUTION", "# YOUR CODE HERE"
# Per-run metadata that would make every regeneration differ.
_RUN_METADATA = ("execution", "papermill", "collapsed", "scrolled")


def strip_solutions(source: str, *, where: str = "cell") -> str:
    """``source`` with each solution block replaced by the placeholder."""
    out, inside = [], False
    for number, line in enumerate(source.splitlines(keepends=True), 1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise LabError(f"{where}, line {number}: {BEGIN} inside another solution block.",
                               hint=f"Close the first block with {END} before opening another.")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + PLACEHOLDER + ("\n" if line.endswith("\n") else ""))
        elif marker == END:
            if not inside:
                raise LabError(f"{where}, line {number}: {END} without {BEGIN}.",
                               hint="Each solution block opens with BEGIN and closes with END.")
            inside = False
            if not line.endswith("\n") and out and out[-1].endswith("\n"):
                out[-1] = out[-1][:-1]  # END was the last line: keep the cell's (lack of) final newline
        elif not inside:
            out.append(line)
    if inside:
        raise LabError(f"{where}: {BEGIN} is never closed.", hint=f"Add a {END} line after the solution.")
    return "".join(out)


def learner_edition(nb: nbformat.NotebookNode, *, name: str = "notebook") -> nbformat.NotebookNode:
    """A copy of answer-key notebook ``nb`` with solutions replaced and outputs cleared."""
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        for key in _RUN_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, where=f"{name} cell {index}")
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("papermill", None)
    return nb


def has_outputs(nb: nbformat.NotebookNode) -> bool:
    return any(c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
               for c in nb.cells)


def _read(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for unreadable files
        raise LabError(f"{path} is not a readable notebook: {exc}",
                       hint="Open it in JupyterLab and save it again, or restore it from git.") from exc


def _text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def generate(solutions: Path, labs: Path) -> list[Path]:
    """Write labs/X.ipynb for every solutions/X.ipynb; return the files whose content changed."""
    labs.mkdir(parents=True, exist_ok=True)
    changed = []
    for source in sorted(solutions.glob("*.ipynb")):
        target = labs / source.name
        text = _text(learner_edition(_read(source), name=str(source)))
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            changed.append(target)
    return changed


def check(solutions: Path, labs: Path) -> list[str]:
    """Problems that make CI fail: stale or missing learner notebooks, orphans in labs/, notebooks with outputs."""
    problems = []
    for source in sorted(solutions.glob("*.ipynb")):
        try:
            key = _read(source)
            if has_outputs(key):
                problems.append(f"{source}: has outputs or execution counts (clear them before committing)")
            expected = json.loads(_text(learner_edition(key, name=str(source))))
        except LabError as exc:
            problems.append(str(exc).replace("\n", " "))
            continue
        target = labs / source.name
        if not target.exists():
            problems.append(f"{target}: missing (run `python -m labsupport edition`)")
            continue
        try:
            actual = json.loads(target.read_text())
        except ValueError:
            actual = None
        if actual != expected:
            problems.append(f"{target}: stale, differs from what {source} generates "
                            "(edit solutions/, then run `python -m labsupport edition`)")
    for target in sorted(labs.glob("*.ipynb")):
        if not (solutions / target.name).exists():
            problems.append(f"{target}: no answer key {solutions / target.name} (labs/ is generated from it)")
        elif has_outputs(_read(target)):
            problems.append(f"{target}: has outputs or execution counts")
    return problems
