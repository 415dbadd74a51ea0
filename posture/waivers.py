"""Waivers: a named person accepting one control's failure on some resources, for a while.

A waiver file is YAML: a list of entries (or a mapping with a ``waivers:`` list), each with
exactly these keys::

    - control: aws-rds-instance-require-multi-az        # a catalog control id
      resource: "urn:pulumi:staging::security-baseline::*"  # URN or ARN glob (fnmatch)
      reason: Staging runs a single-AZ database to save cost.
      approver: jane.doe@example.com
      expires: 2026-06-30                               # last day the waiver holds (UTC)

Each entry is validated by the pydantic model ``posture.schemas.WaiverEntry`` (whose JSON Schema
is published as schemas/waivers.schema.json for editors); its first problem becomes one line
naming the file, the entry's line and the field, so a typo can never turn into a silent pass.
Waivers only ever cover FAIL findings: a rule that crashed is a bug to fix, and an unknown
value is not a risk anyone can accept yet. Waived findings stay in every report. An expired
waiver covers nothing and fails the run; a waiver that matches no failure is reported as a
warning so the file does not accumulate dead exceptions. Critical controls cannot be waived
unless the caller explicitly allows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path

import yaml
from pydantic import ValidationError

from posture.catalog import Control
from posture.findings import Finding, Severity, Verdict, Waiver
from posture.schemas import WaiverEntry

FIELDS = tuple(WaiverEntry.model_fields)


class _Loader(yaml.SafeLoader):
    """Dates stay text, so a bad date is reported against its field rather than crashing PyYAML;
    a key given twice in one entry is an error, since PyYAML would silently keep the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is given twice in one entry", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


class WaiverError(Exception):
    """A waiver file that cannot be used; the message is one line naming the entry and field."""


@dataclass(frozen=True)
class WaiverProblem:
    level: str
    """``error`` (fails the run) or ``warning``."""
    kind: str
    """``expired``, ``refused`` (would hide a critical finding) or ``unused``."""
    index: int
    """Position of the waiver in the file (0-based, as in ``waivers[2]``)."""
    waiver: Waiver
    message: str


def load_waivers(path: Path, controls: Mapping[str, Control], *, allow_critical: bool = False) -> list[Waiver]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WaiverError(f"{path}: waiver file not found; check the --waivers path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WaiverError(f"{path}: cannot read the waiver file ({exc})") from None
    return parse_waivers(text, str(path), controls, allow_critical=allow_critical)


def parse_waivers(text: str, name: str, controls: Mapping[str, Control], *,
                  allow_critical: bool = False) -> list[Waiver]:
    """Validate every entry; the first problem raises WaiverError naming ``name:line: waivers[i].field``."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return []
        entries_node = _entries_node(root, name)
        waivers = []
        for index, node in enumerate(entries_node.value):
            where = f"{name}:{node.start_mark.line + 1}: waivers[{index}]"
            waivers.append(_waiver(loader.construct_object(node, deep=True), where, controls, allow_critical))
        return waivers
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        raise WaiverError(f"{name}{line}: not valid YAML ({problem}); fix the syntax") from None
    finally:
        loader.dispose()


def _entries_node(root: yaml.Node, name: str) -> yaml.SequenceNode:
    if isinstance(root, yaml.MappingNode):
        keys = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
        if set(keys) == {"waivers"}:
            root = keys["waivers"]
    if not isinstance(root, yaml.SequenceNode):
        raise WaiverError(f"{name}:{root.start_mark.line + 1}: expected a list of waivers "
                          f"(each with {', '.join(FIELDS)}); write `- control: ...` entries")
    return root


def _waiver(entry: object, where: str, controls: Mapping[str, Control], allow_critical: bool) -> Waiver:
    try:
        valid = WaiverEntry.model_validate(entry)
    except ValidationError as exc:
        raise WaiverError(_first_problem(exc, where)) from None
    control = controls.get(valid.control)
    if control is None:
        raise WaiverError(f"{where}.control: {valid.control!r} is not a control in the catalog; "
                          "use an id from `posture controls`")
    if control.severity is Severity.CRITICAL and not allow_critical:
        raise WaiverError(f"{where}.control: {control.id} is a critical control and cannot be waived; fix the "
                          "resource, or pass --allow-critical-waivers if your risk policy permits it")
    return Waiver(control_id=control.id, resource=valid.resource, reason=valid.reason, approver=valid.approver,
                  expires=valid.expires.isoformat())


_WHAT = {
    "control": "which control id is waived",
    "resource": "which resources (URN or ARN glob)",
    "reason": "why the risk is accepted",
    "approver": "who accepted the risk",
}
_ORDER = ("model_type", "extra_forbidden", "missing")
"""Which of several problems in one entry is reported: its shape first, then unknown and missing keys."""


def _first_problem(exc: ValidationError, where: str) -> str:
    """The model's first problem in today's one-line form: ``<file>:<line>: waivers[i].<field>: <what>; <fix>``."""
    errors = sorted(exc.errors(), key=lambda e: (_ORDER.index(e["type"]) if e["type"] in _ORDER else len(_ORDER),
                                                 FIELDS.index(e["loc"][0]) if e["loc"] and e["loc"][0] in FIELDS
                                                 else -1))
    error = errors[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    if error["type"] == "model_type":
        return f"{where}: is not a mapping; give {', '.join(FIELDS)}"
    if error["type"] == "extra_forbidden":
        return f"{where}.{field}: unknown field; a waiver has exactly {', '.join(FIELDS)}"
    if error["type"] == "missing" or error.get("input") is None:
        return f"{where}.{field}: missing; every waiver needs {', '.join(FIELDS)}"
    if error["type"].startswith("waiver_"):
        return f"{where}.{field}: {error['msg']}"
    return f"{where}.{field}: must be a non-empty text; say {_WHAT[field]}"


def apply_waivers(findings: Iterable[Finding], waivers: list[Waiver], *, today: date,
                  allow_critical: bool = False) -> tuple[list[Finding], list[WaiverProblem]]:
    """Attach the first live, matching waiver to each FAIL finding; report what went wrong."""
    live = [(i, w) for i, w in enumerate(waivers) if date.fromisoformat(w.expires) >= today]
    problems: dict[tuple[str, int], WaiverProblem] = {}
    for i, w in enumerate(waivers):
        if (i, w) not in live:
            problems["expired", i] = WaiverProblem(
                "error", "expired", i, w, f"waivers[{i}] ({w.control_id} on {w.resource}, approved by {w.approver}) "
                f"expired on {w.expires}; fix the finding or renew the waiver with a new approval")
    used: set[int] = set()
    matched_only_passes: set[int] = set()
    result = []
    for finding in findings:
        matches = [(i, w) for i, w in live
                   if w.control_id == finding.control_id and fnmatchcase(finding.resource_urn, w.resource)]
        if finding.verdict is not Verdict.FAIL or not matches:
            matched_only_passes.update(i for i, _ in matches)
            result.append(finding)
            continue
        i, w = matches[0]
        if finding.severity is Severity.CRITICAL and not allow_critical:
            problems["refused", i] = WaiverProblem(
                "error", "refused", i, w, f"waivers[{i}] would hide the critical finding {finding.control_id} on "
                f"{finding.resource_urn}; critical findings are never waived without --allow-critical-waivers")
            result.append(finding)
            continue
        used.add(i)
        result.append(replace(finding, waiver=w))
    for i, w in live:
        if i in used or ("refused", i) in problems:
            continue
        why = ("its resources now pass; remove it" if i in matched_only_passes
               else "no finding matches the control and resource glob; check both or remove it")
        problems["unused", i] = WaiverProblem("warning", "unused", i, w,
                                              f"waivers[{i}] ({w.control_id} on {w.resource}) is unused: {why}")
    return result, sorted(problems.values(), key=lambda p: (p.index, p.kind))
