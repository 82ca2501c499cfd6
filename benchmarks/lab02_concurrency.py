"""How many students can run lab 02 at once on this cluster before its answer key takes twice as long as alone.

Runs solutions/02-*.ipynb through the real grader (``labsupport.grade``: a fresh namespace each, papermill and a
kernel each, then the checks) alone, then 2, 3, 4, ... at the same moment, and prints per level the notebooks'
wall times (median, slowest), how many passed every check, and what the machine did meanwhile: the host's CPU
(/proc/stat: the kind nodes are containers sharing the host's cores), the nodes' CPU and memory as the metrics API
reports them (metrics-server, like `kubectl top nodes`), and the load average. Stops at the first level whose
median is over twice the time alone (that level and the one before bracket the answer), at --max, or when the
next level would not fit in --budget seconds.

    .venv/bin/python benchmarks/lab02_concurrency.py                      # 1, 2, 3, ... up to 12 at once
    /work/notes/on-cluster --exclusive timeout 1500 .venv/bin/python benchmarks/lab02_concurrency.py --budget 1400

Not a test: the figures depend on the machine and on whatever else runs on it. It loads the whole cluster, so
run it alone (exclusive). Exit 1 if a run fails its checks.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SECONDS = 5  # host CPU every 5 s; the metrics API refreshes every 15 s (metrics-server's resolution)


def _host_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of all the host's CPUs since boot."""
    fields = [float(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


@dataclass
class Samples:
    """What the machine did during one level."""

    host_busy: list[float] = field(default_factory=list)  # fraction of all host cores, per interval
    nodes_cpu: list[float] = field(default_factory=list)  # cores, summed over the nodes, per metrics sample
    per_node: dict[str, list[float]] = field(default_factory=dict)
    nodes_mem: list[float] = field(default_factory=list)  # GiB summed over the nodes
    load: list[float] = field(default_factory=list)


class Sampler(threading.Thread):
    def __init__(self, clients) -> None:
        super().__init__(daemon=True)
        self.clients, self.samples, self.stop = clients, Samples(), threading.Event()

    def run(self) -> None:
        from kubernetes.utils import parse_quantity

        last, seen = _host_cpu(), None
        while not self.stop.wait(SAMPLE_SECONDS):
            now = _host_cpu()
            if now[1] > last[1]:
                self.samples.host_busy.append((now[0] - last[0]) / (now[1] - last[1]))
            last = now
            self.samples.load.append(os.getloadavg()[0])
            try:
                nodes = self.clients.custom.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes")["items"]
            except Exception:  # noqa: BLE001  a busy metrics-server must not end the measurement
                continue
            stamp = tuple(sorted(n.get("timestamp", "") for n in nodes))
            if stamp == seen:  # the same scrape as last time: count each once
                continue
            seen = stamp
            cpu = {n["metadata"]["name"]: float(parse_quantity(n["usage"]["cpu"])) for n in nodes}
            self.samples.nodes_cpu.append(sum(cpu.values()))
            self.samples.nodes_mem.append(sum(float(parse_quantity(n["usage"]["memory"])) for n in nodes) / 2**30)
            for name, used in cpu.items():
                self.samples.per_node.setdefault(name, []).append(used)


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def _level(notebook: Path, count: int, clients) -> tuple[list, float, Samples]:
    """``count`` gradings of the answer key started at once; their results, the level's wall time, samples."""
    from labsupport.grade import grade

    def one(_):
        with tempfile.TemporaryDirectory() as out:
            return grade(notebook, "02", out=out, cell_timeout=300, timeout=900)

    sampler = Sampler(clients)
    sampler.start()
    started = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(count) as pool:
            results = list(pool.map(one, range(count)))
    finally:
        sampler.stop.set()
        sampler.join()
    wall = time.monotonic() - started
    _wait_gone(clients, [r.namespace for r in results])
    return results, wall, sampler.samples


def _wait_gone(clients, namespaces: list[str]) -> None:
    """Let the level's namespaces finish terminating, so their pods' shutdown does not load the next level."""
    from labsupport.errors import WaitTimeout
    from labsupport.waits import wait_for

    for ns in namespaces:
        try:
            wait_for(clients, "Namespace", ns, condition="deleted", timeout=180)
        except WaitTimeout as exc:
            print(f"    {ns} still there: {exc.message.splitlines()[0]}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=12, help="most runs at once (default 12)")
    parser.add_argument("--budget", type=float, default=1400, help="stop before a level that would not end "
                        "within this many seconds of the start (default 1400)")
    parser.add_argument("--until", help="also stop before a level that would not end by this UTC time (HH:MM)")
    args = parser.parse_args(argv)
    if args.until:  # a wall-clock end, for a run that must leave the shared cluster by then
        hour, minute = map(int, args.until.split(":"))
        end = datetime.datetime.now(datetime.timezone.utc).replace(hour=hour, minute=minute, second=0)
        args.budget = min(args.budget, (end - datetime.datetime.now(datetime.timezone.utc)).total_seconds())
    sys.path.insert(0, str(ROOT))
    # `!kubectl` cells must find the venv's kubectl (the cluster's version) before any older one on PATH.
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    from labsupport.kube import connect

    notebook = sorted((ROOT / "solutions").glob("02-*.ipynb"))[0]
    clients = connect()
    begun, alone, failed = time.monotonic(), None, False
    print(f"lab 02 answer key, N gradings at once; host: {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB", flush=True)
    print(f"{'N':>3} {'median s':>9} {'slowest s':>10} {'x alone':>8} {'passed':>7} {'host CPU':>9} "
          f"{'nodes CPU':>10} {'nodes mem':>10} {'load':>5}  per node CPU (cores)", flush=True)
    best, count, last_wall = 1, 1, 0.0
    while count <= args.max:
        # A level takes at least as long as the last one: do not start one that cannot end inside the budget.
        if count > 1 and time.monotonic() - begun + last_wall * 1.3 > args.budget:
            print(f"stopped before {count} at once: it would not end within the budget ({args.budget:.0f}s)")
            break
        level_started = time.monotonic()
        results, _, samples = _level(notebook, count, clients)
        last_wall = time.monotonic() - level_started  # with the namespaces' deletion
        times = [r.execution.seconds for r in results]
        median = statistics.median(times)
        alone = alone or median
        passed = sum(r.passed for r in results)
        failed |= passed < count
        nodes = " ".join(f"{n.split('-', 1)[-1]} {_mean(v):.2f}" for n, v in sorted(samples.per_node.items()))
        print(f"{count:>3} {median:>9.1f} {max(times):>10.1f} {median / alone:>8.2f} {passed:>4}/{count:<2} "
              f"{_mean(samples.host_busy):>8.0%} {_mean(samples.nodes_cpu):>10.2f} "
              f"{_mean(samples.nodes_mem):>8.1f}Gi {_mean(samples.load):>5.1f}  {nodes}", flush=True)
        for r in results:
            if not r.passed:
                print(f"    {r.namespace}: {r.report.score:g}/{r.report.max_score:g}"
                      + (f", stopped at {r.execution.error.describe()}" if r.execution.error else ""), flush=True)
        if median > 2 * alone:
            print(f"{count} at once: median {median:.1f}s is over twice the time alone ({alone:.1f}s); "
                  f"{best} at once stayed within it.")
            break
        best = count
        count += 1
    else:
        print(f"up to {args.max} at once stayed within twice the time alone ({alone:.1f}s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
