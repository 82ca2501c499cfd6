"""The result of grading one notebook, and the reports written from it: JSON, JUnit XML, Markdown."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

from labsupport.checks import Report, junit_document
from labsupport.execute import Execution


@dataclass(frozen=True)
class GradeResult:
    notebook: str
    lab_id: str
    namespace: str
    execution: Execution
    report: Report
    notes: tuple[str, ...] = field(default=())  # how the submission ran: rights beyond its namespace, isolation

    @property
    def passed(self) -> bool:
        return self.report.passed

    def to_dict(self) -> dict:
        return {"notebook": self.notebook, "lab_id": self.lab_id, "namespace": self.namespace,
                "passed": self.passed, "score": self.report.score, "max_score": self.report.max_score,
                "execution": asdict(self.execution), "notes": list(self.notes),
                "checks": self.report.to_dict()["results"]}

    def to_junit_xml(self) -> str:
        suite = self.report.to_junit_element()
        props = ET.Element("properties")
        for name, value in (("notebook", self.notebook), ("namespace", self.namespace),
                            ("execution", "ok" if self.execution.ok else "stopped")):
            ET.SubElement(props, "property", name=name, value=value)
        suite.insert(0, props)
        if self.execution.error:
            ET.SubElement(suite, "system-err").text = "Notebook stopped at " + self.execution.error.describe()
        root = ET.Element("testsuites", name=f"grade {Path(self.notebook).name}")
        root.append(suite)
        return junit_document(root)

    def to_markdown(self) -> str:
        ex = self.execution
        if ex.ok:
            run = f"The notebook ran top to bottom ({ex.cells} cells, {ex.seconds:.0f}s)."
        else:
            run = f"The notebook stopped at {ex.error.describe()}. Every check was still evaluated."
        notes = "".join(f"- {n}\n" for n in self.notes)
        notes = f"How it ran:\n\n{notes}\n" if notes else ""
        return (f"# Grade of {Path(self.notebook).name} (lab {self.lab_id})\n\n{run}\n\n{notes}"
                f"{self.report.to_markdown()}")


def write_reports(result: GradeResult, out: Path, executed: Path | bytes | None) -> None:
    """Write report.json, junit.xml, summary.md and executed.ipynb into ``out``. A file already there is
    replaced, never written through: a link planted in its place is removed, not followed."""
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(executed, Path):
        executed = executed.read_bytes() if executed.is_file() else None
    files = {"report.json": json.dumps(result.to_dict(), indent=2) + "\n", "junit.xml": result.to_junit_xml(),
             "summary.md": result.to_markdown(), "executed.ipynb": executed}
    for name, content in files.items():
        path = out / name
        path.unlink(missing_ok=True)
        if content is None:
            continue
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content.encode() if isinstance(content, str) else content)
