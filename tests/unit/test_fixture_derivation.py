"""Fixture notebooks derived from an answer key (labsupport.authoring.fixtures): a mistake keeps the set-up and
its tasks, never the learner's check cells; an alternative keeps everything; an edit must hit exactly one cell."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from labsupport.authoring import fixtures


@pytest.fixture
def key(tmp_path):
    nb = new_notebook(cells=[
        new_markdown_cell("# Lab 99"), new_code_cell("namespace = 'x'"), new_code_cell("ctx = lab.start()"),
        new_markdown_cell("## 1. Pods\nMake a pod."), new_code_cell("make('pod')"), new_code_cell("lab.check(ctx, task=1)"),
        new_markdown_cell("## 2. Services\nMake a service."), new_code_cell("make('service', port=80)"),
        new_code_cell("lab.check(ctx, task=2)"),
        new_markdown_cell("## Check your work"), new_code_cell("lab.check(ctx)"),
        new_markdown_cell("## Clean up"), new_code_cell("delete()")])
    path = tmp_path / "key.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_mistake_keeps_set_up_and_its_tasks_without_check_cells(key):
    nb = fixtures.derive(key, "wrong_port", {2}, [("port=80", "port=8080")])
    assert [c.source for c in nb.cells] == ["# Lab 99", "namespace = 'x'", "ctx = lab.start()",
                                            "## 2. Services\nMake a service.", "make('service', port=8080)"]


def test_an_alternative_keeps_every_cell(key):
    nb = fixtures.alternative(key, "other_way", [], {"make('pod')": "kubectl('run pod')"})
    sources = [c.source for c in nb.cells]
    assert len(sources) == 13 and "kubectl('run pod')" in sources and sources.count("lab.check(ctx)") == 1


def test_an_edit_must_hit_exactly_one_cell(key):
    with pytest.raises(SystemExit, match="found in 0 cells"):
        fixtures.derive(key, "typo", {1}, [("port=80", "port=81")])  # task 2 is not kept
