"""How long a diagram takes on the lab cluster with 40 pods: snapshot (API reads) and render (Graphviz), apart.

    .venv/bin/python benchmarks/diagram_render.py [--pods 40] [--repeat 3] [--context kind-kindlab] [--keep]

Creates a scratch namespace with a Deployment of N pause pods behind a Service, waits until they are ready,
times each diagram `--repeat` times, prints a table, and deletes the namespace (unless --keep). The budget is
2 s per diagram (snapshot + render) at 40 pods. A benchmark, not a test: it prints, it does not assert.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from labsupport import diagrams  # noqa: E402
from labsupport.config import TEST_LABEL  # noqa: E402
from labsupport.diagrams.views import cluster, namespace, ownership, storage, traffic  # noqa: E402
from labsupport.diagrams.collect import collect  # noqa: E402

BUDGET = 2.0
VIEWS = {
    # name: (snapshot parts, namespaced?, render function)
    "cluster": (cluster.PARTS, False, lambda s, ns: cluster.draw(s, namespace=ns)),
    "cluster (all pods)": (cluster.PARTS, False, lambda s, ns: cluster.draw(s, namespace=None)),
    "ownership": (ownership.PARTS, True, lambda s, ns: ownership.draw(s)),
    "traffic": (traffic.PARTS, True, lambda s, ns: traffic.draw(s)),
    "storage": (storage.PARTS, True, lambda s, ns: storage.draw(s)),
    "namespace": (namespace.PARTS, True, lambda s, ns: namespace.draw(s, group_by="app")),
}


def workload(pods: int) -> list[dict]:
    labels = {"app": "bench"}
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bench", "labels": labels},
         "spec": {"replicas": pods, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {
                      "terminationGracePeriodSeconds": 0,
                      "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10",
                                      "imagePullPolicy": "IfNotPresent",
                                      "resources": {"requests": {"cpu": "1m", "memory": "4Mi"}}}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bench", "labels": labels},
         "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": 8080}]}},
    ]


def time_view(clients, ns: str, parts, namespaced: bool, draw) -> tuple[float, float, int]:
    """(snapshot seconds, render seconds, SVG bytes) for one diagram."""
    started = time.perf_counter()
    snap = collect(clients, namespace=ns if namespaced else None, parts=parts)
    collected = time.perf_counter()
    svg = draw(snap, ns).svg()
    return collected - started, time.perf_counter() - collected, len(svg)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--context", default="kind-kindlab")
    parser.add_argument("--keep", action="store_true", help="keep the scratch namespace for a look afterwards")
    args = parser.parse_args(argv)

    from labsupport import manifests, waits
    from labsupport.kube import connect
    from labsupport.namespaces import ensure_namespace

    clients = connect(context=args.context)
    ns = f"bench-diagrams-{secrets.token_hex(3)}"
    ensure_namespace(clients, ns, {TEST_LABEL: "true"})
    print(f"namespace {ns}: creating {args.pods} pods ...", flush=True)
    try:
        started = time.perf_counter()
        manifests.apply(clients, workload(args.pods), namespace=ns)
        waits.wait_pods_ready(clients, ns, "app=bench", count=args.pods, timeout=300)
        print(f"{args.pods} pods ready in {time.perf_counter() - started:.1f}s", flush=True)

        total_pods = len(clients.core.list_pod_for_all_namespaces().items)
        print(f"\n{args.pods} pods in {ns}, {total_pods} in the cluster; best and median of {args.repeat} runs\n")
        print(f"{'diagram':<20} {'snapshot':>9} {'render':>9} {'total':>9} {'median':>9} {'svg kB':>8}")
        worst = 0.0
        for name, (parts, namespaced, draw) in VIEWS.items():
            runs = [time_view(clients, ns, parts, namespaced, draw) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r[0] + r[1])
            median = statistics.median(r[0] + r[1] for r in runs)
            worst = max(worst, median)
            print(f"{name:<20} {best[0]:>8.3f}s {best[1]:>8.3f}s {best[0] + best[1]:>8.3f}s {median:>8.3f}s "
                  f"{best[2] / 1000:>7.1f}")
        started = time.perf_counter()
        snap = diagrams.snapshot(clients, ns)
        for draw in (ownership.draw, traffic.draw, storage.draw, namespace.draw):
            draw(snap).svg()
        print(f"{'4 views, 1 snapshot':<20} {'':>9} {'':>9} {time.perf_counter() - started:>8.3f}s")
        verdict = "within" if worst < BUDGET else "OVER"
        print(f"\nslowest median {worst:.3f}s: {verdict} the {BUDGET:g}s budget")
    finally:
        if args.keep:
            print(f"kept namespace {ns}: delete it with kubectl delete namespace {ns}")
        else:
            clients.core.delete_namespace(ns)  # the namespace takes its pods with it; no need to wait
            print(f"deleted namespace {ns}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
