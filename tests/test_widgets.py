"""Widgets and progress: HTML rendering and button behaviour without a browser, the live table on the cluster."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest

from labsupport import progress, widgets
from labsupport.checks import CheckSuite, ok, fail
from labsupport.diagrams.model import Pod
from labsupport.errors import ClusterUnavailable


def _pod(name, status="Running", ready=True, node="kindlab-worker"):
    return Pod(name, "demo", node=node, status=status, ready=ready, ready_count=int(ready), container_count=1,
               ip="10.244.1.2", created="2026-01-01T00:00:00Z")


# ------------------------------------------------------------------------------------------------ pod table


def test_pod_table_lists_pods_in_natural_order_with_age():
    now = dt.datetime(2026, 1, 1, 0, 5, tzinfo=dt.timezone.utc)
    html = widgets.pods_table_html([_pod("web-10"), _pod("web-2", "CrashLoopBackOff", False)], now=now)
    assert html.index("web-2") < html.index("web-10")
    assert "CrashLoopBackOff" in html and "0/1" in html and ">5m<" in html and "kindlab-worker" in html


def test_pods_by_node_puts_unscheduled_pods_last():
    html = widgets.pods_by_node_html([_pod("a", node="kindlab-worker2"), _pod("b", "Pending", False, node="")])
    assert html.index("kindlab-worker2") < html.index("not scheduled")


def test_empty_table_says_so():
    assert "No pods" in widgets.pods_table_html([]) and "No pods" in widgets.pods_by_node_html([])


def test_watch_pods_needs_a_namespace():
    with pytest.raises(ValueError, match="namespace"):
        widgets.watch_pods(object())


# ------------------------------------------------------------------------------------------ check my work


def _suite():
    suite = CheckSuite("99", "Widget test")

    @suite.check(id="good", title="A check that passes", points=1)
    def good(ctx):
        return ok("fine")

    @suite.check(id="bad", title="A check that fails", points=2, hint="Label the pods app=web.")
    def bad(ctx):
        return fail("no pods labelled app=web")

    return suite


def test_check_button_shows_the_report_with_hints():
    button = widgets.check_button(ctx=None, run=lambda: _suite().run(None))
    button.click()
    data = button.output.outputs[0]["data"]
    assert "text/html" in data and "Label the pods app=web." in data["text/html"]
    assert "score 1/3" in button.summary.value and "not yet" in button.summary.value
    assert not button.button.disabled and button.button.description == "Check my work"
    button.click()  # a second click replaces the report rather than stacking another
    assert len(button.output.outputs) == 1


def test_check_button_explains_a_cluster_problem():
    def broken():
        raise ClusterUnavailable("Cannot reach the API server", hint="Run `make cluster`.")

    button = widgets.check_button(ctx=None, run=broken)
    button.click()
    assert "Cannot reach the API server" in button.summary.value and "make cluster" in button.summary.value
    assert button.output.outputs == ()


# ------------------------------------------------------------------------------------------------ progress


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_text_progress_on_a_log_writes_a_line_per_step():
    out = io.StringIO()
    with progress.progress("Creating cluster", total=3, backend="text", stream=out) as p:
        p.step("nodes")
        p.update(message="nodes")  # nothing new: no new line
        p.step("network")
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("Creating cluster [########") and "1/3 nodes" in lines[1]
    assert "2/3 network" in lines[2] and "3/3 done" in lines[-1] and len(lines) == 4


def test_text_progress_on_a_terminal_redraws_in_place():
    out = _Tty()
    with progress.progress("Waiting", backend="text", stream=out) as p:
        p.update(message="2 of 3 pods ready")
    text = out.getvalue()
    assert text.count("\r\033[K") == 3 and text.endswith("\n") and "2 of 3 pods ready" in text


def test_progress_reports_failure():
    out = io.StringIO()
    with pytest.raises(KeyError):
        with progress.progress("Creating cluster", total=2, backend="text", stream=out):
            raise KeyError("boom")
    assert "failed after" in out.getvalue() and "KeyError" in out.getvalue()


KIND_OUTPUT = """Creating cluster "kindlab" ...
 • Ensuring node image (kindest/node:v1.33.1) 🖼  ...
 ✓ Ensuring node image (kindest/node:v1.33.1) 🖼
 • Preparing nodes 📦 📦 📦   ...
 ✓ Preparing nodes 📦 📦 📦
 • Writing configuration 📜  ...
 ✓ Writing configuration 📜
 • Starting control-plane 🕹️  ...
 ✓ Starting control-plane 🕹️
 • Installing CNI 🔌  ...
 ✓ Installing CNI 🔌
 • Installing StorageClass 💾  ...
 ✓ Installing StorageClass 💾
 • Joining worker nodes 🚜  ...
"""


def test_follow_steps_moves_the_bar_with_kinds_output():
    out = io.StringIO()
    p = progress.progress("Creating cluster kindlab", total=len(progress.KIND_STEPS), backend="text", stream=out)
    lines = progress.follow_steps(KIND_OUTPUT.splitlines(keepends=True), p)
    assert p.value == 6 and p.message == "Joining worker nodes …" and len(lines) == 14
    assert "6/8 Installing StorageClass ✓" in out.getvalue()


def test_widget_progress_builds_a_bar():
    p = progress.progress("Creating cluster", total=4, backend="widget")
    p.step("nodes")
    view = p._view
    assert view.bar.value == 1 and "1/4" in view.label.value
    p.close(ok=False)
    assert view.bar.bar_style == "danger"


def test_progress_chooses_text_outside_a_kernel(monkeypatch):
    monkeypatch.delenv("LABSUPPORT_PROGRESS", raising=False)
    assert not progress.in_notebook()
    p = progress.progress("x", stream=io.StringIO())
    assert type(p._view).__name__ == "_TextView"


# ------------------------------------------------------------------------------------------- real cluster


@pytest.mark.cluster
def test_live_table_follows_pods_by_watch_and_stops(clients, namespace):
    from labsupport import manifests

    watcher = widgets.watch_pods(clients, namespace, timeout=60)
    try:
        manifests.apply(clients, {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "watched", "labels": {"app": "w"}},
            "spec": {"terminationGracePeriodSeconds": 0, "containers": [{
                "name": "c", "image": "registry.k8s.io/pause:3.10", "imagePullPolicy": "IfNotPresent"}]}},
            namespace=namespace)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
                "watched" not in watcher.pods or watcher.pods["watched"].status != "Running"):
            time.sleep(0.2)  # polling the widget's own state: the watch thread is what is under test
        assert watcher.pods["watched"].status == "Running"
        time.sleep(1)  # let the render thread draw
        assert "watched" in watcher.table.value and "Running" in watcher.table.value
        assert any("watched" in e for e in watcher.events)
        clients.core.delete_namespaced_pod("watched", namespace, grace_period_seconds=0)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "watched" in watcher.pods:
            time.sleep(0.2)
        assert "watched" not in watcher.pods
    finally:
        started = time.monotonic()
        watcher.stop()
    assert time.monotonic() - started < 5 and not watcher.running
    assert "stopped" in watcher.status.value and watcher.error is None


@pytest.mark.cluster
def test_live_table_stops_at_its_deadline(clients, namespace):
    watcher = widgets.watch_pods(clients, namespace, timeout=2)
    time.sleep(4)
    assert not watcher.running and "stopped after 2s" in watcher.state
    watcher.stop()


@pytest.mark.cluster
def test_running_the_cell_again_replaces_the_table(clients, namespace):
    first = widgets.watch_pods(clients, namespace, timeout=60)
    second = widgets.watch_pods(clients, namespace, timeout=60)
    try:
        assert not first.running and "replaced" in first.state and second.running
    finally:
        widgets.stop_all()
    assert not second.running


@pytest.mark.cluster
def test_live_diagram_redraws_when_pods_appear(clients, namespace):
    from labsupport import manifests

    live = widgets.live_diagram(clients, "ownership", namespace, timeout=90)
    try:
        manifests.apply(clients, {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "drawn"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "drawn"}}, "template": {
                "metadata": {"labels": {"app": "drawn"}},
                "spec": {"terminationGracePeriodSeconds": 0, "containers": [{
                    "name": "c", "image": "registry.k8s.io/pause:3.10", "imagePullPolicy": "IfNotPresent"}]}}}},
            namespace=namespace)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_drawn_pods(live.table.value, namespace)) < 2:
            time.sleep(0.5)  # reading the widget's state; the watch thread is what is under test
        assert live.table.value.startswith("<svg")
        assert f"deploy/{namespace}/drawn" in _titles(live.table.value)
        assert len(_drawn_pods(live.table.value, namespace)) == 2
    finally:
        live.stop()
    assert not live.running


@pytest.mark.cluster
def test_live_diagram_does_not_redraw_unchanged_pods(clients, namespace):
    live = widgets.live_diagram(clients, "ownership", namespace, timeout=60)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not live.table.value:
            time.sleep(0.2)  # the first drawing, after the watch's first list
        assert live.table.value.startswith("<svg")
        time.sleep(2)  # past the render interval: nothing more is pending
        calls = []
        draw = live.draw
        live.draw = lambda *a, **kw: calls.append(1) or draw(*a, **kw)
        time.sleep(7)  # past the table's 5 s refresh of ages: a diagram has none, and nothing changed
        assert live.running and calls == []
    finally:
        live.stop()


@pytest.mark.cluster
def test_unattended_run_draws_once_and_stops(clients, namespace, monkeypatch):
    from labsupport import manifests

    manifests.apply(clients, {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "seen"},
        "spec": {"terminationGracePeriodSeconds": 0, "containers": [{
            "name": "c", "image": "registry.k8s.io/pause:3.10", "imagePullPolicy": "IfNotPresent"}]}},
        namespace=namespace)
    monkeypatch.setenv("LABSUPPORT_LIVE_VIEWS", "off")
    for start in (lambda: widgets.watch_pods(clients, namespace, timeout=600),
                  lambda: widgets.live_diagram(clients, "ownership", namespace, timeout=600)):
        view = start()
        for t in view._threads:
            t.join(timeout=30)  # a live view would follow for 600 s
        assert not view.running and "drawn once" in view.state and view.error is None
        assert "seen" in view.pods
    assert "seen" in view.table.value  # the diagram drew the pod that was there


def _titles(svg: str) -> set[str]:
    """Node ids in an SVG drawn by Graphviz (it escapes '-' in <title>, so parse rather than search)."""
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    return {g.find(f"{ns}title").text for g in ET.fromstring(svg).iter(f"{ns}g") if g.get("class") == "node"}


def _drawn_pods(svg: str, namespace: str) -> set[str]:
    if not svg.startswith("<svg"):
        return set()
    return {t for t in _titles(svg) if t.startswith(f"pod/{namespace}/drawn-")}
