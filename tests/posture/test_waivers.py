"""Waivers: every malformed entry names its index and field; expired ones fail; critical ones are refused."""

from __future__ import annotations

from datetime import date

import pytest

from posture.findings import Severity, Verdict
from posture.waivers import WaiverError, apply_waivers, load_waivers, parse_waivers
from tests.posture.conftest import BUCKET_URN, DB_URN, INDEX, SG_URN, finding

TODAY = date(2026, 3, 1)
GOOD = """\
- control: aws-test-db-require-multi-az
  resource: "urn:pulumi:prod::*::database-instance"
  reason: Staging-sized load until the Q3 migration.
  approver: jane.doe@example.com
  expires: 2026-06-30
"""


def entry(**changes: str | None) -> str:
    fields = {"control": "aws-test-db-require-multi-az", "resource": "'urn:pulumi:prod::*'", "reason": "Because.",
              "approver": "jane.doe@example.com", "expires": "2026-06-30"}
    fields.update(changes)
    return "- " + "\n  ".join(f"{k}: {v}" for k, v in fields.items() if v is not None) + "\n"


def test_a_valid_file_loads_with_the_date_as_iso_text():
    [waiver] = parse_waivers(GOOD, "waivers.yaml", INDEX)
    assert (waiver.control_id, waiver.resource, waiver.approver, waiver.expires) == (
        "aws-test-db-require-multi-az", "urn:pulumi:prod::*::database-instance", "jane.doe@example.com", "2026-06-30")


def test_a_mapping_with_a_waivers_list_and_an_empty_file_are_accepted():
    assert len(parse_waivers("waivers:\n" + "  " + GOOD.replace("\n  ", "\n    "), "w.yaml", INDEX)) == 1
    assert parse_waivers("", "w.yaml", INDEX) == []


@pytest.mark.parametrize(("text", "expected"), [
    (entry() + entry(control="aws-nope"), "w.yaml:6: waivers[1].control: 'aws-nope' is not a control in the catalog"),
    (entry(reason=None), "waivers[0].reason: missing"),
    (entry(expires=""), "waivers[0].expires: missing"),
    (entry(reason=None, expiry="2026-01-01"), "waivers[0].expiry: unknown field"),
    (entry(approver="42"), "waivers[0].approver: must be a non-empty text; say who accepted the risk"),
    (entry(reason="''"), "waivers[0].reason: must be a non-empty text"),
    (entry(approver="'   '"), "waivers[0].approver: must be a non-empty text"),
    (entry(approver="yes"), "waivers[0].approver: must be a non-empty text"),
    (entry(expires="2026-13-01"), "waivers[0].expires: '2026-13-01' is not a date; write it as YYYY-MM-DD"),
    (entry(expires="'next week'"), "waivers[0].expires: 'next week' is not a date"),
    (entry(expires="2026-06-30T10:00:00"), "waivers[0].expires:"),
    (entry(resource="'*'"), "waivers[0].resource: '*' is neither a URN nor an ARN glob"),
    (entry(expiry="2026-01-01"), "waivers[0].expiry: unknown field"),
    ("- just a string\n", "waivers[0]: is not a mapping"),
    ("control: x\n", "w.yaml:1: expected a list of waivers"),
    ("- control: [unclosed\n", "w.yaml:2: not valid YAML"),
    (entry() + "  control: aws-other\n", "w.yaml:6: not valid YAML ('control' is given twice in one entry)"),
])
def test_a_bad_entry_is_one_line_naming_the_entry_and_field(text, expected):
    with pytest.raises(WaiverError) as caught:
        parse_waivers(text, "w.yaml", INDEX)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_a_critical_control_cannot_be_waived_unless_explicitly_allowed():
    text = entry(control="aws-test-db-disallow-public-access")
    with pytest.raises(WaiverError, match=r"waivers\[0\]\.control: aws-test-db-disallow-public-access is a critical "
                                          r"control.*--allow-critical-waivers"):
        parse_waivers(text, "w.yaml", INDEX)
    [allowed] = parse_waivers(text, "w.yaml", INDEX, allow_critical=True)
    assert allowed.control_id == "aws-test-db-disallow-public-access"


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(WaiverError, match="waiver file not found"):
        load_waivers(tmp_path / "nope.yaml", INDEX)


def _waivers(*entries: str):
    return parse_waivers("".join(entries), "w.yaml", INDEX, allow_critical=True)


def test_a_live_waiver_covers_only_matching_failures_and_leaves_them_visible():
    waivers = _waivers(entry(resource="'urn:pulumi:prod::*::database-instance'"))
    fail = finding("aws-test-db-require-multi-az", Verdict.FAIL, DB_URN, "single AZ")
    other_resource = finding("aws-test-db-require-multi-az", Verdict.FAIL, SG_URN.replace("database-sg", "db2"), "x")
    other_control = finding("aws-test-sg-disallow-cidr-ingress", Verdict.FAIL, DB_URN, "x")
    result, problems = apply_waivers([fail, other_resource, other_control], waivers, today=TODAY)
    assert [f.waiver for f in result] == [waivers[0], None, None]
    assert not result[0].blocking and result[1].blocking
    assert problems == []


def test_the_waiver_holds_through_its_expiry_day_and_fails_the_day_after():
    waivers = _waivers(entry(expires="2026-03-01"))
    fail = finding("aws-test-db-require-multi-az", Verdict.FAIL, DB_URN, "single AZ")
    [on_the_day], problems = apply_waivers([fail], waivers, today=date(2026, 3, 1))
    assert on_the_day.waiver is not None and problems == []
    [after], problems = apply_waivers([fail], waivers, today=date(2026, 3, 2))
    assert after.waiver is None and after.blocking
    assert [(p.level, p.kind, p.index) for p in problems] == [("error", "expired", 0)]
    assert "expired on 2026-03-01" in problems[0].message


def test_unused_waivers_are_warnings_that_say_why():
    waivers = _waivers(entry(), entry(control="aws-test-bucket-enable-versioning", resource="'urn:pulumi:dev::*'"))
    passing = finding("aws-test-db-require-multi-az", Verdict.PASS, DB_URN, "multi-AZ")
    result, problems = apply_waivers([passing], waivers, today=TODAY)
    assert result == [passing]
    assert [(p.level, p.kind, p.index) for p in problems] == [("warning", "unused", 0), ("warning", "unused", 1)]
    assert "now pass" in problems[0].message and "no finding matches" in problems[1].message


def test_errors_and_unknowns_are_never_waived():
    waivers = _waivers(entry())
    error = finding("aws-test-db-require-multi-az", Verdict.ERROR, DB_URN, "rule raised")
    unknown = finding("aws-test-db-require-multi-az", Verdict.UNKNOWN, DB_URN, "not known yet")
    result, _ = apply_waivers([error, unknown], waivers, today=TODAY)
    assert [f.waiver for f in result] == [None, None]
    assert result[0].blocking


def test_a_critical_finding_is_never_hidden_without_the_flag_even_if_the_file_slipped_through():
    """Event-log findings of controls outside the catalog carry their own severity."""
    waivers = _waivers(entry(control="aws-test-bucket-enable-versioning", resource=f"'{BUCKET_URN}'"))
    critical = finding("aws-test-bucket-enable-versioning", Verdict.FAIL, BUCKET_URN, "x", severity=Severity.CRITICAL)
    [refused], problems = apply_waivers([critical], waivers, today=TODAY)
    assert refused.waiver is None and refused.blocking
    assert [(p.level, p.kind) for p in problems] == [("error", "refused")]
    [allowed], problems = apply_waivers([critical], waivers, today=TODAY, allow_critical=True)
    assert allowed.waiver is not None and problems == []
