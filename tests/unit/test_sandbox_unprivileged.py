"""The sandbox for a grader that is not root: what still applies, and that it says what is missing."""

import os

from labsupport import sandbox
from labsupport.sandbox import Sandbox


def test_without_root_the_missing_isolation_is_named(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # as an unprivileged grader sees itself
    monkeypatch.setenv("GRADER_SECRET", "x")
    with Sandbox(0, kubeconfig={"k": "v"}) as box:
        out = tmp_path / "out.txt"
        with out.open("w") as fh:
            result = box.run(["/bin/sh", "-c", "env; sleep 100 & sleep 100"], timeout=1, output=fh)
        text = out.read_text()
    assert box.user is None and box.cgroup is None
    assert not result.isolation.own_user and not result.isolation.cgroup
    assert any("grader's own user" in m for m in result.isolation.missing)
    assert any("cgroup" in m for m in result.isolation.missing)
    # What still applies: its own session killed at the deadline, a private HOME and a minimal environment.
    assert result.timed_out and result.killed >= 2
    assert "GRADER_SECRET" not in text and f"HOME={box.home}" in text
    assert sandbox.sandboxcgroup.why_unavailable()
