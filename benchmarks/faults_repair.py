"""Measure each fault's detection and repair on a real cluster, against the 60 s repair budget of issue 13.

    .venv/bin/python benchmarks/faults_repair.py --cluster kindlab-faults --kubeconfig /tmp/x.kubeconfig
    .venv/bin/python benchmarks/faults_repair.py --only coredns-scaled-to-zero,kubeconfig-foreign-cert

Injects faults into the cluster it is given: use a throwaway cluster, or the lab cluster when nobody uses it.
Prints one line per fault (inject, detect, repair seconds). Not a test: the times depend on the machine's load.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_SECONDS = 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", default="kindlab", help="kind cluster name (default kindlab)")
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    parser.add_argument("--only", help="comma-separated fault names (default: all)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from labsupport import faults

    t = faults.target(cluster=args.cluster, kubeconfig=args.kubeconfig)
    names = args.only.split(",") if args.only else list(faults.FAULTS)
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            fault = faults.get(name, path=str(Path(tmp) / "learner.kubeconfig"))
            start = time.monotonic()
            fault.inject(t)
            injected = time.monotonic() - start
            start = time.monotonic()
            seen = fault.detect(t, timeout=150)
            detected = time.monotonic() - start
            result = fault.repair(t)
            healthy = not fault.check(t).present
            worst = max(worst, result.seconds)
            print(f"{name:24} inject {injected:5.1f}s  detect {detected:5.1f}s ({'seen' if seen.present else 'NOT SEEN'})"
                  f"  repair {result.seconds:5.1f}s  {'healthy' if healthy else 'STILL BROKEN'}", flush=True)
    print(f"worst repair {worst:.1f}s (budget {BUDGET_SECONDS:g}s)")
    return 0 if worst <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
