"""The normalised resource view every rule reads, whichever engine collected it.

Properties use the wire form a CrossGuard policy sees: camelCase keys, numbers possibly as
floats. Two sentinels stand for values a rule must not treat as data: ``UNKNOWN`` (computed,
not known until deploy) and ``REDACTED`` (a secret; its value is never kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class _Sentinel:
    __slots__ = ("_label",)

    def __init__(self, label: str) -> None:
        self._label = label

    def __repr__(self) -> str:
        return self._label

    def __reduce__(self) -> str:
        return self._label


UNKNOWN = _Sentinel("UNKNOWN")
REDACTED = _Sentinel("REDACTED")


@dataclass(frozen=True)
class SourceLocation:
    path: str
    line: int


@dataclass(frozen=True)
class ResourceView:
    urn: str
    type: str
    name: str
    props: dict[str, Any]
    parent: str | None = None
    source: SourceLocation | None = None
    custom: bool = True
    region: str | None = field(default=None, compare=False)
    """The region the resource lives in when known (per-resource ``region`` or the stack's)."""
