"""The offline engine: run every control's rule over a stack's resource graph, in-process.

It mirrors what the CrossGuard server does with the policy pack (same rules, same levels,
disabled controls skipped, remediate reported as mandatory) so ``posture check`` and
``pulumi preview --policy-pack policies`` agree, and adds what a report needs on top: a finding
for every verdict, including passes and controls with nothing to check.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from posture.catalog import CONTROLS, Control
from posture.findings import Enforcement, Finding, Verdict
from posture.identity import identity_of
from posture.resources import ResourceView
from posture.rules import RULES
from posture.rules.graph import Graph
from posture.rules.results import RuleResult, run_resource_rule, run_stack_rule, scope
from posture.scope import is_baseline_stack, not_baseline_reason

STACK_TYPE = "pulumi:pulumi:Stack"


class PolicyConfigError(ValueError):
    """A policy config file the CLI would reject; the message names the file and the key."""


def evaluate(resources: list[ResourceView], levels: dict[str, Enforcement] | None = None,
             properties: Mapping[str, Mapping[str, Any]] | None = None, baseline: bool | None = None
             ) -> list[Finding]:
    """One finding per (control, resource) verdict; never raises because of a rule.

    ``properties`` is the pack config's per-control properties (thresholds, baselineStacks);
    ``baseline`` forces the stack kind (the live audit of an account is always a baseline),
    otherwise each baseline-scoped control recognises it (posture/scope.py)."""
    levels = levels or {}
    properties = properties or {}
    checked = Graph(r for r in resources if r.custom and not r.type.startswith("pulumi:providers:"))
    stack_urn = _stack_urn(resources)
    findings: list[Finding] = []
    for control in CONTROLS:
        level = levels.get(control.id, Enforcement.MANDATORY)
        if level is Enforcement.DISABLED:
            continue
        if level is Enforcement.REMEDIATE:
            level = Enforcement.MANDATORY
        config = control.resolve_config(properties.get(control.id))
        if control.scope == "baseline" and not (baseline if baseline is not None
                                                else is_baseline_stack(resources, config)):
            findings.append(Finding(control.id, Verdict.NOT_APPLICABLE, control.severity, level, stack_urn,
                                    STACK_TYPE, not_baseline_reason(resources)))
            continue
        rule = RULES[control.id]
        if control.settings:
            rule = functools.partial(rule, settings=config)
        if control.is_stack_control:
            try:
                results = run_stack_rule(rule, checked)  # type: ignore[arg-type]
            except Exception as exc:
                results = [_error(exc, None)]
            if not results:
                results = [RuleResult(Verdict.NOT_APPLICABLE, f"nothing {scope().here} for this control to check")]
            findings.extend(_finding(control, level, r, checked, stack_urn) for r in results)
            continue
        targets = checked.of_type(*control.resource_types)
        if not targets:
            findings.append(Finding(control.id, Verdict.NOT_APPLICABLE, control.severity, level, stack_urn, STACK_TYPE,
                                    f"no {', '.join(control.resource_types)} {scope().here}"))
        for resource in targets:
            try:
                results = run_resource_rule(rule, resource)  # type: ignore[arg-type]
            except Exception as exc:
                results = [_error(exc, resource.urn)]
            findings.extend(_finding(control, level, r, checked, stack_urn) for r in results)
    return findings


def _error(exc: Exception, urn: str | None) -> RuleResult:
    return RuleResult(Verdict.ERROR, f"policy error: {type(exc).__name__}: {exc}", urn)


def _finding(control: Control, level: Enforcement, result: RuleResult, graph: Graph, stack_urn: str) -> Finding:
    resource = graph.by_urn.get(result.urn or "")
    identity = identity_of(resource) if resource else None
    return Finding(
        control_id=control.id, verdict=result.verdict, severity=control.severity, enforcement=level,
        resource_urn=resource.urn if resource else stack_urn, resource_type=resource.type if resource else STACK_TYPE,
        message=result.message, source=resource.source if resource else None,
        path=result.path, observed=result.observed, expected=result.expected, evidence=result.evidence,
        owner_stack=identity.stack if identity else None, logical_name=identity.logical_name if identity else None,
    )


def _stack_urn(resources: list[ResourceView]) -> str:
    """``urn:pulumi:<stack>::<project>::pulumi:pulumi:Stack::<project>-<stack>`` from any resource's URN."""
    for r in resources:
        parts = r.urn.split("::")
        if len(parts) >= 4 and parts[0].startswith("urn:pulumi:"):
            stack, project = parts[0].removeprefix("urn:pulumi:"), parts[1]
            return f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"
    return f"urn:pulumi:unknown::unknown::{STACK_TYPE}::unknown"


def load_policy_config(path: str | Path) -> dict[str, Enforcement]:
    """Enforcement levels from a ``--policy-pack-config`` file, read the way the Pulumi CLI reads it.

    Each key is a control id or ``all``; each value is a level string or an object whose
    ``enforcementLevel`` gives the level. ``all`` applies first and per-control entries win.
    The shape is the pydantic model ``posture.schemas.PolicyConfig`` (published as
    schemas/policy-config.schema.json).
    """
    from pydantic import ValidationError

    from posture.schemas import PolicyConfig

    path = Path(path)
    document = _read_policy_config(path)
    known = {c.id for c in CONTROLS}
    for key in document:
        if key != "all" and key not in known:
            raise PolicyConfigError(f"{path}: {key!r} is not a policy of this pack; use a control id from "
                                    "docs/controls.md or 'all'")
    try:
        config = PolicyConfig.model_validate(document)
    except ValidationError as exc:
        raise PolicyConfigError(_problem(path, document, exc)) from None
    levels: dict[str, Enforcement] = {}
    explicit: dict[str, Enforcement] = {}
    for key, value in config.root.items():
        level = value if isinstance(value, Enforcement) else value.enforcementLevel
        if level is None:
            continue
        if key == "all":
            levels.update(dict.fromkeys(known, level))
        else:
            explicit[key] = level
    levels.update(explicit)
    return levels


def load_policy_properties(path: str | Path) -> dict[str, dict[str, Any]]:
    """The per-control properties of the same file (everything but ``enforcementLevel``), checked
    against each control's config schema as the Pulumi CLI checks them, and stricter on one
    point: a property the control does not take is refused, so a misspelt threshold cannot
    silently leave the default in force."""
    import jsonschema  # only when a config file is given; it is not needed for a plain check

    path = Path(path)
    properties: dict[str, dict[str, Any]] = {}
    for key, value in _read_policy_config(path).items():
        if key == "all" or not isinstance(value, Mapping):
            continue
        given = {k: v for k, v in value.items() if k != "enforcementLevel"}
        if not given:
            continue
        control = next((c for c in CONTROLS if c.id == key), None)
        if control is None:
            raise PolicyConfigError(f"{path}: {key!r} is not a policy of this pack; use a control id from "
                                    "docs/controls.md or 'all'")
        schema = control.config_schema
        for name, item in given.items():
            if name not in schema:
                takes = ", ".join(sorted(schema)) or "no properties, only enforcementLevel"
                raise PolicyConfigError(f"{path}: {key}.{name} is not a property of this policy; it takes {takes}")
            try:
                jsonschema.validate(item, schema[name])
            except jsonschema.ValidationError as exc:
                raise PolicyConfigError(f"{path}: {key}.{name}: {exc.message}; see docs/pack-coverage.md for the "
                                        "property's type and default") from None
        properties[key] = given
    return properties


def _read_policy_config(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyConfigError(f"{path}: cannot read the policy config ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise PolicyConfigError(f"{path}: not UTF-8 text; save the policy config as UTF-8 JSON") from None
    if not text.strip():
        return {}
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(document, dict):
        raise PolicyConfigError(f"{path}: must be a JSON object of policy names to enforcement levels")
    return document


def _problem(path: Path, document: Mapping[str, Any], exc: Exception) -> str:
    """The model's first problem as one line naming the key and the fix."""
    key = str(exc.errors()[0]["loc"][0])  # type: ignore[attr-defined]
    value = document[key]
    if isinstance(value, Mapping):
        value = value.get("enforcementLevel")
    if isinstance(value, str):
        return (f"{path}: {key!r}: {value!r} is not an enforcement level; use one of "
                f"{', '.join(e.value for e in Enforcement)}")
    return f"{path}: {key!r}: {value!r} is not a valid value; must be a string or object"
