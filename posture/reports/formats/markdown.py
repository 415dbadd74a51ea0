"""Markdown for a pull-request comment: the verdict first, then what blocks, then the promises.

Tables are capped so the comment stays under GitHub's 65,536-character limit; the full lists
are in the JSON/HTML reports.
"""

from __future__ import annotations

from posture.findings import Finding, Verdict
from posture.reports.model import KINDS, STATE_LABELS, TALLY_STATES, Report, state
from posture.resources import resource_name

OUTPUT = "file"

MAX_ROWS = 50
ACCOUNT_ROWS = 10
"""Findings listed per account in an organization report (a hundred accounts must fit one comment)."""
ICONS = {"error": "🛑", "fail": "❌", "unknown": "❔", "waived": "🟡", "pass": "✅", "not_applicable": "·",
         "not_evaluated": "⚪"}


def render(report: Report) -> str:
    lines = [_headline(report), "", f"_{KINDS[report.kind]} · view {report.view} · "
             f"commit {('`' + report.commit + '`') if report.commit else 'unknown'} · posture {report.tool_version} · "
             f"fails on mandatory findings of severity {report.fail_on.value} or higher_", ""]
    counts = report.counts()
    lines += ["| " + " | ".join(f"{ICONS[s]} {STATE_LABELS[s]}" for s in TALLY_STATES) + " | Verdicts |",
              "|" + "---:|" * (len(TALLY_STATES) + 1),
              "| " + " | ".join(str(counts[s]) for s in TALLY_STATES) + f" | {sum(counts.values())} |", ""]

    lines += _accounts(report)
    blocking = report.blocking
    if blocking and not report.accounts:
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
        tally = tally_text([report.control_state(c.id) for c in report.controls_for(promise)],
                           "no infrastructure control")
        note = " (infrastructure) + application responsibility" if promise.application_responsibility else ""
        lines.append(f"| **{promise.id} {_cell(promise.title)}**<br>{_cell(promise.text)} | {ICONS[status]} "
                     f"{STATE_LABELS[status]}{note} | {tally} |")
    lines.append("")
    lines += _frameworks(report)
    lines += _network(report)

    others = [f for f in report.reported_findings
              if f.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN) and not report.blocks(f)]
    if others and not report.accounts:  # an organization report lists them per account
        lines += [f"<details><summary>Non-blocking findings ({len(others)}): advisory, waived, unknown or below "
                  f"the threshold</summary>", "", *_findings_table(report, others, fix=False), "", "</details>", ""]
    return "\n".join(lines)


def _accounts(report: Report) -> list[str]:
    """An organization audit: the summary (accounts x verdict counts, why an account is unknown),
    then one folded section per account with what needs attention there."""
    sections = report.account_sections
    if not sections:
        return []
    lines = [f"### Organization: {len(sections)} accounts", "",
             "| Account | Audit | " + " | ".join(f"{ICONS[s]} {STATE_LABELS[s]}" for s in TALLY_STATES[:-1])
             + " | Blocking |", "|---|---|" + "---:|" * len(TALLY_STATES)]
    for a in sections:
        lines.append(f"| `{a.account}` | {_cell(a.status)} | " + " | ".join(str(a.counts[s]) for s in TALLY_STATES[:-1])
                     + f" | {a.blocking} |")
    lines.append("")
    unknown = [a for a in sections if a.unknown_reason is not None]
    if unknown:
        lines += [f"**Not audited ({len(unknown)}):**", ""]
        lines += [f"- ❔ `{a.account}`: {_cell(a.unknown_reason or '')}" for a in unknown]
        lines.append("")
    for a in sections:
        attention = [f for f in a.findings if f.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN)]
        if not attention or a.unknown_reason is not None:
            continue
        shown = attention[:ACCOUNT_ROWS]
        lines += [f"<details><summary>Account <code>{a.account}</code>: {a.blocking} blocking, "
                  f"{len(attention)} to look at</summary>", "", *_findings_table(report, shown, fix=False)]
        if len(attention) > len(shown):
            lines.append(f"| | | | … and {len(attention) - len(shown)} more (see the JSON or HTML report) | |")
        lines += ["", "</details>", ""]
    return lines


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
        evidence = "".join(f"<br>{i}. {_cell(hop)}" for i, hop in enumerate(f.evidence, start=1))
        rows.append(f"| {f.severity.value} | `{f.control_id}` | {where} | {_cell(f.message)}{evidence} | {last} |")
    if len(findings) > MAX_ROWS:
        rows.append(f"| | | | … and {len(findings) - MAX_ROWS} more (see the JSON or HTML report) | |")
    return rows


def tally_text(states: list[str], empty: str) -> str:
    """``7: 6 pass, 1 not applicable``: every state that occurs, so the parts add up to the total."""
    if not states:
        return empty
    return f"{len(states)}: " + ", ".join(f"{states.count(s)} {STATE_LABELS[s].lower()}"
                                          for s in STATE_LABELS if states.count(s))


def _network(report: Report) -> list[str]:
    """The network picture as Mermaid, which GitHub draws in the comment."""
    net = report.network
    if net is None:
        return []
    from posture.reports import network

    lines = ["### Network: who may reach whom", "", "```mermaid", network.mermaid(net), "```", ""]
    if net.violations:
        lines += [f"{ICONS['fail']} {net.violations} violation{'s' if net.violations > 1 else ''} of the network "
                  "promises (DB-1, DB-2, ADM-1), in red; the HTML report lists them.", ""]
    if net.unreadable:
        lines += [f"{ICONS['unknown']} Not on the picture (cannot be read): " + _cell("; ".join(net.unreadable[:5]))
                  + (f" and {len(net.unreadable) - 5} more" if len(net.unreadable) > 5 else ""), ""]
    if net.paths:
        lines += ["Failing paths, hop by hop:", ""]
        lines += [f"- `{p.control_id}`: {_cell(' → '.join(p.hops))}" for p in net.paths[:network.MAX_PATHS_SHOWN]]
        if len(net.paths) > network.MAX_PATHS_SHOWN:
            lines.append(f"- and {len(net.paths) - network.MAX_PATHS_SHOWN} more in the findings")
        lines.append("")
    return lines


def _frameworks(report: Report) -> list[str]:
    """Per framework, folded: each requirement with its state; the controls named where it does not pass."""
    lines = ["### Frameworks", ""] if report.frameworks else []
    for name in report.frameworks:
        requirements = report.framework_view(name)
        tally = tally_text([r.state for r in requirements], "no requirement mapped")
        lines += [f"<details><summary><b>{name} {report.framework_versions[name]}</b>: {tally}</summary>", ""]
        if requirements:
            lines += ["| Requirement | Status | Controls |", "|---|---|---|"]
        for r in requirements:
            controls = (", ".join(f"`{c}` {ICONS[report.control_state(c)]}" for c in r.controls)
                        if r.state not in ("pass", "not_applicable") else f"{len(r.controls)}")
            lines.append(f"| {r.id} | {ICONS[r.state]} {STATE_LABELS[r.state]} | {controls} |")
        lines += ["", "</details>", ""]
    return lines


def _cell(text: str) -> str:
    """Safe inside a table cell: no pipes, no newlines, no HTML."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", " ").replace("\n", " "))
