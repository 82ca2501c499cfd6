"""The result of grading one notebook, and the reports written from it: JSON, JUnit XML, Markdown."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
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

    @property
    def passed(self) -> bool:
        return self.report.passed

    def to_dict(self) -> dict:
        return {"notebook": self.notebook, "lab_id": self.lab_id, "namespace": self.namespace,
                "passed": self.passed, "score": self.report.score, "max_score": self.report.max_score,
                "execution": asdict(self.execution), "checks": self.report.to_dict()["results"]}

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
        return f"# Grade of {Path(self.notebook).name} (lab {self.lab_id})\n\n{run}\n\n{self.report.to_markdown()}"


def write_reports(result: GradeResult, out: Path, executed: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    (out / "junit.xml").write_text(result.to_junit_xml())
    (out / "summary.md").write_text(result.to_markdown())
    if executed.exists():
        shutil.copyfile(executed, out / "executed.ipynb")
    else:
        (out / "executed.ipynb").unlink(missing_ok=True)
