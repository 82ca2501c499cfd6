"""A class graded for real with `python -m labsupport grade-class`: lab 02's answer key beside hostile
submissions, all graded at the same time on the shared cluster. Every submission gets an accurate row; nothing a
hostile one does changes anyone's grade, reaches another namespace or cluster object, outlives the grading, or
gets written through into the reports.

`exclusive`: grading itself touches only its own tenants' namespaces (every attack on cluster-wide state below is
refused by the API server), but "nothing outlives the grading" counts the processes of every sandbox user, and in
the parallel phase other workers' lab tests grade as those users at the same time (seen in CI: their kernels
were counted as leftovers).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kubernetes.client.exceptions import ApiException

from labsupport.classreports import SUMMARY_CAP
from labsupport.config import TENANT_LABEL
from labsupport.labs import suite_for
from labsupport.sandbox import USER_PREFIX, _pids_of_user

pytestmark = [pytest.mark.cluster, pytest.mark.exclusive]

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "notebooks"
# File names sort in this order, so with --jobs 4 the answer key and the attacker start together.
CLASS = {
    "00-alice.ipynb": REPO / "solutions" / "02-pods.ipynb",
    "01-mallory.ipynb": FIXTURES / "attacks_neighbours.ipynb",
    "02-forger.ipynb": FIXTURES / "forges_reports.ipynb",
    "03-looper.ipynb": FIXTURES / "loops_forever.ipynb",
    "04-killer.ipynb": FIXTURES / "kills_kernel.ipynb",
    "05-deleter.ipynb": FIXTURES / "deletes_namespace.ipynb",
    "06-hog.ipynb": FIXTURES / "exhausts_memory.ipynb",
    "07-essay.ipynb": FIXTURES / "not_a_notebook.ipynb",
}


@pytest.fixture(scope="module", autouse=True)
def _need_root():
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("grading a class confined needs root; CI is set, so this fails instead of skipping",
                        pytrace=False)
        pytest.skip("grading a class confined needs root (the sandbox users)")


def _grade_class(folder: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labsupport", "grade-class", str(folder), "--lab", "02",
                           "--out", str(out), *extra], capture_output=True, text=True, timeout=1200)


def _sandbox_processes() -> set[int]:
    users = [u.pw_uid for u in pwd.getpwall() if u.pw_name.startswith(USER_PREFIX)]
    return set().union(*(_pids_of_user(uid) for uid in users)) if users else set()


def _namespace_gone(clients, name: str) -> bool:
    """Teardown waits until the namespace is deleted (past finalizers), so "gone" means 404, not Terminating."""
    try:
        clients.core.read_namespace(name)
    except ApiException as exc:
        return exc.status == 404
    return False


@pytest.fixture(scope="module")
def graded(tmp_path_factory, clients):
    """The class above, graded once; a bystander namespace of this test's own beside it."""
    base = tmp_path_factory.mktemp("class")
    folder = base / "submissions"
    folder.mkdir()
    for name, source in CLASS.items():
        shutil.copyfile(source, folder / name)
    (folder / "link.ipynb").symlink_to(FIXTURES / "answer_key.ipynb")  # not a submission: skipped
    roster = base / "roster.csv"
    roster.write_text("file,student\n00-alice.ipynb,Alice Liddell\n01-mallory.ipynb,=cmd|' /C calc'!A0\n")
    bystander = f"bystander-{os.getpid()}"
    clients.core.create_namespace({"metadata": {"name": bystander}})
    clients.core.create_namespaced_config_map(bystander, {"metadata": {"name": "keep"}, "data": {"a": "b"}})
    shadow = hashlib.sha256(Path("/etc/shadow").read_bytes()).hexdigest()
    out = base / "out"
    started = time.monotonic()
    done = _grade_class(folder, out, "--jobs", "4", "--roster", str(roster), "--timeout", "480",
                        "--cell-timeout", "120")
    seconds = time.monotonic() - started
    leftovers = _sandbox_processes()
    try:
        yield {"done": done, "out": out, "seconds": seconds, "bystander": bystander, "shadow": shadow,
               "leftovers": leftovers, "rows": {r["submission"]: r for r in
                                                json.loads((out / "results.json").read_text())}}
    finally:
        clients.core.delete_namespace(bystander)


def test_every_submission_gets_an_accurate_row(graded):
    done, rows = graded["done"], graded["rows"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert set(rows) == set(CLASS), "a row for every file, none for the link"
    assert f"[{len(CLASS)}/{len(CLASS)}]" in done.stderr  # progress shown
    status = {name: row["status"] for name, row in rows.items()}
    max_score = sum(c.points for c in suite_for("02").checks)
    alice = rows["00-alice.ipynb"]
    assert status["00-alice.ipynb"] == "ok" and alice["score"] == alice["max_score"] == max_score, alice
    assert alice["student"] == "Alice Liddell"
    assert status["03-looper.ipynb"] == "timeout" and "CellTimeoutError" in rows["03-looper.ipynb"]["error"]
    assert "DeadKernelError" in rows["04-killer.ipynb"]["error"]
    assert "MemoryError" in rows["06-hog.ipynb"]["error"], rows["06-hog.ipynb"]
    assert status["07-essay.ipynb"] == "error" and "before any cell ran" in rows["07-essay.ipynb"]["error"]
    for name in CLASS:
        if name != "00-alice.ipynb":
            assert status[name] != "ok" and rows[name]["score"] < max_score, (name, rows[name])
            assert len(rows[name]["checks"]) == len(suite_for("02").checks) or status[name] == "error", name


def test_neighbours_and_the_cluster_are_untouched(graded, clients):
    out, rows = graded["out"], graded["rows"]
    bystander = clients.core.read_namespace(graded["bystander"])
    assert bystander.status.phase == "Active" and "owned" not in (bystander.metadata.labels or {})
    assert clients.core.read_namespaced_config_map("keep", graded["bystander"]).data == {"a": "b"}
    assert not any(n.spec.unschedulable for n in clients.core.list_node().items)
    with pytest.raises(ApiException) as missing:
        clients.rbac.read_cluster_role_binding("pwned")
    assert missing.value.status == 404
    # What the attacker saw: the API server refused it every time.
    index = sorted(CLASS).index("01-mallory.ipynb")
    executed = json.loads((out / f"{index:04d}" / "executed.ipynb").read_text())
    lines = [line for cell in executed["cells"] if cell["cell_type"] == "code" for o in cell.get("outputs", [])
             for line in "".join(o.get("text", "")).splitlines() if line.startswith("KUBECTL")]
    assert len(lines) > 5, lines
    # By the API server's answer, not the exit code: `kubectl cordon` exits 0 even when the patch is forbidden.
    assert [line for line in lines if "forbidden" not in line.lower() and "denied" not in line.lower()] == []


def test_nothing_outlives_the_grading(graded, clients):
    assert graded["leftovers"] == set(), "processes of sandbox users still running after grade-class"
    namespaces = _namespaces(graded)
    assert len(namespaces) == len(CLASS)  # even the essay's (checks ran against its empty namespace)
    assert [ns for ns in namespaces if not _namespace_gone(clients, ns)] == []
    tenants = {ns.metadata.labels[TENANT_LABEL] for ns in clients.core.list_namespace(label_selector=TENANT_LABEL).items}
    assert not tenants & namespaces


def _namespaces(graded) -> set[str]:
    return {json.loads((folder / "report.json").read_text())["namespace"]
            for folder in graded["out"].iterdir() if (folder / "report.json").is_file()}


def test_reports_are_ours_and_links_were_not_followed(graded):
    out, rows = graded["out"], graded["rows"]
    # Not a hash of /etc/shadow: useradd elsewhere on the machine changes it legitimately.
    assert b'"score": 100' not in Path("/etc/shadow").read_bytes()
    for path in out.rglob("*"):
        assert not path.is_symlink(), path
    forger = out / f"{sorted(CLASS).index('02-forger.ipynb'):04d}"
    report = json.loads((forger / "report.json").read_text())
    assert report["passed"] is False and report["score"] == rows["02-forger.ipynb"]["score"] < report["max_score"]
    assert report["namespace"].startswith("grade-02-") and report["checks"]
    assert "cell_index" not in report["execution"] or report["execution"]["error"] is None or \
        isinstance(report["execution"]["error"]["cell_index"], (int, type(None)))


def test_class_reports(graded):
    out = graded["out"]
    book = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [r["submission"] for r in book] == sorted(CLASS)
    assert {r["student"] for r in book} >= {"Alice Liddell", "'=cmd|' /C calc'!A0"}  # formula defused
    assert {c.id for c in suite_for("02").checks} <= set(book[0])
    summary = (out / "summary.md").read_text()
    assert len(summary.encode()) <= SUMMARY_CAP and "Checks most submissions failed" in summary
    view = json.loads((out / "class-view.json").read_text())
    assert view[0]["failed"] >= 6 and view[0]["hint"]
    for index in range(len(CLASS)):
        scope = json.loads((out / f"{index:04d}" / "gradescope.json").read_text())
        assert {"score", "execution_time", "tests"} <= set(scope)
        runner = json.loads((out / f"{index:04d}" / "classroom.json").read_text())
        assert runner["version"] == 1 and runner["status"] in ("pass", "fail", "error")


def test_overall_timeout_stops_a_running_worker_and_cleans_up(tmp_path, clients):
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copyfile(FIXTURES / "loops_forever.ipynb", folder / "looper.ipynb")
    started = time.monotonic()
    done = _grade_class(folder, tmp_path / "out", "--jobs", "1", "--timeout", "600", "--cell-timeout", "600",
                        "--overall-timeout", "60")
    seconds = time.monotonic() - started
    rows = json.loads((tmp_path / "out" / "results.json").read_text())
    assert done.returncode == 0, done.stderr[-3000:]
    assert [r["status"] for r in rows] == ["timeout"] and "stopped" in rows[0]["error"]
    assert seconds < 60 + 90, seconds  # SIGTERM at 60 s; the worker then kills its sandbox and tenant
    assert _sandbox_processes() == set()
    log = (tmp_path / "out" / "0000" / "worker.log").read_text()
    tenant = next((word for word in log.split() if word.startswith("grade-02-")), None)
    assert tenant, log[-2000:]
    assert _namespace_gone(clients, tenant), tenant
