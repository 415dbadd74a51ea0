"""The normalised resource view every rule reads, whichever engine collected it.

Properties use the wire form a CrossGuard policy sees: camelCase keys, numbers possibly as
floats. Two sentinels stand for values a rule must not treat as data: ``UNKNOWN`` (computed,
not known until deploy) and ``REDACTED`` (a secret; its value is never kept).
"""

from __future__ import annotations

from collections.abc import Mapping
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
    dependencies: Mapping[str, frozenset[str]] | None = field(default=None, compare=False, repr=False)
    """Top-level property -> URNs of the resources the engine says its value was computed from
    (CrossGuard ``property_dependencies``, the monitor's ``propertyDependencies``). None when the
    engine gives no such information (the live audit, where ids are real): references are then
    followed by value only."""
    secret_properties: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    """Top-level properties the program marked secret: judged like any value, never quoted."""


def resource_name(urn: str) -> str:
    """The logical name at the end of a URN (the whole string for ARNs and ids)."""
    if urn.startswith("urn:pulumi:"):
        return urn.rsplit("::", 1)[-1]
    return urn or "(stack)"


def resource_type_of(urn: str) -> str:
    """The resource's own type token from a URN (``a$b$aws:s3/bucket:Bucket`` -> the last part)."""
    parts = urn.split("::")
    if not urn.startswith("urn:pulumi:") or len(parts) < 4:
        return ""
    return parts[2].rsplit("$", 1)[-1]
