"""The resources of one stack and the references between them, whichever engine collected them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from posture.resources import REDACTED, UNKNOWN, ResourceView
from posture.rules.values import SECRET_REASON, Reference, ValueNotKnownError, props

# --- the resource graph -------------------------------------------------------------------------


_NAME_KEYS = ("name", "bucket", "identifier", "clusterIdentifier", "keyId", "functionName")


class Graph(list):
    """The resources of one stack, indexed once by type and by every identity a reference may use.

    ``resolve`` answers "which resource does this property point at" in two ways, so it decides on
    a first preview as well as against a deployed account:
    - by the engine's dependency information (``ResourceView.dependencies``): a reference whose
      value is not known yet points at the one resource of the expected type it was computed from;
    - by value (id, ARN, name, ARN tail) when the value is known: the live audit, and resources an
      earlier deployment already created.
    Where neither decides, it raises ValueNotKnownError: "not found" would then be a guess.
    """

    def __init__(self, resources: Iterable[ResourceView]) -> None:
        super().__init__(resources)
        self._by_type: dict[str, list[ResourceView]] = {}
        for r in self:
            self._by_type.setdefault(r.type, []).append(r)
        self._exact: dict[tuple[str, ...], dict[str, ResourceView]] = {}
        self._tails: dict[tuple[str, ...], dict[str, ResourceView]] = {}
        self._opaque: dict[tuple[str, ...], list[ResourceView]] = {}
        self.by_urn = {r.urn: r for r in self}

    def of_type(self, *types: str) -> list[ResourceView]:
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        return [r for t in types for r in self._by_type.get(t, [])]

    def _index(self, types: tuple[str, ...]) -> None:
        exact: dict[str, ResourceView] = {}
        tails: dict[str, ResourceView] = {}
        opaque: list[ResourceView] = []
        for r in self.of_type(*types):
            raw = r.props
            for key in ("id", "arn"):
                value = raw.get(key)
                if value is UNKNOWN:
                    opaque.append(r)
                elif isinstance(value, str) and value:
                    exact[value] = r
            for name in (v for v in (raw.get(k) for k in _NAME_KEYS) if isinstance(v, str)):
                exact.setdefault(name, r)
                tails.setdefault(name, r)
        self._exact[types], self._tails[types], self._opaque[types] = exact, tails, opaque

    def attached_to(self, attachment_types: tuple[str, ...], key: str, *target_types: str) -> dict[str, ResourceView]:
        """Resources of ``attachment_types`` (a policy, lock, rotation...) keyed by the URN of the
        resource their ``key`` property refers to; the last one declared wins, as in AWS."""
        found: dict[str, ResourceView] = {}
        for attachment in self.of_type(*attachment_types):
            target = self.resolve(props(attachment).ref(key), *target_types)
            if target is not None:
                found[target.urn] = attachment
        return found

    def sources(self, ref: Reference, *types: str) -> list[ResourceView]:
        """The resources of ``types`` the engine says ``ref`` was computed from."""
        found = (self.by_urn.get(urn) for urn in sorted(ref.sources or ()))
        return [r for r in found if r is not None and r.type in types]

    def resolve(self, ref: Any, *types: str, path: str = "reference") -> ResourceView | None:
        """The resource of ``types`` that ``ref`` (a Reference, or a plain value from an engine
        without dependency information) points at, or None when it names nothing in this stack."""
        sources: frozenset[str] | None = None
        if isinstance(ref, Reference):
            ref, sources, path = ref.value, ref.sources, ref.path
        if ref is REDACTED:
            raise ValueNotKnownError(path, reason=SECRET_REASON)
        if ref is UNKNOWN:
            if sources is None:
                raise ValueNotKnownError(path)
            return self._one_source(Reference(ref, sources, path), types)
        if not isinstance(ref, str) or not ref:
            return None
        if types not in self._exact:
            self._index(types)
        found = self._exact[types].get(ref)
        if found is None and ref.startswith("arn:"):
            found = self._tails[types].get(re.split(r"[/:]", ref)[-1])
        if found is not None:
            return found
        if sources is not None:
            # Known and matching nothing: a resource this stack creates has no id before it exists,
            # so a known value names something outside the stack.
            return None
        if self._opaque[types]:
            raise ValueNotKnownError(f"id of {self._opaque[types][0].name}", self._opaque[types][0].urn)
        return None

    def _one_source(self, ref: Reference, types: tuple[str, ...]) -> ResourceView:
        candidates = self.sources(ref, *types)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise ValueNotKnownError(ref.path, reason="is not known yet and is not computed from a resource of this stack")
        names = ", ".join(c.name for c in candidates)
        raise ValueNotKnownError(ref.path, reason=f"is not known yet and could be any of {names}")

    def resolve_all(self, refs: Sequence[Reference], *types: str) -> list[ResourceView]:
        """The resources of ``types`` a list property points at. Elements known by value are matched
        by value; the unknown ones stand for the resources of the type the list was computed from
        that no known element names, when their counts agree (else the list cannot be decided)."""
        found: list[ResourceView] = []
        pending: list[Reference] = []
        for ref in refs:
            if ref.value is UNKNOWN and ref.sources is not None:
                pending.append(ref)
                continue
            target = self.resolve(ref, *types)
            if target is not None:
                found.append(target)
        if pending:
            rest = [c for c in self.sources(pending[0], *types) if c not in found]
            if not rest or len(rest) > len(pending):
                # Computed from no resource of the type, or from more of them than there are elements.
                names = ", ".join(c.name for c in rest) or "no resource of the expected type"
                raise ValueNotKnownError(pending[0].path, reason=f"is not known yet and could be any of {names}")
            found.extend(rest)
        return found


def graph(resources: Sequence[ResourceView]) -> Graph:
    """Stack rules accept any sequence; evaluate() passes a Graph so indexes are built once."""
    return resources if isinstance(resources, Graph) else Graph(resources)
