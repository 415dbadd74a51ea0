"""The event-log reader: policy events become findings; anything malformed names its line."""

from __future__ import annotations

import json

import pytest

from posture.events import PREVIEW_ERROR_CONTROL, EventLogError, parse_event_log, read_event_log
from posture.findings import Enforcement, Severity, Verdict
from posture.resources import REDACTED
from tests.posture.conftest import INDEX

PROJECT = "security-baseline"
STACK_URN = f"urn:pulumi:prod::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-prod"
DB = f"urn:pulumi:prod::{PROJECT}::security-baseline:database:Database$aws:rds/instance:Instance::database-instance"
SG = f"urn:pulumi:prod::{PROJECT}::security-baseline:database:Database$aws:ec2/securityGroup:SecurityGroup::database-sg"
PROVIDER = f"urn:pulumi:prod::{PROJECT}::pulumi:providers:aws::default_7_51_1"
PACK = {"policyPackName": "security-baseline", "policyPackVersion": "0.1.0", "policyPackVersionTag": "0.1.0"}


def line(seq: int, **payload) -> str:
    return json.dumps({"sequence": seq, "timestamp": 1767225600, **payload}, separators=(",", ":")) + "\n"


def policy(seq: int, name: str, urn: str, message: str, level: str = "mandatory", severity: str | None = None) -> str:
    event = {"resourceUrn": urn, "message": f"<{{%reset%}}>Description of {name}.\n{message}<{{%reset%}}>\n",
             "color": "raw", "policyName": name, **PACK, "enforcementLevel": level}
    if not urn:
        del event["resourceUrn"]
    if severity:
        event["severity"] = severity
    return line(seq, policyEvent=event)


def summary(seq: int, result: str = "succeeded") -> str:
    return line(seq, summaryEvent={"maybeCorrupt": False, "durationSeconds": 4, "resourceChanges": {"create": 3},
                                   "PolicyPacks": {"security-baseline|local|policies": "0.1.0"}, "isPreview": True,
                                   "result": result})


def parse(*lines: str):
    return parse_event_log(list(lines), "events.jsonl", INDEX)


def test_a_policy_event_becomes_a_failure_with_the_catalog_severity_and_a_clean_message():
    log = parse(line(0, policyLoadEvent={}),
                policy(1, "aws-test-sg-disallow-cidr-ingress", SG, "database-sg admits 10.0.0.0/8", severity="low"),
                summary(2), line(3, cancelEvent={}))
    [f] = log.findings
    assert (f.control_id, f.verdict, f.severity, f.enforcement) == (
        "aws-test-sg-disallow-cidr-ingress", Verdict.FAIL, Severity.HIGH, Enforcement.MANDATORY)
    assert (f.resource_urn, f.resource_type, f.message) == (SG, "aws:ec2/securityGroup:SecurityGroup",
                                                           "database-sg admits 10.0.0.0/8")
    assert (log.stack, log.project, log.policy_packs, log.result) == ("prod", PROJECT, {"security-baseline": "0.1.0"},
                                                                      "succeeded")


def test_a_policy_outside_the_catalog_keeps_the_event_severity_and_defaults_to_high():
    log = parse(policy(0, "other-low", SG, "x", level="advisory", severity="low"), policy(1, "other-none", SG, "y"),
                summary(2))
    assert [(f.control_id, f.severity, f.enforcement) for f in log.findings] == [
        ("other-low", Severity.LOW, Enforcement.ADVISORY), ("other-none", Severity.HIGH, Enforcement.MANDATORY)]


def test_a_policy_that_could_not_run_during_preview_is_unknown_never_a_pass():
    message = ("can't run policy 'aws-test-db-require-multi-az' from policy pack 'security-baseline@v0.1.0' during "
               "preview: bool value at .multiAz can't be known during preview")
    event = {"resourceUrn": DB, "message": f"<{{%reset%}}>{message}<{{%reset%}}>\n", "color": "raw",
             "policyName": "aws-test-db-require-multi-az", **PACK, "enforcementLevel": "advisory"}
    log = parse(line(0, policyEvent=event),
                line(1, policyAnalyzeSummaryEvent={"resourceUrn": DB, **PACK,
                                                   "passed": ["aws-test-db-require-multi-az"]}),
                summary(2))
    [f] = log.findings
    assert (f.verdict, f.message) == (Verdict.UNKNOWN, message)


def test_passes_come_from_the_analyze_summaries_only_where_the_control_applies():
    log = parse(
        line(0, policyRemediateSummaryEvent={"resourceUrn": DB, **PACK, "passed": ["aws-test-db-require-multi-az"]}),
        policy(1, "aws-test-db-disallow-public-access", DB, "database-instance is public"),
        line(2, policyAnalyzeSummaryEvent={
            "resourceUrn": DB, **PACK, "failed": ["aws-test-db-disallow-public-access"],
            "passed": ["aws-test-db-require-multi-az", "aws-test-sg-disallow-cidr-ingress", "other-pack-policy"]}),
        line(3, policyAnalyzeSummaryEvent={"resourceUrn": PROVIDER, **PACK,
                                           "passed": ["aws-test-db-require-multi-az"]}),
        line(4, policyAnalyzeStackSummaryEvent={**PACK,
                                                "passed": ["stack-test-database-reachable-only-from-app-tier"]}),
        summary(5))
    got = sorted((f.control_id, f.verdict.value, f.resource_urn) for f in log.findings)
    assert got == [
        ("aws-test-db-disallow-public-access", "fail", DB),
        ("aws-test-db-require-multi-az", "pass", DB),
        ("aws-test-sg-disallow-cidr-ingress", "not_applicable", STACK_URN),  # ran, but no security group
        ("other-pack-policy", "pass", DB),
        ("stack-test-database-reachable-only-from-app-tier", "pass", STACK_URN),
    ]


def test_a_stack_level_violation_is_attributed_to_the_stack():
    log = parse(line(0, resourcePreEvent={"metadata": {"op": "create", "urn": STACK_URN, "type": "pulumi:pulumi:Stack",
                                                       "old": None, "new": None, "detailedDiff": None,
                                                       "provider": ""}, "planning": True}),
                policy(1, "stack-test-database-reachable-only-from-app-tier", "", "db reachable from 10.0.0.0/8"),
                summary(2, result="failed"))
    [f] = log.findings
    assert (f.resource_urn, f.resource_type, f.blocking) == (STACK_URN, "pulumi:pulumi:Stack", True)


def test_a_preview_that_failed_without_a_blocking_violation_is_an_error_finding():
    log = parse(line(0, diagnosticEvent={"message": "<{%reset%}>error: Program failed with an unhandled exception\n"
                                                    "Traceback...<{%reset%}>", "color": "raw", "severity": "error"}),
                policy(1, "aws-test-db-require-multi-az", DB, "single AZ", level="advisory"),
                summary(2, result="failed"))
    error = next(f for f in log.findings if f.control_id == PREVIEW_ERROR_CONTROL)
    assert error.verdict is Verdict.ERROR and error.blocking and error.resource_urn == STACK_URN
    assert "Program failed with an unhandled exception" in error.message


def test_resources_come_from_step_events_with_secrets_redacted_and_ids_kept():
    new = {"type": "aws:ec2/securityGroup:SecurityGroup", "urn": SG, "custom": True, "id": "sg-0abc", "parent": "",
           "inputs": {"description": "db", "tags": {"tier": "data"},
                      "secretish": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                                    "ciphertext": "[secret]"}},
           "outputs": {}, "provider": ""}
    log = parse(line(0, resourcePreEvent={"metadata": {"op": "same", "urn": SG, "type": new["type"], "old": None,
                                                       "new": new, "detailedDiff": None, "provider": ""}}),
                summary(1))
    [view] = log.resources
    assert (view.name, view.props["tags"], view.props["secretish"]) == ("database-sg", {"tier": "data"}, REDACTED)
    assert log.resource_ids == {SG: "sg-0abc"}


def test_html_escaped_brackets_from_other_encoders_are_accepted():
    text = policy(0, "aws-test-db-require-multi-az", DB, "single AZ").replace("<", "\\u003c").replace(">", "\\u003e")
    assert parse(text, summary(1)).findings[0].message == "single AZ"


@pytest.mark.parametrize(("lines", "expected"), [
    ([policy(0, "p", DB, "x"), '{"sequence":1,"timestamp":1,"policyEv'],
     "events.jsonl:2: not valid JSON (Unterminated string starting at column 29); the log looks truncated"),
    ([policy(0, "p", DB, "x"), "not json at all\n", summary(2)],
     "events.jsonl:2: not valid JSON (Expecting value at column 1); each line must be one JSON engine event"),
    (['{"sequence":1,"timestamp":1,"policyEvent":{"policyName":"p"\n', summary(1)],
     "events.jsonl:1: not valid JSON (Expecting ',' delimiter at column 60); the log looks truncated"),
    (["[1, 2]\n", summary(1)], "events.jsonl:1: expected a JSON object"),
    ([policy(0, "p", DB, "x"), line(1, cancelEvent={})], "events.jsonl:2: the log ends without a summaryEvent"),
    ([line(0, policyEvent={"resourceUrn": DB, "message": "x", "enforcementLevel": "mandatory"}), summary(1)],
     "events.jsonl:1: policyEvent.policyName is missing"),
    ([policy(0, "p", DB, "x", level="warning"), summary(1)],
     "events.jsonl:1: policyEvent.enforcementLevel 'warning' is not one of"),
    ([policy(0, "p", DB, "x", severity="urgent"), summary(1)], "events.jsonl:1: policyEvent.severity 'urgent'"),
    ([line(0, policyAnalyzeSummaryEvent={"resourceUrn": DB, "passed": "p"}), summary(1)],
     "events.jsonl:1: policyAnalyzeSummaryEvent.passed is not a list"),
    (["\n", "  \n"], "events.jsonl: the event log is empty"),
])
def test_malformed_logs_are_one_line_errors_naming_the_line(lines, expected):
    with pytest.raises(EventLogError) as caught:
        parse(*lines)
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_unreadable_files_are_clear_errors(tmp_path):
    with pytest.raises(EventLogError, match="event log not found"):
        read_event_log(tmp_path / "missing.jsonl", INDEX)
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(EventLogError, match="is not UTF-8 text"):
        read_event_log(binary, INDEX)


def test_a_preview_without_the_pack_is_refused_not_passed():
    without_pack = line(0, summaryEvent={"maybeCorrupt": False, "durationSeconds": 4, "resourceChanges": {},
                                         "PolicyPacks": {}, "isPreview": True, "result": "succeeded"})
    with pytest.raises(EventLogError, match="policy pack did not run in this preview; rerun it with `--policy-pack"):
        parse(without_pack)


@pytest.mark.parametrize("field", ["failed", "passed"])
def test_a_summary_whose_policy_list_is_not_a_list_is_corrupt(field):
    bad = line(0, policyAnalyzeSummaryEvent={"resourceUrn": DB, **PACK, field: 5})
    with pytest.raises(EventLogError, match=f"events.jsonl:1: policyAnalyzeSummaryEvent.{field} is not a list"):
        parse(bad, summary(1))


def test_a_canceled_preview_without_a_blocking_violation_is_an_error_finding():
    log = parse(summary(0, result="canceled"))
    assert [(f.verdict, f.message.split(" (")[0]) for f in log.findings] == [
        (Verdict.ERROR, "the preview canceled without a blocking policy violation")]
