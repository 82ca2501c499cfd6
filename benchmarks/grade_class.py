"""Measure grading a class: N copies of an answer key graded with --jobs J against one after another, the
per-submission set-up (tenant: namespace, quota, account, token), and how soon a hung kernel is reported.

Targets (issue 14, this machine): 20 x lab 00 with --jobs 4 at least 2.5x faster than serially; set-up <= 3 s;
a hung kernel reported within its timeout + 10 s. Runs `python -m labsupport grade-class` for real (needs the
cluster, and root for the sandbox users). Not a test: read the figures.

    .venv/bin/python benchmarks/grade_class.py                      # 20 x lab 00, --jobs 4 vs --jobs 1
    .venv/bin/python benchmarks/grade_class.py --lab 02 --count 8   # another lab, fewer copies
    .venv/bin/python benchmarks/grade_class.py --skip-serial        # parallel run and hung kernel only
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HUNG = ROOT / "tests" / "fixtures" / "notebooks" / "loops_forever.ipynb"
SETUP = re.compile(r"tenant \S+ ready in ([0-9.]+)s")


def grade_class(folder: Path, out: Path, lab: str, jobs: int, *extra: str) -> tuple[float, list[dict]]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "labsupport", "grade-class", str(folder), "--lab", lab,
                           "--jobs", str(jobs), "--out", str(out), *extra], cwd=ROOT, capture_output=True,
                          text=True)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"grade-class failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, json.loads((out / "results.json").read_text())


def setup_seconds(out: Path) -> list[float]:
    found = []
    for log in sorted(out.glob("*/worker.log")):
        match = SETUP.search(log.read_text(errors="replace"))
        if match:
            found.append(float(match.group(1)))
    return found


def summary(label: str, seconds: float, rows: list[dict], out: Path) -> None:
    statuses = {s: sum(r["status"] == s for r in rows) for s in ("ok", "failed", "timeout", "error")}
    setups = setup_seconds(out)
    per = [r["seconds"] for r in rows]
    print(f"{label}: {len(rows)} submissions in {seconds:.0f}s; rows {statuses}; per submission median "
          f"{statistics.median(per):.0f}s; set-up median {statistics.median(setups):.2f}s max {max(setups):.2f}s "
          f"(n={len(setups)})", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="00", help="lab whose answer key is copied (default 00)")
    parser.add_argument("--count", type=int, default=20, help="copies (default 20)")
    parser.add_argument("--jobs", type=int, default=4, help="parallel workers (default 4)")
    parser.add_argument("--hung-timeout", type=float, default=60, help="timeout for the hung kernel (default 60)")
    parser.add_argument("--skip-serial", action="store_true", help="no one-after-another run")
    args = parser.parse_args(argv)
    key = sorted((ROOT / "solutions").glob(f"{args.lab}-*.ipynb"))[0]
    base = Path(tempfile.mkdtemp(prefix="bench-grade-class-"))  # 0700: reports out of the submissions' reach
    try:
        folder = base / "submissions"
        folder.mkdir()
        for i in range(args.count):
            shutil.copyfile(key, folder / f"student-{i:02d}.ipynb")
        parallel, rows = grade_class(folder, base / "parallel", args.lab, args.jobs)
        summary(f"--jobs {args.jobs}", parallel, rows, base / "parallel")
        if not args.skip_serial:
            serial, rows = grade_class(folder, base / "serial", args.lab, 1)
            summary("--jobs 1", serial, rows, base / "serial")
            print(f"speed-up {serial / parallel:.2f}x (target 2.5x)", flush=True)
        hung = base / "hung"
        hung.mkdir()
        shutil.copyfile(HUNG, hung / "hung.ipynb")
        t = args.hung_timeout
        seconds, rows = grade_class(hung, base / "hung-out", "02", 1, "--timeout", f"{t:g}", "--cell-timeout", f"{t:g}")
        report = json.loads((base / "hung-out" / "0000" / "report.json").read_text())
        notebook = report["execution"]["seconds"]
        print(f"hung kernel (timeout {t:g}s): row '{rows[0]['status']}' ({rows[0]['error']}); sandbox run "
              f"{notebook:.1f}s = timeout + {notebook - t:.1f}s (target +10 s); whole worker {rows[0]['seconds']:.1f}s "
              f"incl. set-up, checks and teardown", flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
