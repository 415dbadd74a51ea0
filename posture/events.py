"""Read the engine event log of ``pulumi preview --event-log FILE --policy-pack policies``.

The file is JSON Lines, one ``apitype.EngineEvent`` per line (``sequence``, ``timestamp`` and
exactly one payload key). What becomes findings:

- ``policyEvent`` -> FAIL (or UNKNOWN when the pack could not run the policy during preview).
  The control id is the policy name; the severity comes from the catalog when the id is known,
  otherwise from the event, and an event without severity counts as high so that an unknown
  mandatory violation still fails the run. The message loses its colour directives and the
  policy description the SDK puts on its first line.
- ``policyAnalyzeSummaryEvent`` / ``policyAnalyzeStackSummaryEvent`` -> PASS for each policy in
  ``passed`` (catalog controls only on the resource types they read; provider resources skipped);
  a catalog control the pack ran without anything to check is NOT_APPLICABLE.
- ``summaryEvent`` -> policy packs and the preview result. A preview that failed without any
  blocking policy violation becomes an ERROR finding: a broken preview proves nothing.
- ``resourcePreEvent`` -> the resources' inputs, for the network picture (secrets stay redacted).

A line that is not JSON, not an object, or a policy event missing a field is an error naming
the line; so is a log without ``summaryEvent`` (the preview was interrupted or is still running).
Unknown payload keys are ignored: the engine adds new event types over time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from posture.catalog import PACK_NAME, Control
from posture.findings import Enforcement, Finding, Severity, Verdict
from posture.resources import REDACTED, ResourceView, resource_name, resource_type_of

PREVIEW_ERROR_CONTROL = "pulumi-preview-failed"
"""The control id of the ERROR finding recorded when the preview itself failed."""

_COLOR = re.compile(r"<\{%[^%]*%\}>")
_UNKNOWN = re.compile(r"can't run policy .* during preview|can't be known during preview|cannot verify during preview",
                      re.IGNORECASE)
_SECRET_SIG = "4dabf18193072939515e22adb298388d"
_GONE = {"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"}


class EventLogError(Exception):
    """An event log that cannot be trusted; the message is one line naming the file and line."""


@dataclass
class EventLog:
    findings: list[Finding]
    stack: str | None = None
    project: str | None = None
    policy_packs: dict[str, str] = field(default_factory=dict)
    """Pack name -> version, from summaryEvent.PolicyPacks."""
    result: str | None = None
    """summaryEvent.result: succeeded, failed or canceled (absent in older CLIs)."""
    resources: list[ResourceView] = field(default_factory=list)
    resource_ids: dict[str, str] = field(default_factory=dict)


def read_event_log(path: Path, controls: Mapping[str, Control]) -> EventLog:
    try:
        with path.open(encoding="utf-8") as handle:
            return parse_event_log(handle, str(path), controls)
    except FileNotFoundError:
        raise EventLogError(f"{path}: event log not found; create it with "
                            "`pulumi preview --event-log FILE --policy-pack policies`") from None
    except UnicodeDecodeError as exc:
        raise EventLogError(f"{path}: is not UTF-8 text ({exc.reason}); pass the JSON-lines event log") from None
    except OSError as exc:
        raise EventLogError(f"{path}: cannot read the event log ({exc.strerror or exc})") from None


def parse_event_log(lines: Iterable[str], name: str, controls: Mapping[str, Control]) -> EventLog:
    parser = _Parser(name, controls)
    for number, line in enumerate(lines, start=1):
        if line.strip():
            parser.line(number, line)
    return parser.finish()


class _Parser:
    def __init__(self, name: str, controls: Mapping[str, Control]) -> None:
        self.name = name
        self.controls = controls
        self.log = EventLog(findings=[])
        self.failed: dict[tuple[str, str], Finding] = {}
        self.levels: dict[str, Enforcement] = {}
        self.passed: list[tuple[str, str]] = []
        self.ran: set[str] = set()
        """Policies the pack ran (named in any summary), so a control with nothing to check is not_applicable."""
        self.errors: list[str] = []
        self.seen_summary = False
        self.last_line = 0
        self.stack_urn = ""
        self.views: dict[str, ResourceView] = {}

    def fail(self, number: int, problem: str) -> EventLogError:
        return EventLogError(f"{self.name}:{number}: {problem}")

    def line(self, number: int, text: str) -> None:
        self.last_line = number
        text = text.rstrip("\r\n")
        try:
            event = json.loads(text)
        except json.JSONDecodeError as exc:
            truncated = exc.msg.startswith("Unterminated") or exc.pos >= len(text.rstrip())  # ran out of input
            hint = ("the log looks truncated; rerun the preview and let it finish" if truncated
                    else "each line must be one JSON engine event")
            problem = f"{exc.msg.removesuffix(' at')} at column {exc.colno}"
            raise self.fail(number, f"not valid JSON ({problem}); {hint}") from None
        if not isinstance(event, dict):
            raise self.fail(number, "expected a JSON object (an engine event); pass the file written by --event-log")
        for key, handler in (("policyEvent", self.policy_event),
                             ("policyAnalyzeSummaryEvent", self.summary),
                             ("policyAnalyzeStackSummaryEvent", self.summary),
                             ("summaryEvent", self.summary_event),
                             ("resourcePreEvent", self.resource_event),
                             ("diagnosticEvent", self.diagnostic)):
            if key in event:
                payload = event[key]
                if not isinstance(payload, dict):
                    raise self.fail(number, f"{key} is not an object; the log is corrupt, rerun the preview")
                handler(number, payload, key)

    def text(self, number: int, payload: dict, key: str, event: str, *, required: bool = True) -> str:
        value = payload.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value):
            raise self.fail(number, f"{event}.{key} is missing or not text; the log is corrupt, rerun the preview")
        return value

    def note_urn(self, urn: str) -> None:
        if urn.startswith("urn:pulumi:") and self.log.stack is None:
            head = urn.split("::")
            self.log.stack = head[0].removeprefix("urn:pulumi:")
            self.log.project = head[1] if len(head) > 1 else None

    def policy_event(self, number: int, payload: dict, key: str) -> None:
        policy = self.text(number, payload, "policyName", key)
        urn = self.text(number, payload, "resourceUrn", key, required=False)
        raw = self.text(number, payload, "message", key, required=False)
        level = self.text(number, payload, "enforcementLevel", key)
        try:
            enforcement = Enforcement(level)
        except ValueError:
            raise self.fail(number, f"{key}.enforcementLevel {level!r} is not one of "
                                    f"{', '.join(e.value for e in Enforcement)}") from None
        if enforcement is Enforcement.REMEDIATE:
            enforcement = Enforcement.MANDATORY
        self.note_urn(urn)
        message = clean_message(raw)
        verdict = Verdict.UNKNOWN if _UNKNOWN.search(message) else Verdict.FAIL
        finding = Finding(control_id=policy, verdict=verdict, severity=self.severity(number, policy, payload),
                          enforcement=enforcement, resource_urn=urn, resource_type=resource_type_of(urn),
                          message=message or f"{policy} reported a violation without a message")
        self.failed.setdefault((policy, urn), finding)
        self.levels.setdefault(policy, enforcement)
        self.log.findings.append(finding)

    def severity(self, number: int, policy: str, payload: dict) -> Severity:
        control = self.controls.get(policy)
        if control is not None:
            return control.severity
        value = payload.get("severity") or "high"
        try:
            return Severity(value)
        except ValueError:
            raise self.fail(number, f"policyEvent.severity {value!r} is not low, medium, high or critical") from None

    def summary(self, number: int, payload: dict, key: str) -> None:
        urn = self.text(number, payload, "resourceUrn", key, required=key == "policyAnalyzeSummaryEvent")
        passed = payload.get("passed") or []
        if not isinstance(passed, list) or not all(isinstance(p, str) for p in passed):
            raise self.fail(number, f"{key}.passed is not a list of policy names; the log is corrupt")
        failed = payload.get("failed") or []
        if not isinstance(failed, list) or not all(isinstance(p, str) for p in failed):
            raise self.fail(number, f"{key}.failed is not a list of policy names; the log is corrupt")
        self.ran.update([*passed, *failed])
        if "::pulumi:providers:" in urn:
            return
        self.note_urn(urn)
        self.passed.extend((policy, urn) for policy in passed)

    def summary_event(self, number: int, payload: dict, key: str) -> None:
        self.seen_summary = True
        packs = payload.get("PolicyPacks") or {}
        if not isinstance(packs, dict):
            raise self.fail(number, f"{key}.PolicyPacks is not an object; the log is corrupt")
        # Local packs are keyed "<name>|local|<path>"; keep the name only (paths are machine-specific).
        self.log.policy_packs.update({str(k).split("|", 1)[0]: str(v) for k, v in packs.items()})
        self.log.result = payload.get("result") if isinstance(payload.get("result"), str) else None

    def resource_event(self, number: int, payload: dict, key: str) -> None:
        metadata = payload.get("metadata")
        if not isinstance(metadata, dict):
            raise self.fail(number, f"{key}.metadata is missing; the log is corrupt")
        new = metadata.get("new")
        urn = metadata.get("urn")
        if not isinstance(urn, str):
            raise self.fail(number, f"{key}.metadata.urn is missing; the log is corrupt")
        self.note_urn(urn)
        if metadata.get("type") == "pulumi:pulumi:Stack":
            self.stack_urn = urn
        if metadata.get("op") in _GONE or not isinstance(new, dict) or not new.get("custom"):
            self.views.pop(urn, None)
            return
        inputs = new.get("inputs") if isinstance(new.get("inputs"), dict) else {}
        self.views[urn] = ResourceView(urn=urn, type=str(new.get("type") or metadata.get("type") or ""),
                                       name=resource_name(urn), props=_redact(inputs),
                                       parent=new.get("parent") or None, custom=True)
        if isinstance(new.get("id"), str) and new["id"]:
            self.log.resource_ids[urn] = new["id"]

    def diagnostic(self, number: int, payload: dict, key: str) -> None:
        if payload.get("severity") == "error":
            lines = strip_color(str(payload.get("message") or "")).splitlines()
            self.errors.append(lines[0] if lines else "an error without a message")

    def finish(self) -> EventLog:
        if self.last_line == 0:
            raise EventLogError(f"{self.name}: the event log is empty; pass the file written by "
                                "`pulumi preview --event-log FILE --policy-pack policies`")
        if not self.seen_summary:
            raise EventLogError(f"{self.name}:{self.last_line}: the log ends without a summaryEvent: the preview was "
                                "interrupted or is still running; rerun it and let it finish")
        if PACK_NAME not in self.log.policy_packs:
            # A preview without the pack reports no violation at all: that is not a pass.
            raise EventLogError(f"{self.name}: the {PACK_NAME} policy pack did not run in this preview; rerun it "
                                "with `--policy-pack policies`")
        stack_urn = self.stack_urn or self._derived_stack_urn()
        log = self.log
        log.findings = [replace_urn(f, stack_urn) for f in log.findings]
        for policy, urn in dict.fromkeys(self.passed):
            if (policy, urn) in self.failed or not self._applies(policy, urn):
                continue
            target = urn or stack_urn
            log.findings.append(Finding(control_id=policy, verdict=Verdict.PASS, severity=self._severity(policy),
                                        enforcement=self.levels.get(policy, Enforcement.MANDATORY),
                                        resource_urn=target,
                                        resource_type=resource_type_of(target),
                                        message=f"no violation reported for {resource_name(target)}"))
        seen = {f.control_id for f in log.findings}
        for policy in sorted(self.ran - seen):
            control = self.controls.get(policy)
            if control is not None:
                log.findings.append(Finding(
                    control_id=policy, verdict=Verdict.NOT_APPLICABLE, severity=control.severity,
                    enforcement=self.levels.get(policy, Enforcement.MANDATORY), resource_urn=stack_urn,
                    resource_type="pulumi:pulumi:Stack",
                    message=f"no {', '.join(control.resource_types) or 'resource'} for this control in the preview"))
        if log.result in ("failed", "canceled") and not any(f.blocking for f in log.findings):
            reason = self.errors[0] if self.errors else "see the preview output"
            log.findings.append(Finding(
                control_id=PREVIEW_ERROR_CONTROL, verdict=Verdict.ERROR, severity=Severity.HIGH,
                enforcement=Enforcement.MANDATORY, resource_urn=stack_urn, resource_type="pulumi:pulumi:Stack",
                message=f"the preview {log.result} without a blocking policy violation ({reason}); "
                        "its policy results are incomplete"))
        log.resources = list(self.views.values())
        return log

    def _applies(self, policy: str, urn: str) -> bool:
        control = self.controls.get(policy)
        if control is None or not urn or not control.resource_types:
            return True
        return resource_type_of(urn) in control.resource_types

    def _severity(self, policy: str) -> Severity:
        control = self.controls.get(policy)
        return control.severity if control is not None else Severity.HIGH

    def _derived_stack_urn(self) -> str:
        if self.log.stack and self.log.project:
            project = self.log.project
            return f"urn:pulumi:{self.log.stack}::{project}::pulumi:pulumi:Stack::{project}-{self.log.stack}"
        return ""


def replace_urn(finding: Finding, stack_urn: str) -> Finding:
    """Stack-level violations carry no URN; attribute them to the stack."""
    if finding.resource_urn or not stack_urn:
        return finding
    return replace(finding, resource_urn=stack_urn, resource_type="pulumi:pulumi:Stack")


def strip_color(raw: str) -> str:
    return _COLOR.sub("", raw).strip()


def clean_message(raw: str) -> str:
    """Drop colour directives and the policy description the SDK prefixes on the first line."""
    text = strip_color(raw)
    if "\n" in text:
        text = text.split("\n", 1)[1].strip()
    return text


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        if _SECRET_SIG in value:
            return REDACTED
        return {k: _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    if value == "[secret]":
        return REDACTED
    return value
