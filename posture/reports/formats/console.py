"""The terminal report: verdict counts, what blocks (with the fix and the counterexample), waiver
problems, promises with what they promise, and one line per framework."""

from __future__ import annotations

import io
from collections import Counter

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from posture.findings import Finding, Verdict
from posture.reports.model import STATE_LABELS, TALLY_STATES, Report, state
from posture.resources import resource_name

OUTPUT = "terminal"
"""For people at a terminal: stdout, with colour and the terminal's width."""

STYLES = {"error": "bold red", "fail": "red", "unknown": "yellow", "waived": "magenta", "pass": "green",
          "not_applicable": "dim", "not_evaluated": "dim"}
SEVERITY_STYLES = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


NOT_BLOCKING_ROWS = 50
"""The console is read by people: blocking findings are listed in full, the rest (advisory, waived,
unknown) up to this many rows, then counted by control. Every other format lists them all."""


def render(report: Report, *, color: bool = False, width: int = 120) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False,
                      emoji=False, soft_wrap=False)
    where = f" stack {report.stack}" if report.stack else ""
    style = "bold green" if report.exit_code == 0 else "bold red"
    console.print(Text.assemble(("posture ", "bold"), (f"{report.kind}{where}: ", "bold"), (report.outcome, style)))
    console.print(Text(f"  view {report.view} · commit {report.commit or 'unknown (not a git repository)'}",
                       style="dim"))

    counts = report.counts()
    summary = Text("  ")
    for s in TALLY_STATES:
        summary.append(f"{STATE_LABELS[s]} {counts[s]}", style=STYLES[s] if counts[s] else "dim")
        summary.append("   ")
    summary.append(f"= {sum(counts.values())} verdicts (fails on mandatory findings >= {report.fail_on.value})",
                   style="dim")
    console.print(summary)

    _accounts(console, report)
    blocking = report.blocking
    if blocking:
        controls = report.control_index
        table = Table(title=f"Blocking findings ({len(blocking)})", title_justify="left", box=box.SIMPLE_HEAD,
                      show_lines=False, expand=True)
        table.add_column("Severity", no_wrap=True)
        table.add_column("Control · resource · finding · fix", ratio=1, overflow="fold")
        for f in blocking:
            source = report.relative_source(f)
            detail = Text.assemble((f.control_id, "bold"), "  ", (resource_name(f.resource_urn), "cyan"))
            if source:
                detail.append(f"  {source[0]}:{source[1]}", style="dim")
            detail.append(f"\n{f.message}")
            detail.append(_evidence(f))
            if f.control_id in controls:
                detail.append(f"\nremediation: {controls[f.control_id].remediation}", style="green")
            table.add_row(Text(f.severity.value, style=SEVERITY_STYLES[f.severity.value]), detail, end_section=True)
        console.print(table)

    for text in report.run_errors:
        console.print(Text(f"incomplete: {text}", style="red"))
    for problem in report.waiver_problems:
        console.print(Text(f"{'error' if problem.level == 'error' else 'warning'}: {problem.message}",
                           style="red" if problem.level == "error" else "yellow"))

    others = [f for f in report.reported_findings
              if f.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN) and not report.blocks(f)]
    if others:
        shown, left = others[:NOT_BLOCKING_ROWS], others[NOT_BLOCKING_ROWS:]
        title = f"Not blocking ({len(others)}" + (f", first {len(shown)} shown" if left else "") + ")"
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, expand=True)
        table.add_column("State", no_wrap=True)
        table.add_column("Control / resource", no_wrap=True)
        table.add_column("Finding", overflow="fold", ratio=1)
        for f in shown:
            label = STATE_LABELS[state(f)] + ("" if f.waiver or f.verdict is Verdict.UNKNOWN
                                              else f"\n{f.enforcement.value}, {f.severity.value}")
            message = Text(f.message)
            if f.verdict is not Verdict.UNKNOWN:
                message.append(_evidence(f))
            if f.waiver:
                message.append(f"\nwaived: {f.waiver.reason} ({f.waiver.approver}, until {f.waiver.expires})")
            where = Text.assemble((f.control_id, "bold"), "\n", resource_name(f.resource_urn))
            table.add_row(Text(label, style=STYLES[state(f)]), where, message, end_section=True)
        console.print(table)
        if left:
            by_control = Counter(f.control_id for f in left)
            console.print(Text(f"  … and {len(left)} more not-blocking findings ("
                               + ", ".join(f"{c}: {n}" for c, n in by_control.most_common(5))
                               + (", …" if len(by_control) > 5 else "")
                               + "); every one is in the JSON, SARIF, JUnit and HTML reports", style="dim"))

    if report.promises and report.controls:
        table = Table(title="Promises", title_justify="left", box=box.SIMPLE_HEAD, expand=True)
        table.add_column("Promise", no_wrap=True)
        table.add_column("What it promises", overflow="fold", ratio=1)
        table.add_column("Status", no_wrap=True)
        table.add_column("Controls", overflow="fold")
        for promise in report.promises:
            status = report.promise_state(promise)
            what = Text(promise.title)
            if promise.application_responsibility:
                what.append(" + application responsibility", style="dim")
            table.add_row(promise.id, what, Text(STATE_LABELS[status], style=STYLES[status]),
                          tally_text([report.control_state(c.id) for c in report.controls_for(promise)],
                                     "no infrastructure control"))
        console.print(table)

    for name in report.frameworks:
        requirements = report.framework_view(name)
        console.print(Text.assemble((f"{name} {report.framework_versions[name]}", "bold"), " requirements mapped: ",
                                    tally_text([r.state for r in requirements], "none")))
    return out.getvalue()


def _accounts(console: Console, report: Report) -> None:
    """An organization audit: one row per account (its verdict counts and why it is unknown)."""
    sections = report.account_sections
    if not sections:
        return
    table = Table(title=f"Organization: {len(sections)} accounts", title_justify="left", box=box.SIMPLE_HEAD,
                  expand=True)
    table.add_column("Account", no_wrap=True)
    table.add_column("Audit", overflow="fold", ratio=1)
    shown = [s for s in TALLY_STATES if s != "not_applicable"]
    for s in shown:
        table.add_column(STATE_LABELS[s], justify="right", no_wrap=True)
    table.add_column("Blocking", justify="right", no_wrap=True)
    for a in sections:
        table.add_row(a.account, Text(a.status, style="yellow" if a.unknown_reason is not None else ""),
                      *(Text(str(a.counts[s]), style=STYLES[s] if a.counts[s] else "dim") for s in shown),
                      Text(str(a.blocking), style="bold red" if a.blocking else "dim"))
    console.print(table)


def tally_text(states: list[str], empty: str) -> Text:
    """``7: 6 pass, 1 not applicable``: every state that occurs, so the parts add up to the total."""
    if not states:
        return Text(empty, style="dim")
    text = Text(f"{len(states)}: ")
    parts = [(s, states.count(s)) for s in STATE_LABELS if states.count(s)]
    for i, (s, n) in enumerate(parts):
        text.append(f"{n} {STATE_LABELS[s].lower()}", style=STYLES[s])
        if i < len(parts) - 1:
            text.append(", ")
    return text


def _evidence(f: Finding) -> Text:
    """The counterexample hop by hop, under the message."""
    text = Text()
    for i, hop in enumerate(f.evidence, start=1):
        text.append(f"\n  {i}. {hop}", style="dim")
    return text
