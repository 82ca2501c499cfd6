"""Kubernetes' own conformance specs, the quick subset (clusters/conformance/quick.txt), pass on the lab cluster.

The CI subset of issue 16: every run of `make test` (so every change to clusters/) runs these upstream specs
against the cluster the offline build made. e2e.test and ginkgo are built by `make conformance-suite` (a
prerequisite of `make test`, cached by version); the specs work in namespaces of their own, so this runs beside the
other parallel tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from labsupport.conformance import parse_junit, spec_names, summarize, format_summary
from labsupport.config import DEFAULT_CLUSTER

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "clusters" / "conformance" / "run.sh"
# ginkgo's own cap on the phase; the subprocess gets a little more, to write its report
PHASE_TIMEOUT_MIN = 25


def test_quick_conformance_subset_passes_on_the_lab_cluster(tmp_path):
    wanted = spec_names(ROOT / "clusters" / "conformance" / "quick.txt")
    env = {**os.environ, "CLUSTER": DEFAULT_CLUSTER, "PYTHON": sys.executable, "REPORT_DIR": str(tmp_path),
           "CONFORMANCE_PROCS": os.environ.get("CONFORMANCE_PROCS", "2"),
           "CONFORMANCE_TIMEOUT": f"{PHASE_TIMEOUT_MIN}m"}
    done = subprocess.run(["bash", str(RUN), "quick"], env=env, capture_output=True, text=True,
                          timeout=PHASE_TIMEOUT_MIN * 60 + 300)
    reports = sorted(tmp_path.glob("junit-*.xml"))
    assert reports, f"no JUnit report (exit {done.returncode}): {done.stderr[-3000:]}"
    summary = summarize([r for path in reports for r in parse_junit(path)])
    text = format_summary(summary)
    assert not summary.failed, text
    assert sorted(r.name for r in summary.passed) == sorted(wanted), text
    assert done.returncode == 0, f"run.sh exited {done.returncode} with every spec passed: {done.stderr[-2000:]}"
