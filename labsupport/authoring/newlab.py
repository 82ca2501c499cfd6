"""A new lab from the template: ``python -m labsupport new-lab 04 services``.

Writes the three files a lab author fills in, and the ones generated from them:

    solutions/NN-slug.ipynb         answer key: header, parameters, setup, tasks with a check cell each, "if it
                                    fails" box, recap quiz, whole-lab check, clean-up
    labsupport/labs/labNN.py        SUITE with one example check per task
    tests/fixtures/labNN/expected.yaml   the lab tests' expectations for it
    labs/NN-slug.ipynb              the learner's edition (generated, as `python -m labsupport edition` does)

The example tasks (create ConfigMap task-N) run and pass their checks as written, so the new lab is graded end
to end from its first minute; the author replaces them task by task. Nothing is overwritten.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from string import Template

import nbformat

from labsupport import edition
from labsupport.authoring.layout import LabLayout, layout
from labsupport.errors import LabError

_KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
           "language_info": {"name": "python"}}


def _template(template: str, **values) -> str:
    text = resources.files("labsupport.authoring").joinpath("template", template).read_text()
    return Template(text).substitute(values)


def _cells(text: str) -> list[nbformat.NotebookNode]:
    """Cells from the template's format: a line ``%% markdown`` or ``%% code [tag ...]`` opens each cell."""
    cells = []
    for block in text.split("%% ")[1:]:
        header, _, source = block.partition("\n")
        kind, *tags = header.split()
        source = source.rstrip("\n")
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        cells.append(cell)
    return cells


def _title(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


def answer_key(lab: LabLayout, title: str, tasks: int, stretch: int) -> nbformat.NotebookNode:
    numbers = range(1, tasks + stretch + 1)
    learn = "\n".join(f"{n}. what task {n} teaches{' (stretch)' if n > tasks else ''};" for n in numbers)
    previous = int(lab.lab_id) - 1
    cells = _cells(_template("notebook.txt", lab_id=lab.lab_id, title=title, learn=learn,
                             prerequisite=f", lab {previous:02d}" if previous > 0 else "",
                             minutes=15 * tasks,
                             stretch_time=f", {15 * stretch} more for the stretch tasks" if stretch else ""))
    for n in numbers:
        cells += _cells(_template("task.txt" if n <= tasks else "stretch.txt", task=n,
                                  task_title=f"Title of task {n}"))
    cells += _cells(_template("closing.txt"))
    return nbformat.v4.new_notebook(cells=cells, metadata=dict(_KERNEL))


def check_module(lab: LabLayout, title: str, tasks: int, stretch: int) -> str:
    text = _template("checks.py.txt", lab_id=lab.lab_id, title=title, name=lab.name)
    for n in range(1, tasks + stretch + 1):
        text += _template("check.txt", task=n, required=n <= tasks)
    return text


def expected(lab: LabLayout, tasks: int, stretch: int) -> str:
    unsolved = "\n".join(f"  example-{n}: \"No ConfigMap 'task-{n}'\"" for n in range(1, tasks + stretch + 1))
    return _template("expected.yaml.txt", lab_id=lab.lab_id, slug=lab.slug, unsolved=unsolved)


def new_lab(root: Path, lab_id: str, slug: str, *, title: str | None = None, tasks: int = 3,
            stretch: int = 1) -> list[Path]:
    """Write lab ``lab_id``-``slug`` under ``root`` (the repository's top folder); return the files written."""
    lab = layout(Path(root), lab_id, slug)
    if not (1 <= tasks <= 20 and 0 <= stretch <= 5):
        raise LabError(f"{tasks} core and {stretch} stretch tasks is not a lab's size.",
                       hint="Give 1 to 20 core tasks (--tasks) and 0 to 5 stretch tasks (--stretch).")
    for folder in ("solutions", "labsupport/labs"):
        if not (lab.root / folder).is_dir():
            raise LabError(f"{lab.root / folder} is not a folder: {lab.root} is not the course repository.",
                           hint="Run from the repository's top folder (the one holding solutions/).")
    same_number = sorted(p.name for p in (lab.root / "solutions").glob(f"{lab_id}-*.ipynb"))
    existing = [p for p in (lab.solution, lab.learner, lab.checks, lab.expected) if p.exists()]
    if same_number or existing:
        names = ", ".join(sorted({str(p.relative_to(lab.root)) for p in existing} |
                                 {f"solutions/{n}" for n in same_number}))
        raise LabError(f"Lab {lab_id} already exists ({names}); new-lab overwrites nothing.",
                       hint="Pick a free lab number, or edit the existing lab's files.")
    title = title or _title(slug)
    key = answer_key(lab, title, tasks, stretch)
    learner = edition.learner_edition(key, name=str(lab.solution))
    files = {lab.solution: nbformat.writes(key) + "\n", lab.checks: check_module(lab, title, tasks, stretch),
             lab.expected: expected(lab, tasks, stretch), lab.learner: nbformat.writes(learner) + "\n"}
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return list(files)
