"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Rules are the catalog's controls (plus any policy the catalog does not know, from an event log),
results are the findings that need attention: failures, rule errors, unknowns (``kind: open``)
and waived failures (kept, with an ``external``/``accepted`` suppression carrying the reason,
approver and expiry). Passes are left out: code scanning has no use for them and the JSON,
JUnit and HTML reports list them. Waiver problems become tool execution notifications.

Locations are relative to the repository root (``--source-root``), not to the Pulumi project,
because that is where code scanning resolves them: a project in ``infra/`` yields
``infra/components/database.py``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath
from typing import Any

from posture.catalog import Control
from posture.findings import Enforcement, Finding, Severity, Verdict
from posture.reports.model import Report
from posture.resources import resource_name

OUTPUT = "file"

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}
"""GitHub's bands: critical >= 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9."""
FALLBACK_ARTIFACT = "Pulumi.yaml"
"""Where a result without a known declaring line points (in the project directory): code scanning
needs a file, and the project file is what declares the stack."""
FINGERPRINT = "postureFinding/v2"
"""Control, resource URN (or ARN) and judged property: stable when code moves or messages change."""


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"


def document(report: Report) -> dict[str, Any]:
    rule_ids = [c.id for c in report.controls] + report.unknown_control_ids
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    controls = report.control_index
    rules = [_rule(controls[r]) if r in controls else _unknown_rule(r) for r in rule_ids]
    results = [_result(report, f, index[f.control_id]) for f in report.findings
               if f.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN)]
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "posture",
            "version": report.tool_version,
            "rules": rules,
        }},
        "automationDetails": {"id": f"posture/{report.kind}/{report.stack or 'unknown'}/"},
        "invocations": [{
            "executionSuccessful": not report.run_errors,
            "exitCode": report.exit_code,
            "toolExecutionNotifications": [
                {"level": "error" if p.level == "error" else "warning",
                 "message": {"text": p.message},
                 "descriptor": {"id": f"waiver-{p.kind}"}}
                for p in report.waiver_problems
            ] + [{"level": "error", "message": {"text": text}, "descriptor": {"id": "incomplete-check"}}
                 for text in report.run_errors],
        }],
        "results": results,
        "properties": {"kind": report.kind, "view": report.view, "commit": report.commit,
                       "project": report.project, "stack": report.stack,
                       "failOn": report.fail_on.value, "summary": report.outcome,
                       "frameworks": {name: _framework_summary(report, name) for name in report.frameworks}},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _framework_summary(report: Report, name: str) -> dict[str, Any]:
    requirements = report.framework_view(name)
    return {"version": report.framework_versions[name],
            "requirements": {r.id: r.state for r in requirements}}


def _rule(control: Control) -> dict[str, Any]:
    frameworks = "; ".join(f"{name} {', '.join(ids)}" for name, ids in control.frameworks.items() if ids)
    help_md = f"**Remediation:** {control.remediation}\n\n**Promises:** {', '.join(control.promises)}"
    if frameworks:
        help_md += f"\n\n**Frameworks:** {frameworks}"
    rule: dict[str, Any] = {
        "id": control.id,
        "name": "".join(part.capitalize() for part in control.id.split("-")),
        "shortDescription": {"text": control.title},
        "fullDescription": {"text": control.description},
        "help": {"text": f"{control.remediation} (promises: {', '.join(control.promises)})", "markdown": help_md},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["security", *control.promises, *control.frameworks],
            "precision": "high",
            "problem.severity": "error" if control.severity in (Severity.CRITICAL, Severity.HIGH) else "warning",
        },
    }
    if control.severity in SECURITY_SEVERITY:
        rule["properties"]["security-severity"] = SECURITY_SEVERITY[control.severity]
    if control.references:
        rule["helpUri"] = control.references[0]
    return rule


def _unknown_rule(rule_id: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "shortDescription": {"text": f"{rule_id} (policy not in the posture catalog)"},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["security"]},
    }


def message_text(f: Finding) -> str:
    """The rule's message, naming the resource once: rules already start with its name."""
    name = resource_name(f.resource_urn)
    text = f.message if f.message.startswith(name) else f"{name}: {f.message}"
    if f.verdict is Verdict.ERROR:
        text = f"the rule failed to run on {name}: {f.message}"
    return text


def fingerprint(f: Finding) -> str:
    return hashlib.sha256(f"{f.control_id}|{f.resource_urn}|{f.path or ''}".encode()).hexdigest()[:32]


def _result(report: Report, f: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.control_id,
        "ruleIndex": rule_index,
        "message": {"text": message_text(f)},
        "locations": [_location(report, f)],
        "partialFingerprints": {FINGERPRINT: fingerprint(f)},
        "properties": {"severity": f.severity.value, "enforcement": f.enforcement.value, "verdict": f.verdict.value,
                       "blocking": report.blocks(f)},
    }
    details = {"path": f.path, "observed": f.observed, "expected": f.expected}
    result["properties"].update({k: v for k, v in details.items() if v is not None})
    if f.evidence:
        result["properties"]["evidence"] = list(f.evidence)
    if f.verdict is Verdict.UNKNOWN:
        result.update(kind="open", level="none")
    else:
        result.update(kind="fail", level="error" if f.enforcement is Enforcement.MANDATORY else "warning")
    if f.severity in SECURITY_SEVERITY:
        result["properties"]["security-severity"] = SECURITY_SEVERITY[f.severity]
    if f.waiver is not None:
        w = f.waiver
        result["suppressions"] = [{
            "kind": "external",
            "status": "accepted",
            "justification": f"{w.reason} (approved by {w.approver}, expires {w.expires})",
            "properties": {"approver": w.approver, "expires": w.expires, "resourceGlob": w.resource},
        }]
    return result


def _location(report: Report, f: Finding) -> dict[str, Any]:
    source = report.repository_source(f)
    path, line = source if source else (str(PurePosixPath(report.project_path(), FALLBACK_ARTIFACT)), 1)
    return {
        "physicalLocation": {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
                             "region": {"startLine": max(line, 1)}},
        "logicalLocations": [{"fullyQualifiedName": f.resource_urn or "(stack)", "name": resource_name(f.resource_urn),
                              "kind": "resource"}],
    }
