"""Printable login cards: one per student, eight to an A4 page, cut along the dashed lines.

    Path("cards.html").write_text(cards_html("w1", load(clients, "w1"), url="http://10.0.0.5:8000"))

Each card: the hub's URL, the login name and password, the namespace, and what to open first. Every piece of
text is HTML-escaped: display names come from a roster anyone could have typed into.
"""

from __future__ import annotations

import datetime
import html
from pathlib import Path

from labsupport.workshop import Student

LABS = Path(__file__).resolve().parent.parent / "labs"


def first_notebook(lab_id: str) -> str:
    """The learner edition's file name of ``lab_id`` (``00-welcome.ipynb``), as the student's workbook has it."""
    found = sorted(LABS.glob(f"{lab_id}-*.ipynb"))
    return found[0].name if found else f"{lab_id}-*.ipynb"

_STYLE = """
@page { size: A4; margin: 10mm; }
body { font-family: sans-serif; margin: 0; }
.cards { display: grid; grid-template-columns: 1fr 1fr; gap: 0; }
.card { border: 1px dashed #888; padding: 5mm; height: 62mm; box-sizing: border-box; page-break-inside: avoid;
        overflow: hidden; }
.card h2 { font-size: 13pt; margin: 0 0 2mm 0; }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: 1mm 3mm; margin: 0 0 2mm 0; }
.card dt { color: #555; } .card dd { margin: 0; font-family: monospace; font-size: 12pt; word-break: break-all; }
.card p { font-size: 9pt; margin: 1mm 0; }
"""


def _card(student: Student, url: str, workshop: str) -> str:
    e = html.escape
    first = student.labs[0]
    expires = datetime.datetime.fromtimestamp(student.expires_at, datetime.timezone.utc).strftime("%H:%M UTC")
    return (f'<div class="card"><h2>{e(student.display)}</h2><dl>'
            f"<dt>Open</dt><dd>{e(url)}</dd><dt>User</dt><dd>{e(student.user)}</dd>"
            f"<dt>Password</dt><dd>{e(student.password)}</dd>"
            f"<dt>Namespace</dt><dd>{e(student.namespace(first))}</dd></dl>"
            f"<p>Log in: <b>start-here.ipynb</b> opens; run it (Shift+Enter), then open <b>{e(first_notebook(first))}"
            "</b> from the file browser. Your namespaces are already filled in.</p>"
            f"<p>Workshop {e(workshop)}. Your access ends at {e(expires)}.</p></div>")


def cards_html(workshop: str, students: list[Student], *, url: str) -> str:
    """The whole printable page."""
    body = "\n".join(_card(s, url, workshop) for s in students)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Workshop {html.escape(workshop)}: login "
            f"cards</title><style>{_STYLE}</style></head><body><div class='cards'>\n{body}\n</div></body></html>\n")
