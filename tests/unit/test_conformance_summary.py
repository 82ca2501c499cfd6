"""The conformance summary (labsupport.conformance) on a small hand-written ginkgo JUnit report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labsupport import conformance
from labsupport.conformance import ConformanceError

REPO = Path(__file__).resolve().parents[2]

# What ginkgo v2 writes: every spec of the suite, the ones the filters left out as bare "skipped"; labels in the
# last bracket group; a failure message with a colour code (ESC arrives as U+FFFD, as Go's XML encoder writes it)
# and a second line; suite nodes that passed.
JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="6" disabled="3" errors="0" failures="2" time="42.0">
  <testsuite name="Kubernetes e2e suite" package="/" tests="6" disabled="0" skipped="3" errors="0" failures="2">
    <testcase name="[SynchronizedBeforeSuite]" classname="Kubernetes e2e suite" status="passed" time="3.1"/>
    <testcase name="[It] [sig-network] DNS should provide DNS for services  [Conformance] [Conformance, sig-network]"
              classname="Kubernetes e2e suite" status="passed" time="20.5"/>
    <testcase name="[It] [sig-node] Pods should be updated [NodeConformance] [Conformance] [NodeConformance, Conformance]"
              classname="Kubernetes e2e suite" status="failed" time="9.0">
      <failure message="Timed out &lt;b&gt;after&lt;/b&gt; 30s: &#xFFFD;[31mpod never ran&#xFFFD;[0m&#10;second line" type="failed">trace</failure>
    </testcase>
    <testcase name="[It] [sig-apps] Job should delete a job [Conformance] [Conformance]" classname="Kubernetes e2e suite"
              status="timedout" time="900">
      <failure message="" type="timedout">A suite timeout occurred&#10;more</failure>
    </testcase>
    <testcase name="[It] [sig-storage] Secrets should be immutable [Conformance] [Conformance]"
              classname="Kubernetes e2e suite" status="skipped" time="0.2">
      <skipped message="skipped - Only supported for providers [gce] (not skeleton)"/>
    </testcase>
    <testcase name="[It] [sig-node] Something else entirely [Feature:X]" classname="Kubernetes e2e suite" status="skipped" time="0">
      <skipped message="skipped"/>
    </testcase>
    <testcase name="[It] [sig-node] Pending thing" classname="Kubernetes e2e suite" status="pending" time="0">
      <skipped message="pending"/>
    </testcase>
    <testcase name="[ReportAfterSuite] Kubernetes e2e JUnit report" classname="Kubernetes e2e suite" status="passed" time="0.1"/>
  </testsuite>
</testsuites>
"""


@pytest.fixture
def report(tmp_path) -> Path:
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT)
    return path


def test_counts_pass_fail_skip_and_leaves_out_unselected_specs(report):
    summary = conformance.summarize(conformance.parse_junit(report))
    assert [r.name for r in summary.passed] == ["[sig-network] DNS should provide DNS for services  [Conformance]"]
    assert [(r.name, r.state) for r in summary.failed] == [
        ("[sig-node] Pods should be updated [NodeConformance] [Conformance]", "failed"),
        ("[sig-apps] Job should delete a job [Conformance]", "timedout")]
    assert [r.name for r in summary.skipped] == ["[sig-storage] Secrets should be immutable [Conformance]"]
    assert summary.not_selected == 2  # the filtered-out spec and the pending one; suite nodes are not specs
    assert not summary.ok


def test_summary_gives_each_failure_first_line_escaped_and_capped(report):
    text = conformance.format_summary(conformance.summarize(conformance.parse_junit(report)))
    lines = text.splitlines()
    assert lines[0] == "conformance: 1 passed, 2 failed, 1 skipped (2 specs of the suite not selected)"
    assert "    failed: Timed out <b>after</b> 30s: pod never ran" in lines  # no escape codes, first line only
    assert "second line" not in text and "\ufffd" not in text
    assert "    timedout: A suite timeout occurred" in lines  # message attribute empty: the element's text
    assert "skipped [sig-storage] Secrets should be immutable [Conformance]: Only supported for providers [gce] " \
           "(not skeleton)" in lines
    assert conformance.safe_line("x" * 500, cap=20) == "x" * 19 + "…"
    assert conformance.safe_line("\n\n  a\x07b\x1b[1mc  \nz") == "a\\x07bc"


def test_main_exit_code_follows_failures(report, tmp_path, capsys):
    assert conformance.main(["summary", str(report)]) == 1
    capsys.readouterr()
    passing = tmp_path / "ok.xml"
    passing.write_text(re.sub(r"<testcase name=\"\[It\] \[sig-(node|apps)\].*?</testcase>", "", JUNIT, flags=re.S))
    assert conformance.main(["summary", str(passing)]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("conformance: 1 passed, 0 failed")
    assert conformance.main(["summary", str(tmp_path / "absent.xml")]) == 2
    assert "cannot read the JUnit report" in capsys.readouterr().err


def test_spec_lists_become_go_regexes_of_exact_names(tmp_path):
    lst = tmp_path / "list.txt"
    lst.write_text("# comment\n\n[sig-x] A (b) c.d [Conformance] | why: it needs a cloud\n[sig-y] E+f? [Conformance]\n")
    names = conformance.spec_names(lst)
    assert names == ["[sig-x] A (b) c.d [Conformance]", "[sig-y] E+f? [Conformance]"]
    regex = conformance.names_regex(names)
    assert regex == r"\[sig-x\] A \(b\) c\.d \[Conformance\]|\[sig-y\] E\+f\? \[Conformance\]"
    assert re.search(regex, "[sig-y] E+f? [Conformance]") and not re.search(regex, "[sig-y] Ef [Conformance]")
    lst.write_text("[sig-x] not a conformance spec\n")
    with pytest.raises(ConformanceError, match="not a \\[Conformance\\] spec name"):
        conformance.spec_names(lst)


def test_committed_lists_name_conformance_specs_and_give_reasons():
    for name in ("quick.txt", "exclusions.txt"):
        assert conformance.spec_names(REPO / "clusters" / "conformance" / name)
    for line in (REPO / "clusters" / "conformance" / "exclusions.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert len(line.split(" | ", 1)) == 2 and line.split(" | ", 1)[1].strip(), line
