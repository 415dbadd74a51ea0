"""JUnit XML for CI test tabs: one test case per control and resource.

``classname`` is the control id (CI tools group by it), ``name`` the resource's logical name and
type. Failures and rule errors are ``<failure>`` (advisory ones too, marked in ``type``, so they
stay visible); waived findings and unknowns are ``<skipped>`` with the reason; passes have no child.
Waiver problems that fail the run (expired, refused) are failing test cases of their own, so the
test tab and the exit code agree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from posture.findings import Finding, Verdict
from posture.reports.model import Report, waiver_text
from posture.resources import resource_name

OUTPUT = "file"


def render(report: Report) -> str:
    suite_name = f"posture {report.kind}" + (f" {report.stack}" if report.stack else "")
    suite = ET.Element("testsuite", name=suite_name,
                       timestamp=report.generated_at.replace(tzinfo=None).isoformat(timespec="seconds"))
    props = ET.SubElement(suite, "properties")
    frameworks = [(f"framework {name} {report.framework_versions[name]}",
                   ", ".join(f"{r.id} {r.state}" for r in report.framework_view(name))) for name in report.frameworks]
    for key, value in (("kind", report.kind), ("view", report.view), ("project", report.project),
                       ("stack", report.stack), ("commit", report.commit), ("fail_on", report.fail_on.value),
                       ("outcome", report.outcome), *frameworks):
        if value:
            ET.SubElement(props, "property", name=key, value=value)
    tally = {"tests": 0, "failures": 0, "skipped": 0}
    for finding in report.reported_findings:
        _testcase(suite, report, finding, tally)
    for problem in report.waiver_errors:
        case = ET.SubElement(suite, "testcase", classname="posture.waivers", name=f"waivers[{problem.index}]", time="0")
        ET.SubElement(case, "failure", message=problem.message, type=f"waiver-{problem.kind}").text = problem.message
        tally["tests"] += 1
        tally["failures"] += 1
    for i, text in enumerate(report.run_errors):
        case = ET.SubElement(suite, "testcase", classname="posture.run", name=f"incomplete-check[{i}]", time="0")
        ET.SubElement(case, "failure", message=text, type="incomplete check").text = text
        tally["tests"] += 1
        tally["failures"] += 1
    for key, value in tally.items():
        suite.set(key, str(value))
    suite.set("errors", "0")
    suite.set("time", "0")
    root = ET.Element("testsuites", name="posture", tests=str(tally["tests"]), failures=str(tally["failures"]),
                      errors="0", skipped=str(tally["skipped"]), time="0")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _testcase(suite: ET.Element, report: Report, f: Finding, tally: dict[str, int]) -> None:
    name = resource_name(f.resource_urn) + (f" ({f.resource_type})" if f.resource_type else "")
    case = ET.SubElement(suite, "testcase", classname=f.control_id, name=name, time="0")
    tally["tests"] += 1
    detail = f"{f.resource_urn}\n{f.message}" + "".join(f"\n  {i}. {hop}" for i, hop in enumerate(f.evidence, 1))
    source = report.relative_source(f)
    if source:
        detail += f"\ndeclared at {source[0]}:{source[1]}"
        case.set("file", source[0])
        case.set("line", str(source[1]))
    if f.waiver is not None:
        ET.SubElement(case, "skipped", message=waiver_text(f)).text = detail
        tally["skipped"] += 1
    elif f.verdict is Verdict.UNKNOWN:
        ET.SubElement(case, "skipped", message=f"unknown: {f.message}").text = detail
        tally["skipped"] += 1
    elif f.verdict in (Verdict.FAIL, Verdict.ERROR):
        kind = "rule error" if f.verdict is Verdict.ERROR else f"{f.severity.value} {f.enforcement.value}"
        blocking = "blocking" if report.blocks(f) else "not blocking"
        ET.SubElement(case, "failure", message=f"{f.message}", type=f"{kind}, {blocking}").text = detail
        tally["failures"] += 1
