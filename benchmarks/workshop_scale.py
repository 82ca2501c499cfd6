"""Measure workshop mode at class size on the real cluster: `workshop up` for N students (target: 30 in 60 s),
a class-view refresh for N students (target: 2 s), and `workshop down`.

    .venv/bin/python benchmarks/workshop_scale.py                       # 30 students, labs 00,02,03, view of lab 02
    .venv/bin/python benchmarks/workshop_scale.py --students 10 --busy 5

``--busy K``: before the refreshes, K students each get lab 02's sidecar pod running in their namespace (made
with their own token), so the checks have pods to read and exec into, as in a class that is working.
Not a test: the figures depend on the machine and its load. Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UP_TARGET, REFRESH_TARGET = 60.0, 2.0


def _busy(student, image: str) -> None:
    from labsupport.kube import connect_config

    own = connect_config(student.kubeconfig)
    c = {"image": image, "imagePullPolicy": "IfNotPresent",
         "volumeMounts": [{"name": "shared", "mountPath": "/shared"}]}
    own.core.create_namespaced_pod(student.namespace("02"), {"metadata": {"name": "sidecar"}, "spec": {
        "volumes": [{"name": "shared", "emptyDir": {}}], "containers": [
            {**c, "name": "writer", "command": ["sh", "-c", "echo hi > /shared/index.html; sleep 3600"]},
            {**c, "name": "server", "command": ["httpd", "-f", "-p", "8080", "-h", "/shared"]}]}})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--labs", default="00,02,03")
    parser.add_argument("--busy", type=int, default=10, help="students given a running pod (default 10)")
    parser.add_argument("--refreshes", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from labsupport import classview, versions, workshop
    from labsupport.config import context_name
    from labsupport.kube import connect_config, load_kubeconfig
    from labsupport.waits import wait_for
    from labsupport.workshoproster import students

    config = load_kubeconfig(None, context_name())
    clients = connect_config(config)
    name = "b" + secrets.token_hex(3)
    try:
        made = workshop.up(clients, config, name, students(args.students), labs=tuple(args.labs.split(",")))
        print(f"workshop up: {args.students} students, labs {args.labs}: {made.seconds:.1f}s "
              f"(target {UP_TARGET:g}s)", flush=True)
        busy = made.students[:args.busy]
        for s in busy:
            _busy(s, versions.get("BUSYBOX_IMAGE"))
        for s in busy:
            wait_for(clients, "Pod", "sidecar", namespace=s.namespace("02"), condition="Ready", timeout=300)
        times = []
        for i in range(args.refreshes):  # the first one includes the API discovery a `--every` loop does once
            view = classview.refresh(clients, name, list(made.students), "02")
            times.append(view.seconds)
            print(f"class view refresh {i + 1}, {len(view.rows)} students ({len(busy)} with a running pod): "
                  f"{view.seconds:.2f}s", flush=True)
        times = times[1:] or times
        print(f"refresh after the first: median {statistics.median(times):.2f}s, worst {max(times):.2f}s "
              f"(target {REFRESH_TARGET:g}s)")
    finally:
        started = time.monotonic()
        gone = workshop.down(clients, name)
        print(f"workshop down: {len(gone.tenants)} students, {len(gone.namespaces)} namespaces: "
              f"{time.monotonic() - started:.1f}s")
    return 0 if made.seconds <= UP_TARGET and max(times) <= REFRESH_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
