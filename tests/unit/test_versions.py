"""clusters/versions.env is parsed the same way bash reads it, and is the one place a version is pinned."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from labsupport import versions
from labsupport.versions import VersionsError

REPO = Path(__file__).resolve().parents[2]


def test_parse_plain_lines_skipping_comments_and_blanks():
    text = "# a comment\n\nKIND_VERSION=v0.30.0\nIMAGE=registry.k8s.io/etcd:3.6.4-0\nEMPTY=\n"
    assert versions.parse(text) == {"KIND_VERSION": "v0.30.0", "IMAGE": "registry.k8s.io/etcd:3.6.4-0", "EMPTY": ""}


@pytest.mark.parametrize("line", ['A="quoted"', "A=$OTHER", "A=two words", "export A=1", "a=lower", "A = 1"])
def test_lines_bash_would_read_differently_are_refused(line):
    with pytest.raises(VersionsError) as err:
        versions.parse(f"OK=1\n{line}\n", source="v.env")
    assert "v.env:2" in str(err.value) and err.value.hint


def test_a_key_set_twice_is_refused():
    with pytest.raises(VersionsError, match="A is set twice"):
        versions.parse("A=1\nA=2\n")


def test_python_and_bash_read_the_same_values():
    """Every key, as bash sees it after sourcing the file, equals what labsupport parsed."""
    parsed = versions.versions()
    script = f"set -eu; source {REPO}/clusters/versions.env; " + "; ".join(f'echo "{k}=${k}"' for k in parsed)
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert dict(line.split("=", 1) for line in out.stdout.splitlines()) == dict(parsed)


def test_expand_replaces_known_keys_and_refuses_unknown_ones():
    values = {"FLANNEL_VERSION": "v0.27.4"}
    assert versions.expand("image: x/flannel:${FLANNEL_VERSION}", values) == "image: x/flannel:v0.27.4"
    assert versions.expand("no references, $HOME stays", values) == "no references, $HOME stays"
    with pytest.raises(VersionsError, match=r"\$\{NOPE\}"):
        versions.expand("a: ${NOPE}", values, source="m.yaml")


def test_get_of_a_missing_key_names_the_file():
    with pytest.raises(VersionsError) as err:
        versions.get("NO_SUCH_KEY")
    assert "versions.env" in str(err.value) and "NO_SUCH_KEY=" in err.value.hint


def test_no_constant_pins_a_version_outside_versions_env():
    """No constant in code (NAME = "...", or NAME=... in a script) holds Kubernetes' version, the pause image or
    the published node image: they are read from versions.env."""
    pinned = versions.versions()
    needles = [pinned["K8S_VERSION"], pinned["PAUSE_IMAGE"], pinned["PUBLISHED_NODE_IMAGE"].split("@")[1]]
    constant = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*(.*)$", re.M)
    offenders = []
    for path in [*REPO.glob("labsupport/**/*.py"), *REPO.glob("tests/**/*.py"), *REPO.glob("clusters/**/*.sh"),
                 *REPO.glob("benchmarks/*.py")]:
        for value in constant.findall(path.read_text()):
            offenders += [f"{path.relative_to(REPO)}: {value.strip()}" for needle in needles
                          if re.search(re.escape(needle) + r"(?![\d.])", value)]
    assert offenders == []
