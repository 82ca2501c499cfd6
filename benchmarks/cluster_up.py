"""Measure `cluster up` of the lab cluster itself, add-ons included (issue 10's target: 3 nodes ready for labs
in 60 s), and where the time goes. Each run DELETES the lab cluster and creates it again, as
`make cluster RECREATE=1` does: run it only where nothing on that cluster matters.

    .venv/bin/python benchmarks/cluster_up.py --recreate-lab-cluster            # 3 runs
    .venv/bin/python benchmarks/cluster_up.py --recreate-lab-cluster --runs 1

Per run: kind's part (node containers, kubeadm, joins), the add-ons' part (images, manifests, waits) and each
add-on's own seconds from its group's start, the moment each node turned Ready and CoreDNS became available
(from the cluster's own timestamps, relative to the start), and the total. Then median, min and max.
Written to reports/bench-cluster-up.json. Not a test: the figures depend on the machine and its load.
Exit 1 when the median misses the target.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET = 60.0


def _since(start_wall: float, stamp) -> float:
    return round(stamp.replace(tzinfo=stamp.tzinfo or timezone.utc).timestamp() - start_wall, 1)


def one_run(spec, quiet, settle: float, image: str | None) -> dict:
    from labsupport import addons, cluster, clusterinfo
    from labsupport.config import context_name
    from labsupport.kube import connect

    if cluster.cluster_exists(spec.name):
        cluster.delete(spec.name)
    # The deleted nodes' writes are flushed and the machine settles first, as before a learner's first `cluster up`.
    os.sync()
    time.sleep(settle)
    image = image or cluster.choose_image(spec)
    start_wall, start = time.time(), time.monotonic()
    kind_s = cluster.create(spec, image, log=quiet)
    clients = connect(context=context_name(spec.name))
    declared = addons.discover()
    results = addons.install(clients, spec.name, declared, nodes=cluster.node_names(spec.name), log=quiet)
    clusterinfo.write(clients, clusterinfo.describe(clients, image, [(a.name, a.info) for a in declared]))
    total = time.monotonic() - start
    ready = {n.metadata.name: next(_since(start_wall, c.last_transition_time) for c in n.status.conditions
                                   if c.type == "Ready") for n in clients.core.list_node().items}
    dns = clients.apps.read_namespaced_deployment("coredns", "kube-system")
    dns_at = next(_since(start_wall, c.last_transition_time) for c in dns.status.conditions if c.type == "Available")
    return {"total_s": round(total, 1), "kind_s": round(kind_s, 1), "addons_s": round(total - kind_s, 1),
            "addon_s": {r.name: round(r.seconds, 1) for r in results}, "node_ready_at_s": ready,
            "coredns_available_at_s": dns_at}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recreate-lab-cluster", action="store_true", required=True,
                        help="required: each run deletes and recreates the lab cluster")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds of rest after deleting (default 20)")
    parser.add_argument("--image", help="another node image (default: the one `cluster up` chooses)")
    args = parser.parse_args()

    from labsupport import cluster

    spec = cluster.ClusterSpec()
    cluster.require(cluster.run_preflight(nodes=spec.nodes))
    runs = []
    with open(os.devnull, "w") as quiet:
        for i in range(args.runs):
            r = one_run(spec, quiet, args.settle, args.image)
            runs.append(r)
            print(f"run {i + 1}: total {r['total_s']} s = kind {r['kind_s']} s + add-ons {r['addons_s']} s; "
                  f"nodes Ready at {', '.join(f'{v} s' for v in sorted(r['node_ready_at_s'].values()))}; "
                  f"CoreDNS available at {r['coredns_available_at_s']} s; add-ons from their group's start: "
                  + ", ".join(f"{k} {v} s" for k, v in r["addon_s"].items()), flush=True)
    totals = [r["total_s"] for r in runs]
    median = statistics.median(totals)
    print(f"cluster up, 3 nodes with add-ons: median {median:.1f} s, min {min(totals):.1f} s, max {max(totals):.1f} s "
          f"over {len(totals)} runs (target {TARGET:.0f} s)")
    out = ROOT / "reports" / "bench-cluster-up.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"measured": datetime.now(timezone.utc).isoformat(timespec="seconds"), "image": args.image,
                               "cpus": os.cpu_count(), "runs": runs, "median_s": median, "target_s": TARGET}, indent=2))
    print(f"written to {out}")
    return 0 if median <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
