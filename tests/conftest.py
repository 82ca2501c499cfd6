"""Shared fixtures: one connection to the real cluster per session, one fresh namespace per test.

Tests that need the cluster are marked ``@pytest.mark.cluster``. When the cluster is not reachable they FAIL
if $CI is set (CI must never pass by skipping) and are skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import pytest

from labsupport.leanimports import skip_iri_formats

skip_iri_formats()  # before anything imports jsonschema: see labsupport.leanimports

from labsupport.config import DEFAULT_CLUSTER, TEST_LABEL, context_name
from labsupport.errors import ClusterUnavailable
from labsupport.namespaces import delete_namespaces

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# KINDLAB_CONTEXT (with KUBECONFIG, which the client honours) points the cluster tests at another cluster, e.g. a
# throwaway one made from a branch: KUBECONFIG=/tmp/x.kubeconfig KINDLAB_CONTEXT=kind-x pytest -m cluster ...
CONTEXT = os.environ.get("KINDLAB_CONTEXT") or context_name(DEFAULT_CLUSTER)


@pytest.fixture(scope="session")
def clients():
    """Clients for context kind-kindlab (the cluster `make cluster` creates), or $KINDLAB_CONTEXT."""
    from labsupport.kube import connect

    try:
        return connect(context=CONTEXT)
    except ClusterUnavailable as exc:
        reason = f"cluster context {CONTEXT} unreachable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}\n(CI is set, so cluster tests fail instead of skipping)", pytrace=False)
        pytest.skip(reason)


def _new_namespace(clients, prefix: str) -> str:
    from labsupport.namespaces import ensure_namespace

    name = f"{prefix}-{secrets.token_hex(3)}"
    ensure_namespace(clients, name, {TEST_LABEL: "true"})
    return name


@pytest.fixture
def namespace(clients, request):
    """A fresh namespace labelled kindlab.dev/test=true, deleted after the test (found by label if left over)."""
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:30].strip("-")
    name = _new_namespace(clients, f"test-{slug}")
    yield name
    delete_namespaces(clients, [name])


@pytest.fixture
def lab_ctx(clients, namespace):
    """A LabContext on the test's namespace, for calling checks directly: ``lab_ctx("02")``."""
    from labsupport.context import LabContext

    def make(lab_id: str):
        return LabContext(lab_id, namespace, DEFAULT_CLUSTER, None, clients)

    return make
