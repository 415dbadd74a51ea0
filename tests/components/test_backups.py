"""Backup vaults, locks, policies, plan, selection and copy, and the input validation."""

import json

import pytest

from components.backups import PROTECTED_RECOVERY_POINT_ACTIONS, Backups, BackupsArgs
from components.validation import InvalidInput
from tests.conftest import ACCOUNT, run_under_mocks

KEY = "arn:aws:kms:eu-west-1:111122223333:key/backups"
COPY_KEY = "arn:aws:kms:eu-central-1:111122223333:key/backups-copy"
DB = "arn:aws:rds:eu-west-1:111122223333:db:app-db"
TABLE = "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions"


def backup_args(**overrides) -> BackupsArgs:
    return BackupsArgs(**{"region": "eu-west-1", "account_id": "111122223333", "copy_region": "eu-central-1",
                          "key_arn": KEY,
                          "copy_key_arn": COPY_KEY, "notification_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/n",
                          "resource_arns": [DB, TABLE], "production": True, **overrides})


@pytest.fixture(scope="module")
def backups():
    return run_under_mocks(lambda: Backups("bk", backup_args()))


def vault_protections(backups, vault):
    lock = backups.one("aws:backup/vaultLockConfiguration:VaultLockConfiguration", f"{vault.name}-lock").props
    policy = backups.one("aws:backup/vaultPolicy:VaultPolicy", f"{vault.name}-policy").props
    return lock, json.loads(policy["policy"])


def test_primary_and_copy_vaults_are_equally_fortified_in_different_regions(backups):
    primary = backups.one("aws:backup/vault:Vault", "bk-vault")
    copy = backups.one("aws:backup/vault:Vault", "bk-copy-vault")
    assert (primary.props["region"], copy.props["region"]) == ("eu-west-1", "eu-central-1")
    assert (primary.props["kmsKeyArn"], copy.props["kmsKeyArn"]) == (KEY, COPY_KEY)
    protections = [vault_protections(backups, v) for v in (primary, copy)]
    for lock, policy in protections:
        assert lock["changeableForDays"] >= 3, "compliance mode needs changeableForDays"
        assert lock["minRetentionDays"] >= 14
        [deny] = policy["Statement"]
        assert deny["Effect"] == "Deny" and deny["Principal"] == {"AWS": "*"}
        assert set(deny["Action"]) == set(PROTECTED_RECOVERY_POINT_ACTIONS)
        assert deny["Resource"] == "*", "recovery points are authorised by their own ARNs"
    settings = ("minRetentionDays", "maxRetentionDays", "changeableForDays")
    assert [protections[0][0][k] for k in settings] == [protections[1][0][k] for k in settings]


def test_plan_copies_every_rule_to_the_copy_vault(backups):
    plan = backups.one("aws:backup/plan:Plan").props
    assert [r["ruleName"] for r in plan["rules"]] == ["daily", "continuous"]
    for rule in plan["rules"]:
        assert rule["targetVaultName"] == "bk-vault"
        # Built from config so a first preview names the vault: region, account and the vault's name.
        copy_vault = backups.one("aws:backup/vault:Vault", "bk-copy-vault").props
        assert [c["destinationVaultArn"] for c in rule["copyActions"]] == [
            f"arn:aws:backup:{copy_vault['region']}:111122223333:backup-vault:{copy_vault['name']}"]
        assert rule["lifecycle"]["deleteAfter"] >= 14
    assert plan["rules"][1]["enableContinuousBackup"] is True


def test_only_aws_backup_for_this_account_may_assume_the_backup_role(backups):
    [trust] = json.loads(backups.one("aws:iam/role:Role").props["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "backup.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}


def test_selection_covers_every_given_data_store(backups):
    selection = backups.one("aws:backup/selection:Selection").props
    assert selection["resources"] == [DB, TABLE]
    assert selection["planId"] == "bk-plan-id"


def test_notifications_go_to_an_encrypted_topic(backups):
    topic = backups.one("aws:sns/topic:Topic").props
    assert topic["kmsMasterKeyId"].startswith("arn:aws:kms:")
    notes = backups.one("aws:backup/vaultNotifications:VaultNotifications").props
    assert "BACKUP_JOB_FAILED" in notes["backupVaultEvents"] and "COPY_JOB_FAILED" in notes["backupVaultEvents"]


def test_only_this_accounts_vaults_may_publish_and_only_over_tls(backups):
    topic = backups.one("aws:sns/topic:Topic").props
    policy = backups.one("aws:sns/topicPolicy:TopicPolicy", "bk-events-policy").props
    assert policy["arn"] == topic["arn"]
    publish, deny = json.loads(policy["policy"])["Statement"]
    assert publish["Effect"] == "Allow" and publish["Principal"] == {"Service": "backup.amazonaws.com"}
    # Built from the configured account and the topic's name, so it is known on a first preview.
    topic_arn = f"arn:aws:sns:eu-west-1:{ACCOUNT}:bk-events"
    assert publish["Action"] == "sns:Publish" and publish["Resource"] == topic_arn
    assert publish["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert deny == {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"},
                    "Action": "sns:Publish", "Resource": topic_arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def test_non_production_has_daily_rule_only():
    plan = run_under_mocks(lambda: Backups("bk", backup_args(production=False))).one("aws:backup/plan:Plan")
    assert [r["ruleName"] for r in plan.props["rules"]] == ["daily"]
    assert plan.props["rules"][0]["lifecycle"]["deleteAfter"] == 14


@pytest.mark.parametrize(("overrides", "field"), [
    ({"copy_region": "eu-west-1"}, "copy_region"),
    ({"retention_days": 10}, "retention_days"),
    ({"retention_days": 5, "production": False}, "retention_days"),
    ({"lock_grace_days": 0}, "lock_grace_days"),
    ({"resource_arns": []}, "resource_arns"),
    ({"schedule": "daily"}, "schedule"),
])
def test_insecure_or_broken_input_is_refused_naming_the_field(overrides, field):
    with pytest.raises(InvalidInput) as err:
        backup_args(**overrides)
    assert err.value.field == field
