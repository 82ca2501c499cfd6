import pytest

from labsupport.errors import ApplyError
from labsupport.manifests import load

TWO = """
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Secret, metadata: {name: b}}
"""


def test_multi_document_yaml_with_lists_and_empty_documents():
    assert [(o["kind"], o["metadata"]["name"]) for o in load(TWO)] == [("ConfigMap", "a"), ("Secret", "b")]


def test_path_dict_and_list(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(TWO)
    assert len(load(path)) == len(load(str(path))) == 2
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
    assert load(obj) == [obj] and load([obj, obj]) == [obj, obj]


@pytest.mark.parametrize("bad, message", [
    ("kind: [unclosed", "not valid YAML"),
    ("just: a mapping\n", "Not a Kubernetes object"),
    ("missing-file.yaml", "Cannot read manifest file"),
])
def test_bad_manifests_say_what_is_wrong(bad, message):
    with pytest.raises(ApplyError, match=message):
        load(bad)
