"""The CrossGuard policy pack as data: one policy per catalog control, wrapping the same rule
functions ``posture check`` runs offline.

Importing this module never starts the analyzer (``PolicyPack`` blocks forever in its
constructor; only ``policies/__main__.py`` builds one) and prints nothing, so tests and the
posture CLI can evaluate the policy objects in-process. It has no package-relative imports
because the CLI imports it as the top-level module ``pack``.

Preview and unknown values: CrossGuard hands policies magic strings for values that are not
known yet. The adapter turns them into ``posture.resources.UNKNOWN`` before calling a rule, and
a rule that needs one answers UNKNOWN. The adapter then raises ``NotKnownDuringPreviewError``
(an ``UnknownValueError``), which the analyzer reports as an advisory "can't run policy ...
during preview: cannot verify during preview: <property> is not known yet" diagnostic, after
every definite violation of the same call has been reported as mandatory. An unknown therefore
never passes silently and never blocks a preview; ``pulumi up`` re-runs the policy with the
values known. A rule that raises is reported as a violation ("policy error: ..."), never a pass.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import Severity as PolicySeverity
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    _DictProxy,
    _ListProxy,
)

from posture.catalog import CONTROLS, FRAMEWORK_VERSIONS, Control
from posture.findings import Severity, Verdict
from posture.resources import UNKNOWN, ResourceView
from posture.rules import RULES
from posture.rules.graph import Graph
from posture.rules.results import RuleResult, run_resource_rule, run_stack_rule
from posture.scope import is_baseline_stack, not_baseline_reason

PACK_DESCRIPTION = ("The security-baseline control catalog: every promise in docs/controls.md of the security-baseline "
                    "project, checked before deploy.")
_UNKNOWN_SENTINELS = frozenset({UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE, UNKNOWN_ARRAY_VALUE,
                                UNKNOWN_ASSET_VALUE, UNKNOWN_ARCHIVE_VALUE, UNKNOWN_OBJECT_VALUE})
_SEVERITIES = {Severity.CRITICAL: PolicySeverity.CRITICAL, Severity.HIGH: PolicySeverity.HIGH,
               Severity.MEDIUM: PolicySeverity.MEDIUM, Severity.LOW: PolicySeverity.LOW}
_FRAMEWORK_ORDER = ("AWS FSBP", "CIS AWS", "NIST 800-53", "PCI DSS")


class NotKnownDuringPreviewError(UnknownValueError):
    """The analyzer's own signal for "not known yet": reported as an advisory diagnostic."""

    def __init__(self, message: str) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.message = message

    def __str__(self) -> str:
        return self.message


# --- CrossGuard arguments -> ResourceView ------------------------------------------------------


def plain_props(value: Any) -> Any:
    """Unwrap the analyzer's unknown-checking proxies (reading through them would raise) and turn
    the unknown sentinels into ``UNKNOWN``."""
    if isinstance(value, str):
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if isinstance(value, (_DictProxy, _ListProxy)):
        value = value["__target"]
    if isinstance(value, Mapping):
        return {k: plain_props(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [plain_props(v) for v in value]
    return value


def _region(props: Mapping[str, Any], provider: Any) -> str | None:
    region = props.get("region")
    if isinstance(region, str):
        return region
    provider_props = plain_props(provider.props) if provider is not None else {}
    region = provider_props.get("region") if isinstance(provider_props, Mapping) else None
    return region if isinstance(region, str) else None


def view_of_resource(args: ResourceValidationArgs) -> ResourceView:
    props = plain_props(args.props)
    return ResourceView(urn=args.urn, type=args.resource_type, name=args.name, props=props,
                        parent=getattr(args.opts, "parent", None), region=_region(props, args.provider))


def view_of_stack_resource(resource: Any) -> ResourceView:
    """A stack resource with the engine's ``property_dependencies`` (property -> the resources its value
    was computed from), which lets the graph follow references on a preview, before ids exist."""
    props = plain_props(resource.props)
    parent = resource.parent.urn if resource.parent is not None else None
    dependencies = {key: frozenset(dep.urn for dep in deps)
                    for key, deps in (getattr(resource, "property_dependencies", None) or {}).items()}
    return ResourceView(urn=resource.urn, type=resource.resource_type, name=resource.name, props=props,
                        parent=parent, custom=not resource.resource_type.startswith("pulumi:"),
                        region=_region(props, resource.provider), dependencies=dependencies)


# --- reporting -------------------------------------------------------------------------------


def _report(results: list[RuleResult], report_violation: ReportViolation, args: Any) -> None:
    """Mandatory violations first; then unknowns as the analyzer's advisory; else not-applicable."""
    unknowns = []
    for result in results:
        if result.verdict in (Verdict.FAIL, Verdict.ERROR):
            report_violation(result.message, result.urn)
        elif result.verdict is Verdict.UNKNOWN:
            unknowns.append(result.message)
    if unknowns:
        raise NotKnownDuringPreviewError("; ".join(unknowns))
    if not results:
        args.not_applicable("nothing in this stack for this control to check")
    if all(r.verdict is Verdict.NOT_APPLICABLE for r in results):
        args.not_applicable(results[0].message)


def _configured_rule(control: Control, args: Any) -> Callable:
    """The control's rule with its thresholds from the pack config (``args.get_config()``)."""
    rule = RULES[control.id]
    if not control.settings:
        return rule
    return functools.partial(rule, settings=control.resolve_config(args.get_config()))


def _resource_validation(control: Control) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    types = frozenset(control.resource_types)

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in types:
            return
        try:
            results = run_resource_rule(_configured_rule(control, args), view_of_resource(args))
        except Exception as exc:
            report_violation(f"policy error: {type(exc).__name__}: {exc}", None)
            return
        _report(results, report_violation, args)

    return validate


def _stack_validation(control: Control) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        try:
            every = [view_of_stack_resource(r) for r in args.resources]
            applies = control.scope != "baseline" or is_baseline_stack(every, control.resolve_config(args.get_config()))
            views = Graph(view for view in every if view.custom and not view.type.startswith("pulumi:providers:"))
            results = run_stack_rule(_configured_rule(control, args), views) if applies else []  # type: ignore[arg-type]
        except Exception as exc:
            report_violation(f"policy error: {type(exc).__name__}: {exc}", None)
            return
        if not applies:
            args.not_applicable(not_baseline_reason(every))
        _report(results, report_violation, args)

    return validate


# --- policies --------------------------------------------------------------------------------


def framework(control: Control) -> PolicyComplianceFramework | None:
    """CrossGuard takes one framework per policy: the first of FSBP/CIS/NIST/PCI the control maps
    to, with every mapping spelled out in ``specification``."""
    names = [n for n in _FRAMEWORK_ORDER if n in control.frameworks]
    if not names:
        return None
    primary = names[0]
    every = "; ".join(f"{n} {' '.join(control.frameworks[n])}" for n in names)
    return PolicyComplianceFramework(name=primary, version=FRAMEWORK_VERSIONS[primary],
                                     reference=", ".join(control.frameworks[primary]), specification=every)


def policy_for(control: Control) -> Policy:
    common: dict[str, Any] = dict(
        name=control.id, description=control.title, enforcement_level=EnforcementLevel.MANDATORY,
        display_name=control.title, severity=_SEVERITIES[control.severity], framework=framework(control),
        tags=list(control.promises), remediation_steps=control.remediation,
        url=control.references[0] if control.references else None,
        config_schema=PolicyConfigSchema(properties=control.config_schema) if control.config_schema else None,
    )
    if control.is_stack_control:
        return StackValidationPolicy(validate=_stack_validation(control), **common)
    return ResourceValidationPolicy(validate=_resource_validation(control), **common)


POLICIES: list[Policy] = [policy_for(control) for control in CONTROLS]
