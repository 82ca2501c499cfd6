"""Measure how long each answer key takes to run on the real cluster (budget: 3 minutes per lab).

Runs each solutions/NN-*.ipynb through the real grader (fresh namespace, papermill, then the checks) one after
the other, and prints one line per lab: notebook run time, whole grading time, score. Not a test: the times
depend on the machine; read them, compare them with the budget.

    .venv/bin/python benchmarks/answer_key_times.py            # labs 02 and 03
    .venv/bin/python benchmarks/answer_key_times.py 02 03 --repeat 2
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_SECONDS = 180


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="*", default=["02", "03"], help="lab ids (default: 02 03)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per lab (default 1)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    # `!kubectl` cells must find the venv's kubectl (the cluster's version) before any older one on PATH.
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    from labsupport.grade import grade

    over = False
    print(f"{'lab':<4} {'run':>4} {'notebook s':>11} {'grading s':>10} {'score':>9}  verdict")
    for lab_id in args.labs:
        matches = sorted((ROOT / "solutions").glob(f"{lab_id}-*.ipynb"))
        if not matches:
            print(f"{lab_id:<4} no solutions/{lab_id}-*.ipynb", file=sys.stderr)
            return 2
        for run in range(1, args.repeat + 1):
            started = time.monotonic()
            with tempfile.TemporaryDirectory() as out:
                result = grade(matches[0], lab_id, out=out, cell_timeout=300, timeout=900)
            total = time.monotonic() - started
            notebook = result.execution.seconds
            slow = notebook > BUDGET_SECONDS
            over |= slow or not result.passed
            verdict = ("OVER BUDGET " if slow else "") + ("all checks pass" if result.passed else "CHECKS FAIL")
            print(f"{lab_id:<4} {run:>4} {notebook:>11.1f} {total:>10.1f} "
                  f"{result.report.score:>4g}/{result.report.max_score:<4g}  {verdict}", flush=True)
            if result.execution.error:
                print(f"     stopped at {result.execution.error.describe()}", flush=True)
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
