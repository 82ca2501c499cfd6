"""The instructor's commands: `fault list|inject|check|repair`, `reset`, `doctor` (registered by labsupport.cli)."""

from __future__ import annotations

import argparse

from labsupport.config import DEFAULT_CLUSTER


def _target_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cluster", default=DEFAULT_CLUSTER, help=f"kind cluster name (default {DEFAULT_CLUSTER})")
    p.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--context", help="kubeconfig context (default: kind-<cluster>)")


def register(sub, lab_id) -> None:
    from labsupport.faults import FAULTS

    fa = sub.add_parser("fault", help="break-and-fix scenarios: list, inject, check, repair a cluster-wide fault")
    verbs = fa.add_subparsers(dest="verb", required=True, metavar="VERB")
    verbs.add_parser("list", help="the faults, with what each breaks")
    for verb, text in (("inject", "break the cluster (records what it changed)"),
                       ("check", "say whether the fault shows in the cluster (exit 1 if it does)"),
                       ("repair", "put back what the fault changed, and wait until the cluster confirms it")):
        v = verbs.add_parser(verb, help=text)
        v.add_argument("name", choices=list(FAULTS), metavar="NAME")
        v.add_argument("--node", help="node faults: the worker to break (default: <cluster>-worker / -worker2)")
        v.add_argument("--path", help="kubeconfig-foreign-cert: the file to write (default: under the cache dir)")
        if verb == "check":
            v.add_argument("--wait", type=float, default=0, help="seconds to wait for the fault to show")
    for v in verbs.choices.values():
        _target_args(v)

    rs = sub.add_parser("reset", help="remove what a lab made (namespaces, labelled cluster objects, node changes)")
    rs.add_argument("--lab", type=lab_id, required=True, help="lab id, two digits")
    rs.add_argument("--namespace", help="the lab's namespace (default lab-NN)")
    rs.add_argument("--timeout", type=float, default=30, help="seconds to wait for it all to go (default 30)")
    _target_args(rs)

    dr = sub.add_parser("doctor", help="check the cluster against what the labs expect; --repair fixes what it can")
    dr.add_argument("--repair", action="store_true", help="repair what can be repaired, saying what was done")
    _target_args(dr)


def _target(args):
    from labsupport import faults

    return faults.target(cluster=args.cluster, kubeconfig=args.kubeconfig, context=args.context)


def fault(args) -> int:
    from labsupport import faults

    if args.verb == "list":
        for f in faults.every():
            print(f"{f.name:24} {f.summary}")
        return 0
    t = _target(args)
    f = faults.get(args.name, node=args.node, path=args.path)
    if args.verb == "inject":
        rec = f.inject(t)
        print(f"injected {f.name}; recorded in kube-system/{faults.record.name_for(f.name)}: "
              + ", ".join(f"{k}={v}" for k, v in rec.items() if isinstance(v, str) and len(v) < 100))
        print(f.lesson.strip())
    elif args.verb == "check":
        status = f.detect(t, timeout=args.wait) if args.wait else f.check(t)
        print(f"{f.name}: {'PRESENT' if status.present else 'absent'} - {status.evidence}")
        return 1 if status.present else 0
    else:
        result = f.repair(t)
        for action in result.actions or ("nothing to repair",):
            print(f"{f.name}: {action}")
        print(f"{f.name}: done in {result.seconds:.1f} s")
    return 0


def reset(args) -> int:
    from labsupport.reset import reset as reset_lab

    result = reset_lab(_target(args).clients, args.lab, args.namespace, timeout=args.timeout)
    print(result.to_text())
    return 0 if result.clean else 1


def doctor(args) -> int:
    from labsupport.doctor import diagnose

    report = diagnose(_target(args), repair=args.repair)
    print(report.to_text())
    return 0 if report.healthy else 1
