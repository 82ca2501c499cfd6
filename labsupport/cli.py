"""Command line: `python -m labsupport edition [--check]` and `python -m labsupport grade NOTEBOOK --lab NN`."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from labsupport.errors import LabError


def _lab_id(text: str) -> str:
    if not re.fullmatch(r"\d{2}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a two-digit lab id such as 03")
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m labsupport", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ed = sub.add_parser("edition", help="write labs/*.ipynb (learner edition) from solutions/*.ipynb")
    ed.add_argument("--check", action="store_true",
                    help="change nothing; exit 1 naming stale notebooks and notebooks with outputs")
    ed.add_argument("--solutions", type=Path, default=Path("solutions"), help="answer keys (default: solutions)")
    ed.add_argument("--labs", type=Path, default=Path("labs"), help="learner editions (default: labs)")

    gr = sub.add_parser("grade", help="run a notebook in a fresh namespace and grade it with the lab's checks")
    gr.add_argument("notebook", type=Path, metavar="NOTEBOOK")
    gr.add_argument("--lab", type=_lab_id, required=True, help="lab id, two digits (e.g. 03)")
    gr.add_argument("--out", type=Path, help="report folder (default: reports/grade-NN-<notebook name>)")
    gr.add_argument("--cell-timeout", type=_seconds, default=300, help="seconds per cell (default 300)")
    gr.add_argument("--timeout", type=_seconds, default=1200, help="seconds for the whole notebook (default 1200)")
    gr.add_argument("--keep-namespace", action="store_true", help="keep the grading namespace for debugging")
    gr.add_argument("--cluster", default="kindlab", help="kind cluster name (default kindlab)")
    gr.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")

    nl = sub.add_parser("new-lab", help="write a new lab from the template: answer key, checks, test data, "
                                        "learner edition")
    nl.add_argument("lab_id", metavar="NN", help="lab number, two digits (e.g. 04)")
    nl.add_argument("slug", help="lower-case words joined by '-' (e.g. pod-network)")
    nl.add_argument("--title", help="the lab's title (default: from the slug)")
    nl.add_argument("--tasks", type=int, default=3, help="core tasks (default 3)")
    nl.add_argument("--stretch", type=int, default=1, help="optional stretch tasks (default 1)")
    nl.add_argument("--root", type=Path, default=Path("."), help="the repository's top folder (default: .)")
    return top


def _new_lab(args) -> int:
    from labsupport.authoring.newlab import new_lab

    for path in new_lab(args.root, args.lab_id, args.slug, title=args.title, tasks=args.tasks,
                        stretch=args.stretch):
        print(f"wrote {path}")
    return 0


def _edition(args) -> int:
    from labsupport import edition

    if not args.solutions.is_dir():
        raise LabError(f"No answer-key folder {args.solutions}.", hint="Run from the repository's top folder.")
    if args.check:
        problems = edition.check(args.solutions, args.labs)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"{len(problems)} notebook problem(s); regenerate with `python -m labsupport edition` and "
                  "clear outputs.", file=sys.stderr)
        return 1 if problems else 0
    for path in edition.generate(args.solutions, args.labs):
        print(f"wrote {path}")
    return 0


def _grade(args) -> int:
    from labsupport.grade import grade

    out = args.out or Path("reports") / f"grade-{args.lab}-{args.notebook.stem}"
    result = grade(args.notebook, args.lab, out=out, cell_timeout=args.cell_timeout, timeout=args.timeout,
                   keep_namespace=args.keep_namespace, cluster_name=args.cluster, kubeconfig=args.kubeconfig,
                   progress=lambda line: print(line, file=sys.stderr, flush=True), child_output=sys.stderr)
    print(result.to_markdown())
    return 0 if result.passed else 1


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return {"edition": _edition, "grade": _grade, "new-lab": _new_lab}[args.command](args)
    except LabError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
