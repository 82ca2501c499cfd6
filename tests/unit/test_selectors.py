"""Label and field selector strings, matched as the API server matches them (labsupport.selectors)."""

import pytest

from labsupport.selectors import field_matcher, label_matcher

WEB = {"app": "web", "tier": "front", "kubernetes.io/service-name": "gate"}
BARE = {}


@pytest.mark.parametrize("selector, web, bare", [
    (None, True, True),
    ("", True, True),
    ("app=web", True, False),
    ("app==web", True, False),
    ("app=db", False, False),
    ("app!=db", True, True),  # != selects objects without the key too
    ("app!=web", False, True),
    ("kubernetes.io/service-name=gate", True, False),
    ("tier in (front, back)", True, False),
    ("tier in (back)", False, False),
    ("tier notin (back)", True, True),  # notin selects objects without the key too
    ("tier notin (front,back)", False, True),
    ("app", True, False),
    ("!app", False, True),
    ("app=web,tier in (front,back),!canary", True, False),
    ("app=web, tier=back", False, False),
    ("app=", False, False),
])
def test_label_selectors_select_as_the_api_server_does(selector, web, bare):
    match = label_matcher(selector)
    assert (match(WEB), match(BARE)) == (web, bare)


@pytest.mark.parametrize("selector", ["app in (a", "app in (a,(b))", "app >= 3", "app=web,,", "=web"])
def test_label_selectors_it_cannot_read_are_left_to_the_api_server(selector):
    assert label_matcher(selector) is None


EVENT = {"metadata": {"name": "web.1", "namespace": "lab-02"}, "type": "Warning", "reason": "BackOff",
         "involvedObject": {"kind": "Pod", "name": "web"}}


@pytest.mark.parametrize("selector, expected", [
    ("involvedObject.kind=Pod,involvedObject.name=web", True),
    ("involvedObject.kind=Pod,involvedObject.name=db", False),
    ("metadata.name=web.1", True),
    ("type!=Normal", True),
    ("reason==BackOff", True),
    ("involvedObject.fieldPath=", True),  # an absent field compares as ""
    ("metadata.namespace!=lab-02", False),
])
def test_field_selectors_on_plain_paths(selector, expected):
    assert field_matcher(selector)(EVENT) is expected


@pytest.mark.parametrize("selector", ["source=kubelet", "spec.containers=x", "metadata.name in (a)"])
def test_fields_that_are_not_plain_paths_are_left_to_the_api_server(selector):
    assert field_matcher(selector) is None
