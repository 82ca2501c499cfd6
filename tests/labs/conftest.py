"""Fixtures shared by the lab tests: every lab notebook runs through the real grader on the real cluster."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def venv_kubectl_first(monkeypatch, clients):  # clients: skip (or fail under CI) without the cluster
    """`!kubectl` cells must find the venv's kubectl (the cluster's version), not an older one on PATH."""
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
