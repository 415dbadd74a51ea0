"""The auditor's report: one self-contained HTML file, read promise by promise.

No scripts, fonts, images or stylesheets are fetched: everything is inline, so the file can be
archived as evidence and opened offline years later. Each promise shows the controls that back
it, each control its result per resource with the rule's own evidence message; waivers show who
accepted what until when; promises that infrastructure cannot prove say so. Text comes from the
catalog and the rules only, and every piece of it is escaped.
"""

from __future__ import annotations

from html import escape

from posture.catalog import Control, Promise
from posture.findings import Finding, Verdict
from posture.reports import network
from posture.reports.model import KINDS, STATE_LABELS, Report, resource_name, state

CSS = """
:root { --ink:#0f172a; --muted:#64748b; --line:#e2e8f0; --bg:#f8fafc; --fail:#b91c1c; --error:#7f1d1d;
  --pass:#15803d; --waived:#7c3aed; --unknown:#b45309; --na:#94a3b8; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  color:var(--ink); background:var(--bg); }
main { max-width:1240px; margin:0 auto; padding:28px 32px 60px; }
header.top { display:flex; justify-content:space-between; gap:24px; align-items:flex-start;
  border-bottom:3px solid var(--ink); padding-bottom:16px; margin-bottom:20px; }
h1 { font-size:26px; margin:0 0 4px; letter-spacing:-.01em; }
h2 { font-size:20px; margin:34px 0 12px; padding-bottom:6px; border-bottom:1px solid var(--line); }
h3 { font-size:16px; margin:0; }
.meta { color:var(--muted); margin:0; }
.meta b { color:var(--ink); font-weight:600; }
.verdict { padding:14px 18px; border-radius:10px; color:#fff; min-width:260px; text-align:right; }
.verdict.ok { background:var(--pass); } .verdict.bad { background:var(--fail); }
.verdict .big { font-size:20px; font-weight:700; display:block; }
.cards { display:grid; grid-template-columns:repeat(6,1fr); gap:12px; margin:18px 0 8px; }
.card { background:#fff; border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.card .n { font-size:26px; font-weight:700; display:block; line-height:1.1; }
.card .l { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
table { width:100%; border-collapse:collapse; background:#fff; border:1px solid var(--line); border-radius:8px;
  overflow:hidden; margin:8px 0 4px; }
th, td { text-align:left; padding:7px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#f1f5f9; font-size:12px; text-transform:uppercase; letter-spacing:.03em; color:#334155; }
tr:last-child td { border-bottom:none; }
code, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12.5px; }
.pill { display:inline-block; padding:1px 9px; border-radius:999px; font-size:12px; font-weight:600;
  white-space:nowrap; border:1px solid currentColor; }
.s-fail { color:var(--fail); background:#fef2f2; } .s-error { color:#fff; background:var(--error); }
.s-pass { color:var(--pass); background:#f0fdf4; } .s-waived { color:var(--waived); background:#f5f3ff; }
.s-unknown { color:var(--unknown); background:#fffbeb; } .s-not_applicable, .s-not_evaluated { color:var(--na); }
.s-app { color:#1d4ed8; background:#eff6ff; font-weight:500; }
table.findings { table-layout:fixed; } table.findings td { overflow-wrap:anywhere; }
.sev { font-weight:600; text-transform:capitalize; }
.sev-critical { color:#7f1d1d; } .sev-high { color:var(--fail); } .sev-medium { color:var(--unknown); }
.sev-low { color:#0369a1; }
.toc { display:grid; grid-template-columns:repeat(2,1fr); gap:6px 24px; padding:0; list-style:none; }
.toc a { color:var(--ink); text-decoration:none; } .toc a:hover { text-decoration:underline; }
section.promise { background:#fff; border:1px solid var(--line); border-left:6px solid var(--na);
  border-radius:10px; padding:16px 18px; margin:14px 0; break-inside:avoid-page; }
section.promise.st-fail, section.promise.st-error { border-left-color:var(--fail); }
section.promise.st-pass { border-left-color:var(--pass); }
section.promise.st-waived { border-left-color:var(--waived); }
section.promise.st-unknown { border-left-color:var(--unknown); }
.promise-head { display:flex; justify-content:space-between; gap:16px; align-items:baseline; }
.promise-text { margin:4px 0 10px; font-size:15px; }
.appresp { background:#eff6ff; border:1px solid #bfdbfe; border-radius:8px; padding:8px 12px; margin:8px 0 12px; }
.appresp b { color:#1d4ed8; }
details.control { border:1px solid var(--line); border-radius:8px; margin:8px 0; background:#fff; }
details.control > summary { cursor:pointer; padding:9px 12px; display:flex; gap:12px; align-items:baseline;
  list-style:none; }
details.control > summary::-webkit-details-marker { display:none; }
details.control > summary::before { content:"▸"; color:var(--muted); }
details.control[open] > summary::before { content:"▾"; }
details.control .body { padding:0 12px 12px 30px; }
.ctitle { flex:1; } .ctitle small { color:var(--muted); display:block; }
.fw { color:var(--muted); font-size:12.5px; }
.fix { background:#f8fafc; border-left:3px solid #94a3b8; padding:6px 10px; margin:8px 0; }
.empty { color:var(--muted); font-style:italic; }
.network-wrap { background:#fff; border:1px solid var(--line); border-radius:10px; padding:12px; overflow-x:auto; }
.network-wrap svg { width:100%; height:auto; display:block; }
.legend { display:flex; gap:18px; flex-wrap:wrap; color:var(--muted); font-size:12.5px; margin:8px 0 0; }
.legend i { display:inline-block; width:22px; height:0; border-top:3px solid; vertical-align:middle; margin-right:6px; }
.reach { margin:10px 0 0; }
.warn { color:var(--fail); font-weight:600; }
footer { margin-top:40px; color:var(--muted); font-size:12.5px; border-top:1px solid var(--line); padding-top:12px; }
@media print { body { background:#fff; } main { padding:0; } details.control { break-inside:avoid; }
  .cards { grid-template-columns:repeat(3,1fr); } }
"""


def render(report: Report) -> str:
    title = f"Security posture — {report.project or 'project'} / {report.stack or 'stack'}"
    body = [
        _header(report),
        _cards(report),
        _attention(report),
        _promise_index(report),
        '<h2 id="promises">Promises and the controls that prove them</h2>',
        *(_promise(report, p) for p in report.promises),
        _unassigned(report),
        _network(report),
        _waivers(report),
        _footer(report),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(part for part in body if part) + "\n</main>\n</body>\n</html>\n")


def _pill(s: str) -> str:
    return f'<span class="pill s-{s}">{STATE_LABELS[s]}</span>'


def _promise_pills(report: Report, promise: Promise) -> str:
    """The infrastructure verdict, and, where application code must do its part, a reminder of that."""
    app = ' <span class="pill s-app">+ application responsibility</span>' if promise.application_responsibility else ""
    return _pill(report.promise_state(promise)) + app


def _header(report: Report) -> str:
    ok = report.exit_code == 0
    facts = [f"<b>Project</b> {escape(report.project or '—')}", f"<b>Stack</b> {escape(report.stack or '—')}",
             f"<b>Generated</b> {escape(report.generated_at.strftime('%Y-%m-%d %H:%M UTC'))}",
             f"<b>Tool</b> posture {escape(report.tool_version)}"]
    details = "".join(f"<p class=\"meta\"><b>{escape(k.capitalize())}</b> {escape(v)}</p>"
                      for k, v in report.metadata.items())
    return (f'<header class="top"><div><h1>Security posture report</h1>'
            f'<p class="meta">{escape(KINDS[report.kind])}</p>'
            f'<p class="meta">{" &nbsp;·&nbsp; ".join(facts)}</p>{details}</div>'
            f'<div class="verdict {"ok" if ok else "bad"}"><span class="big">{"PASSED" if ok else "FAILED"}</span>'
            f'{escape(report.outcome)}<br><small>blocks on mandatory findings of severity '
            f'{escape(report.fail_on.value)} or higher</small></div></header>')


def _cards(report: Report) -> str:
    promise_states = [report.promise_state(p) for p in report.promises]
    upheld = sum(1 for s in promise_states if s in ("pass", "waived"))
    counts = report.counts()
    cards = [(f"{upheld}/{len(report.promises)}", "promises: infra checks pass"),
             (str(len(report.blocking)), "blocking"),
             (str(counts["fail"] + counts["error"]), "failed checks"), (str(counts["waived"]), "waived"),
             (str(counts["unknown"]), "unknown"), (str(counts["pass"]), "passed checks")]
    return '<div class="cards">' + "".join(
        f'<div class="card"><span class="n">{escape(n)}</span><span class="l">{escape(label)}</span></div>'
        for n, label in cards) + "</div>"


def _attention(report: Report) -> str:
    parts = []
    if report.blocking:
        parts.append(f'<h2 id="blocking">Blocking findings ({len(report.blocking)})</h2>')
        parts.append(_findings_table(report, report.blocking, show_control=True))
    if report.run_errors:
        items = "".join(f'<li class="warn">{escape(text)}</li>' for text in report.run_errors)
        parts.append(f'<h2 id="incomplete">Incomplete checks ({len(report.run_errors)})</h2><p class="meta">What '
                     "could not be read is reported as unknown, never as passed, and fails the run.</p>"
                     f"<ul>{items}</ul>")
    if report.waiver_problems:
        items = "".join(f'<li class="{"warn" if p.level == "error" else ""}">{escape(p.message)}</li>'
                        for p in report.waiver_problems)
        parts.append(f'<h2 id="waiver-problems">Waiver problems</h2><ul>{items}</ul>')
    return "\n".join(parts)


def _promise_index(report: Report) -> str:
    note = " <small>(+ application responsibility)</small>"
    items = "".join(
        f'<li>{_pill(report.promise_state(p))} <a href="#promise-{escape(p.id)}"><b>{escape(p.id)}</b> '
        f'{escape(p.text)}</a>{note if p.application_responsibility else ""}</li>' for p in report.promises)
    return f'<h2 id="summary">Promises at a glance</h2><ul class="toc">{items}</ul>'


def _promise(report: Report, promise: Promise) -> str:
    s = report.promise_state(promise)
    controls = report.controls_for(promise)
    head = (f'<div class="promise-head"><h3>{escape(promise.id)}</h3><span>{_promise_pills(report, promise)}</span>'
            "</div>"
            f'<p class="promise-text">{escape(promise.text)}</p>')
    if promise.application_responsibility:
        head += (f'<div class="appresp"><b>Application responsibility — not verified by this report:</b> '
                 f'{escape(promise.application_responsibility)}</div>')
    body = "".join(_control(report, c) for c in controls) or (
        '<p class="empty">No infrastructure control backs this promise.</p>')
    return f'<section class="promise st-{s}" id="promise-{escape(promise.id)}">{head}{body}</section>'


def _control(report: Report, control: Control) -> str:
    s = report.control_state(control.id)
    findings = report.findings_for(control.id)
    frameworks = "; ".join(f"{escape(name)} {escape(', '.join(ids))}"
                           for name, ids in control.frameworks.items() if ids)
    opened = " open" if s in ("fail", "error", "unknown", "waived") else ""
    results = _findings_table(report, findings, show_control=False) if findings else (
        '<p class="empty">No resource in this run is of a type this control reads.</p>'
        if s == "not_evaluated" else '<p class="empty">Not applicable to any resource in this run.</p>')
    return (f'<details class="control" id="control-{escape(control.id)}"{opened}><summary>{_pill(s)}'
            f'<span class="ctitle"><code>{escape(control.id)}</code> — {escape(control.title)}'
            f'<small>{escape(control.description)}</small></span>'
            f'<span class="sev sev-{control.severity.value}">{escape(control.severity.value)}</span></summary>'
            f'<div class="body"><p class="fw">{frameworks or "No framework mapping"} · enforced by '
            f'{escape(", ".join(control.enforcers))}</p>{results}'
            f'<div class="fix"><b>Remediation:</b> {escape(control.remediation)}</div></div></details>')


def _findings_table(report: Report, findings: list[Finding], *, show_control: bool) -> str:
    widths = (13, 25, 8, 22, 32) if show_control else (13, 30, 57)
    head = ("<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup><tr><th>Result</th>"
            + ("<th>Control</th><th>Severity</th>" if show_control else "") + "<th>Resource</th><th>Evidence</th></tr>")
    rows = []
    for f in findings:
        source = report.relative_source(f)
        where = (f'<b>{escape(resource_name(f.resource_urn))}</b><br><span class="mono fw">'
                 f'{escape(f.resource_type)}</span>' + (f'<br><span class="mono fw">{escape(source[0])}:{source[1]}'
                                                       f'</span>' if source else ""))
        evidence = escape(f.message)
        if f.verdict is Verdict.ERROR:
            evidence = f"<b>The rule failed to run:</b> {evidence}"
        if f.waiver is not None:
            w = f.waiver
            evidence += (f'<br><span class="s-waived">Waived: {escape(w.reason)} — approved by '
                         f'{escape(w.approver)}, expires {escape(w.expires)}</span>')
        extra = ""
        if f.verdict in (Verdict.FAIL, Verdict.ERROR) and f.waiver is None:
            blocking = ", blocking" if report.blocks(f) else ""
            extra = f' <small class="fw">{escape(f.enforcement.value)}{blocking}</small>'
        control = (f'<td><a href="#control-{escape(f.control_id)}"><code>{escape(f.control_id)}</code></a></td>'
                   f'<td class="sev sev-{f.severity.value}">{escape(f.severity.value)}</td>') if show_control else ""
        rows.append(f"<tr><td>{_pill(state(f))}{extra}</td>{control}<td>{where}</td><td>{evidence}</td></tr>")
    return f'<table class="findings">{head}{"".join(rows)}</table>'


def _unassigned(report: Report) -> str:
    """Policies seen in the findings that the catalog does not know (e.g. another pack's)."""
    ids = report.unknown_control_ids
    if not ids:
        return ""
    findings = [f for f in report.reported_findings if f.control_id in ids]
    return ('<h2 id="other-policies">Policies outside the catalog</h2><p class="meta">These results come from '
            "policies that back no promise in the catalog; they are shown so nothing is hidden.</p>"
            + _findings_table(report, findings, show_control=True))


def _network(report: Report) -> str:
    if report.resources is None:
        return ""
    net = network.build(report.resources, report.resource_ids)
    if net is None:
        return ('<h2 id="network">Network</h2><p class="empty">No subnets or security groups among the resources.'
                "</p>")
    access = net.database_access
    title = f"<b>Who can reach the database (port {net.db_port}):</b>"
    if access:
        items = "".join(f"<li>{_reach_item(net, e)}</li>" for e in access)
        reach = f'<div class="reach">{title}<ul>{items}</ul></div>'
    else:
        reach = f'<p class="reach">{title} no ingress rule admits it.</p>'
    if net.idle:
        reach += (f'<p class="meta">Security groups with no ingress rule and nothing attached (not drawn): '
                  f'{escape(", ".join(net.idle))}.</p>')
    legend = ('<div class="legend"><span><i style="border-color:#b45309"></i>reaches the database port</span>'
              '<span><i style="border-color:#b91c1c;border-top-style:dashed"></i>open to the internet</span>'
              '<span><i style="border-color:#64748b"></i>other permitted ingress</span>'
              "<span>Boxes are security groups; dashed chips are subnets, placed by their <code>tier</code> tag.</span>"
              "</div>")
    return (f'<h2 id="network">Network: who may reach whom</h2><div class="network-wrap">{network.svg(net)}</div>'
            f"{legend}{reach}")


def _reach_item(net: network.Network, edge: network.Edge) -> str:
    source, target = net.nodes[edge.source], net.nodes[edge.target]
    who = escape(source.label) + (f" ({escape(source.detail)})" if source.column == "outside" else
                                  f" (security group, {escape(source.column)} tier)")
    if edge.from_internet:
        who = f'<span class="warn">{who}</span>'
    return f"{who} → {escape(target.label)} on {escape(edge.ports)}"


def _waivers(report: Report) -> str:
    if not report.waivers:
        return '<h2 id="waivers">Waivers</h2><p class="empty">No waivers were applied to this run.</p>'
    rows = []
    for i, w in enumerate(report.waivers):
        status, covered = report.waiver_status(i)
        label = {"applied": f"applied to {covered}", "expired": "expired", "refused": "refused (critical)",
                 "unused": "unused"}[status]
        css = {"applied": "s-waived", "expired": "s-fail", "refused": "s-fail", "unused": "s-not_evaluated"}[status]
        rows.append(f"<tr><td><code>{escape(w.control_id)}</code></td><td class=\"mono\">{escape(w.resource)}</td>"
                    f"<td>{escape(w.reason)}</td><td>{escape(w.approver)}</td><td>{escape(w.expires)}</td>"
                    f'<td><span class="pill {css}">{escape(label)}</span></td></tr>')
    return ('<h2 id="waivers">Waivers</h2><table><tr><th>Control</th><th>Resources</th><th>Reason</th>'
            "<th>Approver</th><th>Expires</th><th>Status</th></tr>" + "".join(rows) + "</table>")


def _footer(report: Report) -> str:
    return ("<footer><p><b>Reading this report.</b> <i>Pass</i>: the rule checked the resource and found it "
            "compliant. <i>Fail</i>: it did not; mandatory failures at or above the threshold block deployment. "
            "<i>Waived</i>: a failure a named approver accepted until a date; it stays listed. <i>Unknown</i>: a value "
            "was not known yet (before deploy) or not readable; never counted as a pass. <i>Error</i>: the rule "
            "itself failed; never counted as a pass. Promises marked <i>application responsibility</i> depend on "
            "application code that infrastructure checks cannot see.</p>"
            f"<p>Generated by posture {escape(report.tool_version)} ({escape(report.kind)}). Configuration values and "
            "secrets are never included in this report.</p></footer>")
