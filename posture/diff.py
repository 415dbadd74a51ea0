"""Planned versus live: the drift between two JSON reports of the same controls.

``posture check --format json`` (the program, before deploy) and ``posture audit --format json``
(the account, after) run the same rule functions, so their findings can be compared control by
control. Offline findings name resources by Pulumi URN and logical name, live findings by ARN;
``diff_reports`` pairs them by a stable identity instead (see its docstring) and reports what is
planned but not live, live but not planned, and every pair whose verdict differs.
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
READABLE_SCHEMA_VERSIONS = (1, 2)
"""Version 2 only added fields; what the diff reads is the same in both."""


class DiffInputError(ValueError):
    """A report that is not a posture JSON report (schema_version 1 or 2); the message names which one."""


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
    """How a ``changed`` pair was matched: ``name``, ``autoname``, ``account`` or ``sole``."""

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


def diff_reports(planned: Mapping[str, Any], live: Mapping[str, Any], controls: Iterable[str] | None = None
                 ) -> list[Drift]:
    """The drift between a planned and a live JSON report.

    Compared controls: ``controls`` if given, else every control both reports evaluated (a
    control either side marks ``not_evaluated``, e.g. one the live audit cannot check, is left
    out). Each side's findings are grouped by (control id, resource type, with ``aws:alb``/
    ``aws:lb`` and the S3 ``...V2`` tokens taken as one) and paired within a group by, in turn:

    1. **account**: findings about the stack or account as a whole pair with each other;
    2. **name**: a shared identity: the logical name, the name at the start of the rule's
       message (``<name>: ...``: the Name tag or resource name, live), or the last part of the ARN;
    3. **autoname**: a live name that is a planned name plus Pulumi's auto-naming suffix
       (``-`` and 7 hex digits);
    4. **verdict**: the remaining findings of the group pair up with findings of the same
       verdict, as many as both sides have (resources that agree need no name in common);
    5. **sole**: if one finding is left on each side, they are the same resource.

    Pairs whose verdicts differ are ``changed``; what is left unpaired is ``missing`` (planned)
    or ``extra`` (live). Verdicts are compared, not display states, so a waiver on one side is
    not drift.
    """
    planned_entries = _entries(planned, "planned")
    live_entries = _entries(live, "live")
    compared = set(controls) if controls is not None else (_evaluated(planned) & _evaluated(live))
    groups: dict[tuple[str, str], tuple[list[_Entry], list[_Entry]]] = {}
    for side, entries in ((0, planned_entries), (1, live_entries)):
        for entry in entries:
            if entry.control_id in compared:
                groups.setdefault((entry.control_id, entry.resource_type), ([], []))[side].append(entry)
    drifts: list[Drift] = []
    for (_control, _type), (plan, real) in sorted(groups.items()):
        drifts += _pair(plan, real)
    return sorted(drifts, key=lambda d: (KINDS.index(d.kind), d.control_id, d.planned_resource or "",
                                         d.live_resource or ""))


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
        raise DiffInputError(f"the {label} report is not a posture JSON report (schema_version 1 or 2 with findings); "
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
                                  finding.get("severity", ""), finding.get("message", ""),
                                  _names(resource, finding.get("message", ""))))
        except (KeyError, TypeError):
            raise DiffInputError(f"the {label} report's findings[{i}] lacks control_id, verdict or resource "
                                 "(urn, name, type) as text") from None
    return entries


def _type(token: str) -> str:
    token = re.sub(r"^aws:(alb|elasticloadbalancingv2)/", "aws:lb/", token)
    return re.sub(r"^(aws:s3/\w+)V2:(\w+)V2$", r"\1:\2", token)


def _names(resource: Mapping[str, Any], message: str) -> frozenset[str]:
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
    prefix, sep, _ = message.partition(": ")
    if sep and prefix and not prefix.startswith("could not verify") and len(prefix) <= 120:
        names.add(prefix)
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
    take(lambda p, r: bool(p.names & r.names), "name")
    take(lambda p, r: any((m := _AUTONAME.match(n)) and m.group("base") in p.names for n in r.names), "autoname")
    take(lambda p, r: p.verdict == r.verdict, "verdict")
    if len(plan) == 1 and len(real) == 1:
        pairs.append((plan.pop(), real.pop(), "sole"))
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


def summary(drifts: list[Drift]) -> str:
    """One line: ``no drift`` or ``drift: 2 changed, 1 missing``."""
    if not drifts:
        return "no drift between the planned and the live report"
    counts = {kind: sum(1 for d in drifts if d.kind == kind) for kind in KINDS}
    return "drift: " + ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
