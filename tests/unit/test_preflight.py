"""Preflight checks report what is wrong and how to fix it, and raise limits only where allowed."""

from __future__ import annotations

import pytest

from labsupport import preflight
from labsupport.errors import PreflightError


def _limits(tmp_path, watches: int, instances: int):
    (tmp_path / "max_user_watches").write_text(f"{watches}\n")
    (tmp_path / "max_user_instances").write_text(f"{instances}\n")
    return tmp_path


def test_low_inotify_limits_fail_with_the_sysctl_to_run(tmp_path):
    base = _limits(tmp_path, 8192, 128)
    result = preflight.check_inotify(3, raise_limits=False, base=base)
    assert not result.ok
    assert "max_user_watches=8192" in result.detail and "max_user_instances=128" in result.detail
    assert "sysctl fs.inotify.max_user_watches=524288" in result.fix
    assert "known-issues" in result.fix


def test_low_inotify_limits_are_raised_when_allowed(tmp_path, monkeypatch):
    base = _limits(tmp_path, 8192, 128)
    monkeypatch.setattr(preflight.os, "geteuid", lambda: 0)
    result = preflight.check_inotify(3, base=base)
    assert result.ok, result
    assert (base / "max_user_watches").read_text() == "524288"
    assert (base / "max_user_instances").read_text() == "512"


def test_single_node_does_not_need_higher_inotify_limits(tmp_path):
    assert preflight.check_inotify(1, raise_limits=False, base=_limits(tmp_path, 8192, 128)).ok


def test_too_little_memory_suggests_the_single_node_cluster(monkeypatch):
    monkeypatch.setattr(preflight, "_mem_available_gib", lambda: 2.0)
    result = preflight.check_memory(3)
    assert not result.ok and "2.0 GiB available" in result.detail
    assert "kind-1node.yaml" in result.fix


def test_missing_docker_cli_says_how_to_install(monkeypatch):
    monkeypatch.setattr(preflight.shutil, "which", lambda name: None)
    result = preflight.check_docker()
    assert not result.ok and "docs.docker.com" in result.fix


def test_require_names_every_failure_and_its_fix():
    results = [preflight.PreflightResult("docker", False, "not running", "start it"),
               preflight.PreflightResult("disk", True, "fine"),
               preflight.PreflightResult("memory", False, "1 GiB", "close programs")]
    with pytest.raises(PreflightError) as err:
        preflight.require(results)
    assert "docker: not running" in str(err.value) and "memory: 1 GiB" in str(err.value)
    assert err.value.hint == "start it close programs"
