"""stack-bank-data-require-walled-off-readers on a live account (moto): the audit reads the same
policies the offline check reads (role tags and inline/attached policies, AWS managed policy
documents, key policies and grants, secret, table and bucket policies) and reaches the same
verdicts. Resources are created with boto3 here; ``pass-*``/``bank-*`` must pass, ``fail-*`` fail."""

from __future__ import annotations

import json
from typing import Any

import pytest

from posture.findings import Verdict
from tests.live.conftest import PLANNED_ACCOUNT, REGION, findings_for, verdict_of

CONTROL = "stack-bank-data-require-walled-off-readers"
FOREIGN = "444455556666"
BANK_SYNC = f"arn:aws:iam::{PLANNED_ACCOUNT}:role/bank-sync"
BANK_TAG = {"domain": "bank-data"}


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _deny_all_but_bank_sync(action: str | list[str]) -> dict[str, Any]:
    return {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": action, "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalArn": BANK_SYNC}}}


def _role(iam: Any, name: str, tags: dict[str, str] | None = None) -> None:
    trust = _document({"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"aws:SourceAccount": PLANNED_ACCOUNT}}})
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust,
                    Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])


def _key(kms: Any, alias: str, policy: str | None = None, tags: dict[str, str] | None = None) -> str:
    extra = {"Policy": policy} if policy else {}
    arn = kms.create_key(Tags=[{"TagKey": k, "TagValue": v} for k, v in (tags or {}).items()], **extra)["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName=f"alias/{alias}", TargetKeyId=arn)
    return arn


def _table(ddb: Any, name: str, key_arn: str, policy: str | None = None) -> None:
    arn = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                           AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                           KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                           SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key_arn},
                           )["TableDescription"]["TableArn"]
    if policy:
        ddb.put_resource_policy(ResourceArn=arn, Policy=policy)


def _bucket(s3: Any, name: str, *statements: dict[str, Any]) -> None:
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket=name, Policy=_document(*statements))


@pytest.fixture(scope="module")
def audited(moto_account):
    iam, kms = moto_account.client("iam"), moto_account.client("kms")
    secrets, ddb, s3 = moto_account.client("secretsmanager"), moto_account.client("dynamodb"), moto_account.client("s3")
    root = f"arn:aws:iam::{PLANNED_ACCOUNT}:root"

    _role(iam, "bank-sync", BANK_TAG)
    iam.put_role_policy(RoleName="bank-sync", PolicyName="bank-sync", PolicyDocument=_document(
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
         "Resource": f"arn:aws:dynamodb:{REGION}:{PLANNED_ACCOUNT}:table/bank-transactions"}))
    _role(iam, "reporting")  # reads everything in the account, judged by the AWS documents
    iam.attach_role_policy(RoleName="reporting", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    _role(iam, "secrets-admin")
    iam.attach_role_policy(RoleName="secrets-admin", PolicyArn="arn:aws:iam::aws:policy/SecretsManagerReadWrite")

    bank_key = _key(kms, "bank-data", _document(
        {"Effect": "Allow", "Principal": {"AWS": root}, "Action": ["kms:DescribeKey", "kms:PutKeyPolicy"], "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": BANK_SYNC}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
         "Resource": "*"}), BANK_TAG)
    secrets.create_secret(Name="bank-token", KmsKeyId=bank_key, SecretString="placeholder")
    secrets.put_resource_policy(SecretId="bank-token", ResourcePolicy=_document(
        _deny_all_but_bank_sync("secretsmanager:GetSecretValue")))
    # Encrypted with the bank key but without the deny: SecretsManagerReadWrite lets secrets-admin read it.
    secrets.create_secret(Name="fail-open-bank-secret", KmsKeyId=bank_key, SecretString="placeholder")
    _table(ddb, "bank-transactions", bank_key, _document(_deny_all_but_bank_sync(["dynamodb:*"])))

    sessions_key = _key(kms, "sessions")
    _table(ddb, "pass-sessions", sessions_key)
    kms.create_grant(KeyId=sessions_key, GranteePrincipal=f"arn:aws:iam::{FOREIGN}:root", Operations=["Decrypt"],
                     Name="fail-foreign-grant")
    kms.create_grant(KeyId=sessions_key, GranteePrincipal=f"arn:aws:iam::{PLANNED_ACCOUNT}:role/reporting",
                     Operations=["Decrypt"], Name="pass-own-grant")

    deny_insecure = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    _bucket(s3, "pass-access-logs", deny_insecure, {
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PLANNED_ACCOUNT}:role/reporting"},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::pass-access-logs/*"})
    _bucket(s3, "fail-access-logs", deny_insecure, {
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::fail-access-logs/AWSLogs/*"})
    return moto_account.audit([REGION])


@pytest.mark.parametrize("name", ["bank-token", "bank-transactions", "alias/bank-data", "pass-sessions",
                                  "pass-access-logs"])
def test_walled_off_and_in_account_assets_pass(audited, name):
    assert verdict_of(audited, CONTROL, name) is Verdict.PASS


@pytest.mark.parametrize(("name", "principal"), [
    ("fail-open-bank-secret", f"arn:aws:iam::{PLANNED_ACCOUNT}:role/secrets-admin"),
    ("fail-foreign-grant", f"arn:aws:iam::{FOREIGN}:root"),
    ("fail-access-logs", f"arn:aws:iam::{FOREIGN}:role/another-principal-of-the-account"),
])
def test_intruders_fail_with_the_principal_in_the_evidence(audited, name, principal):
    failures = [f for f in findings_for(audited, CONTROL, name) if f.verdict is Verdict.FAIL]
    assert failures, [f.message for f in findings_for(audited, CONTROL, name)]
    assert f"principal {principal}" in {f.evidence[0] for f in failures}


def test_the_managed_policy_is_judged_by_its_document(audited):
    [failure] = [f for f in findings_for(audited, CONTROL, "fail-open-bank-secret")
                 if f.verdict is Verdict.FAIL and f.evidence[0].endswith("role/secrets-admin")]
    assert "managed arn:aws:iam::aws:policy/SecretsManagerReadWrite (AWS document as of" in failure.evidence[-1]


def test_a_key_with_a_foreign_grant_fails_on_the_grant_alone(audited):
    """The sessions key's verdict is the grant's: the grant to our own role adds no finding."""
    assert not findings_for(audited, CONTROL, "alias/sessions")
    assert not findings_for(audited, CONTROL, "pass-own-grant")
