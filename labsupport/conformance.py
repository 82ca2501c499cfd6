"""Kubernetes conformance runs (clusters/conformance/run.sh): spec lists to ginkgo regexes, JUnit reports to a
summary.

Ginkgo's JUnit report lists every spec of the suite, the thousands its filters left out too (``<skipped
message="skipped"/>``, no reason); a spec skipped while running says why (``skipped - <reason>``). The summary
counts the specs that ran (passed, failed) and those skipped with a reason, and gives each failure's first line,
escaped for a terminal and capped.

    python -m labsupport.conformance focus clusters/conformance/quick.txt
    python -m labsupport.conformance skip clusters/conformance/exclusions.txt
    python -m labsupport.conformance summary reports/conformance-.../junit-*.xml
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from labsupport.errors import LabError

FIRST_LINE_CAP = 240
_GINKGO_PREFIX = re.compile(r"^\[(It|BeforeSuite|AfterSuite|SynchronizedBeforeSuite|SynchronizedAfterSuite|"
                            r"ReportBeforeSuite|ReportAfterSuite|DeferCleanup \(Suite\))\]\s*")
# Go's XML encoder turns ESC (invalid in XML) into U+FFFD, so a colour code arrives as "\ufffd[31m".
_ANSI = re.compile(r"[\x1b\ufffd]\[[0-9;?]*[A-Za-z]")
_REGEX_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")


class ConformanceError(LabError):
    """A conformance spec list or JUnit report cannot be read."""


@dataclass(frozen=True)
class SpecResult:
    name: str
    state: str  # passed, failed, skipped (with a reason), or another ginkgo state (timedout, panicked, ...)
    message: str = ""  # the failure or skip message


@dataclass
class Summary:
    passed: list[SpecResult] = field(default_factory=list)
    failed: list[SpecResult] = field(default_factory=list)
    skipped: list[SpecResult] = field(default_factory=list)
    not_selected: int = 0  # specs the run's filters left out

    @property
    def ok(self) -> bool:
        return not self.failed and bool(self.passed)


def safe_line(text: str, cap: int = FIRST_LINE_CAP) -> str:
    """The first non-empty line of ``text``, without terminal escapes or control characters, at most ``cap`` long."""
    text = _ANSI.sub("", text or "")
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in line)
    return line if len(line) <= cap else line[: cap - 1] + "…"


def spec_names(path: Path) -> list[str]:
    """Spec names from a list file: one per line, ``NAME`` or ``NAME | reason``; ``#`` lines and blanks ignored."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConformanceError(f"cannot read the spec list {path}: {exc}",
                               hint="run from the repository's top folder (make conformance)") from exc
    names = [ln.split(" | ", 1)[0].strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    bad = [n for n in names if "[Conformance]" not in n]
    if bad:
        raise ConformanceError(f"{path}: not a [Conformance] spec name: {safe_line(bad[0])}",
                               hint="copy names exactly from the suite (e2e.test --list-tests, or "
                                    "test/conformance/testdata/conformance.yaml in the Kubernetes module)")
    return names


def names_regex(names: list[str]) -> str:
    """One regular expression (Go RE2, as ginkgo's --focus/--skip take) matching any of the exact names."""
    return "|".join(_REGEX_SPECIAL.sub(r"\\\1", n) for n in names)


def _spec_name(raw: str) -> str:
    name = _GINKGO_PREFIX.sub("", raw.strip())
    # ginkgo appends the spec's labels in brackets after its text ("... [Conformance] [Conformance, sig-node]");
    # every spec a conformance run selects has labels, so its last group goes unless that leaves no [Conformance].
    m = re.match(r"^(.*\S)\s+\[([^\[\]]*)\]$", name)
    if m and ("," in m.group(2) or "[Conformance]" in m.group(1)):
        return m.group(1)
    return name


def _problem(case: ET.Element) -> ET.Element | None:
    for tag in ("failure", "error"):
        found = case.find(tag)
        if found is not None:
            return found
    return None


def parse_junit(path: Path) -> list[SpecResult]:
    """Every spec of a ginkgo JUnit report, and suite-level nodes (BeforeSuite, ...) only when they failed."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ConformanceError(f"cannot read the JUnit report {path}: {exc}",
                               hint="the ginkgo run may have been killed before writing it: "
                                    "see its log beside it") from exc
    results = []
    for case in root.iter("testcase"):
        raw, status = case.get("name", ""), case.get("status", "")
        problem, skipped = _problem(case), case.find("skipped")
        if not raw.startswith("[It]") and _GINKGO_PREFIX.match(raw) and problem is None:
            continue
        if problem is not None:
            state = status if status not in ("", "passed", "skipped") else "failed"
            message = problem.get("message") or (problem.text or "")
        elif skipped is not None:
            state, message = ("pending" if status == "pending" else "skipped"), skipped.get("message", "")
        else:
            state, message = status or "passed", ""
        results.append(SpecResult(_spec_name(raw), state, message))
    return results


def summarize(results: list[SpecResult]) -> Summary:
    summary = Summary()
    for r in results:
        if r.state == "passed":
            summary.passed.append(r)
        elif r.state == "skipped":
            if r.message.strip() in ("", "skipped"):  # left out by --focus/--skip: never started
                summary.not_selected += 1
            else:
                summary.skipped.append(r)
        elif r.state == "pending":
            summary.not_selected += 1
        else:
            summary.failed.append(r)
    return summary


def format_summary(summary: Summary, *, max_failures: int = 50) -> str:
    lines = [f"conformance: {len(summary.passed)} passed, {len(summary.failed)} failed, "
             f"{len(summary.skipped)} skipped ({summary.not_selected} specs of the suite not selected)"]
    for r in summary.failed[:max_failures]:
        lines.append(f"FAILED {safe_line(r.name, 200)}")
        lines.append(f"    {r.state}: {safe_line(r.message)}")
    if len(summary.failed) > max_failures:
        lines.append(f"... and {len(summary.failed) - max_failures} more failures (see the JUnit reports)")
    for r in summary.skipped:
        reason = r.message.removeprefix("skipped - ")
        lines.append(f"skipped {safe_line(r.name, 200)}: {safe_line(reason, 160)}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    usage = "usage: python -m labsupport.conformance focus|skip LIST | summary JUNIT..."
    if len(argv) < 2 or argv[0] not in ("focus", "skip", "summary"):
        print(usage, file=sys.stderr)
        return 2
    try:
        if argv[0] in ("focus", "skip"):
            print(names_regex(spec_names(Path(argv[1]))))
            return 0
        results = [r for p in argv[1:] for r in parse_junit(Path(p))]
    except ConformanceError as exc:
        print(exc, file=sys.stderr)
        return 2
    summary = summarize(results)
    print(format_summary(summary))
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
