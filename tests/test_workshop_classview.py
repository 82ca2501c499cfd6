"""The class view on the real cluster: two students each run lab 02's answer key in their own namespace with
their own kubeconfig (as a student's notebook would, through papermill), and the instructor's grid shows both
students' progress; a third student's stuck pod and quota denial show as signals."""

import concurrent.futures
import csv
import io
import os
import secrets
import sys
from pathlib import Path

import pytest

from labsupport import classview, versions, workshop
from labsupport.config import context_name
from labsupport.execute import execute
from labsupport.kube import connect_config, load_kubeconfig, write_kubeconfig
from labsupport.workshoproster import Entry

pytestmark = pytest.mark.cluster

REPO = Path(__file__).resolve().parents[1]
ANSWER_KEY = REPO / "solutions" / "02-pods.ipynb"


@pytest.fixture(scope="module")
def room(clients):
    name = "c" + secrets.token_hex(3)
    made = workshop.up(clients, load_kubeconfig(None, context_name()), name,
                       [Entry("ann", "=1+1 Ann"), Entry("bob", "Bob <i>"), Entry("cy", "Cy")], labs=("02",), hours=1)
    yield made
    workshop.down(clients, name)


def _run_answer_key(student, tmp: Path):
    """Lab 02's answer key as this student: their kubeconfig only, their namespace as the parameter."""
    kubeconfig = write_kubeconfig(student.kubeconfig, tmp / f"{student.user}.kubeconfig")
    return execute(ANSWER_KEY, tmp / f"{student.user}.ipynb", {
        "lab_id": "02", "namespace": student.namespace("02"), "cluster_name": "kindlab",
        "kubeconfig": str(kubeconfig)}, cell_timeout=240, timeout=600, child_output=None, kubeconfig=kubeconfig)


def _stuck(student):
    """As the student: a pod whose image is not on the nodes, and a Deployment the quota cannot fit."""
    own = connect_config(student.kubeconfig)
    ns = student.namespace("02")
    own.core.create_namespaced_pod(ns, {"metadata": {"name": "no-image"}, "spec": {"containers": [
        {"name": "c", "image": "kindlab.invalid/none:1", "imagePullPolicy": "Never"}]}})
    big = {"name": "c", "image": versions.get("PAUSE_IMAGE"), "imagePullPolicy": "IfNotPresent",
           "resources": {"requests": {"memory": "900Mi"}, "limits": {"memory": "900Mi"}}}
    own.apps.create_namespaced_deployment(ns, {"metadata": {"name": "big"}, "spec": {
        "replicas": 3, "selector": {"matchLabels": {"app": "big"}},
        "template": {"metadata": {"labels": {"app": "big"}}, "spec": {"containers": [big]}}}})


def test_class_view_shows_each_students_progress(clients, room, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    ann, bob, cy = room.students
    before = classview.refresh(clients, room.workshop, list(room.students), "02")
    assert all(row.score == 0 for row in before.rows)
    assert before.pass_rate(before.checks[0][0]) == 0

    _stuck(cy)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda s: _run_answer_key(s, tmp_path), (ann, bob)))
    assert all(run.ok for run in runs), [run.error.describe() for run in runs if not run.ok]

    view = classview.refresh(clients, room.workshop, workshop.load(clients, room.workshop), "02")
    rows = {row.user: row for row in view.rows}
    for user in ("ann", "bob"):
        assert rows[user].score == rows[user].points > 0, [(r.id, r.message) for r in rows[user].results]
        assert rows[user].activity.last and rows[user].activity.last > before.taken_at - 5
    assert rows["cy"].score < rows["cy"].points
    assert any("no-image: ErrImageNeverPull" in s for s in rows["cy"].activity.signals), rows["cy"].activity
    assert any(s.startswith("quota refused:") for s in rows["cy"].activity.signals), rows["cy"].activity
    for cid, _ in view.checks:
        assert view.pass_rate(cid) >= 2 / 3

    text = classview.table(view)
    assert "=1+1 Ann" in text and "Bob <i>" in text  # plain text: no markup to escape, control chars dropped
    assert "ErrImageNeverPull" in text and "pass rate" in text
    page = classview.to_html(view, refresh=15)
    assert "Bob &lt;i&gt;" in page and "<i>" not in page and "http-equiv='refresh' content='15'" in page
    table = list(csv.reader(io.StringIO(classview.to_csv(view))))
    assert table[0][:3] == ["user", "name", "namespace"]
    by_user = {r[0]: r for r in table[1:]}
    assert by_user["ann"][1] == "'=1+1 Ann"  # never a spreadsheet formula
    assert float(by_user["bob"][3]) == rows["bob"].points
    assert table[-1][0] == "pass rate"
