"""Collectors translate, never leave out: what AWS owns reaches the rules, which decide (moto).

A service-linked role, an AWS-managed key, a key scheduled for deletion and the account's default
event bus are each in the inventory with the facts that decide (``path``, ``keyManager``,
``keyState``, ``name``), and each control gives the verdict its rule decides: NOT_APPLICABLE with
the reason where AWS owns what it judges, FAIL where the promise is broken (a database under an
AWS-managed key, a store under a key being deleted).
"""

from __future__ import annotations

from typing import Any

import pytest
from moto.kms.models import kms_backends

from posture.audit import AuditResult
from posture.findings import Verdict
from posture.rules import tokens as tok
from tests.live.conftest import PLANNED_ACCOUNT, REGION, findings_for, verdict_of

SERVICE_LINKED = "AWSServiceRoleForrds"
"""The name moto gives it (AWS: AWSServiceRoleForRDS)."""
DOOMED_GROUP, MANAGED_DB = "/fx/doomed-key-logs", "fx-aws-managed-db"
MADE: dict[str, str] = {}


def _aws_managed_key(kms: Any) -> tuple[str, str]:
    """A key AWS manages, with its alias/aws/rds alias: moto creates only customer keys and refuses
    alias/aws/* names, so both are set on moto's backend."""
    metadata = kms.create_key(Description="Default key that protects my RDS database volumes")["KeyMetadata"]
    backend = kms_backends[PLANNED_ACCOUNT][REGION]
    backend.keys[metadata["KeyId"]].key_manager = "AWS"
    backend.create_alias(metadata["KeyId"], "alias/aws/rds")
    return metadata["KeyId"], metadata["Arn"]


@pytest.fixture(scope="module")
def audit(moto_account) -> AuditResult:
    c = moto_account.client
    assert c("iam").create_service_linked_role(AWSServiceName="rds.amazonaws.com")["Role"]["RoleName"] == SERVICE_LINKED
    managed_id, managed_arn = _aws_managed_key(c("kms"))
    c("rds").create_db_instance(DBInstanceIdentifier=MANAGED_DB, Engine="postgres", DBInstanceClass="db.t3.micro",
                                MasterUsername="app", ManageMasterUserPassword=True, AllocatedStorage=20,
                                StorageEncrypted=True, KmsKeyId=managed_arn)
    doomed = c("kms").create_key(Description="fx doomed")["KeyMetadata"]
    c("kms").create_alias(AliasName="alias/fx-doomed", TargetKeyId=doomed["KeyId"])
    c("logs").create_log_group(logGroupName=DOOMED_GROUP, kmsKeyId=doomed["Arn"])
    c("kms").schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)
    c("events").describe_event_bus(Name="default")  # moto's account has it, as every account does
    MADE["managed key id"] = managed_id
    return moto_account.audit()


def _view(result: AuditResult, type_: str, name: str):
    return next(r for r in result.resources if r.type == type_ and r.name == name)


def test_each_resource_reaches_the_rules_with_the_facts_that_decide(audit) -> None:
    assert _view(audit, tok.IAM_ROLE, SERVICE_LINKED).props["path"] == "/aws-service-role/rds.amazonaws.com/"
    managed = _view(audit, tok.KMS_KEY, "alias/aws/rds").props
    assert (managed["keyManager"], managed["keyId"]) == ("AWS", MADE["managed key id"])
    doomed = _view(audit, tok.KMS_KEY, "alias/fx-doomed").props
    assert doomed["keyState"] == "PendingDeletion"
    assert _view(audit, tok.EVENT_BUS, "default").props["name"] == "default"


@pytest.mark.parametrize(("control", "name", "reason"), [
    ("aws-iam-resourcepolicy-require-confused-deputy-conditions", SERVICE_LINKED, "a service-linked role"),
    ("aws-iam-resourcepolicy-disallow-wildcard-grants", SERVICE_LINKED, "a service-linked role"),
    ("aws-kms-key-enable-rotation", "alias/aws/rds", "an AWS-managed key"),
    ("aws-kms-key-require-conditioned-use", "alias/aws/rds", "an AWS-managed key"),
    ("aws-kms-key-enable-rotation", "alias/fx-doomed", "scheduled for deletion"),
    ("aws-cloudwatch-eventbus-require-cmk-encryption", "default", "the account's default event bus"),
])
def test_the_rule_says_not_applicable_and_why(audit, control, name, reason) -> None:
    found = findings_for(audit, control, name)
    assert [f.verdict for f in found] == [Verdict.NOT_APPLICABLE], [f.message for f in found]
    assert reason in found[0].message


@pytest.mark.parametrize(("control", "name"), [
    ("aws-rds-instance-require-cmk-encryption", MANAGED_DB),  # as before: the alias form still tells the rule
    ("stack-data-store-require-rotating-key", DOOMED_GROUP),  # was "not in the account"; now: being deleted
])
def test_a_broken_promise_still_fails(audit, control, name) -> None:
    assert verdict_of(audit, control, name) is Verdict.FAIL


def test_a_key_scheduled_for_deletion_is_still_judged_on_its_policy(audit) -> None:
    """Its policy decides who may cancel the deletion and decrypt again; moto's default policy names
    the account alone, which the control accepts."""
    assert verdict_of(audit, "aws-kms-key-require-conditioned-use", "alias/fx-doomed") is Verdict.PASS


def test_the_database_names_the_aws_managed_key_by_its_alias(audit) -> None:
    """Only the name changes: the key's own view keeps its id and ARN, the database's reference reads as a program writes it."""
    database = _view(audit, tok.RDS_INSTANCE, MANAGED_DB).props
    assert database["kmsKeyId"] == f"arn:aws:kms:{REGION}:{PLANNED_ACCOUNT}:alias/aws/rds"
    finding = findings_for(audit, "aws-rds-instance-require-cmk-encryption", MANAGED_DB)[0]
    assert "AWS-managed key" in finding.message
