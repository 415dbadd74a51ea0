"""Posture before deploy, in moto: the prod stack's planned resources replayed into a moto account
and audited live. The planned stack passes offline, so every control moto can emulate must pass
live too, and offline and live must agree control by control; removing a protection in the
account must make the audit fail on exactly that control."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from posture.catalog import CONTROLS, PROMISES
from posture.diff import diff_reports
from posture.evaluate import evaluate
from posture.findings import Verdict
from posture.live.coverage import EXTRA_DEPENDENCIES, LIVE_CONTROLS
from posture.reports import Report
from posture.reports.formats.json import document
from posture.rules import tokens as tok
from tests.live.conftest import COPY_REGION, MOTO_CANNOT_READ_TAGS, REGION, names, verdict_of
from tests.live.replay import SKIPPED, VAULT_NOTIFICATIONS, delete_vpc, remove_default_vpcs, replay_stack

UNIMPLEMENTED_READ_APIS = {
    "backup:GetBackupVaultAccessPolicy": tok.BACKUP_VAULT_POLICY,
    "backup:ListBackupSelections": tok.BACKUP_SELECTION,
    "securityhub:GetEnabledStandards": tok.SECURITY_HUB_STANDARD,
}
"""Read APIs moto 5.2.5 does not implement, and the resource type each leaves unread."""
STATES = ("error", "fail", "unknown", "pass", "not_applicable")


def _gap_controls() -> set[str]:
    gap_types = set(UNIMPLEMENTED_READ_APIS.values())
    return {c.id for c in CONTROLS if c.id in LIVE_CONTROLS
            and (set(c.resource_types) | set(EXTRA_DEPENDENCIES.get(c.id, ()))) & gap_types}


def _states(findings) -> dict[str, str]:
    found: dict[str, str] = {}
    for f in findings:
        current = found.get(f.control_id)
        if current is None or STATES.index(f.verdict.value) < STATES.index(current):
            found[f.control_id] = f.verdict.value
    return found


@pytest.fixture(scope="module")
def replayed(moto_account, prod_stack):
    session = moto_account.session()
    remove_default_vpcs(session, [REGION, COPY_REGION])
    return replay_stack(session, prod_stack, REGION)


@pytest.fixture(scope="module")
def live(moto_account, replayed):
    return moto_account.audit([REGION, COPY_REGION])


def test_replay_creates_every_planned_resource_moto_can_hold(replayed, prod_stack):
    not_created = {r.name: replayed.skipped[r.name] for r in prod_stack
                   if r.custom and r.name not in replayed.physical}
    assert all(reason in SKIPPED.values() or reason.startswith(("moto does not implement",))
               for reason in not_created.values()), not_created
    assert {name for name, reason in not_created.items() if reason.startswith("moto")} == {
        r.name for r in prod_stack if r.type in (tok.BACKUP_VAULT_POLICY, tok.BACKUP_SELECTION,
                                                 tok.SECURITY_HUB_STANDARD, VAULT_NOTIFICATIONS)}
    assert replayed.created[tok.RDS_INSTANCE] == 1 and replayed.created[tok.SECURITY_GROUP_INGRESS_RULE] >= 5


def test_planned_posture_has_no_failure_live(live):
    failures = [f"{f.control_id} {f.resource_urn}: {f.message}" for f in live.findings
                if f.verdict in (Verdict.FAIL, Verdict.ERROR)]
    assert failures == []


def test_only_moto_gaps_are_unknown_and_each_names_its_api(live):
    assert {e.api for e in live.collector_errors} == set(UNIMPLEMENTED_READ_APIS) | set(MOTO_CANNOT_READ_TAGS.values())
    unknown = [f for f in live.findings if f.verdict is Verdict.UNKNOWN]
    assert unknown
    assert {f.control_id for f in unknown} == _gap_controls()
    for finding in unknown:
        assert any(api in finding.message for api in UNIMPLEMENTED_READ_APIS), finding.message
        assert any(code in finding.message for code in ("404", "NotImplementedError")), finding.message


def test_offline_and_live_give_the_same_verdict_per_control(live, prod_stack):
    offline, online = _states(evaluate(list(prod_stack))), _states(live.findings)
    compared = sorted(LIVE_CONTROLS - _gap_controls())
    assert len(compared) >= 60
    differences = {c: (offline.get(c), online.get(c)) for c in compared if offline.get(c) != online.get(c)}
    assert differences == {}
    assert all(online.get(c) == "unknown" for c in _gap_controls())


def report(kind, findings):
    return document(Report(tool_version="test", kind=kind, stack="prod" if kind == "check" else None,
                           project="security-baseline", generated_at=datetime(2026, 1, 1, tzinfo=UTC),
                           findings=tuple(findings), controls=CONTROLS, promises=PROMISES))


def test_every_taggable_planned_resource_is_found_live_by_its_tags(live, prod_stack):
    tagged = {r.name for r in prod_stack if r.custom and isinstance(r.props.get("tags"), dict)}
    assert len(tagged) > 50
    found = {f.logical_name for f in live.findings if f.owner_stack == "prod" and f.logical_name}
    assert found <= tagged and len(found) >= 30


def test_planned_and_live_reports_show_drift_only_where_moto_cannot_read(live, prod_stack):
    planned = report("check", evaluate(list(prod_stack)))
    audited = report("audit", live.findings)
    diff = diff_reports(planned, audited)
    assert diff.deployed
    drifts = diff.drifts
    changed = {d.control_id for d in drifts if d.kind == "changed"}
    assert changed <= _gap_controls()
    assert all(d.live_verdict == "unknown" for d in drifts if d.kind == "changed")
    # What AWS adds by itself (the master password secret RDS manages) carries no stack tags: not drift.
    assert [d.describe() for d in drifts if d.control_id not in _gap_controls()] == []
    assert diff.unowned >= 1


BREAKS = {
    # control id, resource name as the audit names it: how to take the protection away
    ("aws-rds-instance-disallow-public-access", "app-db"):
        lambda c: c("rds").modify_db_instance(DBInstanceIdentifier="app-db", PubliclyAccessible=True),
    ("aws-kms-key-enable-rotation", "alias/security-baseline/database"):
        lambda c: c("kms").disable_key_rotation(KeyId=next(
            a["TargetKeyId"] for a in c("kms").list_aliases()["Aliases"]
            if a["AliasName"] == "alias/security-baseline/database")),
    ("aws-dynamodb-table-enable-point-in-time-recovery", "security-baseline-sessions"):
        lambda c: c("dynamodb").update_continuous_backups(
            TableName="security-baseline-sessions", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}),
    ("aws-cloudtrail-trail-enable-log-file-validation", "security-baseline"):
        lambda c: c("cloudtrail").update_trail(Name="security-baseline", EnableLogFileValidation=False),
    ("aws-ec2-vpcendpoint-require-restrictive-policy", "com.amazonaws.eu-west-1.kms"):
        lambda c: c("ec2").modify_vpc_endpoint(VpcEndpointId=next(
            e["VpcEndpointId"] for e in c("ec2").describe_vpc_endpoints()["VpcEndpoints"]
            if e["ServiceName"].endswith(".kms")), PolicyDocument=json.dumps({"Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})),
    ("stack-vpc-require-locked-default-network-acl", "network"):
        lambda c: c("ec2").create_network_acl_entry(
            NetworkAclId=next(a["NetworkAclId"] for a in c("ec2").describe_network_acls(
                Filters=[{"Name": "default", "Values": ["true"]}, {"Name": "tag:Name",
                                                                   "Values": ["network-default-deny-all"]}])[
                "NetworkAcls"]), RuleNumber=100, Protocol="6", RuleAction="allow", Egress=True,
            CidrBlock="10.0.0.0/8", PortRange={"From": 443, "To": 443}),
    ("stack-account-require-s3-public-access-block", "account S3 Block Public Access"):
        lambda c: c("s3control").put_public_access_block(AccountId="111122223333", PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True}),
}


def test_against_an_account_without_the_stack_the_plan_is_not_deployed(moto_account, replayed, prod_stack,
                                                                       monkeypatch):
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "444455556666")  # a fresh account: its default VPC only
    empty = moto_account.audit([REGION])
    assert empty.account_id == "444455556666" and any(r.type == tok.VPC for r in empty.resources)
    diff = diff_reports(report("check", evaluate(list(prod_stack))), report("audit", empty.findings))
    assert not diff.deployed and diff.drifts == []


def test_audit_of_the_stack_leaves_out_what_is_not_tagged_with_it(moto_account, live):
    ec2 = moto_account.client("ec2")
    other = ec2.create_vpc(CidrBlock="10.77.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "pulumi:stack", "Value": "staging"}]}])["Vpc"]["VpcId"]
    try:
        scoped = moto_account.audit([REGION, COPY_REGION], stack="prod")
    finally:
        delete_vpc(ec2, other)
    vpcs = [r for r in scoped.resources if r.type == tok.VPC]
    assert [v.props["tags"]["pulumi:stack"] for v in vpcs] == ["prod"]
    assert scoped.left_out >= 2  # the staging VPC and the secret RDS manages
    assert not any(":secretsmanager:" in r.urn and "rds" in r.name for r in scoped.resources)
    assert "of stack prod" in scoped.metadata["resources collected"]


def test_removing_a_protection_fails_exactly_its_control(moto_account, live, prod_stack):
    for break_ in BREAKS.values():
        break_(moto_account.client)
    broken = moto_account.audit([REGION, COPY_REGION])
    by_urn = names(broken)
    failures = {(f.control_id, by_urn.get(f.resource_urn)) for f in broken.findings if f.verdict is Verdict.FAIL}
    assert failures == set(BREAKS)
    for control_id, name in BREAKS:
        assert verdict_of(live, control_id, name) is Verdict.PASS
    diff = diff_reports(report("check", evaluate(list(prod_stack))), report("audit", broken.findings))
    changed = {d.control_id for d in diff.drifts if d.kind == "changed" and d.control_id not in _gap_controls()}
    assert changed == {control_id for control_id, _ in BREAKS}
    assert [d.describe() for d in diff.drifts if d.control_id not in _gap_controls() and d.kind != "changed"] == []
