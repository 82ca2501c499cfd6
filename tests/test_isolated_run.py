"""A notebook run as a tenant in the sandbox, on the real cluster: an answer key still passes; a hostile
submission reaches nothing outside its namespace and leaves no process behind."""

import json
import os
import secrets
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from labsupport import tenancy, tenantguard
from labsupport.config import DEFAULT_CLUSTER, context_name
from labsupport.context import LabContext
from labsupport.isolatedrun import run_notebook
from labsupport.kube import load_kubeconfig
from labsupport.labs import suite_for
from labsupport.sandbox import USER_PREFIX, _pids_of_user
from labsupport.tenantneeds import needs_for

# Cluster-scoped objects (shared ClusterRoles, the guard policy, CSRs) and per-slot sandbox users: run alone.
pytestmark = [pytest.mark.cluster, pytest.mark.exclusive]

REPO = Path(__file__).resolve().parent.parent
HIDE = [REPO / "solutions", REPO / "tests"]


@pytest.fixture(autouse=True)
def _need_root():
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the sandbox needs root; CI is set, so this fails instead of skipping", pytrace=False)
        pytest.skip("the sandbox needs root")


def _tenant(clients, lab_id):
    tenantguard.ensure_guard(clients)
    name = f"grade-{lab_id}-{secrets.token_hex(3)}"
    return tenancy.create(clients, load_kubeconfig(None, context_name()), name, lab_id=lab_id,
                          needs=needs_for(lab_id), lifetime=900)


def test_answer_key_of_lab_02_passes_as_a_tenant_in_the_sandbox(clients, tmp_path):
    tenant = _tenant(clients, "02")
    try:
        run = run_notebook(REPO / "solutions" / "02-pods.ipynb", tenant=tenant, lab_id="02",
                           cluster_name=DEFAULT_CLUSTER, slot=1, cell_timeout=300, timeout=600, hide=HIDE)
        assert run.outcome == {"ok": True}, run.outcome
        report = suite_for("02").run(LabContext("02", tenant.name, DEFAULT_CLUSTER, None, clients))
        assert report.passed, report.to_markdown()
        assert run.sandbox.isolation.own_user and run.sandbox.isolation.cgroup
    finally:
        tenancy.teardown(clients, tenant.name, namespaces=tenant.namespaces)


HOSTILE = [
    # each cell records what it managed; the test reads the executed notebook's outputs
    "import os, subprocess, pathlib\nprint('UID', os.getuid())",
    "try:\n    print('ADMIN', pathlib.Path('/root/.kube/config').read_text()[:20])\nexcept OSError as e:\n"
    "    print('NO-ADMIN', type(e).__name__)",
    "try:\n    print('KEY', len(pathlib.Path({solutions!r}).read_text()))\nexcept OSError as e:\n"
    "    print('NO-KEY', type(e).__name__)",
    "r = subprocess.run(['kubectl', 'delete', 'namespace', {neighbour!r}, '--wait=false'], capture_output=True, text=True)\n"
    "print('DELETE', r.returncode, r.stderr.strip()[:200])",
    "r = subprocess.run(['kubectl', 'get', 'secrets', '-n', 'kube-system'], capture_output=True, text=True)\n"
    "print('SECRETS', r.returncode)",
    "subprocess.Popen(['setsid', 'sh', '-c', 'sleep 4; touch {marker}'], start_new_session=True)\nprint('SPAWNED')",
]


def test_hostile_submission_reaches_nothing_and_leaves_nothing(clients, namespace, tmp_path):
    marker = f"/tmp/hostile-{secrets.token_hex(3)}"
    cells = [new_code_cell('lab_id = "00"\nnamespace = "lab-00"\ncluster_name = "kindlab"\nkubeconfig = None',
                           metadata={"tags": ["parameters"]})]
    cells += [new_code_cell(src.replace("{solutions!r}", repr(str(REPO / "solutions" / "02-pods.ipynb")))
                            .replace("{neighbour!r}", repr(namespace)).replace("{marker}", marker)) for src in HOSTILE]
    path = tmp_path / "hostile.ipynb"
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                      "display_name": "Python 3"}}), path)
    tenant = _tenant(clients, "02")
    try:
        run = run_notebook(path, tenant=tenant, lab_id="02", cluster_name=DEFAULT_CLUSTER, slot=2,
                           cell_timeout=60, timeout=300, hide=HIDE)
    finally:
        tenancy.teardown(clients, tenant.name, namespaces=tenant.namespaces)
    assert run.outcome["ok"], run.outcome
    executed = nbformat.reads(run.executed.decode(), as_version=4)
    text = "\n".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "UID 0" not in text and "NO-ADMIN" in text and "ADMIN " not in text.replace("NO-ADMIN", "")
    assert "NO-KEY" in text
    assert "DELETE 1" in text and "forbidden" in text.lower()
    assert "SECRETS 1" in text
    assert clients.core.read_namespace(namespace).status.phase == "Active"
    time.sleep(5)  # the background process would have touched the marker by now
    assert not Path(marker).exists()
    assert _pids_of_user(__import__("pwd").getpwnam(f"{USER_PREFIX}2").pw_uid) == set()
