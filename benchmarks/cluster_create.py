#!/usr/bin/env python3
"""Benchmark: offline build times and cluster create times (a script that prints figures, not a test).

    python benchmarks/cluster_create.py                 # warm build + create times + ratio
    python benchmarks/cluster_create.py --cold-build    # also a cold build, with empty caches in a temp dir

Printed and written as JSON to reports/bench-cluster.json:
- cold build: every binary from Go modules with empty Go caches, then every image (KINDLAB_REBUILD=1);
- warm build: the same commands with the caches as they are (should rebuild nothing);
- create time of the single-node and three-node configs through labsupport (preflight, kind, every node Ready,
  DNS and storage available, i.e. the add-ons step), and raw `kind create cluster` with the same image and config, each measured in
  this run; their ratio. Targets: single node <= 45 s, three nodes <= 90 s, ratio <= 1.1.
Benchmark clusters are named kindlab-bench-* and deleted afterwards; the lab cluster is left alone (their configs
drop the host port mappings, which the lab cluster owns).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from labsupport import cluster  # noqa: E402

BUILD_STEPS = ["components.sh", "debian-base.sh", "node-image.sh"]
TARGETS = {1: 45.0, 3: 90.0}


def timed(cmd: list[str], env: dict | None = None) -> float:
    start = time.monotonic()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=sys.stderr)
    return time.monotonic() - start


def build(env: dict) -> dict[str, float]:
    times = {step: timed(["bash", str(REPO / "clusters/build" / step)], env) for step in BUILD_STEPS}
    times["total"] = sum(times.values())
    return times


def cold_build() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="kindlab-cold-") as tmp:
        env = dict(os.environ, KINDLAB_CACHE=f"{tmp}/kindlab", GOCACHE=f"{tmp}/go-build",
                   GOMODCACHE=f"{tmp}/gomod", KINDLAB_REBUILD="1")
        times = build(env)
        subprocess.run(["chmod", "-R", "u+w", tmp], check=False)  # the module cache is read-only
        return times


def bench_config(nodes: int, tmp: Path) -> Path:
    """The repository's config for `nodes` nodes, minus host port mappings (the lab cluster holds them)."""
    import yaml

    src = REPO / "clusters" / ("kind-1node.yaml" if nodes == 1 else "kind-3node.yaml")
    config = yaml.safe_load(src.read_text())
    for node in config["nodes"]:
        node.pop("extraPortMappings", None)
    out = tmp / src.name
    out.write_text(yaml.safe_dump(config))
    return out


def create_times(nodes: int, image: str, tmp: Path) -> dict[str, float]:
    config = bench_config(nodes, tmp)
    raw_name, ours_name = f"kindlab-bench-raw{nodes}", f"kindlab-bench-ours{nodes}"
    kubeconfig = str(tmp / "bench.kubeconfig")  # never the user's: their current context stays as it was

    def kind_delete(name: str) -> None:
        subprocess.run(["kind", "delete", "cluster", "--name", name, "--kubeconfig", kubeconfig], capture_output=True)

    for name in (raw_name, ours_name):
        kind_delete(name)
    try:
        raw = timed(["kind", "create", "cluster", "--name", raw_name, "--config", str(config), "--image", image,
                     "--wait", "180s", "--kubeconfig", kubeconfig])
        # The same readiness labsupport insists on, measured after raw kind for comparison.
        start = time.monotonic()
        subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "--context", f"kind-{raw_name}", "wait", "--for=condition=Ready",
                        "nodes", "--all", "--timeout=180s"], check=True, capture_output=True)
        raw_all_ready = raw + time.monotonic() - start
        kind_delete(raw_name)
        # labsupport's path, step by step (the same steps ensure_cluster takes), to show where time goes.
        spec = cluster.ClusterSpec(ours_name, config, image, kubeconfig=kubeconfig)
        quiet = open(os.devnull, "w")
        start = time.monotonic()
        cluster.status(ours_name, kubeconfig=kubeconfig)
        cluster.require(cluster.run_preflight(nodes=spec.nodes))
        cluster.choose_image(spec)
        checks = time.monotonic() - start
        kind_part = cluster.create(spec, image, log=quiet)
        waits = cluster.install_addons(ours_name, image, kubeconfig=kubeconfig, log=quiet)
        ours = time.monotonic() - start
        assert cluster.status(ours_name, kubeconfig=kubeconfig).healthy
    finally:
        for name in (raw_name, ours_name):
            kind_delete(name)
    return {"raw_kind": raw, "raw_kind_all_nodes_ready": raw_all_ready, "labsupport": ours,
            "labsupport_checks": checks, "labsupport_kind_create": kind_part,
            "labsupport_wait_dns_storage": waits, "ratio": ours / raw,
            "ratio_kind_part": kind_part / raw, "target": TARGETS[nodes]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold-build", action="store_true", help="also measure a build from empty caches")
    parser.add_argument("--skip-create", action="store_true")
    args = parser.parse_args()
    results: dict = {"machine": {"cpus": os.cpu_count(), "mem_gib": round(os.sysconf("SC_PAGE_SIZE") *
                                                                           os.sysconf("SC_PHYS_PAGES") / 2**30)}}
    if args.cold_build:
        results["cold_build_s"] = cold_build()
        print(f"cold build: {results['cold_build_s']['total']:.0f} s "
              + ", ".join(f"{k} {v:.0f} s" for k, v in results["cold_build_s"].items() if k != "total"), flush=True)
    results["warm_build_s"] = build(dict(os.environ))
    print(f"warm build: {results['warm_build_s']['total']:.1f} s", flush=True)
    if not args.skip_create:
        image = cluster.choose_image(cluster.ClusterSpec())
        with tempfile.TemporaryDirectory(prefix="kindlab-bench-") as tmp:
            for nodes in (1, 3):
                r = results[f"create_{nodes}node_s"] = create_times(nodes, image, Path(tmp))
                print(f"{nodes} node(s): labsupport {r['labsupport']:.1f} s (target {r['target']:.0f} s), "
                      f"raw kind {r['raw_kind']:.1f} s (all nodes Ready at {r['raw_kind_all_nodes_ready']:.1f} s), "
                      f"ratio {r['ratio']:.2f} (target 1.10); labsupport = checks {r['labsupport_checks']:.1f} s "
                      f"+ kind create {r['labsupport_kind_create']:.1f} s (ratio {r['ratio_kind_part']:.2f}) "
                      f"+ waiting for all nodes, DNS and storage {r['labsupport_wait_dns_storage']:.1f} s", flush=True)
    out = REPO / "reports" / "bench-cluster.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
