"""Who can read the bank data (stack-bank-data-require-walled-off-readers): adversarial cases built
from the prod program. Each ``fail`` case must fail the control with the intruding principal in its
evidence; each ``pass`` case is a sound alternative or a weakening that the remaining walls absorb."""

from __future__ import annotations

import json
from typing import Any

import pytest

from posture.evaluate import evaluate
from posture.findings import Verdict
from tests.policies.helpers import add, chain, edit_policy, find, identity, paths, run

CONTROL = "stack-bank-data-require-walled-off-readers"
ACCOUNT, FOREIGN = "111122223333", "444455556666"
BANK_SYNC = f"arn:aws:iam::{ACCOUNT}:role/security-baseline-bank-sync"
FOREIGN_ROLE = f"arn:aws:iam::{FOREIGN}:role/reader"
SECRET_ARN = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:security-baseline/bank/aggregator-token-AbCdEf"
TABLE_ARN = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/security-baseline-transactions"
OTHER_ROLE = "network-flow-logs-role"


def _statements(edit):
    def apply(document: dict[str, Any]) -> None:
        edit(document["Statement"])
    return apply


def _role_policy(name: str, statement: dict[str, Any], role: str = OTHER_ROLE):
    return add("aws:iam/rolePolicy:RolePolicy", name, {
        "role": role, "policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})})


def _attach(policy_arn: str, role: str = "bank-sync-role"):
    def apply(resources):
        role_name = find(resources, role).props["name"]
        return add("aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"attach-{policy_arn.rsplit('/', 1)[-1]}",
                   {"role": role_name, "policyArn": policy_arn})(resources)
    return apply


def _key_statement(statement: dict[str, Any], key: str = "bank-data-key"):
    return edit_policy(key, _statements(lambda s: s.append(statement)))


def _bucket(policy: str, *statements: dict[str, Any]):
    return edit_policy(policy, _statements(lambda s: s.extend(statements)))


def _vault(statement: dict[str, Any], vault: str = "backups-vault-policy"):
    return edit_policy(vault, _statements(lambda s: s.append(statement)))


def _table_policy(policy: str, statement: dict[str, Any]):
    return edit_policy(policy, _statements(lambda s: s.append(statement)))


def _secret(edit):
    return edit_policy("data-bank-token-policy", _statements(edit))


def _table(edit):
    return edit_policy("data-transactions-policy", _statements(edit))


def _exempt_from_secret_deny(resources):
    other = find(resources, OTHER_ROLE).props["arn"]
    return _secret(lambda s: s[0]["Condition"]["StringNotEquals"].update({"aws:PrincipalArn": [BANK_SYNC, other]}))(
        resources)


def _set(index: int, **fields):
    return lambda statements: statements[index].update(fields)


def _clear(statements):
    statements.clear()


_ALLOW_SECRET_TO_FOREIGN = {"Effect": "Allow", "Principal": {"AWS": FOREIGN_ROLE}, "Action": "secretsmanager:GetSecretValue",
                            "Resource": "*"}
_READ_ANY_SECRET = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                    "Resource": "arn:*:secretsmanager:*:*:secret:*"}
_READ_TABLE = {"Effect": "Allow", "Action": ["dynamodb:Scan"], "Resource": TABLE_ARN}

CASES: list[tuple[str, str, Any]] = [
    ("pass", "baseline", identity),
    # the cases
    ("fail", "foreign_role_exempted_allowed_and_decrypting", chain(
        _secret(lambda s: (s[0]["Condition"]["StringNotEquals"].update({"aws:PrincipalArn": [BANK_SYNC, FOREIGN_ROLE]}),
                           s.append(_ALLOW_SECRET_TO_FOREIGN))),
        _key_statement({"Effect": "Allow", "Principal": {"AWS": FOREIGN_ROLE}, "Action": "kms:Decrypt", "Resource": "*"}))),
    ("fail", "standalone_grant_to_foreign_account", lambda r: add("aws:kms/grant:Grant", "foreign-grant", {
        "keyId": find(r, "bank-data-key").props["keyId"], "granteePrincipal": f"arn:aws:iam::{FOREIGN}:root",
        "operations": ["Decrypt"]})(r)),
    ("fail", "secretsmanager_readwrite_on_bank_sync", _attach("arn:aws:iam::aws:policy/SecretsManagerReadWrite")),
    ("fail", "job_function_database_administrator_on_bank_sync",
     _attach("arn:aws:iam::aws:policy/job-function/DatabaseAdministrator")),
    ("fail", "kms_power_user_on_bank_sync", _attach("arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser")),
    ("fail", "administrator_access_through_managed_policy_arns",
     paths("bank-sync-role", {"managedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]})),
    ("fail", "every_secret_statement_and_no_secret_deny", chain(
        _role_policy("reads-every-secret", _READ_ANY_SECRET), _secret(_clear))),
    ("pass", "every_secret_statement_stopped_by_the_secret_deny", _role_policy("reads-every-secret", _READ_ANY_SECRET)),
    ("fail", "bank_key_use_open_to_the_account",
     edit_policy("bank-data-key", _statements(_set(1, Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})))),
    ("fail", "global_table_replica_without_its_own_key",
     paths("data-transactions", {"replicas": [{"regionName": "eu-central-1"}]})),
    ("pass", "global_table_replica_with_its_own_key", paths("data-transactions", {"replicas": [
        {"regionName": "eu-central-1", "kmsKeyArn": "arn:aws:kms:eu-central-1:111122223333:key/replica"}]})),
    # secret policy
    ("fail", "secret_deny_exempts_every_role_of_the_account", chain(
        _secret(lambda s: s[0]["Condition"].update({"StringNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"}},
                                                   StringNotEquals={})),
        _role_policy("reads-secret", {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))),
    ("pass", "secret_deny_action_in_lower_case", _secret(_set(0, Action="secretsmanager:getsecretvalue"))),
    ("pass", "secret_deny_as_not_action", chain(
        _secret(lambda s: (s[0].pop("Action"), s[0].update(NotAction=["secretsmanager:DescribeSecret"]))),
        _role_policy("reads-secret", {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}))),
    ("fail", "secret_deny_names_a_list_not_everyone", chain(
        _secret(_set(0, Principal={"AWS": FOREIGN_ROLE})),
        _role_policy("reads-secret", {"Effect": "Allow", "Action": "secretsmanager:Get*", "Resource": "*"}))),
    ("pass", "secret_open_allow_absorbed_by_deny", _secret(lambda s: s.append(
        {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}}))),
    ("fail", "secret_deny_removed_and_foreign_account_allowed", _secret(lambda s: (s.clear(), s.append(
        {"Effect": "Allow", "Principal": {"AWS": FOREIGN}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"})))),
    ("pass", "secret_deny_keyed_with_arn_not_equals", _secret(lambda s: s[0].update(
        Condition={"ArnNotEquals": {"aws:PrincipalArn": BANK_SYNC}}))),
    ("fail", "secret_deny_scoped_to_another_resource", chain(
        _secret(_set(0, Resource="arn:aws:secretsmanager:eu-west-1:111122223333:secret:other-??????")),
        _role_policy("reads-secret", {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))),
    ("fail", "secret_deny_not_resource_excludes_the_secret", chain(
        _secret(lambda s: (s[0].pop("Resource"), s[0].update(NotResource=SECRET_ARN))),
        _role_policy("reads-secret", {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))),
    ("fail", "secret_deny_with_avoidable_network_condition", chain(
        _secret(_set(0, Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}})),
        _role_policy("reads-secret", {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))),
    # key policy
    ("fail", "key_admits_foreign_root", _key_statement(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"}, "Action": "kms:Decrypt", "Resource": "*"})),
    ("fail", "key_not_principal_allows_everyone_else", _key_statement(
        {"Effect": "Allow", "NotPrincipal": {"AWS": BANK_SYNC}, "Action": "kms:Decrypt", "Resource": "*"})),
    ("fail", "key_everyone_pinned_only_to_our_account", _key_statement(
        {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT}}})),
    ("pass", "key_everyone_pinned_to_bank_sync", _key_statement(
        {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalArn": BANK_SYNC}}})),
    ("pass", "key_account_use_with_deny_for_all_but_bank_sync", chain(
        edit_policy("bank-data-key", _statements(_set(1, Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))),
        _key_statement({"Effect": "Deny", "Principal": "*", "Action": ["kms:Decrypt", "kms:ReEncrypt*", "kms:CreateGrant"],
                        "Resource": "*",
                        "Condition": {"StringNotEquals": {"aws:PrincipalArn": BANK_SYNC}}}))),
    ("fail", "key_lower_case_wildcard_action_to_another_role", lambda r: _key_statement(
        {"Effect": "Allow", "Principal": {"AWS": find(r, OTHER_ROLE).props["arn"]}, "Action": "kms:decrypt*",
         "Resource": "*"})(r)),
    ("fail", "key_all_actions_to_another_role", lambda r: _key_statement(
        {"Effect": "Allow", "Principal": {"AWS": find(r, OTHER_ROLE).props["arn"]}, "Action": "kms:*",
         "Resource": "*"})(r)),
    ("pass", "grant_to_bank_sync", lambda r: add("aws:kms/grant:Grant", "own-grant", {
        "keyId": find(r, "bank-data-key").props["keyId"], "granteePrincipal": BANK_SYNC, "operations": ["Decrypt"]})(r)),
    ("pass", "grant_of_encrypt_only", lambda r: add("aws:kms/grant:Grant", "encrypt-grant", {
        "keyId": find(r, "bank-data-key").props["keyId"], "granteePrincipal": FOREIGN_ROLE,
        "operations": ["Encrypt"]})(r)),
    # table policy
    ("fail", "table_deny_removed_and_another_role_scans", chain(
        _table(lambda s: s.pop(0)), _role_policy("scans", _READ_TABLE))),
    ("pass", "table_deny_absorbs_another_roles_full_access",
     _role_policy("all-dynamodb", {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"})),
    ("fail", "table_deny_exempts_every_role_anywhere", chain(
        _table(_set(0, Condition={"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}})),
        _role_policy("scans", _READ_TABLE))),
    ("pass", "table_foreign_allow_absorbed_by_deny", _table(lambda s: s.append(
        {"Effect": "Allow", "Principal": {"AWS": FOREIGN}, "Action": "dynamodb:GetItem", "Resource": TABLE_ARN}))),
    ("fail", "table_deny_on_another_table", chain(
        _table(_set(0, Resource=TABLE_ARN.replace("transactions", "other"))),
        _role_policy("scans", {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}))),
    ("fail", "table_deny_not_action_spares_scan", chain(
        _table(lambda s: (s[0].pop("Action"), s[0].update(NotAction="dynamodb:Scan"))),
        _role_policy("scans", _READ_TABLE))),
    ("pass", "admin_managed_policy_on_another_role", _attach("arn:aws:iam::aws:policy/AdministratorAccess", OTHER_ROLE)),
    # AWS managed policies, judged by their documents (the secret's deny exempts another role)
    ("pass", "s3_read_only_managed_policy_cannot_read_the_exempted_secret", chain(
        _exempt_from_secret_deny, _attach("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", OTHER_ROLE))),
    ("fail", "secretsmanager_readwrite_managed_policy_reads_the_exempted_secret", chain(
        _exempt_from_secret_deny, _attach("arn:aws:iam::aws:policy/SecretsManagerReadWrite", OTHER_ROLE))),
    ("fail", "managed_policy_outside_the_snapshot_is_taken_to_allow_everything", chain(
        _exempt_from_secret_deny, _attach("arn:aws:iam::aws:policy/NotYetPublishedPolicy", OTHER_ROLE))),
    ("fail", "managed_policy_in_another_partition", chain(
        _exempt_from_secret_deny, _attach("arn:aws-us-gov:iam::aws:policy/SecretsManagerReadWrite", OTHER_ROLE))),
    ("fail", "bank_secret_without_its_deny_is_open_to_the_account", _secret(_clear)),
    # the wall both ways: bank sync reaches no other data store
    ("fail", "bank_sync_policy_reaches_every_table",
     edit_policy("data-bank-sync-policy", _statements(_set(1, Resource="*")))),
    ("fail", "bank_sync_restores_from_the_vault", _role_policy("bank-sync-restores", {
        "Effect": "Allow", "Action": "backup:StartRestoreJob", "Resource": "*"}, role="security-baseline-bank-sync")),
    ("pass", "bank_sync_reads_the_log_buckets", _role_policy("bank-sync-reads-logs", {
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/*"}, role="security-baseline-bank-sync")),
    # log buckets (load-balancer access logs, CloudTrail)
    ("fail", "foreign_account_reads_the_load_balancer_access_logs", _bucket("web-access-logs-policy", {
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"}, "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::web-access-logs-{ACCOUNT}-eu-west-1/*"})),
    ("pass", "anyone_through_our_vpc_endpoint_reads_the_access_logs", _bucket("intranet-access-logs-policy", {
        "Effect": "Allow", "Principal": "*", "Action": "s3:Get*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}})),
    ("fail", "anyone_but_through_our_vpc_endpoint_reads_the_access_logs", _bucket("intranet-access-logs-policy", {
        "Effect": "Allow", "Principal": "*", "Action": "s3:Get*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}})),
    ("pass", "anyone_of_our_account_reads_the_access_logs", _bucket("intranet-access-logs-policy", {
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}})),
    ("pass", "a_role_of_our_account_reads_the_access_logs", lambda r: _bucket("intranet-access-logs-policy", {
        "Effect": "Allow", "Principal": {"AWS": find(r, OTHER_ROLE).props["arn"]}, "Action": "s3:GetObject",
        "Resource": "*"})(r)),
    ("fail", "foreign_role_reads_the_trail_through_partition_and_name_wildcards", _bucket("monitoring-audit-trail-policy", {
        "Effect": "Allow", "Principal": {"AWS": FOREIGN_ROLE}, "Action": "S3:GETOBJECT*",
        "Resource": "arn:*:s3:::monitoring-audit-trail-*/AWSLogs/*"})),
    ("pass", "foreign_role_gets_the_trail_bucket_acl_only", _bucket("monitoring-audit-trail-policy", {
        "Effect": "Allow", "Principal": {"AWS": FOREIGN_ROLE}, "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::monitoring-audit-trail-{ACCOUNT}-eu-west-1"})),
    ("fail", "not_principal_allow_on_the_config_history", _bucket("monitoring-config-history-policy", {
        "Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "s3:GetObjectVersion",
        "Resource": "*"})),
    ("pass", "foreign_read_denied_by_a_principal_account_deny", _bucket("web-access-logs-policy", {
        "Effect": "Allow", "Principal": {"AWS": FOREIGN_ROLE}, "Action": "s3:GetObject", "Resource": "*"}, {
        "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}})),
    # the database's key (storage and the RDS-managed master secret)
    ("fail", "database_key_admits_a_foreign_account", _key_statement({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"}, "Action": "kms:Decrypt",
        "Resource": "*"}, key="database-key")),
    ("fail", "database_key_use_open_to_everyone_through_rds", edit_policy("database-key", _statements(
        _set(1, Principal="*", Condition={"StringEquals": {"kms:ViaService": "rds.eu-west-1.amazonaws.com"}})))),
    ("pass", "database_key_use_open_to_everyone_of_our_account", edit_policy("database-key", _statements(
        _set(1, Principal="*")))),
    # backups
    ("fail", "foreign_account_restores_from_the_vault", _vault({
        "Effect": "Allow", "Principal": {"AWS": FOREIGN}, "Action": "backup:*", "Resource": "*"})),
    ("pass", "foreign_account_may_copy_into_the_copy_vault", _vault({
        "Effect": "Allow", "Principal": {"AWS": FOREIGN}, "Action": "backup:CopyIntoBackupVault", "Resource": "*"},
        vault="backups-copy-vault-policy")),
    ("fail", "grant_on_the_backups_key_to_a_foreign_account", lambda r: add("aws:kms/grant:Grant", "copy-grant", {
        "keyId": find(r, "backups-key").props["keyId"], "granteePrincipal": FOREIGN_ROLE,
        "operations": ["Decrypt", "DescribeKey"]})(r)),
    ("pass", "grant_on_the_backups_key_to_our_backup_role", lambda r: add("aws:kms/grant:Grant", "own-backup-grant", {
        "keyId": find(r, "backups-key").props["keyId"], "granteePrincipal": find(r, "backups-role").props["arn"],
        "operations": ["Decrypt"]})(r)),
    # session and OAuth tables
    ("fail", "foreign_role_queries_the_sessions", _table_policy("data-sessions-policy", {
        "Effect": "Allow", "Principal": {"AWS": FOREIGN_ROLE}, "Action": "dynamodb:Query", "Resource": "*"})),
    ("pass", "foreign_role_describes_the_oauth_tokens_table", _table_policy("data-oauth-tokens-policy", {
        "Effect": "Allow", "Principal": {"AWS": FOREIGN_ROLE}, "Action": "dynamodb:DescribeTable", "Resource": "*"})),
]


@pytest.mark.parametrize(("kind", "name", "change"), CASES, ids=[f"{k}_{n}" for k, n, _ in CASES])
def test_who_can_read_the_bank_data(prod_stack, kind, name, change):
    findings = [f for f in run(change(list(prod_stack))) if f.control_id == CONTROL]
    verdicts = {f.verdict for f in findings}
    if kind == "pass":
        assert verdicts == {Verdict.PASS}, [f.message for f in findings]
    else:
        assert Verdict.FAIL in verdicts, [f.message for f in findings]
        assert all(f.evidence and f.evidence[0].startswith("principal ") for f in findings if f.verdict is Verdict.FAIL)


def test_a_failure_names_the_principal_and_the_granting_statement(prod_stack):
    change = _key_statement({"Sid": "LetThemIn", "Effect": "Allow", "Principal": {"AWS": FOREIGN_ROLE},
                             "Action": "kms:Decrypt", "Resource": "*"})
    [finding] = [f for f in run(change(list(prod_stack))) if f.control_id == CONTROL and f.verdict is Verdict.FAIL]
    assert finding.evidence == (f"principal {FOREIGN_ROLE}", "action kms:Decrypt on bank-data-key",
                                "granted by bank-data-key policy.Statement[2] (Sid LetThemIn)")


TRUSTING_FOREIGN = {CONTROL: {"trustedAccounts": [FOREIGN]}}
"""The pack config that names the foreign account as trusted (a log-archive account, say)."""
TRUSTED_CASES = {
    "foreign_account_reads_the_load_balancer_access_logs": Verdict.PASS,
    "standalone_grant_to_foreign_account": Verdict.FAIL,
    "key_admits_foreign_root": Verdict.FAIL,
    "secret_deny_removed_and_foreign_account_allowed": Verdict.FAIL,
    # the vault's recovery points include the transaction table, and the backups key opens them
    "foreign_account_restores_from_the_vault": Verdict.FAIL,
    "grant_on_the_backups_key_to_a_foreign_account": Verdict.FAIL,
}
"""A trusted account may read the log buckets; every other asset admits the home account only, and
the bank data the bank-sync role only."""


@pytest.mark.parametrize(("name", "verdict"), TRUSTED_CASES.items())
def test_trusted_accounts_read_the_log_buckets_only(prod_stack, name, verdict):
    [change] = [c for k, n, c in CASES if n == name]
    resources = change(list(prod_stack))
    assert Verdict.FAIL in {f.verdict for f in run(resources) if f.control_id == CONTROL}, "fails without the setting"
    findings = [f for f in evaluate(resources, properties=TRUSTING_FOREIGN) if f.control_id == CONTROL]
    worst = Verdict.FAIL if Verdict.FAIL in {f.verdict for f in findings} else Verdict.PASS
    assert worst is verdict, [f.message for f in findings if f.verdict is Verdict.FAIL]
    if verdict is Verdict.PASS:
        assert any(f"principals of the accounts {ACCOUNT}, {FOREIGN}" in f.message for f in findings)


def test_trusting_the_stand_in_account_does_not_admit_anyone(prod_stack):
    """``Principal "*"`` is judged as a stand-in principal of account 999999999999; listing that
    account as trusted must not turn "anyone" into a trusted reader."""
    [change] = [c for k, n, c in CASES if n == "anyone_but_through_our_vpc_endpoint_reads_the_access_logs"]
    standin_account = {CONTROL: {"trustedAccounts": ["999999999999"]}}
    findings = [f for f in evaluate(change(list(prod_stack)), properties=standin_account) if f.control_id == CONTROL]
    assert Verdict.FAIL in {f.verdict for f in findings}


def test_read_actions_are_checked_against_the_iam_database():
    from posture.iam.access import access_level, read_actions

    assert access_level("secretsmanager:getsecretvalue") == "Read"
    assert access_level("secretsmanager:GetSecretValu") is None
    with pytest.raises(ValueError, match="GetSecretValu"):
        read_actions("secretsmanager:GetSecretValu")
    with pytest.raises(ValueError, match="PutSecretValue"):
        read_actions("secretsmanager:PutSecretValue")


def test_every_asset_but_the_tables_decides_on_the_first_preview(prod_first_preview):
    """Each asset is judged on its own: the tables' policies name the VPC endpoint id (AWS-computed,
    unknown until deploy), which must not keep the keys, secret, buckets and vaults undecided."""
    by_resource = {f.resource_urn.rsplit("::", 1)[-1]: f.verdict for f in run(prod_first_preview)
                   if f.control_id == CONTROL}
    tables = {"data-sessions", "data-oauth-tokens", "data-transactions"}
    assert {name for name, verdict in by_resource.items() if verdict is Verdict.UNKNOWN} == tables
    assert {"bank-data-key", "data-bank-token", "database-key", "web-access-logs-bucket", "backups-vault"} <= {
        name for name, verdict in by_resource.items() if verdict is Verdict.PASS}
    assert set(by_resource.values()) == {Verdict.PASS, Verdict.UNKNOWN}
