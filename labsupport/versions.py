"""The pinned versions in clusters/versions.env, the one file the build scripts (bash) and labsupport both read.

>>> versions()["K8S_VERSION"]       # doctest: +SKIP
'v1.34.0'
>>> expand("image: kindlab.local/flannel:${FLANNEL_VERSION}")   # doctest: +SKIP
'image: kindlab.local/flannel:v0.27.4'
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from labsupport.errors import VersionsError

CLUSTERS = Path(__file__).resolve().parent.parent / "clusters"
VERSIONS_FILE = CLUSTERS / "versions.env"

_LINE = re.compile(r"([A-Z][A-Z0-9_]*)=([^\s'\"$`]*)")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def parse(text: str, *, source: str = "versions.env") -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments skipped. Anything bash would read differently (quotes, $,
    spaces) is refused, so both readers always agree."""
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if not match:
            raise VersionsError(f"{source}:{number}: {raw!r} is not a plain KEY=VALUE line",
                                hint="Write UPPER_CASE_KEY=value with no quotes, spaces or $ in the value.")
        key, value = match.groups()
        if key in values:
            raise VersionsError(f"{source}:{number}: {key} is set twice",
                                hint="Keep one line per key: the file is the one place a version is pinned.")
        values[key] = value
    return values


@lru_cache(maxsize=None)
def versions(path: Path = VERSIONS_FILE) -> Mapping[str, str]:
    """The parsed file (read once per process)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise VersionsError(f"cannot read {path}: {exc}", hint="Run from a complete checkout of the repository.") from exc
    return parse(text, source=str(path))


def get(key: str) -> str:
    """One pinned value; a missing key is an error that names the file."""
    try:
        return versions()[key]
    except KeyError:
        raise VersionsError(f"{VERSIONS_FILE} has no {key}", hint=f"Add a line {key}=... to {VERSIONS_FILE}.") from None


def expand(text: str, values: Mapping[str, str] | None = None, *, source: str = "text") -> str:
    """Replace each ``${KEY}`` with its pinned value; an unknown key is an error (never left as is)."""
    values = versions() if values is None else values
    missing = sorted({m.group(1) for m in _REFERENCE.finditer(text)} - set(values))
    if missing:
        raise VersionsError(f"{source} refers to {', '.join('${' + k + '}' for k in missing)}, not in versions.env",
                            hint=f"Add the key to {VERSIONS_FILE}, or fix its spelling.")
    return _REFERENCE.sub(lambda m: values[m.group(1)], text)
