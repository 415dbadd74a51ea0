"""The auditor's report: one self-contained HTML file, read promise by promise.

No scripts, fonts, images or stylesheets are fetched: everything is inline, so the file can be
archived as evidence and opened offline years later. Each promise shows the controls that back
it, each control its failing, unknown and waived results per resource with the rule's message and
counterexample, and the resources that pass by name (the first 50; a 10,000-resource stack would
otherwise make a file no one opens); waivers
show who accepted what until when; promises that infrastructure cannot prove say so; a
per-framework view and the network picture follow.

The page is a Jinja2 template (templates/report.html.j2, with the network picture in
network.html.j2 and network.svg.j2) rendered with autoescape on, so every value from the
catalog, the rules, the resources and the waiver file is escaped by the template engine rather
than by hand; only the static stylesheet is written literally in the template.
"""

from __future__ import annotations

from functools import cache

import jinja2

from posture.reports import network
from posture.reports.model import FRAMEWORKS, KINDS, STATE_LABELS, Report, state
from posture.resources import resource_name

OUTPUT = "file"

WAIVER_LABELS = {"expired": "expired", "refused": "refused (critical)", "unused": "unused"}
MAX_PASSES = 50
"""Passing resources named per control; the rest are counted (the JSON report lists every verdict)."""
WAIVER_CSS = {"applied": "s-waived", "expired": "s-fail", "refused": "s-fail", "unused": "s-not_evaluated"}


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("posture.reports", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=False)


def render(report: Report) -> str:
    picture = _picture(report)
    counts = report.counts()
    upheld = sum(1 for p in report.promises if report.promise_state(p) in ("pass", "waived"))
    return _environment().get_template("report.html.j2").render(
        report=report, counts=counts, upheld=upheld, labels=STATE_LABELS, kinds=KINDS, state=state,
        resource_name=resource_name, tally=tally, control_states=lambda controls: [
            report.control_state(c.id) for c in controls],
        keys={name: key for key, name in FRAMEWORKS.items()}, waiver_labels=WAIVER_LABELS, waiver_css=WAIVER_CSS,
        max_passes=MAX_PASSES, max_paths=network.MAX_PATHS_SHOWN,
        network=picture, network_layout=network.layout(picture) if picture else None, fit=network.fit,
    ) + "\n"


def _picture(report: Report) -> network.Network | bool | None:
    """The picture, False when the resources hold nothing to draw, None without resources."""
    if report.resources is None:
        return None
    return report.network or False


def tally(states: list[str]) -> str:
    """``7: 6 pass, 1 not applicable``: every state that occurs, so the parts add up to the total."""
    if not states:
        return ""
    return f"{len(states)}: " + ", ".join(f"{states.count(s)} {STATE_LABELS[s].lower()}"
                                          for s in STATE_LABELS if states.count(s))
