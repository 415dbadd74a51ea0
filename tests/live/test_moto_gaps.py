"""The collectors for the read APIs moto 5.2.5 does not implement, with the API's answer stubbed in.

moto has no ``backup:GetBackupVaultAccessPolicy``, ``backup:ListBackupSelections`` /
``GetBackupSelection`` or ``securityhub:GetEnabledStandards``, so test_checks.py cannot hold a
passing state for the controls that need them. Here those calls are answered by a botocore
``before-call`` handler (the seam a Stubber uses) with the documented response shape, while
everything else comes from moto, so the collectors' reading of those answers and the controls'
pass/fail states are still tested. test_checks.py asserts that every such control is proven here
both ways (``stubbed_verdicts``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from posture.audit import audit_account
from posture.findings import Verdict
from posture.live import COLLECTORS
from tests.live.conftest import REGION, verdict_of

DENY_DELETE = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["backup:DeleteRecoveryPoint",
                                                            "backup:UpdateRecoveryPointLifecycle"], "Resource": "*"}]})
ALLOW_ONLY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "backup:ListRecoveryPoints*",
     "Resource": "*"}]})
FSBP = f"arn:aws:securityhub:{REGION}::standards/aws-foundational-security-best-practices/v/1.0.0"
CIS = f"arn:aws:securityhub:{REGION}::standards/cis-aws-foundations-benchmark/v/3.0.0"


def answering(answers: dict[str, Callable[[dict[str, Any]], dict[str, Any] | str]]):
    """A session factory whose clients answer the named operations themselves: a dict is the
    parsed response, a string an error code."""

    def handler(model, params=None, **_):
        answer = answers.get(f"{model.service_model.endpoint_prefix}:{model.name}")
        if answer is None:
            return None
        parsed = answer(params or {})
        if isinstance(parsed, str):
            return AWSResponse("https://stub.invalid", 404, {}, None), {
                "Error": {"Code": parsed, "Message": "stubbed"}, "ResponseMetadata": {"HTTPStatusCode": 404}}
        return AWSResponse("https://stub.invalid", 200, {}, None), {**parsed, "ResponseMetadata": {"HTTPStatusCode": 200}}

    def factory():
        session = boto3.Session(region_name=REGION)
        session.events.register("before-call", handler)
        return session

    return factory


def only(*names: str):
    return tuple(c for c in COLLECTORS if c.name in names)


def _vault_of(params: dict[str, Any]) -> str:
    return str(params.get("url_path", "")).split("/backup-vaults/", 1)[-1].split("/", 1)[0]


@pytest.fixture(scope="module")
def backups(moto_account):
    backup, ddb = moto_account.client("backup"), moto_account.client("dynamodb")
    key = moto_account.client("kms").create_key()["KeyMetadata"]["Arn"]
    for name, locked in (("guarded-vault", True), ("unguarded-vault", True), ("policyless-vault", True),
                         ("unlocked-vault", False)):
        backup.create_backup_vault(BackupVaultName=name, EncryptionKeyArn=key)
        if locked:
            backup.put_backup_vault_lock_configuration(BackupVaultName=name, MinRetentionDays=7, MaxRetentionDays=90,
                                                       ChangeableForDays=3)
    plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": "plan", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": "guarded-vault", "ScheduleExpression": "cron(0 3 * * ? *)",
         "Lifecycle": {"DeleteAfterDays": 35}, "CopyActions": [{
             "DestinationBackupVaultArn": "arn:aws:backup:eu-central-1:123456789012:backup-vault:copy",
             "Lifecycle": {"DeleteAfterDays": 35}}]}]})["BackupPlanId"]
    arns = {}
    for table in ("covered-table", "forgotten-table"):
        arns[table] = ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                                       AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                       KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])["TableDescription"][
            "TableArn"]
    policies = {"guarded-vault": DENY_DELETE, "unguarded-vault": ALLOW_ONLY, "unlocked-vault": DENY_DELETE}
    role = "arn:aws:iam::111122223333:role/backups"
    answers = {
        "backup:GetBackupVaultAccessPolicy": lambda p: (
            {"BackupVaultName": _vault_of(p), "Policy": policies[_vault_of(p)]} if _vault_of(p) in policies
            else "ResourceNotFoundException"),
        "backup:ListBackupSelections": lambda p: {"BackupSelectionsList": [
            {"SelectionId": "selection-1", "SelectionName": "stores", "BackupPlanId": plan, "IamRoleArn": role}]},
        "backup:GetBackupSelection": lambda p: {"BackupPlanId": plan, "SelectionId": "selection-1", "BackupSelection": {
            "SelectionName": "stores", "IamRoleArn": role, "Resources": [arns["covered-table"]]}},
    }
    return audit_account(answering(answers), [REGION], collectors=only("backup", "tables", "keys"))


STUBBED_BACKUP_CASES = [
    # control id, resource as the audit names it, the verdict its stubbed answer must give
    ("aws-backup-vaultpolicy-require-deny-delete", "guarded-vault access policy", Verdict.PASS),
    ("stack-backup-vault-require-lock-and-policy", "guarded-vault", Verdict.PASS),
    ("aws-backup-vaultpolicy-require-deny-delete", "unguarded-vault access policy", Verdict.FAIL),
    ("stack-backup-vault-require-lock-and-policy", "policyless-vault", Verdict.FAIL),
    ("stack-backup-vault-require-lock-and-policy", "unlocked-vault", Verdict.FAIL),
    ("stack-data-store-require-backup-plan", "covered-table", Verdict.PASS),
    ("stack-data-store-require-backup-plan", "forgotten-table", Verdict.FAIL),
]
SECURITY_HUB = "stack-account-require-security-hub"
STUBBED_SECURITY_HUB_CASES = [
    # standards subscriptions and their status, the verdict
    ({FSBP: "READY", CIS: "INCOMPLETE"}, Verdict.PASS),
    ({FSBP: "READY"}, Verdict.FAIL),
    ({FSBP: "READY", CIS: "FAILED"}, Verdict.FAIL),
]


def stubbed_verdicts() -> dict[str, set[Verdict]]:
    """control id -> the verdicts this file's tests prove with stubbed answers (read by test_checks.py,
    which asserts that every control moto cannot hold is proven here both ways)."""
    proven: dict[str, set[Verdict]] = {}
    for control_id, _, verdict in STUBBED_BACKUP_CASES:
        proven.setdefault(control_id, set()).add(verdict)
    proven.setdefault(SECURITY_HUB, set()).update(verdict for _, verdict in STUBBED_SECURITY_HUB_CASES)
    return proven


def test_the_stubbed_backup_audit_is_complete(backups):
    assert backups.complete, backups.collector_errors


@pytest.mark.parametrize(("control_id", "name", "verdict"), STUBBED_BACKUP_CASES)
def test_stubbed_backup_answers_give_the_expected_verdict(backups, control_id, name, verdict):
    assert verdict_of(backups, control_id, name) is verdict


@pytest.mark.parametrize(("standards", "verdict"), STUBBED_SECURITY_HUB_CASES)
def test_security_hub_passes_only_with_both_standards_active(moto_account, standards, verdict):
    moto_account.client("securityhub").enable_security_hub(EnableDefaultStandards=False)
    try:
        subscriptions = [{"StandardsSubscriptionArn": f"arn:aws:securityhub:{REGION}:111122223333:subscription/{i}",
                          "StandardsArn": arn, "StandardsInput": {}, "StandardsStatus": status}
                         for i, (arn, status) in enumerate(standards.items())]
        result = audit_account(answering({"securityhub:GetEnabledStandards": lambda p: {
            "StandardsSubscriptions": subscriptions}}), [REGION], collectors=only("security-hub"))
    finally:
        moto_account.client("securityhub").disable_security_hub()
    assert verdict_of(result, SECURITY_HUB, f"Security Hub ({REGION})") is verdict
