"""Markdown for a pull-request comment: the verdict first, then what blocks, then the promises.

Tables are capped so the comment stays under GitHub's 65,536-character limit; the full lists
are in the JSON/HTML reports.
"""

from __future__ import annotations

from posture.findings import Finding, Verdict
from posture.reports.model import KINDS, STATE_LABELS, Report, resource_name, state

MAX_ROWS = 50
ICONS = {"error": "🛑", "fail": "❌", "unknown": "❔", "waived": "🟡", "pass": "✅", "not_applicable": "·",
         "not_evaluated": "⚪"}


def render(report: Report) -> str:
    lines = [_headline(report), "", f"_{KINDS[report.kind]} · posture {report.tool_version} · "
             f"fails on mandatory findings of severity {report.fail_on.value} or higher_", ""]
    counts = report.counts()
    shown = ("fail", "error", "waived", "unknown", "pass")
    lines += ["| " + " | ".join(f"{ICONS[s]} {STATE_LABELS[s]}" for s in shown) + " |",
              "|" + "---:|" * len(shown),
              "| " + " | ".join(str(counts[s]) for s in shown) + " |", ""]

    blocking = report.blocking
    if blocking:
        lines += [f"### Blocking findings ({len(blocking)})", "", *_findings_table(report, blocking, fix=True), ""]
    if report.run_errors:
        lines += ["### Incomplete checks", "", *(f"- 🛑 {_cell(text)}" for text in report.run_errors), ""]
    problems = report.waiver_problems
    if problems:
        lines += ["### Waiver problems", ""]
        lines += [f"- {'🛑' if p.level == 'error' else '⚠️'} {_cell(p.message)}" for p in problems]
        lines.append("")

    lines += ["### Promises", "", "| Promise | Status | Controls |", "|---|---|---|"]
    for promise in report.promises:
        status = report.promise_state(promise)
        controls = report.controls_for(promise)
        tally = _tally(report, [c.id for c in controls])
        note = " (infrastructure) + application responsibility" if promise.application_responsibility else ""
        lines.append(f"| **{promise.id}** {_cell(_short(promise.text))} | {ICONS[status]} {STATE_LABELS[status]}"
                     f"{note} | {tally} |")
    lines.append("")

    others = [f for f in report.reported_findings
              if f.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN) and not report.blocks(f)]
    if others:
        lines += [f"<details><summary>Non-blocking findings ({len(others)}): advisory, waived, unknown or below "
                  f"the threshold</summary>", "", *_findings_table(report, others, fix=False), "", "</details>", ""]
    return "\n".join(lines)


def _headline(report: Report) -> str:
    where = f" — stack `{report.stack}`" if report.stack else ""
    icon = "✅" if report.exit_code == 0 else "❌"
    return f"## {icon} posture {report.kind}{where}: {report.outcome}"


def _findings_table(report: Report, findings: list[Finding], *, fix: bool) -> list[str]:
    controls = report.control_index
    head = "| Severity | Control | Resource | Finding |" + (" Fix |" if fix else " State |")
    rows = [head, "|---|---|---|---|---|"]
    for f in findings[:MAX_ROWS]:
        source = report.relative_source(f)
        where = f"`{resource_name(f.resource_urn)}`" + (f"<br>{source[0]}:{source[1]}" if source else "")
        last = (_cell(controls[f.control_id].remediation) if f.control_id in controls else "") if fix else (
            f"{ICONS[state(f)]} {STATE_LABELS[state(f)]}" + (f" ({_cell(f.waiver.reason)})" if f.waiver else ""))
        rows.append(f"| {f.severity.value} | `{f.control_id}` | {where} | {_cell(f.message)} | {last} |")
    if len(findings) > MAX_ROWS:
        rows.append(f"| | | | … and {len(findings) - MAX_ROWS} more (see the JSON or HTML report) | |")
    return rows


def _tally(report: Report, control_ids: list[str]) -> str:
    if not control_ids:
        return "no infrastructure control"
    states = [report.control_state(c) for c in control_ids]
    parts = [f"{states.count(s)} {STATE_LABELS[s].lower()}" for s in ("fail", "error", "waived", "unknown", "pass",
                                                                      "not_evaluated") if states.count(s)]
    return f"{len(control_ids)}: " + ", ".join(parts)


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cell(text: str) -> str:
    """Safe inside a table cell: no pipes, no newlines, no HTML."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", " ").replace("\n", " "))
