"""A rule's verdicts and the runners that turn a value nobody can see into UNKNOWN, never a pass."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from posture.findings import Verdict
from posture.resources import ResourceView
from posture.rules.values import ValueNotKnownError, as_bool, at, label, show


@dataclass(frozen=True)
class RuleResult:
    """One verdict. Beside the readable message, the fields reports, the audit and the diff read
    (never the message text): the property path judged, the value observed (already rendered and
    withheld when secret), the condition expected, and the counterexample hop by hop."""

    verdict: Verdict
    message: str
    urn: str | None = None
    path: str | None = None
    observed: str | None = None
    expected: str | None = None
    evidence: tuple[str, ...] = ()


ResourceRule = Callable[[ResourceView], "RuleResult | list[RuleResult]"]
StackRule = Callable[[Sequence[ResourceView]], list[RuleResult]]


@dataclass(frozen=True)
class Scope:
    """What the resources a rule sees are, in the words its messages use.

    Offline a rule sees one stack; in a live audit it sees the audited account's inventory, where
    "the key is not declared in this stack" would be false. Rules word scope-relative findings with
    ``scope()`` rather than having a caller rewrite their messages afterwards.
    """

    here: str
    declared: str


STACK_SCOPE = Scope(here="in this stack", declared="declared in this stack")
ACCOUNT_SCOPE = Scope(here="in the audited account", declared="present in the audited account")
_SCOPE: ContextVar[Scope] = ContextVar("posture_rule_scope", default=STACK_SCOPE)


def scope() -> Scope:
    """The scope the rules are running in (``STACK_SCOPE`` unless ``in_scope`` says otherwise)."""
    return _SCOPE.get()


@contextmanager
def in_scope(value: Scope) -> Iterator[None]:
    token = _SCOPE.set(value)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def passed(resource: ResourceView, message: str) -> RuleResult:
    return RuleResult(Verdict.PASS, f"{resource.name}: {message}", resource.urn)


_SECRET_PROPERTY = re.compile(r"(password|secret(string|binary)|token|privatekey|credential)", re.IGNORECASE)
"""Properties whose value is a secret. CrossGuard hands policies secrets unwrapped, so a message
that quoted the value would put it into the CLI output, Pulumi Cloud and every report."""


def failed(resource: ResourceView, path: str, value: Any, problem: str, expected: str) -> RuleResult:
    """What is wrong, where, and the condition the property must meet (``expected``). The fix is the
    control's remediation in the catalog, which every report and the pack print beside it; a rule
    never writes its own."""
    leaf = path.rsplit(".", 1)[-1]
    top = re.split(r"[.\[]", path, maxsplit=1)[0]
    withheld = _SECRET_PROPERTY.search(leaf) or top in resource.secret_properties
    shown = "set (value withheld)" if value is not None and withheld else show(value)
    return RuleResult(Verdict.FAIL, f"{resource.name}: {label(path)} is {shown}: {problem}", resource.urn,
                      path=path, observed=shown, expected=expected)


def require_true(path: str, problem: str, expected: str, ok: str, read: Callable[[Any], Any] = as_bool
                 ) -> ResourceRule:
    """A rule for a setting that must be on (or, with ``read=plain``, present) at a dotted property
    path. Left out is judged as AWS's default, which for these settings is off. The rule's home is
    the module that assigns it (``posture.rules.rule_home``), not this one."""
    def rule(resource: ResourceView) -> RuleResult:
        value = read(at(resource, path))
        if not value:
            return failed(resource, path, value, problem, expected)
        return passed(resource, ok)

    return rule


def not_applicable(resource: ResourceView, reason: str) -> RuleResult:
    return RuleResult(Verdict.NOT_APPLICABLE, f"{resource.name}: {reason}", resource.urn)


def unknown(resource: ResourceView, path: str) -> RuleResult:
    return RuleResult(Verdict.UNKNOWN, ValueNotKnownError(path).message, resource.urn, path=path)


def stack_failed(message: str) -> RuleResult:
    return RuleResult(Verdict.FAIL, message, None)


def stack_passed(message: str) -> RuleResult:
    return RuleResult(Verdict.PASS, message, None)


# --- running rules ------------------------------------------------------------------------------


def run_resource_rule(rule: ResourceRule, resource: ResourceView) -> list[RuleResult]:
    """Normalise a resource rule's answer; an unknown read becomes UNKNOWN. Other exceptions
    propagate so each engine can report them as errors (never as passes)."""
    try:
        outcome = rule(resource)
    except ValueNotKnownError as exc:
        return [RuleResult(Verdict.UNKNOWN, f"{resource.name}: {exc.message}", resource.urn, path=exc.path)]
    results = outcome if isinstance(outcome, list) else [outcome]
    return [r if r.urn else replace(r, urn=resource.urn) for r in results]


def run_stack_rule(rule: StackRule, resources: Sequence[ResourceView]) -> list[RuleResult]:
    try:
        return list(rule(resources))
    except ValueNotKnownError as exc:
        return [RuleResult(Verdict.UNKNOWN, exc.message, exc.urn, path=exc.path)]


def each(resources: Iterable[ResourceView], check: Callable[[ResourceView], RuleResult | list[RuleResult]]
         ) -> list[RuleResult]:
    """Apply a per-resource check inside a stack rule, so one unknown value only blocks its own resource."""
    results: list[RuleResult] = []
    for resource in resources:
        results.extend(run_resource_rule(check, resource))
    return results


