"""A learner's path in a real browser: JupyterLab, run the cells, press "Check my work", see the results table.

Starts JupyterLab from this repository's venv on 127.0.0.1 with a token of its own, drives Debian's Chromium
with Playwright (never `playwright install`: it downloads browsers), and saves a screenshot under
reports/browser/ (path printed). Needs: `apt-get install chromium`, `pip install playwright`, the kind cluster.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).with_name("check_my_work_lab00.ipynb")
CHROMIUM = os.environ.get("LABSUPPORT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "reports" / "browser"

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with {proc.returncode}; its log:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)  # the server is still starting; nothing to watch but its port
    pytest.fail(f"JupyterLab did not answer {url} within {timeout:.0f}s; its log:\n{log.read_text()[-3000:]}")


@pytest.fixture
def jupyterlab(tmp_path, namespace):
    """A JupyterLab server on a free port serving a copy of the fixture notebook set to `namespace`."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium")
    pytest.importorskip("playwright")
    root = tmp_path / "root"
    root.mkdir()
    nb = nbformat.read(FIXTURE, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = params.source.replace('namespace = "lab-00"', f'namespace = "{namespace}"')
    nbformat.write(nb, root / FIXTURE.name)
    with jupyter_server(root, tmp_path / "jupyter") as server:
        yield {"url": f"{server['base']}/lab/tree/{FIXTURE.name}?token={server['token']}", "log": server["log"]}


@contextmanager
def jupyter_server(root: Path, home: Path):
    """Run `jupyter lab` from this venv on 127.0.0.1:<free port> with a fresh token, serving `root`.

    `home` holds a private Jupyter config: no user settings, no news toast over the screenshot.
    """
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "ws"),
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    token, port = secrets.token_hex(16), _free_port()
    log = home / "jupyterlab.log"
    jupyter = Path(sys.executable).with_name("jupyter")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             *(["--allow-root"] if os.geteuid() == 0 else [])],  # CI containers run as root
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/api/status?token={token}", proc, log)
        yield {"base": base, "token": token, "log": log}
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and the kernels it started (its own process group), nothing else."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_check_my_work_shows_results_table(jupyterlab):
    shot = run_and_check(jupyterlab["url"], "check_my_work_lab00", log=jupyterlab["log"])
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000


def run_and_check(url: str, name: str, *, log: Path | None = None, expect_pass: str = "preflight-inotify",
                  expect_pod: str | None = "hello") -> Path:
    """Open `url`, run all cells, press Check my work, wait for the report table; returns the screenshot path."""
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        try:
            page.goto(url)
            _run_all_cells(page)

            # The diagram renders as SVG; the live pod table says what it watches.
            expect(page.locator(".jp-RenderedSVG").first).to_be_visible(timeout=120_000)
            expect(page.get_by_text("watching", exact=False).first).to_be_visible(timeout=60_000)
            if expect_pod:  # the live table shows a pod a later cell creates: the watch thread at work
                expect(page.locator("table.labsupport-pods", has_text=expect_pod)).to_contain_text(
                    "Running", timeout=120_000)

            button = page.locator("button.labsupport-check")
            expect(button).to_be_visible(timeout=120_000)
            button.scroll_into_view_if_needed()
            button.click()
            table = page.locator(".labsupport-report table")
            expect(table).to_be_visible(timeout=120_000)
            expect(table).to_contain_text(expect_pass)
            expect(table).to_contain_text("pass")
            expect(table).to_contain_text("fail")
            expect(table.locator("th", has_text="hint")).to_be_visible()
            expect(page.get_by_text("checked at", exact=False).first).to_be_visible()
            table.scroll_into_view_if_needed()
            page.screenshot(path=str(shot))
        except Exception:
            failed = SCREENSHOTS / f"{name}.failed.png"
            page.screenshot(path=str(failed))
            print(f"screenshot of the failure: {failed}")
            if log is not None:
                print(log.read_text()[-3000:])
            raise
        finally:
            browser.close()
    return shot


def _run_all_cells(page) -> None:
    """Run > Run All Cells once the kernel is connected and idle (the status bar says so).

    Running before the kernel session is up makes JupyterLab ask which kernel to use; if it asks anyway,
    choose the default and run again.
    """
    from playwright.sync_api import expect

    page.locator(".jp-NotebookPanel").first.wait_for()
    expect(page.get_by_text(re.compile(r"\| Idle$")).first).to_be_visible(timeout=90_000)
    for _attempt in range(2):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).first.click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).first.click()
        dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
        try:
            dialog.wait_for(timeout=3_000)
        except Exception:  # no dialog: the cells are running
            return
        dialog.get_by_role("button", name="Select").click()
        expect(page.get_by_text(re.compile(r"\| Idle$")).first).to_be_visible(timeout=90_000)
