"""Report renderers: one pure function per format over one ``Report`` model.

``RENDERERS`` is the one list of report formats: the CLI's ``--format`` choices, its help and
errors, and the tests that run every format all read it. A new format is its module here
(``render(report) -> str``), its line in ``RENDERERS`` and its test (docs/extending.md). Modules
are imported only when asked for, so ``posture check`` with the console report never pays for
the HTML or SARIF code.
"""

from __future__ import annotations

import importlib

from posture.reports.model import Report

RENDERERS = {"console": "console", "json": "json_report", "sarif": "sarif", "junit": "junit",
             "markdown": "markdown", "html": "html"}
"""Format name -> the module in this package whose ``render`` writes it."""
FORMATS = tuple(RENDERERS)
FILE_FORMATS = tuple(f for f in FORMATS if f != "console")
"""Formats written to a file (``--out``); console always goes to stdout."""


def render(report: Report, fmt: str, *, color: bool = False, width: int = 120) -> str:
    """The whole report as text. ``color``/``width`` only matter to the console format."""
    module = importlib.import_module(f"posture.reports.{RENDERERS[fmt]}")
    if fmt == "console":
        return module.render(report, color=color, width=width)
    return module.render(report)


__all__ = ["FILE_FORMATS", "FORMATS", "RENDERERS", "Report", "render"]
