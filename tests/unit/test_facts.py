"""The Kubernetes facts every part of labsupport reads, on API objects shaped as the API returns them."""

from __future__ import annotations

import pytest

from labsupport import facts
from labsupport.answers import answer_list


def _pod(*conditions, labels=None, deleting=False, statuses=()):
    meta = {"name": "web", "labels": labels or {}}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"metadata": meta, "status": {"conditions": [{"type": t, "status": s} for t, s in conditions],
                                         "containerStatuses": list(statuses)}}


def test_ready_means_the_ready_condition_is_true():
    assert facts.is_ready(_pod(("PodScheduled", "True"), ("Ready", "True")))
    assert not facts.is_ready(_pod(("Ready", "False")))
    assert not facts.is_ready(_pod(("Ready", "Unknown")))
    assert not facts.is_ready({"metadata": {"name": "new"}})  # no status yet


def test_terminating_is_a_deletion_timestamp():
    assert facts.is_terminating(_pod(deleting=True)) and not facts.is_terminating(_pod())


def test_control_plane_membership_is_the_role_label():
    node = {"metadata": {"labels": {facts.CONTROL_PLANE_ROLE: ""}}}
    assert facts.is_control_plane(node)
    assert not facts.is_control_plane({"metadata": {"labels": {"kubernetes.io/hostname": "w"}}})
    assert not facts.is_control_plane({"metadata": {}})


@pytest.mark.parametrize("selector, labels, expected", [
    ({"app": "web"}, {"app": "web", "tier": "front"}, True),
    ({"app": "web", "tier": "db"}, {"app": "web", "tier": "front"}, False),
    ({}, {"app": "web"}, False),  # an empty Service selector selects nothing
    (None, {"app": "web"}, False),
])
def test_selects_is_equality_on_every_key(selector, labels, expected):
    assert facts.selects(selector, labels) is expected


def test_selector_text_is_what_kubectl_takes():
    assert facts.selector_text({"tier": "db", "app": "web"}) == "app=web,tier=db"
    assert facts.selector_text({}) == "(none)"


def test_container_status_by_name_or_first():
    pod = _pod(statuses=[{"name": "a", "restartCount": 1}, {"name": "b", "restartCount": 2}])
    assert facts.container_status(pod)["name"] == "a"
    assert facts.container_status(pod, "b")["restartCount"] == 2
    assert facts.container_status(pod, "c") == {} and facts.container_status({}) == {}


def test_conditions_by_type_and_labels():
    job = {"status": {"conditions": [{"type": "Complete", "status": "True", "reason": "Done"}]}}
    assert facts.conditions(job)["Complete"]["reason"] == "Done" and facts.condition_true(job, "Complete")
    assert not facts.condition_true(job, "Failed")
    assert facts.labels_of({"metadata": {"labels": None}}) == {} and facts.annotations_of({}) == {}


@pytest.mark.parametrize("recorded", ["b, a", "['a', 'b']", "(a,b)", "a\nb\n", "'b','a'"])
def test_an_answer_recorded_as_a_list_reads_back_sorted(recorded):
    assert answer_list(recorded) == ["a", "b"]


def test_the_notebook_module_still_offers_answer():
    from labsupport import answers, lab

    assert lab.answer is answers.answer
