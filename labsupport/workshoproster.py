"""Who is in a workshop: login names, display names and passwords, from a count or a roster CSV.

    roster = students(count=2)                       # s01, s02
    roster = read_roster(Path("roster.csv"))         # a header row with `name` (and optionally `user`)

Names from a roster are untrusted text (they end up on printed cards and in the class view): they are kept as
typed, capped, and escaped wherever they are rendered. Login names are derived, lower-case ``[a-z0-9]``, so
they are safe as Unix user names and inside namespace names.
"""

from __future__ import annotations

import csv
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from labsupport.errors import LabError

MAX_STUDENTS = 200
NAME_CAP = 80
_WORKSHOP = re.compile(r"[a-z][a-z0-9]{0,11}")
_USER = re.compile(r"[a-z][a-z0-9]{0,11}")
# Passwords are read off a printed card: no look-alike characters (0/O, 1/l/I).
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class Entry:
    """One student before the cluster knows them: login name and display name (untrusted, capped)."""

    user: str
    display: str


def check_workshop_name(name: str) -> str:
    if not _WORKSHOP.fullmatch(name or ""):
        raise LabError(f"Workshop name {name!r} is not 1-12 lower-case letters and digits starting with a letter.",
                       hint="e.g. --name w1; it becomes part of every namespace and Unix user name.")
    return name


def password(length: int = 10) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def students(count: int) -> list[Entry]:
    """``count`` anonymous students s01, s02, ..."""
    if not 1 <= count <= MAX_STUDENTS:
        raise LabError(f"{count} students is outside 1-{MAX_STUDENTS}.", hint="Pass --students between 1 and 200.")
    width = max(2, len(str(count)))
    return [Entry(f"s{i:0{width}d}", f"Student {i}") for i in range(1, count + 1)]


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]", "", text.lower())
    slug = re.sub(r"^[0-9]+", "", slug)
    return slug[:10]


def read_roster(path: Path) -> list[Entry]:
    """Students from a CSV with a header: ``name`` (shown on cards), optional ``user`` (login name).

    A missing or unusable ``user`` is derived from the name (letters and digits, at most 10), made unique with
    a number; an explicit ``user`` that is invalid or repeated is an error, so a typo is not silently renamed.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LabError(f"Cannot read roster {path}: {exc}",
                       hint="A UTF-8 CSV file with a header row `name` (and optionally `user`).") from exc
    if rows and "name" not in rows[0]:
        raise LabError(f"Roster {path} has no `name` column (columns: {', '.join(rows[0])}).",
                       hint="The first line must be a header, e.g. `name,user`.")
    entries: list[Entry] = []
    taken: set[str] = set()
    for line, row in enumerate(rows, start=2):
        display = " ".join((row.get("name") or "").split())[:NAME_CAP]
        user = (row.get("user") or "").strip()
        if user:
            if not _USER.fullmatch(user) or user in taken:
                raise LabError(f"Roster {path} line {line}: user {user!r} is "
                               f"{'repeated' if user in taken else 'not 1-12 lower-case letters/digits'}.",
                               hint="Fix the `user` column, or leave it empty to derive it from the name.")
        else:
            base = _slug(display) or "s"
            user, n = base, 1
            while user in taken:
                n += 1
                user = f"{base}{n}"
        if not display:
            display = user
        taken.add(user)
        entries.append(Entry(user, display))
    if not entries:
        raise LabError(f"Roster {path} lists no students.", hint="One line per student after the header.")
    if len(entries) > MAX_STUDENTS:
        raise LabError(f"Roster {path} lists {len(entries)} students.", hint=f"At most {MAX_STUDENTS}.")
    return entries
