"""Reading resource properties safely: a value not known yet, or secret, can never pass for data.

Rules read properties through ``props(resource)``, a read-only view that raises
``ValueNotKnownError`` the moment a rule touches a value that is not known yet (preview) or is
secret. The runners (posture.rules.results) turn that into a ``Verdict.UNKNOWN`` result: the same
contract as CrossGuard's own unknown-checking proxy. ``.ref``/``.refs`` hand out references for
the graph (posture.rules.graph) even while their values are unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from posture.resources import REDACTED, UNKNOWN, ResourceView

AWS_MANAGED_KEY = re.compile(r"(^|:)alias/aws/")


class ValueNotKnownError(Exception):
    """A rule read a value it cannot see: computed by AWS and not known until deploy, or secret."""

    def __init__(self, path: str, urn: str | None = None, reason: str = "is not known yet") -> None:
        super().__init__(path)
        self.path = path
        self.urn = urn
        self.reason = reason

    @property
    def message(self) -> str:
        if self.reason == SECRET_REASON:
            return f"cannot verify: {label(self.path)} {self.reason}"
        return f"cannot verify during preview: {label(self.path)} {self.reason}"


SECRET_REASON = "is a secret value the check cannot read"


@dataclass(frozen=True)
class Reference:
    """A property that names another resource: its value when known, and the resources the engine
    says it was computed from (None when the engine gives no dependency information)."""

    value: Any
    sources: frozenset[str] | None
    path: str


# --- reading properties -------------------------------------------------------------------------


Sources = Mapping[str, frozenset[str]] | frozenset[str] | None
"""Dependency information a Props subtree carries: per top-level key at the root, the top-level
key's set below it, None when the engine gave none."""


def _sources_below(sources: Sources, key: str) -> frozenset[str] | None:
    if isinstance(sources, Mapping):
        return sources.get(key, frozenset())
    return sources


class Props(Mapping):
    """A read-only view of (nested) properties that refuses to hand out unknown values."""

    __slots__ = ("_data", "_path", "_sources")

    def __init__(self, data: Mapping[str, Any], path: str = "", sources: Sources = None) -> None:
        self._data = data
        self._path = path
        self._sources = sources

    def __getitem__(self, key: str) -> Any:
        return _wrap(self._data[key], self.path(key), _sources_below(self._sources, key))

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        """Presence only: asking whether a key is set must not fail because its value is unknown."""
        return key in self._data

    def get(self, key: str, default: Any = None) -> Any:
        """Like dict.get, but an explicit null counts as "not set", as it does for the provider."""
        if self._data.get(key) is None:
            return default
        return self[key]

    def is_set(self, key: str) -> bool:
        """Whether ``key`` has a value, known or not, readable or secret."""
        return self._data.get(key) is not None

    def ref(self, key: str) -> Reference | None:
        """``key`` as a reference to another resource, readable even while its value is unknown;
        None when it is not set. Only ``Graph.resolve`` reads a Reference."""
        value = self._data.get(key)
        if value is None:
            return None
        if value is REDACTED:
            raise ValueNotKnownError(self.path(key), reason=SECRET_REASON)
        return Reference(value, _sources_below(self._sources, key), self.path(key))

    def refs(self, key: str) -> list[Reference]:
        """Every element of list ``key`` as a Reference (a scalar counts as a list of one)."""
        value = self._data.get(key)
        if value is None:
            return []
        if value is REDACTED:
            raise ValueNotKnownError(self.path(key), reason=SECRET_REASON)
        sources = _sources_below(self._sources, key)
        if value is UNKNOWN:
            return [Reference(UNKNOWN, sources, self.path(key))]
        items = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        return [Reference(v, sources, f"{self.path(key)}[{i}]") for i, v in enumerate(items)]

    def path(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def plain(self) -> dict[str, Any]:
        """The whole subtree as plain data; raises if any part of it is unknown."""
        return {k: _plain(v, self.path(k)) for k, v in self._data.items()}


class Items(Sequence):
    __slots__ = ("_data", "_path", "_sources")

    def __init__(self, data: Sequence[Any], path: str, sources: frozenset[str] | None = None) -> None:
        self._data = data
        self._path = path
        self._sources = sources

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._data)))]
        return _wrap(self._data[index], f"{self._path}[{index}]", self._sources)

    def __len__(self) -> int:
        return len(self._data)

    def refs(self) -> list[Reference]:
        return [Reference(v, self._sources, f"{self._path}[{i}]") for i, v in enumerate(self._data)]

    def plain(self) -> list[Any]:
        return [_plain(v, f"{self._path}[{i}]") for i, v in enumerate(self._data)]


def _readable(value: Any, path: str) -> None:
    """The one gate every read passes: a value not known yet, or secret, is never handed out."""
    if value is UNKNOWN:
        raise ValueNotKnownError(path)
    if value is REDACTED:
        raise ValueNotKnownError(path, reason=SECRET_REASON)


def _wrap(value: Any, path: str, sources: Sources = None) -> Any:
    _readable(value, path)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return Props(value, path, sources)
    if isinstance(value, Sequence):
        return Items(value, path, sources if not isinstance(sources, Mapping) else None)
    return value


def _plain(value: Any, path: str) -> Any:
    _readable(value, path)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return {k: _plain(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def props(resource: ResourceView) -> Props:
    return Props(resource.props, sources=resource.dependencies)


def at(resource: ResourceView, path: str) -> Any:
    """The value at a dotted property path (``vpcOptions.subnetIds``); None when any block on the way
    is not set, as AWS then applies its default for the whole block."""
    node: Any = props(resource)
    for key in path.split("."):
        node = node.get(key) if node is not None else None
    return node


def plain(value: Any) -> Any:
    """Plain data from a Props/Items subtree (or any value)."""
    if isinstance(value, (Props, Items)):
        return value.plain()
    return value


def as_list(value: Any) -> list[Any]:
    """JSON policies and some inputs accept a scalar where a list is meant."""
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]


def as_int(value: Any) -> int | None:
    """Numbers arrive as floats from the engine (443.0) and sometimes as strings ("443")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.0+)?", value.strip()):
        return int(float(value))
    raise ValueError(f"{value!r} is not a whole number")


def as_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, (int, float)):
        return bool(value)
    raise ValueError(f"{value!r} is not a boolean")


def tags(resource: ResourceView) -> dict[str, str]:
    p = props(resource)
    merged: dict[str, str] = {}
    for key in ("tagsAll", "tags"):
        value = p.get(key)
        if isinstance(value, Mapping):
            merged.update({str(k): str(v) for k, v in plain(value).items()})
    return merged


COMPUTED_KEY = "a key this program creates"
"""What a customer-managed-key property holds on a preview before the key exists. A preview computes
a value only from a resource the program declares (a literal alias and a data source are known), and
no program can create an AWS-managed key (alias/aws/*), so the resource-level control can tell the
AWS-managed default apart without the value; which key it is, and that it rotates, is decided through
the graph by stack-data-store-require-rotating-key, which fails a key taken from anything but a key."""


def customer_key(p: Props, key: str) -> str | None:
    """The key a CMK property names as people read it (the value, or COMPUTED_KEY while unknown)."""
    ref = p.ref(key)
    if ref is None:
        return None
    return COMPUTED_KEY if ref.value is UNKNOWN else ref.value


def is_aws_managed_key(ref: str) -> bool:
    """``alias/aws/<service>``: a key AWS owns, whose policy and rotation we do not control."""
    return bool(AWS_MANAGED_KEY.search(ref))


# --- messages -----------------------------------------------------------------------------------


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake(path: str) -> str:
    return _CAMEL.sub(r"_\1", path).lower()


def label(path: str) -> str:
    """``fooBar`` as both the engine sees it and the Python SDK spells it."""
    snaked = snake(path)
    return path if snaked == path else f"{path} ({snaked})"


def _shown(value: Any) -> Any:
    """Plain data for a message, with the parts not known yet named as such: a verdict decided on
    the known parts must not turn unknown because the message quotes the rest."""
    if isinstance(value, (Props, Items)):
        value = value._data
    if value is UNKNOWN:
        return "<not known until deploy>"
    if value is REDACTED:
        return "<secret>"
    if isinstance(value, Mapping):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_shown(v) for v in value]
    return value


def show(value: Any) -> str:
    if value is None:
        return "not set"
    if value is UNKNOWN:
        return "not known until deploy"
    if value is REDACTED:
        return "a secret value"
    value = _shown(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return json.dumps(value, sort_keys=True)
    except TypeError:
        return repr(value)


