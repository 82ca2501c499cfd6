"""Every lab graded for real, driven by its data (tests/fixtures/labNN/expected.yaml): the answer key passes
every check (and the grader deletes the namespaces the lab made beside its own), the learner edition fails each
check for the expected reason, each fixture notebook (one typical mistake) gets the partial score and the hint
meant for it, and the answer key, run again in the namespace it was graded in, passes again.

Each notebook runs through the real grader (papermill in a fresh namespace, checks in this process). Labs are
found from solutions/: a new lab is tested as soon as it exists. A lab whose data says `exclusive: true`
changes cluster-wide state and is marked `exclusive` (run alone, after the parallel tests).
"""

from __future__ import annotations

import pytest

from labsupport.config import DEFAULT_CLUSTER
from labsupport.context import LabContext
from labsupport.grade import delete_grading_namespaces

from gradecases import (alternative_passes, answer_key_passes, cases, learner_edition_fails, mistake_scored,
                        namespace_phase, reruns_in_place)

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
def test_answer_key_passes_every_check_and_again_when_rerun(case, clients, tmp_path):
    """Graded once (the grader keeps the namespace); then, if the lab says runs_twice, every cell again in that
    namespace and every check again. One test instead of two: a lab's answer key is its slowest notebook."""
    result = answer_key_passes(case.lab.solution, case.id, tmp_path, case.unsolved, keep_namespace=True)
    try:
        if case.runs_twice:
            reruns_in_place(case.lab.solution, case.id, result.namespace,
                            LabContext(case.id, result.namespace, DEFAULT_CLUSTER, None, clients), tmp_path)
    finally:
        delete_grading_namespaces(clients, result.namespace)  # what grade() does when it does not keep them
    for suffix in case.extra_namespaces:  # the lab's other namespaces go with the graded one
        assert namespace_phase(clients, f"{result.namespace}-{suffix}") in ("Terminating", "gone"), suffix


@pytest.mark.parametrize("case", _labs())
def test_learner_edition_fails_every_check_for_the_expected_reason(case, tmp_path):
    learner_edition_fails(case.lab.learner, case.id, tmp_path, case.unsolved)


@pytest.mark.parametrize("case, fixture", _mistakes())
def test_typical_mistake_gets_partial_credit_and_its_hint(case, fixture, tmp_path):
    mistake_scored(case.fixture(fixture), case.id, tmp_path, case.mistakes[fixture])


@pytest.mark.parametrize("case, fixture", _alternatives())
def test_right_but_different_answer_passes(case, fixture, tmp_path):
    alternative_passes(case.fixture(fixture), case.id, tmp_path)
