"""The JSON report: a stable, versioned document (docs/report-format.md describes every field).

``schema_version`` changes whenever the document's shape does (docs/report-format.md lists the
changes), because the published schema forbids fields it does not know.
"""

from __future__ import annotations

import json
from typing import Any

from posture.findings import Finding
from posture.reports.model import FRAMEWORKS, STATES, TALLY_STATES, VIEWS, Report, state
from posture.resources import resource_name

OUTPUT = "file"

SCHEMA_VERSION = 3


def render(report: Report) -> str:
    """Compact: only without indentation does the json module use its C encoder, and a 10,000-resource
    report (26,000 verdicts, 16 MB indented) then takes a third of the time. `jq .` pretty-prints it."""
    return json.dumps(document(report), ensure_ascii=False, separators=(",", ":")) + "\n"


def document(report: Report) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "posture", "version": report.tool_version},
        "kind": report.kind,
        "view": report.view,
        "project": report.project,
        "stack": report.stack,
        "commit": report.commit,
        "generated_at": report.generated_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "fail_on": report.fail_on.value,
        "result": {
            "exit_code": report.exit_code,
            "passed": report.exit_code == 0,
            "summary": report.outcome,
            "blocking": len(report.blocking),
            "waiver_errors": len(report.waiver_errors),
            "run_errors": len(report.run_errors),
            "verdicts": len(report.findings),
        },
        "counts": report.counts(),
        "metadata": dict(report.metadata),
        "promises": [
            {
                "id": p.id,
                "title": p.title,
                "text": p.text,
                "status": report.promise_state(p),
                "application_responsibility": p.application_responsibility,
                "controls": [c.id for c in report.controls_for(p)],
                "tally": report.control_tally(c.id for c in report.controls_for(p)),
            }
            for p in report.promises
        ],
        "controls": [
            {
                "id": c.id,
                "title": c.title,
                "severity": c.severity.value,
                "status": report.control_state(c.id),
                "promises": list(c.promises),
                "frameworks": {name: list(ids) for name, ids in c.frameworks.items()},
                "enforcers": list(c.enforcers),
                "remediation": c.remediation,
            }
            for c in report.controls
        ],
        "frameworks": [_framework(report, name) for name in report.frameworks],
        "findings": [_finding(report, f) for f in report.reported_findings],
        "accounts": [
            {"account": a.account, "status": a.status, "unknown_reason": a.unknown_reason, "counts": a.counts,
             "blocking": a.blocking}
            for a in report.account_sections
        ],
        "waivers": [
            {
                "index": i,
                "control": w.control_id,
                "resource": w.resource,
                "reason": w.reason,
                "approver": w.approver,
                "expires": w.expires,
                "status": report.waiver_status(i)[0],
                "findings_covered": report.waiver_status(i)[1],
            }
            for i, w in enumerate(report.waivers)
        ],
        "waiver_problems": [
            {"level": p.level, "kind": p.kind, "index": p.index, "message": p.message}
            for p in report.waiver_problems
        ],
        "run_errors": list(report.run_errors),
    }


def _finding(report: Report, f: Finding) -> dict[str, Any]:
    source = report.relative_source(f)
    return {
        "control_id": f.control_id,
        "in_catalog": f.control_id in report.control_index,
        "state": state(f),
        "verdict": f.verdict.value,
        "severity": f.severity.value,
        "enforcement": f.enforcement.value,
        "blocking": report.blocks(f),
        "resource": {"urn": f.resource_urn, "name": resource_name(f.resource_urn), "type": f.resource_type,
                     "stack": f.owner_stack, "logical_name": f.logical_name, "account": f.account},
        "message": f.message,
        "path": f.path,
        "observed": f.observed,
        "expected": f.expected,
        "evidence": list(f.evidence),
        "source": {"path": source[0], "line": source[1]} if source else None,
        "waiver": None if f.waiver is None else {
            "index": report.waivers.index(f.waiver) if f.waiver in report.waivers else None,
            "reason": f.waiver.reason,
            "approver": f.waiver.approver,
            "expires": f.waiver.expires,
        },
    }


def _framework(report: Report, name: str) -> dict[str, Any]:
    requirements = report.framework_view(name)
    return {
        "name": name,
        "key": next(key for key, full in FRAMEWORKS.items() if full == name),
        "version": report.framework_versions[name],
        "tally": {s: sum(1 for r in requirements if r.state == s) for s in STATES},
        "requirements": [{"id": r.id, "status": r.state, "controls": list(r.controls)} for r in requirements],
    }


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or list(properties),
            "additionalProperties": False}


_TEXT = {"type": "string"}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_STATE = {"enum": list(STATES)}
_COUNT = {"type": "integer", "minimum": 0}
_TALLY = {"type": "object", "properties": {s: _COUNT for s in STATES}, "required": list(STATES),
          "additionalProperties": False}
_SEVERITY = {"enum": ["critical", "high", "medium", "low", "info"]}
_TEXTS = {"type": "array", "items": _TEXT}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": f"posture report, schema_version {SCHEMA_VERSION}",
    **_object({
        "schema_version": {"const": SCHEMA_VERSION},
        "tool": _object({"name": {"const": "posture"}, "version": _TEXT}),
        "kind": {"enum": ["check", "report", "audit"]},
        "view": {"type": "string", "minLength": 1, "examples": list(VIEWS)},
        "project": _TEXT_OR_NULL,
        "stack": _TEXT_OR_NULL,
        "commit": _TEXT_OR_NULL,
        "generated_at": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"},
        "fail_on": _SEVERITY,
        "result": _object({"exit_code": {"enum": [0, 1]}, "passed": {"type": "boolean"}, "summary": _TEXT,
                           "blocking": {"type": "integer", "minimum": 0},
                           "waiver_errors": {"type": "integer", "minimum": 0},
                           "run_errors": _COUNT, "verdicts": _COUNT}),
        "counts": _object({s: _COUNT for s in TALLY_STATES}),
        "metadata": {"type": "object", "additionalProperties": _TEXT},
        "promises": {"type": "array", "items": _object({
            "id": _TEXT, "title": _TEXT, "text": _TEXT, "status": _STATE,
            "application_responsibility": _TEXT_OR_NULL, "controls": _TEXTS, "tally": _TALLY})},
        "controls": {"type": "array", "items": _object({
            "id": _TEXT, "title": _TEXT, "severity": _SEVERITY, "status": _STATE, "promises": _TEXTS,
            "frameworks": {"type": "object", "additionalProperties": _TEXTS},
            "enforcers": _TEXTS, "remediation": _TEXT})},
        "frameworks": {"type": "array", "items": _object({
            "name": {"enum": list(FRAMEWORKS.values())}, "key": {"enum": list(FRAMEWORKS)}, "version": _TEXT,
            "tally": _TALLY,
            "requirements": {"type": "array", "items": _object({"id": _TEXT, "status": _STATE, "controls": _TEXTS})},
        })},
        "findings": {"type": "array", "items": _object({
            "control_id": _TEXT,
            "in_catalog": {"type": "boolean"},
            "state": _STATE,
            "verdict": {"enum": ["pass", "fail", "unknown", "error"]},
            "severity": _SEVERITY,
            "enforcement": {"enum": ["mandatory", "advisory", "remediate", "disabled"]},
            "blocking": {"type": "boolean"},
            "resource": _object({"urn": _TEXT, "name": _TEXT, "type": _TEXT, "stack": _TEXT_OR_NULL,
                                 "logical_name": _TEXT_OR_NULL, "account": _TEXT_OR_NULL}),
            "message": _TEXT,
            "path": _TEXT_OR_NULL,
            "observed": _TEXT_OR_NULL,
            "expected": _TEXT_OR_NULL,
            "evidence": _TEXTS,
            "source": {"oneOf": [{"type": "null"},
                                 _object({"path": _TEXT, "line": {"type": "integer", "minimum": 0}})]},
            "waiver": {"oneOf": [{"type": "null"}, _object({
                "index": {"type": ["integer", "null"]}, "reason": _TEXT, "approver": _TEXT,
                "expires": {"type": "string", "format": "date"}})]},
        })},
        "accounts": {"type": "array", "items": _object({
            "account": {"type": "string", "pattern": r"^\d{12}$"}, "status": _TEXT, "unknown_reason": _TEXT_OR_NULL,
            "counts": _object({s: _COUNT for s in TALLY_STATES}), "blocking": _COUNT})},
        "waivers": {"type": "array", "items": _object({
            "index": {"type": "integer", "minimum": 0}, "control": _TEXT, "resource": _TEXT, "reason": _TEXT,
            "approver": _TEXT, "expires": {"type": "string", "format": "date"},
            "status": {"enum": ["applied", "expired", "refused", "unused"]},
            "findings_covered": {"type": "integer", "minimum": 0}})},
        "waiver_problems": {"type": "array", "items": _object({
            "level": {"enum": ["error", "warning"]}, "kind": {"enum": ["expired", "refused", "unused"]},
            "index": {"type": "integer", "minimum": 0}, "message": _TEXT})},
        "run_errors": _TEXTS,
    }),
}
"""The JSON Schema of ``document()``; docs/report-format.md explains each field, and the tests
validate real output against it (additionalProperties is false everywhere, so nothing slips in
undocumented)."""
