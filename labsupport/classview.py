"""The instructor's class view: every student x every check of one lab, read from the live cluster.

    view = refresh(clients, "w1", workshop.load(clients, "w1"), "02")
    print(table(view)); Path("class.csv").write_text(to_csv(view)); Path("class.html").write_text(to_html(view))

The lab's own CheckSuite runs with the grader's (instructor's) credentials against each student's namespace for
that lab, the same checks the student's ``lab.check(ctx)`` runs; checks only read (and exec read-only commands).
Beside the grid: each student's score, last activity (newest event or object change in the namespace) and stuck
signals (``labsupport.workshopsignals``), and each check's pass rate across the class.
"""

from __future__ import annotations

import concurrent.futures
import csv
import datetime
import html
import io
import re
import time
from dataclasses import dataclass

from labsupport.checks import CheckResult
from labsupport.workshopsignals import Activity, activity
from labsupport.config import DEFAULT_CLUSTER
from labsupport.context import LabContext
from labsupport.kube import Clients
from labsupport.labs import suite_for
from labsupport.workshop import Student

WORKERS = 16  # checks mostly wait on the API server (and exec round trips); threads overlap the waits
CELL_CAP = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Row:
    user: str
    display: str
    namespace: str
    results: tuple[CheckResult, ...]
    activity: Activity

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 2)

    @property
    def points(self) -> float:
        return sum(r.points for r in self.results)


@dataclass(frozen=True)
class ClassView:
    workshop: str
    lab_id: str
    checks: tuple[tuple[str, str], ...]  # (id, title)
    rows: tuple[Row, ...]
    taken_at: float
    seconds: float

    def pass_rate(self, check_id: str) -> float:
        """Fraction of students passing ``check_id`` (0 with no students)."""
        passed = [r for row in self.rows for r in row.results if r.id == check_id and r.passed]
        return len(passed) / len(self.rows) if self.rows else 0.0


def refresh(clients: Clients, workshop: str, students: list[Student], lab_id: str, *,
            workers: int = WORKERS) -> ClassView:
    """Run lab ``lab_id``'s checks for every student, in parallel; each row also has activity and signals."""
    started = time.monotonic()
    suite = suite_for(lab_id)

    # One Clients for every thread: its API discovery (the dynamic client's, dozens of requests) is done once and
    # reused by every refresh of a `--every` loop; urllib3's pool is thread-safe.
    def row(student: Student) -> Row:
        ns = student.namespace(lab_id)
        report = suite.run(LabContext(lab_id, ns, DEFAULT_CLUSTER, None, clients))
        return Row(student.user, student.display, ns, report.results, activity(clients, ns))

    clients.dynamic  # noqa: B018  discovery now, once, before the threads share it
    with concurrent.futures.ThreadPoolExecutor(max(1, workers)) as pool:
        rows = tuple(pool.map(row, students))
    return ClassView(workshop, lab_id, tuple((c.id, c.title) for c in suite.checks), rows, time.time(),
                     time.monotonic() - started)


def clean(text: str, cap: int = CELL_CAP) -> str:
    """Text from a roster or the cluster, safe for a terminal: no control characters, capped."""
    text = _CONTROL.sub("?", str(text))
    return text if len(text) <= cap else text[:cap - 1] + "…"


def _when(ts: float | None) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%H:%M:%S") if ts else "-"


def _mark(result: CheckResult) -> str:
    return "ok" if result.passed else ("part" if result.score > 0 else "--")


def table(view: ClassView) -> str:
    """A plain-text grid: one line per student, one column per check (ok / part / --), then pass rates."""
    ids = [cid for cid, _ in view.checks]
    width = max([len(i) for i in ids] + [4])
    head = f"{'student':20} {'score':>9} {'active':8} " + " ".join(f"{i[:width]:{width}}" for i in ids) + "  stuck"
    lines = [f"workshop {view.workshop}, lab {view.lab_id}, {len(view.rows)} students, "
             f"{_when(view.taken_at)} UTC ({view.seconds:.1f}s)", head]
    for row in view.rows:
        marks = {r.id: _mark(r) for r in row.results}
        lines.append(f"{clean(row.display, 20):20} {row.score:>4g}/{row.points:<4g} {_when(row.activity.last):8} "
                     + " ".join(f"{marks.get(i, '?'):{width}}" for i in ids) + "  "
                     + clean("; ".join(row.activity.signals), 120))
    lines.append(f"{'pass rate':20} {'':9} {'':8} " + " ".join(f"{view.pass_rate(i):{width}.0%}" for i in ids))
    return "\n".join(lines)


def to_csv(view: ClassView) -> str:
    """One row per student: user, name, namespace, score, points, last activity, each check's score, signals."""
    out = io.StringIO()
    writer = csv.writer(out)
    ids = [cid for cid, _ in view.checks]
    writer.writerow(["user", "name", "namespace", "score", "points", "last_activity_utc", *ids, "stuck"])
    for row in view.rows:
        scores = {r.id: r.score for r in row.results}
        last = datetime.datetime.fromtimestamp(row.activity.last, datetime.timezone.utc).isoformat() \
            if row.activity.last else ""
        # A leading = + - @ would make a spreadsheet evaluate a roster name as a formula.
        name = "'" + row.display if row.display[:1] in "=+-@" else row.display
        writer.writerow([row.user, name, row.namespace, row.score, row.points, last,
                         *(scores.get(i, "") for i in ids), "; ".join(row.activity.signals)])
    writer.writerow(["pass rate", "", "", "", "", "", *(f"{view.pass_rate(i):.2f}" for i in ids), ""])
    return out.getvalue()


def to_html(view: ClassView, *, refresh: float | None = None) -> str:
    """A self-contained page; with ``refresh`` it reloads itself every that many seconds. Everything escaped."""
    e = html.escape
    colour = {"ok": "#c8f0c8", "part": "#fff0b0", "--": "#f6d0d0"}
    head = "".join(f"<th title='{e(title)}'>{e(cid)}</th>" for cid, title in view.checks)
    body = []
    for row in view.rows:
        cells = "".join(f"<td style='background:{colour[_mark(r)]}' title='{e(clean(r.message, 300))}'>"
                        f"{e(_mark(r))}</td>" for r in row.results)
        stuck = "<br>".join(e(clean(s, 200)) for s in row.activity.signals)
        body.append(f"<tr><td>{e(clean(row.display))}<br><small>{e(row.namespace)}</small></td>"
                    f"<td>{row.score:g}/{row.points:g}</td><td>{_when(row.activity.last)}</td>{cells}"
                    f"<td class='stuck'>{stuck}</td></tr>")
    rates = "".join(f"<td>{view.pass_rate(cid):.0%}</td>" for cid, _ in view.checks)
    meta = f"<meta http-equiv='refresh' content='{int(refresh)}'>" if refresh else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'>{meta}<title>Class view: {e(view.workshop)} lab "
            f"{e(view.lab_id)}</title><style>body{{font-family:sans-serif}} td,th{{border:1px solid #ccc;"
            f"padding:3px 6px;font-size:10pt}} table{{border-collapse:collapse}} .stuck{{color:#a00}}</style>"
            f"</head><body><h1>Workshop {e(view.workshop)}, lab {e(view.lab_id)}</h1>"
            f"<p>{len(view.rows)} students, refreshed {_when(view.taken_at)} UTC in {view.seconds:.1f}s</p>"
            f"<table><tr><th>student</th><th>score</th><th>last activity</th>{head}<th>stuck</th></tr>"
            + "".join(body) + f"<tr><th>pass rate</th><td></td><td></td>{rates}<td></td></tr></table>"
            "</body></html>\n")
