"""Measure `reset` of a lab run on the real cluster against the 10 s budget of issue 13.

    .venv/bin/python benchmarks/reset_times.py                 # 5 runs of a synthetic lab 99
    .venv/bin/python benchmarks/reset_times.py --count 3 --pods 6

Each run makes what a lab makes (its namespace and a suffixed one, a Deployment whose pods ignore SIGTERM, a
labelled PersistentVolume and ClusterRole), waits for the pods to run, then resets it. Prints one line per run,
then median and worst. Not a test: the times depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_SECONDS = 10.0
LAB = "99"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5, help="runs (default 5)")
    parser.add_argument("--pods", type=int, default=3, help="pods per run (default 3)")
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    parser.add_argument("--context", default="kind-kindlab", help="context (default kind-kindlab)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from labsupport.config import LAB_LABEL
    from labsupport.kube import connect
    from labsupport.namespaces import ensure_namespace
    from labsupport.reset import cluster_labels, reset
    from labsupport.waits import wait_pods_ready

    clients = connect(kubeconfig=args.kubeconfig, context=args.context)
    times = []
    for _ in range(args.count):
        ns = f"lab-{LAB}-bench-{secrets.token_hex(3)}"
        for name in (ns, f"{ns}-extra"):
            ensure_namespace(clients, name, {LAB_LABEL: LAB})
        clients.apps.create_namespaced_deployment(ns, {
            "metadata": {"name": "sleepers"},
            "spec": {"replicas": args.pods, "selector": {"matchLabels": {"app": "sleepers"}},
                     "template": {"metadata": {"labels": {"app": "sleepers"}},
                                  "spec": {"containers": [{"name": "c", "image": "docker.io/library/busybox:1.35",
                                                           "command": ["sleep", "3600"]}]}}}})
        clients.core.create_persistent_volume({
            "metadata": {"name": f"{ns}-pv", "labels": cluster_labels(LAB, ns)},
            "spec": {"capacity": {"storage": "1Mi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "manual",
                     "hostPath": {"path": f"/tmp/{ns}"}}})
        clients.rbac.create_cluster_role({"metadata": {"name": f"{ns}-reader", "labels": cluster_labels(LAB, ns)},
                                          "rules": []})
        wait_pods_ready(clients, ns, "app=sleepers", count=args.pods, timeout=120)
        result = reset(clients, LAB, ns, timeout=30)
        times.append(result.seconds)
        print(f"{ns}: reset {result.seconds:.2f}s, {len(result.namespaces)} namespaces, "
              f"{len(result.cluster_objects)} cluster objects, {'clean' if result.clean else 'LEFT ' + str(result.leftovers)}",
              flush=True)
    print(f"reset: median {statistics.median(times):.2f}s, worst {max(times):.2f}s (budget {BUDGET_SECONDS:g}s)")
    return 0 if max(times) <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
