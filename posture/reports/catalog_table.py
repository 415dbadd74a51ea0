"""`posture controls`: the catalog read promise by promise (promise -> controls -> frameworks -> enforcers)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

from posture.catalog import Control, Promise


def render(controls: Sequence[Control], promises: Sequence[Promise], fmt: str, *, color: bool = False,
           width: int = 120) -> str:
    if fmt == "json":
        return json.dumps(_document(controls, promises), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return _markdown(controls, promises)
    return _console(controls, promises, color=color, width=width)


def _backing(controls: Sequence[Control], promise: Promise) -> list[Control]:
    return [c for c in controls if promise.id in c.promises]


def _frameworks(control: Control, separator: str = "; ") -> str:
    return separator.join(f"{name} {', '.join(ids)}" for name, ids in control.frameworks.items() if ids)


def _document(controls: Sequence[Control], promises: Sequence[Promise]) -> dict:
    return {
        "schema_version": 1,
        "promises": [
            {"id": p.id, "text": p.text, "application_responsibility": p.application_responsibility,
             "controls": [c.id for c in _backing(controls, p)]}
            for p in promises
        ],
        "controls": [
            {"id": c.id, "title": c.title, "severity": c.severity.value, "promises": list(c.promises),
             "frameworks": {k: list(v) for k, v in c.frameworks.items()}, "enforcers": list(c.enforcers),
             "resource_types": list(c.resource_types), "remediation": c.remediation}
            for c in controls
        ],
    }


def _markdown(controls: Sequence[Control], promises: Sequence[Promise]) -> str:
    lines = ["| Promise | Control | Severity | Frameworks | Enforced by |", "|---|---|---|---|---|"]
    for p in promises:
        backing = _backing(controls, p)
        head = f"**{p.id}** {_cell(p.text)}"
        if p.application_responsibility:
            head += f"<br>_Application responsibility:_ {_cell(p.application_responsibility)}"
        if not backing:
            lines.append(f"| {head} | _no infrastructure control_ | | | |")
        for i, c in enumerate(backing):
            lines.append(f"| {head if i == 0 else ''} | `{c.id}`<br>{_cell(c.title)} | {c.severity.value} | "
                         f"{_cell(_frameworks(c)) or '—'} | {', '.join(c.enforcers)} |")
    return "\n".join(lines) + "\n"


def _console(controls: Sequence[Control], promises: Sequence[Promise], *, color: bool, width: int) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False)
    id_width = max((len(c.id) for c in controls), default=10)
    for p in promises:
        console.print(Text.assemble((p.id, "bold"), " ", p.text))
        if p.application_responsibility:
            console.print(Text(f"application responsibility: {p.application_responsibility}", style="blue"))
        backing = _backing(controls, p)
        if not backing:
            console.print(Text("  no infrastructure control", style="dim"))
        else:
            table = Table(box=box.SIMPLE_HEAD, expand=True, padding=(0, 1))
            table.add_column("Control", no_wrap=False, min_width=id_width, max_width=id_width)
            table.add_column("Severity", no_wrap=True)
            table.add_column("Frameworks", ratio=1, overflow="fold")
            table.add_column("Enforced by", no_wrap=True)
            for c in backing:
                table.add_row(Text.assemble((c.id, "bold"), "\n", (c.title, "dim")), c.severity.value,
                              _frameworks(c, "\n"), ", ".join(c.enforcers), end_section=True)
            console.print(table)
        console.print()
    return out.getvalue()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
