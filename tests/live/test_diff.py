"""Planned-vs-live drift: pairing offline URNs with live ARNs by the stack and logical name both
carry (URN offline, tags live), guessing only for resources whose tags the audit does not read,
and what counts as drift."""

from __future__ import annotations

import json

import pytest

from posture.diff import DiffInputError, diff_reports, load_report, summary

STACK = "urn:pulumi:prod::security-baseline::pulumi:pulumi:Stack::security-baseline-prod"
ACCOUNT = "arn:aws:iam::111122223333:root"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:prod::security-baseline::{type_}::{name}"


def finding(control: str, verdict: str, urn_: str, type_: str, message: str = "", name: str | None = None,
            stack: str | None = "prod", logical: str | None = None) -> dict:
    """A JSON finding; a URN's stack and logical name are its own, an ARN's are the given tags
    (by default: the stack's, without a logical name, as for a setting of a tagged resource)."""
    if name is None:
        name = urn_.rsplit("::", 1)[-1] if urn_.startswith("urn:") else urn_
    if urn_.startswith("urn:"):
        logical = name
    if type_ == "pulumi:pulumi:Stack":
        stack = logical = None
    return {"control_id": control, "verdict": verdict, "severity": "high", "message": message or f"{name}: evidence",
            "resource": {"urn": urn_, "name": name, "type": type_, "stack": stack, "logical_name": logical}}


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
    diff = diff_reports(planned, live)
    assert diff.deployed and diff.drifts == []
    assert summary(diff) == "no drift between the planned and the live report"


def test_a_changed_verdict_is_matched_by_the_arn_name():
    planned = report(finding(PUBLIC, "pass", urn(DB, "app-db"), DB),
                     finding(PUBLIC, "pass", urn(DB, "reports-db"), DB))
    live = report(finding(PUBLIC, "pass", "arn:aws:rds:eu-west-1:1:db:reports-db", DB),
                  finding(PUBLIC, "fail", "arn:aws:rds:eu-west-1:1:db:app-db", DB, "app-db: publiclyAccessible is true"))
    diff = diff_reports(planned, live)
    [drift] = diff.drifts
    assert (drift.kind, drift.control_id, drift.planned_verdict, drift.live_verdict, drift.matched_by) == (
        "changed", PUBLIC, "pass", "fail", "name")
    assert drift.planned_resource == urn(DB, "app-db") and drift.live_resource.endswith(":db:app-db")
    assert "publiclyAccessible" in drift.describe()
    assert summary(diff) == "drift: 1 changed"


def test_tagged_resources_pair_by_logical_name_whatever_their_names():
    planned = report(finding(PUBLIC, "pass", urn(DB, "app-db"), DB), finding(PUBLIC, "pass", urn(DB, "reports-db"), DB))
    live = report(finding(PUBLIC, "fail", "arn:aws:rds:eu-west-1:1:db:reports-db", DB, logical="app-db"),
                  finding(PUBLIC, "pass", "arn:aws:rds:eu-west-1:1:db:app-db", DB, logical="reports-db"))
    [drift] = diff_reports(planned, live).drifts
    assert (drift.matched_by, drift.planned_resource, drift.live_resource) == (
        "identity", urn(DB, "app-db"), "arn:aws:rds:eu-west-1:1:db:reports-db")


def test_an_account_without_the_stack_is_not_deployed_never_drift():
    vpc_type = "aws:ec2/vpc:Vpc"
    control = "aws-ec2-vpc-require-flow-logs"
    planned = report(finding(control, "pass", urn(vpc_type, "network-vpc"), vpc_type))
    default_vpc = finding(control, "fail", "arn:aws:ec2:eu-west-1:1:vpc/vpc-default", vpc_type, stack=None)
    other_stack = finding(control, "fail", "arn:aws:ec2:eu-west-1:1:vpc/vpc-1", vpc_type, stack="staging",
                          logical="network-vpc")
    diff = diff_reports(planned, report(default_vpc, other_stack))
    assert (diff.deployed, diff.drifts, diff.foreign) == (False, [], 1)
    assert summary(diff).startswith("not deployed: no live resource is tagged pulumi:stack=prod")


def test_resources_of_another_stack_are_left_out():
    vpc_type = "aws:ec2/vpc:Vpc"
    control = "aws-ec2-vpc-require-flow-logs"
    planned = report(finding(control, "pass", urn(vpc_type, "network-vpc"), vpc_type))
    live = report(finding(control, "pass", "arn:aws:ec2:eu-west-1:1:vpc/vpc-1", vpc_type, logical="network-vpc"),
                  finding(control, "fail", "arn:aws:ec2:eu-west-1:1:vpc/vpc-2", vpc_type, stack="staging",
                          logical="network-vpc"))
    diff = diff_reports(planned, live)
    assert (diff.deployed, diff.drifts, diff.foreign) == (True, [], 1)


def test_a_live_name_with_the_pulumi_suffix_matches_its_logical_name():
    planned = report(finding(PUBLIC, "pass", urn(DB, "orders"), DB), finding(PUBLIC, "pass", urn(DB, "audit"), DB))
    live = report(finding(PUBLIC, "fail", "arn:aws:rds:eu-west-1:1:db:orders-1a2b3c4", DB, "orders-1a2b3c4: x"),
                  finding(PUBLIC, "pass", "arn:aws:rds:eu-west-1:1:db:audit-9f8e7d6", DB, "audit-9f8e7d6: y"))
    [drift] = diff_reports(planned, live).drifts
    assert (drift.matched_by, drift.planned_resource) == ("autoname", urn(DB, "orders"))


def test_unnamed_resources_pair_by_verdict_and_the_odd_one_is_the_change():
    planned = report(*(finding(SUBNET_IP, "pass", urn(SUBNET, f"network-app-{i}"), SUBNET) for i in range(3)))
    live = report(*(finding(SUBNET_IP, v, f"arn:aws:ec2:eu-west-1:1:subnet/subnet-{i}", SUBNET, f"tier-{i}: z")
                    for i, v in enumerate(("pass", "fail", "pass"))))
    [drift] = diff_reports(planned, live).drifts
    assert (drift.kind, drift.matched_by) == ("changed", "sole")
    assert drift.live_resource == "arn:aws:ec2:eu-west-1:1:subnet/subnet-1"


def test_missing_and_extra_resources():
    planned = report(finding(SUBNET_IP, "pass", urn(SUBNET, "a"), SUBNET),
                     finding(SUBNET_IP, "pass", urn(SUBNET, "b"), SUBNET))
    live = report(*(finding(SUBNET_IP, "fail", f"arn:aws:ec2:eu-west-1:1:subnet/subnet-{i}", SUBNET, f"s{i}: w")
                    for i in range(3)))
    drifts = diff_reports(planned, live).drifts
    assert {d.kind for d in drifts} <= {"missing", "extra"}
    assert sum(d.kind == "extra" for d in drifts) == 3 and sum(d.kind == "missing" for d in drifts) == 2


def test_account_level_findings_pair_with_each_other():
    planned = report(finding("stack-account-require-cloudtrail", "pass", STACK, "pulumi:pulumi:Stack"))
    planned["stack"] = "prod"
    live = report(finding("stack-account-require-cloudtrail", "fail", ACCOUNT, "pulumi:pulumi:Stack", "no trail"),
                  finding(SUBNET_IP, "pass", "arn:aws:ec2:eu-west-1:1:subnet/subnet-1", SUBNET, logical="a"))
    [drift] = diff_reports(planned, live).drifts
    assert (drift.kind, drift.matched_by) == ("changed", "account")


def test_only_controls_both_reports_evaluated_are_compared():
    planned = report(finding("aws-rds-instance-require-final-snapshot", "pass", urn(DB, "app-db"), DB))
    live = report(controls={"aws-rds-instance-require-final-snapshot": "not_evaluated"})
    live["findings"].append(finding(SUBNET_IP, "pass", "arn:aws:ec2:eu-west-1:1:subnet/subnet-1", SUBNET))
    assert diff_reports(planned, live).drifts == []
    assert [d.kind for d in diff_reports(planned, live, controls=["aws-rds-instance-require-final-snapshot"]).drifts
            ] == ["missing"]


def test_alb_and_lb_tokens_are_one_type():
    lb = "aws:lb/loadBalancer:LoadBalancer"
    alb = "aws:alb/loadBalancer:LoadBalancer"
    planned = report(finding("aws-lb-loadbalancer-enable-deletion-protection", "pass", urn(alb, "web"), alb))
    live = report(finding("aws-lb-loadbalancer-enable-deletion-protection", "pass",
                          "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/0123abcd", lb, "web: ok"))
    assert diff_reports(planned, live).drifts == []


@pytest.mark.parametrize("bad", [{}, {"schema_version": 99, "findings": []}, {"schema_version": 1, "findings": [{}]},
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
