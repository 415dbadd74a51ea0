"""Planned versus live: the drift between two JSON reports of the same controls.

``posture check --format json`` (the program, before deploy) and ``posture audit --format json``
(the account, after) run the same rule functions, so their findings can be compared control by
control. Offline findings name resources by Pulumi URN, live findings by ARN; both carry the
resource's stack and logical name (``resource.stack``/``resource.logical_name``: the URN offline,
the ``pulumi:stack``/``pulumi:logical-name`` tags live), and ``diff_reports`` pairs them by that
identity (see its docstring). It never reads messages. An account holding nothing of the planned
stack is "not deployed", never drift.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCOUNT = "(account)"
STACK_TYPE = "pulumi:pulumi:Stack"
KINDS = ("changed", "missing", "extra")
_AUTONAME = re.compile(r"^(?P<base>.+)-[0-9a-f]{7}$")
_UNCOMPARED = ("not_evaluated",)
READABLE_SCHEMA_VERSIONS = (1, 2, 3)
"""Version 2 only added fields; what the diff reads is the same in both."""


class DiffInputError(ValueError):
    """A report that is not a posture JSON report (schema_version 1 to 3); the message names which one."""


@dataclass(frozen=True)
class Drift:
    kind: str
    """``changed`` (verdicts differ), ``missing`` (planned, not live) or ``extra`` (live, not planned)."""
    control_id: str
    resource_type: str
    planned_resource: str | None
    """The planned finding's URN (None for ``extra``)."""
    live_resource: str | None
    """The live finding's ARN (None for ``missing``)."""
    planned_verdict: str | None
    live_verdict: str | None
    severity: str
    message: str
    """The evidence: the live finding's message (the planned one for ``missing``)."""
    matched_by: str | None = None
    """How a ``changed`` pair was matched: ``identity``, ``name``, ``autoname``, ``account``, ``verdict`` or ``sole``."""

    def describe(self) -> str:
        if self.kind == "missing":
            return f"missing  {self.control_id}: planned {self.planned_verdict} on {self.planned_resource}, not in the account"
        if self.kind == "extra":
            return f"extra    {self.control_id}: {self.live_verdict} on {self.live_resource}, not planned: {self.message}"
        return (f"changed  {self.control_id}: planned {self.planned_verdict}, live {self.live_verdict} on "
                f"{self.live_resource} (matched {self.planned_resource} by {self.matched_by}): {self.message}")


@dataclass
class _Entry:
    control_id: str
    resource_type: str
    urn: str
    verdict: str
    severity: str
    message: str
    names: frozenset[str]
    stack: str | None
    logical_name: str | None


@dataclass(frozen=True)
class Diff:
    drifts: list[Drift]
    deployed: bool
    """Whether any live finding belongs to the planned stack (by its tags); when not, nothing was compared."""
    stack: str | None
    foreign: int = 0
    """Live findings left out: about resources tagged with another stack."""
    unowned: int = 0
    """Live findings about untagged resources that nothing planned paired with: not this stack's as
    far as anyone can tell (the default VPC's ACL, the secret RDS manages), so not "extra"."""


def diff_reports(planned: Mapping[str, Any], live: Mapping[str, Any], controls: Iterable[str] | None = None
                 ) -> Diff:
    """The drift between a planned and a live JSON report.

    Compared controls: ``controls`` if given, else every control both reports evaluated (a
    control either side marks ``not_evaluated``, e.g. one the live audit cannot check, is left
    out). Live findings about resources tagged with another stack are left out, and so are live
    findings about untagged resources nothing planned pairs with (``unowned``); if no live
    finding belongs to the planned stack, the stack is not deployed and nothing is compared.
    Otherwise each side's findings are grouped by (control id, resource type, with ``aws:alb``/
    ``aws:lb`` and the S3 ``...V2`` tokens taken as one) and paired within a group by, in turn:

    1. **account**: findings about the stack or account as a whole pair with each other;
    2. **identity**: the same logical name, from the URN offline and the tags live: exact;
    3. **name**: for live resources whose tags the audit does not read, a shared name: the
       logical name, the resource name, or the last part of the ARN;
    4. **autoname**: a live name that is a planned name plus Pulumi's auto-naming suffix
       (``-`` and 7 hex digits);
    5. **verdict**: the remaining findings of the group pair up with findings of the same
       verdict, as many as both sides have (resources that agree need no name in common);
    6. **sole**: if one finding is left on each side, they are the same resource.

    Pairs whose verdicts differ are ``changed``; what is left unpaired is ``missing`` (planned)
    or ``extra`` (live). Verdicts are compared, not display states, so a waiver on one side is
    not drift.
    """
    planned_entries = _entries(planned, "planned")
    live_entries = _entries(live, "live")
    stack = planned.get("stack") if isinstance(planned.get("stack"), str) else None
    stack = stack or next((e.stack for e in planned_entries if e.stack), None)
    ours = [e for e in live_entries if stack is None or e.stack in (None, stack)]
    if stack is not None and not any(e.stack == stack for e in live_entries):
        return Diff([], deployed=False, stack=stack, foreign=len(live_entries) - len(ours))
    compared = set(controls) if controls is not None else (_evaluated(planned) & _evaluated(live))
    groups: dict[tuple[str, str], tuple[list[_Entry], list[_Entry]]] = {}
    for side, entries in ((0, planned_entries), (1, ours)):
        for entry in entries:
            if entry.control_id in compared:
                groups.setdefault((entry.control_id, entry.resource_type), ([], []))[side].append(entry)
    drifts: list[Drift] = []
    for (_control, _type), (plan, real) in sorted(groups.items()):
        drifts += _pair(plan, real)
    if stack is not None:
        owned = {e.urn for e in ours if e.stack == stack or e.resource_type == STACK_TYPE}
        unowned = [d for d in drifts if d.kind == "extra" and d.live_resource not in owned]
        drifts = [d for d in drifts if d not in unowned]
    else:
        unowned = []
    drifts.sort(key=lambda d: (KINDS.index(d.kind), d.control_id, d.planned_resource or "", d.live_resource or ""))
    return Diff(drifts, deployed=True, stack=stack, foreign=len(live_entries) - len(ours), unowned=len(unowned))


def _evaluated(report: Mapping[str, Any]) -> set[str]:
    controls = report.get("controls")
    if controls:
        if not isinstance(controls, list) or not all(isinstance(c, Mapping) and isinstance(c.get("id"), str)
                                                     for c in controls):
            raise DiffInputError("a report's controls are not a list of {id, status} objects; "
                                 "write it with --format json")
        return {c["id"] for c in controls if c.get("status") not in _UNCOMPARED}
    return {f["control_id"] for f in report["findings"]}


def _entries(report: Mapping[str, Any], label: str) -> list[_Entry]:
    if not isinstance(report, Mapping) or report.get("schema_version") not in READABLE_SCHEMA_VERSIONS or \
            not isinstance(report.get("findings"), list):
        raise DiffInputError(f"the {label} report is not a posture JSON report (schema_version 1 to 3 with findings); "
                             "write it with --format json")
    entries = []
    for i, finding in enumerate(report["findings"]):
        try:
            resource = finding["resource"]
            texts = (finding["control_id"], resource["type"], resource["urn"], finding["verdict"],
                     finding.get("severity", ""), finding.get("message", ""))
            if not all(isinstance(t, str) for t in texts):
                raise TypeError
            entries.append(_Entry(finding["control_id"], _type(resource["type"]), resource["urn"], finding["verdict"],
                                  finding.get("severity", ""), finding.get("message", ""), _names(resource),
                                  _text_or_none(resource.get("stack")), _text_or_none(resource.get("logical_name"))))
        except (KeyError, TypeError):
            raise DiffInputError(f"the {label} report's findings[{i}] lacks control_id, verdict or resource "
                                 "(urn, name, type) as text") from None
    return entries


def _type(token: str) -> str:
    token = re.sub(r"^aws:(alb|elasticloadbalancingv2)/", "aws:lb/", token)
    return re.sub(r"^(aws:s3/\w+)V2:(\w+)V2$", r"\1:\2", token)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _names(resource: Mapping[str, Any]) -> frozenset[str]:
    if resource["type"] == STACK_TYPE:
        return frozenset({ACCOUNT})
    names = set()
    urn, name = str(resource["urn"]), str(resource.get("name") or "")
    if name and not name.startswith(("arn:", "urn:")):
        names.add(name)
    if urn.startswith("urn:pulumi:"):
        names.add(urn.rsplit("::", 1)[-1])
    elif urn.startswith("arn:"):
        part = urn.split(":", 5)[-1].split("?", 1)[0]
        segments = [s for s in re.split(r"[/:]", part) if s]
        names.update(segments[-1:])
        if ":elasticloadbalancing:" in urn and len(segments) >= 3:
            names.add(segments[2])
    return frozenset(n.lower() for n in names)


def _pair(plan: list[_Entry], real: list[_Entry]) -> list[Drift]:
    pairs: list[tuple[_Entry, _Entry, str]] = []
    plan, real = sorted(plan, key=lambda e: e.urn), sorted(real, key=lambda e: e.urn)

    def take(matches, how: str) -> None:
        for p in list(plan):
            found = [r for r in real if matches(p, r)]
            if found:
                pairs.append((p, found[0], how))
                plan.remove(p)
                real.remove(found[0])

    take(lambda p, r: ACCOUNT in p.names and ACCOUNT in r.names, "account")
    take(lambda p, r: p.logical_name is not None and p.logical_name == r.logical_name, "identity")
    # A live resource that carries its logical name is paired by it or not at all; the guesses
    # below are for resources whose tags the audit does not read.
    tagged = [r for r in real if r.logical_name is not None]
    real[:] = [r for r in real if r.logical_name is None]
    take(lambda p, r: bool(p.names & r.names), "name")
    take(lambda p, r: any((m := _AUTONAME.match(n)) and m.group("base") in p.names for n in r.names), "autoname")
    take(lambda p, r: p.verdict == r.verdict, "verdict")
    if len(plan) == 1 and len(real) == 1:
        pairs.append((plan.pop(), real.pop(), "sole"))
    real += tagged
    drifts = [Drift("changed", p.control_id, p.resource_type, p.urn, r.urn, p.verdict, r.verdict,
                    r.severity or p.severity, r.message, how) for p, r, how in pairs if p.verdict != r.verdict]
    drifts += [Drift("missing", p.control_id, p.resource_type, p.urn, None, p.verdict, None, p.severity, p.message)
               for p in plan]
    drifts += [Drift("extra", r.control_id, r.resource_type, None, r.urn, None, r.verdict, r.severity, r.message)
               for r in real]
    return drifts


def load_report(path: str | Path) -> dict[str, Any]:
    """A JSON report from a file; DiffInputError (one line naming the file) when it cannot be one."""
    path = Path(path)
    try:
        document = json.loads(path.read_text())
    except OSError as exc:
        raise DiffInputError(f"{path}: cannot read it ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DiffInputError(f"{path}: not JSON ({exc}); write the report with --format json") from None
    if not isinstance(document, dict):
        raise DiffInputError(f"{path}: not a posture JSON report; write it with --format json")
    return document


def summary(diff: Diff) -> str:
    """One line: ``not deployed``, ``no drift`` or ``drift: 2 changed, 1 missing``."""
    if not diff.deployed:
        return (f"not deployed: no live resource is tagged pulumi:stack={diff.stack}; nothing compared "
                "(deploy the stack, or audit the account it is deployed in)")
    if not diff.drifts:
        return "no drift between the planned and the live report"
    counts = {kind: sum(1 for d in diff.drifts if d.kind == kind) for kind in KINDS}
    return "drift: " + ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
