"""Single changes to a resource graph (ResourceView is frozen: every change builds new views)."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policies.pack import POLICIES
from posture.catalog import PACK_NAME
from posture.evaluate import evaluate
from posture.findings import Finding, Verdict
from posture.resources import REDACTED, UNKNOWN, ResourceView

Graph = Sequence[ResourceView]
Change = Callable[[Graph], list[ResourceView]]
DELETE = object()
"""Value that removes a property instead of setting it."""
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def find(resources: Iterable[ResourceView], name: str) -> ResourceView:
    found = [r for r in resources if r.name == name and r.custom]
    assert len(found) == 1, f"expected one resource named {name!r}, found {len(found)}"
    return found[0]


def _steps(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _STEP.findall(path)]


def set_paths(props: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``props`` with ``a.b[0].c``-style paths set (or removed with DELETE)."""
    new = copy.deepcopy(props)
    for path, value in changes.items():
        *parents, last = _steps(path)
        node: Any = new
        for step in parents:
            if isinstance(step, str) and step not in node:
                node[step] = {}
            node = node[step]
        if value is DELETE:
            del node[last]
        elif isinstance(node, list) and last == len(node):
            node.append(value)
        else:
            node[last] = value
    return new


def change(name: str, **changes: Any) -> Change:
    """Set top-level props of one resource (use ``paths`` for nested ones)."""
    return paths(name, changes)


def paths(name: str, changes: dict[str, Any], type: str | None = None) -> Change:
    def apply(resources: Graph) -> list[ResourceView]:
        target = find(resources, name)
        # A value a test writes in has no provenance: forget what the engine said the old one came from.
        changed = {re.split(r"[.\[]", key, maxsplit=1)[0] for key in changes}
        dependencies = {k: v for k, v in (target.dependencies or {}).items() if k not in changed}
        replaced = dataclasses.replace(target, props=set_paths(target.props, changes), type=type or target.type,
                                       dependencies=dependencies if target.dependencies is not None else None)
        return [replaced if r is target else r for r in resources]

    return apply


def drop(*names: str) -> Change:
    def apply(resources: Graph) -> list[ResourceView]:
        for name in names:
            find(resources, name)
        return [r for r in resources if not (r.custom and r.name in names)]

    return apply


def add(type: str, name: str, props: dict[str, Any], region: str | None = "eu-west-1",
        dependencies: dict[str, frozenset[str]] | None = None) -> Change:
    """Add a resource; ``dependencies`` (property -> URNs) is what the engine would record for
    properties computed from other resources, e.g. an id that is still UNKNOWN on a first preview."""
    view = ResourceView(urn=f"urn:pulumi:prod::security-baseline::{type}::{name}", type=type, name=name,
                        props=props, region=region, dependencies=dependencies)

    def apply(resources: Graph) -> list[ResourceView]:
        return [*resources, view]

    return apply


def chain(*changes: Change) -> Change:
    def apply(resources: Graph) -> list[ResourceView]:
        out = list(resources)
        for c in changes:
            out = c(out)
        return out

    return apply


def identity(resources: Graph) -> list[ResourceView]:
    return list(resources)


def failing(findings: Iterable[Finding]) -> set[str]:
    return {f.control_id for f in findings if f.verdict in (Verdict.FAIL, Verdict.ERROR)}


def verdicts(findings: Iterable[Finding], control: str) -> set[Verdict]:
    return {f.verdict for f in findings if f.control_id == control}


def run(resources: Graph) -> list[Finding]:
    return evaluate(list(resources))


def append(name: str, path: str, value: Any) -> Change:
    """Add ``value`` at the end of the list at ``path`` (an ingress entry, a statement...)."""
    def apply(resources: Graph) -> list[ResourceView]:
        target = find(resources, name)
        node: Any = target.props
        for step in _steps(path):
            node = node[step]
        return paths(name, {f"{path}[{len(node)}]": value})(resources)

    return apply


def edit_policy(name: str, edit: Callable[[dict[str, Any]], None], key: str = "policy") -> Change:
    """Change the JSON policy document held as a string in ``key``."""
    def apply(resources: Graph) -> list[ResourceView]:
        document = json.loads(find(resources, name).props[key])
        edit(document)
        return paths(name, {key: json.dumps(document)})(resources)

    return apply


def wire(value: Any) -> Any:
    """What the analyzer hands a policy: unknowns as the engine's sentinel, secrets unwrapped to plaintext."""
    if value is UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if value is REDACTED:
        return "plaintext-secret"
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


def analyzer_servicer() -> _PolicyAnalyzerServicer:
    """The analyzer the Pulumi CLI starts for this pack, with its default configuration."""
    return _PolicyAnalyzerServicer(PACK_NAME, "0.0.1", POLICIES, EnforcementLevel.MANDATORY, None, None, None, None,
                                   None, None, None)
