"""Measure per-submission set-up on the real cluster: tenant (namespaces, account, quota, RBAC, token) and
sandbox (user, private folder, cgroup, first process), against the 3 s budget of issue 14.

    .venv/bin/python benchmarks/tenancy_setup.py            # 10 tenants of lab 02, one after the other
    .venv/bin/python benchmarks/tenancy_setup.py --lab 01 --count 5

Prints one line per tenant, then median and worst. Not a test: the times depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_SECONDS = 3.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="02", help="lab whose declared needs to use (default 02)")
    parser.add_argument("--count", type=int, default=10, help="tenants to make (default 10)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import os

    from labsupport import tenancy, tenantguard
    from labsupport.config import context_name
    from labsupport.kube import connect_config, load_kubeconfig
    from labsupport.sandbox import Sandbox
    from labsupport.tenantneeds import needs_for

    config = load_kubeconfig(None, context_name())
    clients = connect_config(config)
    tenantguard.ensure_guard(clients)
    setups, sandboxes, teardowns = [], [], []
    for i in range(args.count):
        name = f"bench-{args.lab}-{secrets.token_hex(3)}"
        tenant = tenancy.create(clients, config, name, lab_id=args.lab, needs=needs_for(args.lab), lifetime=900)
        started = time.monotonic()
        with Sandbox(i % 4, kubeconfig=tenant.kubeconfig) as box:
            box.add_package(ROOT / "labsupport")
            box.run(["/bin/true"], timeout=30)
            sandbox_seconds = time.monotonic() - started
        started = time.monotonic()
        tenancy.teardown(clients, name, namespaces=tenant.namespaces)
        teardown_seconds = time.monotonic() - started
        setups.append(tenant.setup_seconds)
        sandboxes.append(sandbox_seconds)
        teardowns.append(teardown_seconds)
        print(f"{name}: tenant {tenant.setup_seconds:.2f}s, sandbox {sandbox_seconds:.2f}s "
              f"(as {'root' if os.geteuid() == 0 else 'non-root'}), teardown {teardown_seconds:.2f}s", flush=True)
    total = [a + b for a, b in zip(setups, sandboxes)]
    print(f"set-up per submission (tenant + sandbox): median {statistics.median(total):.2f}s, "
          f"worst {max(total):.2f}s (budget {BUDGET_SECONDS:g}s); tenant alone median "
          f"{statistics.median(setups):.2f}s; teardown median {statistics.median(teardowns):.2f}s")
    return 0 if max(total) <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
