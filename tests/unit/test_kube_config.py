import base64
import os

import pytest
import yaml

from labsupport.errors import ClusterUnavailable
from labsupport.kube import canonical_kind, load_kubeconfig, write_kubeconfig


def _write(tmp_path, doc):
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(doc))
    return path


CONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "other",
    "contexts": [{"name": "kind-kindlab", "context": {"cluster": "kind-kindlab", "user": "kind-kindlab"}},
                 {"name": "other", "context": {"cluster": "o", "user": "o"}}],
    "clusters": [{"name": "kind-kindlab", "cluster": {"server": "https://127.0.0.1:6443",
                                                        "certificate-authority": "ca.crt"}},
                 {"name": "o", "cluster": {"server": "https://10.0.0.1"}}],
    "users": [{"name": "kind-kindlab", "user": {"client-certificate-data": "Y2VydA==", "client-key": "/abs/key"}},
              {"name": "o", "user": {"token": "secret-of-another-cluster"}}],
}


def test_only_the_chosen_context_is_kept_and_files_are_inlined(tmp_path):
    (tmp_path / "ca.crt").write_bytes(b"CA")
    key = tmp_path / "key"
    key.write_bytes(b"KEY")
    doc = yaml.safe_load(yaml.safe_dump(CONFIG))
    doc["users"][0]["user"]["client-key"] = str(key)
    config = load_kubeconfig(_write(tmp_path, doc), "kind-kindlab")
    assert config["current-context"] == "kind-kindlab"
    assert "secret-of-another-cluster" not in yaml.safe_dump(config)
    cluster = config["clusters"][0]["cluster"]
    assert base64.b64decode(cluster["certificate-authority-data"]) == b"CA" and "certificate-authority" not in cluster
    assert base64.b64decode(config["users"][0]["user"]["client-key-data"]) == b"KEY"


def test_missing_context_says_what_exists_and_how_to_fix(tmp_path):
    with pytest.raises(ClusterUnavailable) as exc:
        load_kubeconfig(_write(tmp_path, CONFIG), "kind-nope")
    assert "kind-nope" in str(exc.value) and "make cluster" in exc.value.hint


def test_missing_file(tmp_path):
    with pytest.raises(ClusterUnavailable, match="No kubeconfig"):
        load_kubeconfig(tmp_path / "absent")


def test_written_copy_is_private(tmp_path):
    path = write_kubeconfig({"a": 1}, tmp_path / "k")
    assert os.stat(path).st_mode & 0o777 == 0o600 and yaml.safe_load(path.read_text()) == {"a": 1}


def test_kind_aliases():
    assert canonical_kind("deploy") == ("apps/v1", "Deployment")
    assert canonical_kind("Pod") == ("v1", "Pod")
    assert canonical_kind("Widget") == (None, "Widget")
    assert canonical_kind("pods", "v1") == ("v1", "pods")
