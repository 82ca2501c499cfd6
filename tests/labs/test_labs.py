"""Every lab graded for real, driven by its data (tests/fixtures/labNN/expected.yaml): the answer key passes
every check (and the grader deletes the namespaces the lab made beside its own), the learner edition fails each
check for the expected reason, each fixture notebook (one typical mistake) gets the partial score and the hint
meant for it, and the answer key runs twice in a row in one namespace.

Each notebook runs through the real grader (papermill in a fresh namespace, checks in this process). Labs are
found from solutions/: a new lab is tested as soon as it exists. A lab whose data says `exclusive: true`
changes cluster-wide state and is marked `exclusive` (run alone, after the parallel tests).
"""

from __future__ import annotations

import pytest

from labsupport.namespaces import delete_namespaces

from gradecases import (alternative_passes, answer_key_passes, cases, learner_edition_fails, mistake_scored,
                        namespace_phase, runs_twice)

pytestmark = pytest.mark.cluster

CASES = cases()


def _marks(case):
    return [pytest.mark.exclusive] if case.exclusive else []


def _labs(select=lambda case: True):
    return [pytest.param(case, id=f"lab{case.id}", marks=_marks(case)) for case in CASES if select(case)]


def _mistakes():
    return [pytest.param(case, name, id=f"lab{case.id}-{name}", marks=_marks(case))
            for case in CASES for name in sorted(case.mistakes)]


def _alternatives():
    return [pytest.param(case, name, id=f"lab{case.id}-{name}", marks=_marks(case))
            for case in CASES for name in case.alternatives]


@pytest.mark.parametrize("case", _labs())
def test_answer_key_passes_every_check(case, clients, tmp_path):
    result = answer_key_passes(case.lab.solution, case.id, tmp_path, case.unsolved)
    # The grader deletes the lab's other namespaces with its own.
    for suffix in case.extra_namespaces:
        assert namespace_phase(clients, f"{result.namespace}-{suffix}") in ("Terminating", "gone"), suffix


@pytest.mark.parametrize("case", _labs(lambda case: case.runs_twice))
def test_answer_key_runs_twice_in_a_row(case, clients, namespace, lab_ctx, tmp_path):
    try:
        runs_twice(case.lab.solution, case.id, namespace, lab_ctx(case.id), tmp_path)
    finally:  # not run by the grader, so nobody else deletes them
        delete_namespaces(clients, [f"{namespace}-{suffix}" for suffix in case.extra_namespaces])


@pytest.mark.parametrize("case", _labs())
def test_learner_edition_fails_every_check_for_the_expected_reason(case, tmp_path):
    learner_edition_fails(case.lab.learner, case.id, tmp_path, case.unsolved)


@pytest.mark.parametrize("case, fixture", _mistakes())
def test_typical_mistake_gets_partial_credit_and_its_hint(case, fixture, tmp_path):
    mistake_scored(case.fixture(fixture), case.id, tmp_path, case.mistakes[fixture])


@pytest.mark.parametrize("case, fixture", _alternatives())
def test_right_but_different_answer_passes(case, fixture, tmp_path):
    alternative_passes(case.fixture(fixture), case.id, tmp_path)
