"""Command line, one for everything: `python -m labsupport COMMAND ...`.

    edition [--check]                       write (or check) the learner editions from the answer keys
    grade NOTEBOOK --lab NN                 run a notebook in a fresh namespace and grade it
    grade-class DIR --lab NN --jobs N       grade every submission in DIR, N at a time; class reports
    new-lab NN slug                         write a new lab from the template (answer key, checks, test data)
    cluster up|down|status|image|preflight|addons [--name kindlab]   the lab cluster's life cycle
    workshop up|cards|status|class|hub|down [--name ws]                a room of students on one cluster
    fault list|inject NAME|check NAME|repair NAME   break-and-fix scenarios (instructors)
    reset --lab NN [--namespace NS]         remove what a lab made
    doctor [--repair]                       check the cluster against what the labs expect, repair what it can

Every error is printed as `error: ...` and `hint: ...` and exits with 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from labsupport import faultcli
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
    top = argparse.ArgumentParser(prog="python -m labsupport", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
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
    gr.add_argument("--slot", type=int, help="sandbox slot (user kindlab-grader-SLOT) to try first")
    gr.add_argument("--require-isolation", action="store_true",
                    help="refuse to grade unless the notebook can run as its own user (the grader is root)")
    _grade_class_parser(sub)

    nl = sub.add_parser("new-lab", help="write a new lab from the template: answer key, checks, test data, "
                                        "learner edition")
    nl.add_argument("lab_id", metavar="NN", help="lab number, two digits (e.g. 04)")
    nl.add_argument("slug", help="lower-case words joined by '-' (e.g. pod-network)")
    nl.add_argument("--title", help="the lab's title (default: from the slug)")
    nl.add_argument("--tasks", type=int, default=3, help="core tasks (default 3)")
    nl.add_argument("--stretch", type=int, default=1, help="optional stretch tasks (default 1)")
    nl.add_argument("--root", type=Path, default=Path("."), help="the repository's top folder (default: .)")
    _cluster_parser(sub)
    from labsupport.workshopcli import add_parser as workshop_parser

    workshop_parser(sub)
    faultcli.register(sub, _lab_id)
    return top


def _grade_class_parser(sub) -> None:
    gc = sub.add_parser("grade-class", help="grade every submission in a folder in parallel; class reports")
    gc.add_argument("folder", type=Path, metavar="SUBMISSIONS_DIR", help="one file per submission")
    gc.add_argument("--lab", type=_lab_id, required=True, help="lab id, two digits (e.g. 03)")
    gc.add_argument("--jobs", type=int, default=4, help="submissions graded at once (default 4)")
    gc.add_argument("--out", type=Path, help="report folder (default: reports/class-NN)")
    gc.add_argument("--roster", type=Path, help="CSV with a `file` and a `student` column")
    gc.add_argument("--cell-timeout", type=_seconds, default=300, help="seconds per cell (default 300)")
    gc.add_argument("--timeout", type=_seconds, default=1200, help="seconds per notebook (default 1200)")
    gc.add_argument("--overall-timeout", type=_seconds, help="seconds for the whole class (default: none)")
    gc.add_argument("--cluster", default="kindlab", help="kind cluster name (default kindlab)")
    gc.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")


def _new_lab(args) -> int:
    from labsupport.authoring.newlab import new_lab

    for path in new_lab(args.root, args.lab_id, args.slug, title=args.title, tasks=args.tasks,
                        stretch=args.stretch):
        print(f"wrote {path}")
    return 0


def _cluster_parser(sub) -> None:
    from labsupport.cluster import CLUSTERS
    from labsupport.config import DEFAULT_CLUSTER

    cl = sub.add_parser("cluster", help="create, reuse, check or delete the lab cluster (kind)")
    verbs = cl.add_subparsers(dest="verb", required=True, metavar="VERB")
    up = verbs.add_parser("up", help="create the lab cluster (then its add-ons), or reuse it when healthy")
    up.add_argument("--config", type=Path, default=CLUSTERS / "kind-3node.yaml",
                    help="kind configuration (default: clusters/kind-3node.yaml)")
    up.add_argument("--image", help="node image (default: the offline build, else kind's published image)")
    up.add_argument("--recreate", action="store_true", help="delete and recreate an existing cluster")
    up.add_argument("--no-addons", action="store_true",
                    help="only what kind installs (a second, throwaway cluster beside the lab cluster)")
    verbs.add_parser("down", help="delete the cluster")
    verbs.add_parser("status", help="say whether the cluster is healthy (exit 1 if not)")
    verbs.add_parser("image", help="print the node image `up` would use")
    pre = verbs.add_parser("preflight", help="check this machine can run the cluster (exit 1 if not)")
    pre.add_argument("--nodes", type=int, default=3, help="nodes to plan for (default 3)")
    verbs.add_parser("addons", help="apply every add-on (clusters/addons) to an existing cluster and wait for it")
    for verb in verbs.choices.values():
        verb.add_argument("--name", default=DEFAULT_CLUSTER, help=f"kind cluster name (default {DEFAULT_CLUSTER})")
        verb.add_argument("--kubeconfig", help="kubeconfig file kind writes and reads (default: kind's own)")


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
    import os
    import signal

    from labsupport.grade import grade

    if args.require_isolation and os.geteuid() != 0:
        raise LabError("--require-isolation: the grader is not root, so the notebook would run as this user.",
                       hint="Run the grader as root (e.g. in a CI container) or drop --require-isolation.")

    def stop(signum, frame):  # grade-class stops a worker with SIGTERM: unwind, so the sandbox and tenant go
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, stop)
    out = args.out or Path("reports") / f"grade-{args.lab}-{args.notebook.stem}"
    result = grade(args.notebook, args.lab, out=out, cell_timeout=args.cell_timeout, timeout=args.timeout,
                   keep_namespace=args.keep_namespace, cluster_name=args.cluster, kubeconfig=args.kubeconfig,
                   progress=lambda line: print(line, file=sys.stderr, flush=True), child_output=sys.stderr,
                   slot=args.slot)
    print(result.to_markdown())
    return 0 if result.passed else 1


def _grade_class(args) -> int:
    from labsupport.gradeclass import grade_class

    out = args.out or Path("reports") / f"class-{args.lab}"
    run = grade_class(args.folder, args.lab, out=out, jobs=args.jobs, cell_timeout=args.cell_timeout,
                      timeout=args.timeout, overall_timeout=args.overall_timeout, roster=args.roster,
                      cluster_name=args.cluster, kubeconfig=args.kubeconfig,
                      progress=lambda line: print(line, file=sys.stderr, flush=True))
    print((Path(out) / "summary.md").read_text())
    print(f"grade-class: {len(run.rows)} rows in {run.seconds:.0f}s; reports in {out}", file=sys.stderr)
    return 0  # every submission has its row, whatever its status: the class was graded


def _cluster(args) -> int:
    from labsupport import cluster
    from labsupport.preflight import run_preflight

    if args.verb == "up":
        spec = cluster.ClusterSpec(args.name, args.config.resolve(), args.image, kubeconfig=args.kubeconfig,
                                   addons=not args.no_addons)
        cluster.ensure_cluster(spec, recreate=args.recreate)
    elif args.verb == "down":
        cluster.delete(args.name, kubeconfig=args.kubeconfig)
    elif args.verb == "status":
        st = cluster.status(args.name, kubeconfig=args.kubeconfig)
        print(f"{st.name}: {'healthy' if st.healthy else 'unhealthy' if st.exists else 'absent'} {st.detail}")
        return 0 if st.healthy else 1
    elif args.verb == "image":
        print(cluster.choose_image(cluster.ClusterSpec(args.name)))
    elif args.verb == "preflight":
        results = run_preflight(nodes=args.nodes)
        for r in results:
            print(f"{'ok  ' if r.ok else 'FAIL'} {r.name:8} {r.detail}" + (f"\n      fix: {r.fix}" if r.fix and not r.ok else ""))
        return 0 if all(r.ok for r in results) else 1
    elif args.verb == "addons":
        cluster.install_addons(args.name, cluster.node_image(args.name), kubeconfig=args.kubeconfig)
    return 0


def _workshop(args) -> int:
    from labsupport.workshopcli import run

    return run(args)


COMMANDS = {"edition": _edition, "grade": _grade, "grade-class": _grade_class, "new-lab": _new_lab,
            "cluster": _cluster, "workshop": _workshop, "fault": faultcli.fault, "reset": faultcli.reset,
            "doctor": faultcli.doctor}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except LabError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
