"""Workshop mode in a real browser: JupyterHub started by the project, two students log in with their card's
credentials, each gets their own JupyterLab running as their own Unix user with their own kubeconfig (the API
server names them), neither can open the other's server; `workshop down` removes the students and Unix users.

Needs: root (the hub starts servers as other users), npm (configurable-http-proxy), Debian's chromium,
playwright, the cluster. The screenshots go to reports/browser/.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from labsupport import workshop, workshophub
from labsupport.config import context_name
from labsupport.kube import load_kubeconfig
from labsupport.workshoproster import Entry

from test_workbook_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, _free_port, _run_all_cells, _wait_http

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.cluster]


@pytest.fixture(scope="module")
def hub(clients, tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the hub runs students' servers as their own Unix users: needs root")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium")
    pytest.importorskip("playwright")
    pytest.importorskip("jupyterhub")
    name = "h" + secrets.token_hex(3)
    made = workshop.up(clients, load_kubeconfig(None, context_name()), name,
                       [Entry("ann", "Ann"), Entry("bob", "Bob")], labs=("02",), hours=1)
    port = _free_port()
    log = tmp_path_factory.mktemp("hub") / "hub.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "labsupport", "workshop", "hub", "--name", name,
                                 "--ip", "127.0.0.1", "--port", str(port)], cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # A cold start installs the proxy from npm first.
        _wait_http(f"http://127.0.0.1:{port}/hub/login", proc, log, timeout=420)
        yield {"made": made, "url": f"http://127.0.0.1:{port}", "log": log}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the hub stops the students' servers (cleanup_servers)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        workshop.down(clients, name)
        removed = workshophub.remove_users(name)
        assert sorted(removed) == sorted(s.tenant for s in made.students)
        assert workshophub.workshop_users(name) == [] and workshop.leftovers(clients, name) == []


def _log_in(browser, url: str, student, other):
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{url}/hub/login")
    page.fill("input[name=username]", student.user)
    page.fill("input[name=password]", student.password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(re.compile(rf"/user/{student.tenant}/lab"), timeout=240_000)
    _run_all_cells(page)
    out = page.locator(".jp-OutputArea-output")
    # The kernel runs as the student's Unix user, and the API server knows it by the student's token only.
    expect(out.filter(has_text=f"system:serviceaccount:{student.tenant}:kindlab-tenant").first).to_be_visible(
        timeout=120_000)
    expect(out.filter(has_text=re.compile(rf"^\s*{student.tenant}\s")).first).to_be_visible()  # `id -un`
    expect(out.filter(has_text="kindlab-control-plane").first).to_be_visible()
    # The news prompt is settled by the project's JupyterLab settings (labsupport/jupyter-settings).
    expect(page.get_by_text("notified about", exact=False)).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / f"workshop_hub_{student.user}.png"))
    # The other student's server is not reachable with this student's login.
    resp = page.goto(f"{url}/user/{other.tenant}/api/contents")
    assert resp.status in (403, 404) or f"/user/{student.tenant}/" in page.url, (resp.status, page.url)
    return page


def test_two_students_log_in_to_their_own_servers(hub):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ann, bob = hub["made"].students
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            _log_in(browser, hub["url"], ann, bob)
            _log_in(browser, hub["url"], bob, ann)
            # A wrong password gets no server.
            page = browser.new_context().new_page()
            page.goto(f"{hub['url']}/hub/login")
            page.fill("input[name=username]", ann.user)
            page.fill("input[name=password]", ann.password + "x")
            page.click("input[type=submit], button[type=submit]")
            assert "/hub/login" in page.url and "/user/" not in page.url
        except Exception:
            print(hub["log"].read_text(errors="replace")[-4000:])
            raise
        finally:
            browser.close()
    # Each home holds the student's own workbook, their namespace injected as the notebooks' parameter.
    import pwd

    home = Path(pwd.getpwnam(ann.tenant).pw_dir)
    assert ann.namespace("02") in (home / "workbook" / "02-pods.ipynb").read_text()
    assert (home / ".kube" / "config").stat().st_uid == pwd.getpwnam(ann.tenant).pw_uid
