"""Report renderers: one pure function per format over one ``Report`` model.

Each format lives in its own module and is imported only when asked for, so ``posture check``
with the console report never pays for the HTML or SARIF code.
"""

from __future__ import annotations

import importlib

from posture.reports.model import Report

FORMATS = ("console", "json", "sarif", "junit", "markdown", "html")
_MODULES = {"console": "console", "json": "json_report", "sarif": "sarif", "junit": "junit",
            "markdown": "markdown", "html": "html"}


def render(report: Report, fmt: str, *, color: bool = False, width: int = 120) -> str:
    """The whole report as text. ``color``/``width`` only matter to the console format."""
    module = importlib.import_module(f"posture.reports.{_MODULES[fmt]}")
    if fmt == "console":
        return module.render(report, color=color, width=width)
    return module.render(report)


__all__ = ["FORMATS", "Report", "render"]
