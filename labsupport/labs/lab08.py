"""Checks for lab 08, "Capstone: run and repair a multi-tier application".

Each check grades one task of the answer key, solutions/08-capstone.ipynb (``task=`` is that task's number),
by reading the live cluster. Replace each example with what the cluster can prove about the task (objects,
their status, events, a request actually answered), never what the learner typed about it; give partial
credit with a hint that points at the step that is missing or wrong.
"""

from __future__ import annotations

from labsupport import find
from labsupport.checks import CheckSuite, fail, ok, partial

SUITE = CheckSuite("08", "Capstone: run and repair a multi-tier application")


def _done(ctx, name: str):
    """The example checks' shared logic: ConfigMap ``name`` exists and says done."""
    cm = find.get(ctx.clients, "ConfigMap", name, ctx.namespace)
    if cm is None:
        return fail(f"No ConfigMap {name!r} in namespace {ctx.namespace}.")
    value = (cm.get("data") or {}).get("done")
    if value != "yes":
        return partial(0.5, f"ConfigMap {name!r} exists but its done is {value!r}.", 'Set its data to done: "yes".')
    return ok(f"ConfigMap {name!r} says done.")


@SUITE.check(id="example-1", task=1, title="Task 1: ConfigMap task-1 says done", points=1,
             required=True, hint='Task 1: apply ConfigMap task-1 with data done: "yes".')
def example_1(ctx):
    return _done(ctx, "task-1")


@SUITE.check(id="example-2", task=2, title="Task 2: ConfigMap task-2 says done", points=1,
             required=True, hint='Task 2: apply ConfigMap task-2 with data done: "yes".')
def example_2(ctx):
    return _done(ctx, "task-2")


@SUITE.check(id="example-3", task=3, title="Task 3: ConfigMap task-3 says done", points=1,
             required=True, hint='Task 3: apply ConfigMap task-3 with data done: "yes".')
def example_3(ctx):
    return _done(ctx, "task-3")


@SUITE.check(id="example-4", task=4, title="Task 4: ConfigMap task-4 says done", points=1,
             required=True, hint='Task 4: apply ConfigMap task-4 with data done: "yes".')
def example_4(ctx):
    return _done(ctx, "task-4")


@SUITE.check(id="example-5", task=5, title="Task 5: ConfigMap task-5 says done", points=1,
             required=True, hint='Task 5: apply ConfigMap task-5 with data done: "yes".')
def example_5(ctx):
    return _done(ctx, "task-5")


@SUITE.check(id="example-6", task=6, title="Task 6: ConfigMap task-6 says done", points=1,
             required=True, hint='Task 6: apply ConfigMap task-6 with data done: "yes".')
def example_6(ctx):
    return _done(ctx, "task-6")


@SUITE.check(id="example-7", task=7, title="Task 7: ConfigMap task-7 says done", points=1,
             required=True, hint='Task 7: apply ConfigMap task-7 with data done: "yes".')
def example_7(ctx):
    return _done(ctx, "task-7")


@SUITE.check(id="example-8", task=8, title="Task 8: ConfigMap task-8 says done", points=1,
             required=False, hint='Task 8: apply ConfigMap task-8 with data done: "yes".')
def example_8(ctx):
    return _done(ctx, "task-8")
