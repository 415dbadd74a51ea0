"""Planned-vs-live drift: pairing offline URNs with live ARNs, and what counts as drift."""

from __future__ import annotations

import json

import pytest

from posture.diff import DiffInputError, diff_reports, load_report, summary

STACK = "urn:pulumi:prod::security-baseline::pulumi:pulumi:Stack::security-baseline-prod"
ACCOUNT = "arn:aws:iam::111122223333:root"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:prod::security-baseline::{type_}::{name}"


def finding(control: str, verdict: str, urn_: str, type_: str, message: str = "", name: str | None = None) -> dict:
    if name is None:
        name = urn_.rsplit("::", 1)[-1] if urn_.startswith("urn:") else urn_
    return {"control_id": control, "verdict": verdict, "severity": "high", "message": message or f"{name}: evidence",
            "resource": {"urn": urn_, "name": name, "type": type_}}


def report(*findings: dict, controls: dict[str, str] | None = None) -> dict:
    ids = controls or {f["control_id"]: "pass" for f in findings}
    return {"schema_version": 1, "kind": "check", "findings": list(findings),
            "controls": [{"id": c, "status": s} for c, s in ids.items()]}


DB = "aws:rds/instance:Instance"
SUBNET = "aws:ec2/subnet:Subnet"
PUBLIC = "aws-rds-instance-disallow-public-access"
SUBNET_IP = "aws-ec2-subnet-disallow-public-ip-on-launch"


def test_the_same_verdicts_are_no_drift():
    planned = report(finding(PUBLIC, "pass", urn(DB, "app-db"), DB))
    live = report(finding(PUBLIC, "pass", "arn:aws:rds:eu-west-1:111122223333:db:app-db", DB))
    assert diff_reports(planned, live) == []
    assert summary([]) == "no drift between the planned and the live report"


def test_a_changed_verdict_is_matched_by_the_arn_name():
    planned = report(finding(PUBLIC, "pass", urn(DB, "app-db"), DB),
                     finding(PUBLIC, "pass", urn(DB, "reports-db"), DB))
    live = report(finding(PUBLIC, "pass", "arn:aws:rds:eu-west-1:1:db:reports-db", DB),
                  finding(PUBLIC, "fail", "arn:aws:rds:eu-west-1:1:db:app-db", DB, "app-db: publiclyAccessible is true"))
    [drift] = diff_reports(planned, live)
    assert (drift.kind, drift.control_id, drift.planned_verdict, drift.live_verdict, drift.matched_by) == (
        "changed", PUBLIC, "pass", "fail", "name")
    assert drift.planned_resource == urn(DB, "app-db") and drift.live_resource.endswith(":db:app-db")
    assert "publiclyAccessible" in drift.describe()
    assert summary([drift]) == "drift: 1 changed"


def test_a_live_name_with_the_pulumi_suffix_matches_its_logical_name():
    planned = report(finding(PUBLIC, "pass", urn(DB, "orders"), DB), finding(PUBLIC, "pass", urn(DB, "audit"), DB))
    live = report(finding(PUBLIC, "fail", "arn:aws:rds:eu-west-1:1:db:orders-1a2b3c4", DB, "orders-1a2b3c4: x"),
                  finding(PUBLIC, "pass", "arn:aws:rds:eu-west-1:1:db:audit-9f8e7d6", DB, "audit-9f8e7d6: y"))
    [drift] = diff_reports(planned, live)
    assert (drift.matched_by, drift.planned_resource) == ("autoname", urn(DB, "orders"))


def test_unnamed_resources_pair_by_verdict_and_the_odd_one_is_the_change():
    planned = report(*(finding(SUBNET_IP, "pass", urn(SUBNET, f"network-app-{i}"), SUBNET) for i in range(3)))
    live = report(*(finding(SUBNET_IP, v, f"arn:aws:ec2:eu-west-1:1:subnet/subnet-{i}", SUBNET, f"tier-{i}: z")
                    for i, v in enumerate(("pass", "fail", "pass"))))
    [drift] = diff_reports(planned, live)
    assert (drift.kind, drift.matched_by) == ("changed", "sole")
    assert drift.live_resource == "arn:aws:ec2:eu-west-1:1:subnet/subnet-1"


def test_missing_and_extra_resources():
    planned = report(finding(SUBNET_IP, "pass", urn(SUBNET, "a"), SUBNET),
                     finding(SUBNET_IP, "pass", urn(SUBNET, "b"), SUBNET))
    live = report(*(finding(SUBNET_IP, "fail", f"arn:aws:ec2:eu-west-1:1:subnet/subnet-{i}", SUBNET, f"s{i}: w")
                    for i in range(3)))
    drifts = diff_reports(planned, live)
    assert {d.kind for d in drifts} <= {"missing", "extra"}
    assert sum(d.kind == "extra" for d in drifts) == 3 and sum(d.kind == "missing" for d in drifts) == 2


def test_account_level_findings_pair_with_each_other():
    planned = report(finding("stack-account-require-cloudtrail", "pass", STACK, "pulumi:pulumi:Stack"))
    live = report(finding("stack-account-require-cloudtrail", "fail", ACCOUNT, "pulumi:pulumi:Stack", "no trail"))
    [drift] = diff_reports(planned, live)
    assert (drift.kind, drift.matched_by) == ("changed", "account")


def test_only_controls_both_reports_evaluated_are_compared():
    planned = report(finding("aws-rds-instance-require-final-snapshot", "pass", urn(DB, "app-db"), DB))
    live = report(controls={"aws-rds-instance-require-final-snapshot": "not_evaluated"})
    assert diff_reports(planned, live) == []
    assert [d.kind for d in diff_reports(planned, live, controls=["aws-rds-instance-require-final-snapshot"])] == [
        "missing"]


def test_alb_and_lb_tokens_are_one_type():
    lb = "aws:lb/loadBalancer:LoadBalancer"
    alb = "aws:alb/loadBalancer:LoadBalancer"
    planned = report(finding("aws-lb-loadbalancer-enable-deletion-protection", "pass", urn(alb, "web"), alb))
    live = report(finding("aws-lb-loadbalancer-enable-deletion-protection", "pass",
                          "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/0123abcd", lb, "web: ok"))
    assert diff_reports(planned, live) == []


@pytest.mark.parametrize("bad", [{}, {"schema_version": 3, "findings": []}, {"schema_version": 1, "findings": [{}]},
                                 [], "text"])
def test_a_document_that_is_not_a_report_is_an_input_error(bad):
    with pytest.raises(DiffInputError, match="planned report"):
        diff_reports(bad, report())


def test_report_files_are_read_and_bad_ones_named(tmp_path):
    good = tmp_path / "planned.json"
    good.write_text(json.dumps(report()))
    assert load_report(good)["schema_version"] == 1
    broken = tmp_path / "live.json"
    broken.write_text("{not json")
    with pytest.raises(DiffInputError, match=r"live\.json: not JSON"):
        load_report(broken)
    with pytest.raises(DiffInputError, match=r"missing\.json: cannot read"):
        load_report(tmp_path / "missing.json")
