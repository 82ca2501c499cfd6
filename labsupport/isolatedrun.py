"""Run a submitted notebook as a tenant inside a sandbox: the piece grading wires in place of its plain child.

    tenant = tenancy.create(clients, config, namespace, lab_id=lab_id, needs=needs, lifetime=timeout + grace)
    run = run_notebook(notebook, tenant=tenant, lab_id=lab_id, cluster_name="kindlab", slot=0,
                       cell_timeout=300, timeout=1200, hide=[checkout / "solutions", checkout / "tests"])
    # run.outcome: what papermill's runner recorded ({"ok": True} or ename/evalue/cell_index);
    # run.executed: the executed notebook's bytes (read without following links), or None.

The kernel gets a copy of the labsupport package and of clusters/versions.env (never the checkout, which is
hidden whole when labsupport runs from one: answer keys, tests, .git), a copy of the notebook, the tenant's
kubeconfig only, and parameters naming the tenant's namespace; it runs papermill's runner (``child_module``'s
``child_main``, ``labsupport.execute``). Nothing it leaves behind outlives ``run_notebook``.
"""

from __future__ import annotations

import grp
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import labsupport
from labsupport.sandbox import Sandbox, SandboxResult
from labsupport.tenancy import Tenant

CHILD_GRACE = 60  # seconds for shutdown and saving beyond the notebook's own budget (which includes kernel start)
RESULT_LIMIT = 1 << 20
PACKAGE = Path(labsupport.__file__).resolve().parent


def checkout() -> Path | None:
    """The repository labsupport runs from (it holds solutions/ and tests/), or None when installed as a package."""
    root = PACKAGE.parent
    return root if (root / "pyproject.toml").is_file() and (root / "clusters").is_dir() else None


@dataclass(frozen=True)
class IsolatedRun:
    outcome: dict
    executed: bytes | None = field(repr=False)
    sandbox: SandboxResult


def _docker_group() -> list[int]:
    try:
        return [grp.getgrnam("docker").gr_gid]
    except KeyError:
        return []


def run_notebook(notebook: str | os.PathLike, *, tenant: Tenant, lab_id: str, cluster_name: str, slot: int,
                 cell_timeout: float, timeout: float, hide: list[str | os.PathLike] = (), child_output=None,
                 child_module: str = "labsupport.execute") -> IsolatedRun:
    """Execute ``notebook`` confined (see the module doc); the whole process tree is gone when this returns."""
    groups = _docker_group() if tenant.needs.node_access else []
    repo = checkout()
    with Sandbox(slot, kubeconfig=tenant.kubeconfig, hide=[*hide, *([repo] if repo else [])], groups=groups) as box:
        box.add_package(PACKAGE)
        versions = PACKAGE.parent / "clusters" / "versions.env"
        if versions.is_file():  # labsupport.versions reads it beside the package (lib/clusters/versions.env)
            box.add_file(versions, "clusters/versions.env", folder=box.lib)
        submission = box.add_file(notebook, "submission.ipynb")
        job = {"input": str(submission), "output": str(box.work / "executed.ipynb"), "cwd": str(box.work),
               "parameters": {"lab_id": lab_id, "namespace": tenant.name, "cluster_name": cluster_name,
                              "kubeconfig": str(box.kubeconfig)},
               "cell_timeout": cell_timeout, "timeout": timeout, "result": str(box.work / "result.json")}
        code = ("import labsupport.leanimports as lean; lean.skip_iri_formats(); "  # 2.4 s of CPU less per run
                f"import sys, {child_module} as runner; runner.child_main(sys.argv[1])")
        job["deadline"] = time.time() + timeout  # from now: the runner's start-up is part of the notebook's time
        result = box.run([sys.executable, "-c", code, json.dumps(job)], timeout=timeout + CHILD_GRACE,
                         output=child_output if child_output is not None else subprocess.DEVNULL)
        raw = box.read_output("result.json", limit=RESULT_LIMIT)
        executed = box.read_output("executed.ipynb")
    outcome = _outcome(raw, result, timeout)
    return IsolatedRun(outcome, executed, result)


def _outcome(raw: bytes | None, result: SandboxResult, timeout: float) -> dict:
    """What ended the run, trusting the runner's own record only when the sandbox saw nothing worse."""
    if result.timed_out:
        return {"ok": False, "ename": "TimeoutError", "evalue": f"the notebook ran past {timeout:g}s"}
    if result.oom_killed:
        return {"ok": False, "ename": "MemoryError",
                "evalue": "the notebook's processes ran out of their memory allowance and were killed"}
    try:
        outcome = json.loads(raw) if raw else None
    except ValueError:
        outcome = None
    if not isinstance(outcome, dict) or not isinstance(outcome.get("ok"), bool):
        return {"ok": False, "ename": "GradingError", "evalue": "the notebook runner died without a result"}
    # The submission runs as the user that writes this file, so it may have forged it: keep well-typed fields
    # only. A forged "ok" changes no score (checks read the cluster), only how the run is described.
    kept = {"ok": outcome["ok"]}
    if isinstance(outcome.get("cell_index"), int) and not isinstance(outcome.get("cell_index"), bool):
        kept["cell_index"] = outcome["cell_index"]
    for key in ("ename", "evalue"):
        if isinstance(outcome.get(key), str):
            kept[key] = outcome[key][:2000]
    return kept
