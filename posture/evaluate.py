"""The offline engine: run every control's rule over a stack's resource graph, in-process.

It mirrors what the CrossGuard server does with the policy pack (same rules, same levels,
disabled controls skipped, remediate reported as mandatory) so ``posture check`` and
``pulumi preview --policy-pack policies`` agree, and adds what a report needs on top: a finding
for every verdict, including passes and controls with nothing to check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from posture.catalog import CONTROLS, Control
from posture.findings import Enforcement, Finding, Verdict
from posture.identity import identity_of
from posture.resources import ResourceView
from posture.rules import RULES
from posture.rules.base import Graph, RuleResult, run_resource_rule, run_stack_rule

STACK_TYPE = "pulumi:pulumi:Stack"


class PolicyConfigError(ValueError):
    """A policy config file the CLI would reject; the message names the file and the key."""


def evaluate(resources: list[ResourceView], levels: dict[str, Enforcement] | None = None) -> list[Finding]:
    """One finding per (control, resource) verdict; never raises because of a rule."""
    levels = levels or {}
    checked = Graph(r for r in resources if r.custom and not r.type.startswith("pulumi:providers:"))
    stack_urn = _stack_urn(resources)
    findings: list[Finding] = []
    for control in CONTROLS:
        level = levels.get(control.id, Enforcement.MANDATORY)
        if level is Enforcement.DISABLED:
            continue
        if level is Enforcement.REMEDIATE:
            level = Enforcement.MANDATORY
        rule = RULES[control.id]
        if control.is_stack_control:
            try:
                results = run_stack_rule(rule, checked)  # type: ignore[arg-type]
            except Exception as exc:
                results = [_error(exc, None)]
            if not results:
                results = [RuleResult(Verdict.NOT_APPLICABLE, "nothing in this stack for this control to check")]
            findings.extend(_finding(control, level, r, checked, stack_urn) for r in results)
            continue
        targets = checked.of_type(*control.resource_types)
        if not targets:
            findings.append(Finding(control.id, Verdict.NOT_APPLICABLE, control.severity, level, stack_urn, STACK_TYPE,
                                    f"no {', '.join(control.resource_types)} in this stack"))
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
    """
    path = Path(path)
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
    known = {c.id for c in CONTROLS}
    levels: dict[str, Enforcement] = {}
    explicit: dict[str, Enforcement] = {}
    for key, value in document.items():
        if key != "all" and key not in known:
            raise PolicyConfigError(f"{path}: {key!r} is not a policy of this pack; use a control id from "
                                    "docs/controls.md or 'all'")
        level = _level(path, key, value)
        if level is None:
            continue
        if key == "all":
            levels.update(dict.fromkeys(known, level))
        else:
            explicit[key] = level
    levels.update(explicit)
    return levels


def _level(path: Path, key: str, value: Any) -> Enforcement | None:
    if isinstance(value, Mapping):
        if "enforcementLevel" not in value:
            return None
        value = value["enforcementLevel"]
    elif not isinstance(value, str):
        raise PolicyConfigError(f"{path}: {key!r}: {value!r} is not a valid value; must be a string or object")
    try:
        return Enforcement(value)
    except ValueError:
        raise PolicyConfigError(f"{path}: {key!r}: {value!r} is not an enforcement level; use one of "
                                f"{', '.join(e.value for e in Enforcement)}") from None
