"""`python -m labsupport workshop VERB`: the instructor's commands (registered by labsupport.cli).

    workshop up --name w1 --students 30 [--labs 00,02,03] [--hours 8]     (or --roster roster.csv)
    workshop cards --name w1 --url http://HOST:8000 --out cards.html
    workshop status --name w1
    workshop class --name w1 --lab 02 [--csv class.csv] [--html class.html] [--every 15]
    workshop hub --name w1 [--port 8000]                                 JupyterHub for the students
    workshop down --name w1
"""

from __future__ import annotations

import datetime
import sys
import time
from pathlib import Path

from labsupport.config import context_name


def add_parser(sub) -> None:
    ws = sub.add_parser("workshop", help="a room of students on one cluster: up, cards, status, class, hub, down")
    verbs = ws.add_subparsers(dest="verb", required=True, metavar="VERB")
    up = verbs.add_parser("up", help="make every student's namespaces, identity and kubeconfig")
    who = up.add_mutually_exclusive_group(required=True)
    who.add_argument("--students", type=int, help="this many anonymous students s01, s02, ...")
    who.add_argument("--roster", type=Path, help="CSV with a header `name` (and optionally `user`)")
    up.add_argument("--labs", default="00,02,03", help="lab ids, comma-separated (default 00,02,03)")
    up.add_argument("--hours", type=float, default=8, help="how long the students' credentials last (default 8)")
    cards = verbs.add_parser("cards", help="write printable login cards (HTML)")
    cards.add_argument("--url", required=True, help="the address students open (the hub's URL)")
    cards.add_argument("--out", type=Path, default=Path("workshop-cards.html"), help="default workshop-cards.html")
    verbs.add_parser("status", help="list the students, their namespaces and when their access ends")
    cls = verbs.add_parser("class", help="the class view: students x checks of one lab, stuck signals")
    cls.add_argument("--lab", default="02", help="lab id (default 02)")
    cls.add_argument("--csv", type=Path, help="also write the grid as CSV")
    cls.add_argument("--html", type=Path, help="also write the grid as an HTML page")
    cls.add_argument("--every", type=float, help="refresh every this many seconds until Ctrl+C")
    hub = verbs.add_parser("hub", help="run JupyterHub: students log in with their card (runs until Ctrl+C)")
    hub.add_argument("--ip", default="0.0.0.0", help="address to listen on (default all)")
    hub.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    verbs.add_parser("down", help="remove everything the workshop made, by label (and the hub's Unix users)")
    for verb in verbs.choices.values():
        verb.add_argument("--name", default="ws", help="workshop name, 1-12 lower-case letters/digits (default ws)")
        verb.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
        verb.add_argument("--context", default=context_name(), help=f"its context (default {context_name()})")


def _connect(args):
    from labsupport.kube import connect_config, load_kubeconfig

    config = load_kubeconfig(args.kubeconfig, args.context)
    return connect_config(config), config


def run(args) -> int:
    from labsupport import workshop

    clients, config = _connect(args)
    if args.verb == "up":
        from labsupport.workshoproster import read_roster, students

        entries = read_roster(args.roster) if args.roster else students(args.students)
        made = workshop.up(clients, config, args.name, entries, labs=tuple(args.labs.split(",")), hours=args.hours)
        print(f"workshop {made.workshop}: {len(made.students)} students ready in {made.seconds:.1f}s")
        for line in made.degraded:
            print(f"  not granted: {line}")
        print(f"next: python -m labsupport workshop hub --name {made.workshop}; then workshop cards --url ...")
    elif args.verb == "cards":
        from labsupport.workshopcards import cards_html

        args.out.write_text(cards_html(args.name, workshop.load(clients, args.name), url=args.url))
        print(f"wrote {args.out}")
    elif args.verb == "status":
        for s in workshop.load(clients, args.name):
            ends = datetime.datetime.fromtimestamp(s.expires_at, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            print(f"{s.user:12} {s.tenant:28} labs {','.join(s.labs):12} access until {ends}")
    elif args.verb == "class":
        return _class(args, clients)
    elif args.verb == "hub":
        from labsupport.workshophub import run_hub

        return run_hub(args.name, workshop.load(clients, args.name), ip=args.ip, port=args.port)
    elif args.verb == "down":
        from labsupport.workshophub import remove_users

        gone = workshop.down(clients, args.name)
        users = remove_users(args.name)
        print(f"workshop {args.name}: removed {len(gone.tenants)} students, {len(gone.namespaces)} namespaces, "
              f"{len(users)} Unix users in {gone.seconds:.1f}s")
        left = workshop.leftovers(clients, args.name)
        if left:
            print("still there: " + ", ".join(left), file=sys.stderr)
            return 1
    return 0


def _class(args, clients) -> int:
    from labsupport import classview, workshop

    while True:
        view = classview.refresh(clients, args.name, workshop.load(clients, args.name), args.lab)
        print(classview.table(view), flush=True)
        if args.csv:
            args.csv.write_text(classview.to_csv(view))
        if args.html:
            args.html.write_text(classview.to_html(view, refresh=args.every))
        if not args.every:
            return 0
        time.sleep(args.every)  # the refresh period itself, not a wait for a condition
