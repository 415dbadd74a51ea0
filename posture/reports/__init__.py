"""Report renderers: one pure function per format over one ``Report`` model.

A format is one module in ``posture.reports.formats``, and its file name is its ``--format`` name:
``FORMATS`` lists that package's modules without importing them, so ``posture check`` with the
console report never pays for the HTML or SARIF code, and a new format needs no registration
(docs/extending.md). Only formats live in that package; helpers every format uses (``model``,
``network``) stay here, so none of them can turn into a format by accident.

A format module declares:

- ``OUTPUT``: ``"terminal"`` (written to stdout for people; ``render`` also takes ``color`` and
  ``width``) or ``"file"`` (written to ``--out``, or to stdout when it is the only report);
- ``render(report) -> str`` (``render(report, *, color, width) -> str`` for a terminal format).

A module that lacks either is refused with ``FormatModuleError`` naming it, when it is first used.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType
from typing import Any

from posture.reports import formats
from posture.reports.model import Report

OUTPUTS = ("terminal", "file")

FORMATS = tuple(info.name for info in pkgutil.iter_modules(formats.__path__) if not info.name.startswith("_"))
"""Every ``--format`` name: the CLI's choices, its help and errors, and the tests that run every format read it."""


class FormatModuleError(LookupError):
    """A module in the formats package that does not declare what a format must."""


@cache
def format_module(fmt: str) -> ModuleType:
    """The module that writes ``fmt``, imported on first use and checked against the contract above."""
    try:
        module = importlib.import_module(f"{formats.__name__}.{fmt}")
    except Exception as exc:  # a plugin-style module: whatever breaks its import is its author's to fix
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise FormatModuleError(f"report format {fmt!r} cannot be imported ({reason}); fix "
                                f"posture/reports/formats/{fmt}.py (docs/extending.md)") from exc
    missing = []
    if getattr(module, "OUTPUT", None) not in OUTPUTS:
        missing.append(f"OUTPUT ({' or '.join(repr(o) for o in OUTPUTS)})")
    if not callable(getattr(module, "render", None)):
        missing.append("render(report)")
    if missing:
        raise FormatModuleError(f"report format {fmt!r} ({module.__file__}) does not declare {' and '.join(missing)}; "
                                "a format module needs both (docs/extending.md)")
    return module


def writes_to_terminal(fmt: str) -> bool:
    """Whether ``fmt`` is for people at a terminal: always stdout, never ``--out``."""
    return format_module(fmt).OUTPUT == "terminal"


def render(report: Report, fmt: str, *, color: bool = False, width: int = 120) -> str:
    """The whole report as text. ``color``/``width`` only matter to a terminal format."""
    module = format_module(fmt)
    if module.OUTPUT == "terminal":
        return module.render(report, color=color, width=width)
    return module.render(report)


def __getattr__(name: str) -> Any:
    # FILE_FORMATS imports every format to read its OUTPUT, so it is built only when asked for
    # (an error message), never when the package is imported.
    if name == "FILE_FORMATS":
        return tuple(f for f in FORMATS if not writes_to_terminal(f))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FORMATS", "FormatModuleError", "Report", "format_module", "render", "writes_to_terminal"]
