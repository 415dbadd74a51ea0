"""The terminal report: verdict counts, what blocks (with the fix), waiver problems, promises."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from posture.findings import Verdict
from posture.reports.model import STATE_LABELS, Report, resource_name, state

STYLES = {"error": "bold red", "fail": "red", "unknown": "yellow", "waived": "magenta", "pass": "green",
          "not_applicable": "dim", "not_evaluated": "dim"}
SEVERITY_STYLES = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def render(report: Report, *, color: bool = False, width: int = 120) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False,
                      emoji=False, soft_wrap=False)
    where = f" stack {report.stack}" if report.stack else ""
    style = "bold green" if report.exit_code == 0 else "bold red"
    console.print(Text.assemble(("posture ", "bold"), (f"{report.kind}{where}: ", "bold"), (report.outcome, style)))

    counts = report.counts()
    summary = Text("  ")
    for s in ("fail", "error", "waived", "unknown", "pass"):
        summary.append(f"{STATE_LABELS[s]} {counts[s]}", style=STYLES[s] if counts[s] else "dim")
        summary.append("   ")
    summary.append(f"(fails on mandatory findings >= {report.fail_on.value})", style="dim")
    console.print(summary)

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
        table = Table(title=f"Not blocking ({len(others)})", title_justify="left", box=box.SIMPLE_HEAD, expand=True)
        table.add_column("State", no_wrap=True)
        table.add_column("Control / resource", no_wrap=True)
        table.add_column("Finding", overflow="fold", ratio=1)
        for f in others:
            label = STATE_LABELS[state(f)] + ("" if f.waiver or f.verdict is Verdict.UNKNOWN
                                              else f"\n{f.enforcement.value}, {f.severity.value}")
            message = f.message + (f"\nwaived: {f.waiver.reason} ({f.waiver.approver}, until {f.waiver.expires})"
                                   if f.waiver else "")
            where = Text.assemble((f.control_id, "bold"), "\n", resource_name(f.resource_urn))
            table.add_row(Text(label, style=STYLES[state(f)]), where, Text(message), end_section=True)
        console.print(table)

    if report.promises and report.controls:
        table = Table(title="Promises", title_justify="left", box=box.SIMPLE_HEAD, expand=True)
        table.add_column("Promise", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Controls", justify="right", no_wrap=True)
        table.add_column("", overflow="fold", ratio=1)
        for promise in report.promises:
            status = report.promise_state(promise)
            note = "+ application responsibility" if promise.application_responsibility else ""
            table.add_row(promise.id, Text(STATE_LABELS[status], style=STYLES[status]),
                          str(len(report.controls_for(promise))), Text(note, style="dim"))
        console.print(table)
    return out.getvalue()
