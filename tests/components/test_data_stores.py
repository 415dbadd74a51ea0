"""DataStores and BankSyncRole under the mock engine: what AWS would be asked to create."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pulumi
import pytest

from components.data_stores import (
    BANK_SYNC_TABLE_ACTIONS,
    TABLE_DATA_ACTIONS,
    BankSyncRole,
    BankSyncRoleArgs,
    DataStores,
    DataStoresArgs,
)
from components.validation import InvalidInput
from tests.conftest import ACCOUNT, REGION, Registered, run_under_mocks

SESSION_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-1111-1111-1111-111111111111"
OAUTH_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/22222222-2222-2222-2222-222222222222"
BANK_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/33333333-3333-3333-3333-333333333333"
AGGREGATORS = ["52.10.0.0/16", "34.200.16.0/24", "2600:1f18:4000::/40"]
ROTATION_LAMBDA = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:rotate-bank-token"
ROTATION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/rotate-bank-token"

TABLE = "aws:dynamodb/table:Table"
TABLE_POLICY = "aws:dynamodb/resourcePolicy:ResourcePolicy"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"


def _args(role: Any, **overrides: Any) -> DataStoresArgs:
    values: dict[str, Any] = dict(account_id=ACCOUNT, region=REGION, vpc_id="vpc-1234", session_key_arn=SESSION_KEY,
                                  oauth_key_arn=OAUTH_KEY, bank_key_arn=BANK_KEY, bank_sync_role=role,
                                  aggregator_cidrs=list(AGGREGATORS))
    values.update(overrides)
    return DataStoresArgs(**values)


def _deploy(**overrides: Any) -> tuple[Registered, dict[str, Any]]:
    captured: dict[str, Any] = {}

    def program() -> None:
        role = BankSyncRole("bank-sync", BankSyncRoleArgs(account_id=ACCOUNT, region=REGION))
        stores = DataStores("data", _args(role, **overrides))
        pulumi.Output.all(*stores.backup_resource_arns).apply(lambda arns: captured.setdefault("backup", arns))
        role.arn.apply(lambda arn: captured.setdefault("role_arn", arn))
        stores.bank_sync_security_group_id.apply(lambda sg: captured.setdefault("sg", sg))

    return run_under_mocks(program), captured


@pytest.fixture(scope="module")
def deployed() -> tuple[Registered, dict[str, Any]]:
    return _deploy()


@pytest.fixture(scope="module")
def with_endpoints() -> tuple[Registered, dict[str, Any]]:
    return _deploy(dynamodb_endpoint_id="vpce-0dynamo", dynamodb_prefix_list_id="pl-0dynamo",
                   endpoints_security_group_id="sg-0endpoints")


def _policy(resource) -> dict:
    return json.loads(resource.props["policy"])


def _statement(policy: dict, sid: str) -> dict:
    found = [s for s in policy["Statement"] if s.get("Sid") == sid]
    assert len(found) == 1, f"no single statement {sid} in {policy}"
    return found[0]


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


# --- tables -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("store", "key"), [("sessions", SESSION_KEY), ("oauth-tokens", OAUTH_KEY),
                                            ("transactions", BANK_KEY)])
def test_every_table_is_encrypted_with_its_own_key_recoverable_and_protected(deployed, store, key):
    table = deployed[0].one(TABLE, f"data-{store}").props
    assert table["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": key}
    assert table["pointInTimeRecovery"]["enabled"] is True
    assert table["deletionProtectionEnabled"] is True
    assert table["billingMode"] == "PAY_PER_REQUEST"


@pytest.mark.parametrize("store", ["sessions", "oauth-tokens"])
def test_sessions_and_oauth_tokens_expire_by_ttl(deployed, store):
    assert deployed[0].one(TABLE, f"data-{store}").props["ttl"] == {"enabled": True, "attributeName": "expires_at"}


def test_ttl_attribute_is_configurable():
    registered, _ = _deploy(session_ttl_attribute="session_expiry", oauth_ttl_attribute="token_expiry")
    assert registered.one(TABLE, "data-sessions").props["ttl"]["attributeName"] == "session_expiry"
    assert registered.one(TABLE, "data-oauth-tokens").props["ttl"]["attributeName"] == "token_expiry"


def test_oauth_items_are_keyed_by_user_and_provider_so_revocation_is_one_delete(deployed):
    table = deployed[0].one(TABLE, "data-oauth-tokens").props
    assert (table["hashKey"], table["rangeKey"]) == ("user_id", "provider")


def test_every_table_is_offered_to_backups(deployed):
    registered, captured = deployed
    table_arns = {f"arn:aws:dynamodb:{REGION}:123456789012:table/security-baseline-{r.name.removeprefix('data-')}"
                  for r in registered.of_type(TABLE)}
    assert len(table_arns) == 3
    assert set(captured["backup"]) == table_arns


# --- transaction store wall ---------------------------------------------------------------------------------

def test_transaction_table_denies_item_access_to_everyone_but_bank_sync(deployed):
    registered, captured = deployed
    policy = registered.one(TABLE_POLICY, "data-transactions-policy")
    assert policy.props["resourceArn"].endswith("table/security-baseline-transactions")
    deny = _statement(_policy(policy), "DenyItemAccessExceptBankSync")
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == {"AWS": "*"}
    assert set(deny["Action"]) == set(TABLE_DATA_ACTIONS)
    assert {"dynamodb:GetItem", "dynamodb:Scan", "dynamodb:ExportTableToPointInTime"} <= set(deny["Action"])
    assert deny["Condition"] == {"StringNotEquals": {"aws:PrincipalArn": captured["role_arn"]}}


def test_without_endpoint_id_only_the_transaction_table_has_a_resource_policy(deployed):
    registered, _ = deployed
    assert registered.names(TABLE_POLICY) == {"data-transactions-policy"}
    sids = {s["Sid"] for s in _policy(registered.one(TABLE_POLICY))["Statement"]}
    assert sids == {"DenyItemAccessExceptBankSync"}


def test_with_endpoint_id_every_table_refuses_requests_from_outside_the_vpc_endpoint(with_endpoints):
    registered, _ = with_endpoints
    assert registered.names(TABLE_POLICY) == {f"data-{s}-policy" for s in ("sessions", "oauth-tokens", "transactions")}
    for resource in registered.of_type(TABLE_POLICY):
        deny = _statement(_policy(resource), "DenyItemAccessOutsideVpcEndpoint")
        assert deny["Effect"] == "Deny"
        assert set(deny["Action"]) == set(TABLE_DATA_ACTIONS)
        assert deny["Condition"] == {"StringNotEquals": {"aws:SourceVpce": "vpce-0dynamo"}}


# --- bank token secret --------------------------------------------------------------------------------------

def test_bank_token_secret_is_under_the_bank_key_with_a_30_day_recovery_window(deployed):
    secret = deployed[0].one(SECRET).props
    assert secret["kmsKeyId"] == BANK_KEY
    assert secret["recoveryWindowInDays"] == 30
    assert secret["name"] == "security-baseline/bank/aggregator-token"


def test_pulumi_never_holds_the_bank_token_value(deployed):
    registered, _ = deployed
    assert not registered.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    secret = registered.one(SECRET).props
    assert not {"secretString", "secretBinary", "secretStringWo"} & set(secret)


def test_only_bank_sync_may_read_the_bank_token(deployed):
    registered, captured = deployed
    policy = registered.one(SECRET_POLICY)
    assert policy.props["blockPublicPolicy"] is True
    deny = _statement(_policy(policy), "DenyReadingExceptBankSync")
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == {"AWS": "*"}
    assert deny["Action"] == "secretsmanager:GetSecretValue"
    assert deny["Condition"] == {"StringNotEquals": {"aws:PrincipalArn": [captured["role_arn"]]}}


def test_rotation_is_left_to_the_aggregator_by_default_and_says_so(deployed):
    registered, _ = deployed
    assert not registered.of_type("aws:secretsmanager/secretRotation:SecretRotation")
    assert registered.one(SECRET).props["tags"]["rotation"] == "aggregator-managed"


def test_rotation_lambda_when_given_rotates_and_may_read_the_token():
    registered, captured = _deploy(rotation_lambda_arn=ROTATION_LAMBDA, rotation_lambda_role_arn=ROTATION_ROLE,
                                   rotation_days=14)
    rotation = registered.one("aws:secretsmanager/secretRotation:SecretRotation").props
    assert rotation["rotationLambdaArn"] == ROTATION_LAMBDA
    assert rotation["rotationRules"]["automaticallyAfterDays"] == 14
    assert registered.one(SECRET).props["tags"]["rotation"] == "secrets-manager-lambda"
    deny = _statement(_policy(registered.one(SECRET_POLICY)), "DenyReadingExceptBankSync")
    assert deny["Condition"]["StringNotEquals"]["aws:PrincipalArn"] == sorted([captured["role_arn"], ROTATION_ROLE])


# --- bank-sync role -----------------------------------------------------------------------------------------

def test_bank_sync_role_is_assumable_only_by_this_accounts_tasks(deployed):
    trust = json.loads(deployed[0].one(ROLE, "bank-sync-role").props["assumeRolePolicy"])
    [statement] = trust["Statement"]
    assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_bank_sync_service_principal_is_configurable():
    registered = run_under_mocks(lambda: BankSyncRole("job", BankSyncRoleArgs(
        account_id=ACCOUNT, region=REGION, service_principal="lambda.amazonaws.com")))
    trust = json.loads(registered.one(ROLE).props["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_bank_sync_policy_has_no_wildcards(deployed):
    policy = _policy(deployed[0].one(ROLE_POLICY, "data-bank-sync-policy"))
    assert policy["Statement"]
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            assert "*" not in action, statement
        for resource in _as_list(statement["Resource"]):
            assert "*" not in resource, statement
        assert "NotAction" not in statement and "NotResource" not in statement


def test_bank_sync_may_read_its_secret_and_never_write_it(deployed):
    registered, _ = deployed
    policy = _policy(registered.one(ROLE_POLICY, "data-bank-sync-policy"))
    secret_arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:security-baseline/bank/aggregator-token-??????"
    secret_actions = {a for s in policy["Statement"] for a in _as_list(s["Action"]) if a.startswith("secretsmanager:")}
    assert secret_actions == {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
    read = _statement(policy, "ReadBankToken")
    assert read["Resource"] == secret_arn


def test_bank_sync_identity_policy_grants_no_key_use(deployed):
    """The bank-data key's policy names the role; no statement needs the key's random ARN."""
    policy = _policy(deployed[0].one(ROLE_POLICY, "data-bank-sync-policy"))
    assert not [a for s in policy["Statement"] for a in _as_list(s["Action"]) if a.startswith("kms:")]


def test_bank_sync_reads_and_writes_only_the_transaction_table(deployed):
    policy = _policy(deployed[0].one(ROLE_POLICY, "data-bank-sync-policy"))
    table = _statement(policy, "ReadWriteTransactions")
    assert table["Resource"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/security-baseline-transactions"
    assert sorted(table["Action"]) == sorted(BANK_SYNC_TABLE_ACTIONS)
    dynamodb_actions = {a for s in policy["Statement"] for a in _as_list(s["Action"]) if a.startswith("dynamodb:")}
    assert dynamodb_actions == set(BANK_SYNC_TABLE_ACTIONS)
    assert not {"dynamodb:DeleteTable", "dynamodb:DeleteItem", "dynamodb:Scan"} & dynamodb_actions
    assert {s["Sid"] for s in policy["Statement"]} == {"ReadBankToken", "ReadWriteTransactions"}


def test_bank_sync_role_carries_nothing_but_its_one_inline_policy(deployed):
    registered, _ = deployed
    exclusive = registered.one("aws:iam/rolePoliciesExclusive:RolePoliciesExclusive").props
    assert (exclusive["roleName"], exclusive["policyNames"]) == ("security-baseline-bank-sync", ["data-bank-sync-policy"])
    attachments = registered.one("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive").props
    assert (attachments["roleName"], attachments["policyArns"]) == ("security-baseline-bank-sync", [])
    assert not registered.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")


# --- bank-sync firewall -------------------------------------------------------------------------------------

def test_bank_sync_security_group_has_no_ingress(deployed):
    registered, captured = deployed
    group = registered.one(SG, "data-bank-sync-sg").props
    assert "ingress" not in group or group["ingress"] == []
    assert not [r for r in registered.of_type(INGRESS) if r.props["securityGroupId"] == captured["sg"]]
    assert not registered.of_type("aws:ec2/securityGroupRule:SecurityGroupRule")


def test_bank_sync_egress_is_https_to_the_aggregator_allowlist_only(deployed):
    registered, captured = deployed
    group = registered.one(SG, "data-bank-sync-sg").props
    assert "egress" not in group or group["egress"] == []
    rules = [r.props for r in registered.of_type(EGRESS) if r.props["securityGroupId"] == captured["sg"]]
    assert sorted(r.get("cidrIpv4") or r.get("cidrIpv6") for r in rules) == sorted(AGGREGATORS)
    for rule in rules:
        assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 443, 443)
        assert not {"referencedSecurityGroupId", "prefixListId"} & set(rule)


def test_endpoint_routes_are_https_only_and_the_endpoints_admit_bank_sync(with_endpoints):
    registered, captured = with_endpoints
    rules = [r.props for r in registered.of_type(EGRESS) if r.props["securityGroupId"] == captured["sg"]]
    for rule in rules:
        assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 443, 443)
    targets = {r.get("cidrIpv4") or r.get("cidrIpv6") or r.get("referencedSecurityGroupId") or r.get("prefixListId")
               for r in rules}
    assert targets == {*AGGREGATORS, "sg-0endpoints", "pl-0dynamo"}
    ingress = registered.one(INGRESS, "data-endpoints-from-bank-sync").props
    assert ingress["securityGroupId"] == "sg-0endpoints"
    assert ingress["referencedSecurityGroupId"] == captured["sg"]
    assert (ingress["ipProtocol"], ingress["fromPort"], ingress["toPort"]) == ("tcp", 443, 443)


# --- validation ---------------------------------------------------------------------------------------------

ROLE_STANDIN = SimpleNamespace(arn="arn:aws:iam::111122223333:role/bank-sync", name="bank-sync")


@pytest.mark.parametrize(("overrides", "field"), [
    ({"account_id": "1234"}, "account_id"),
    ({"region": "Ireland"}, "region"),
    ({"session_key_arn": "alias/sessions"}, "session_key_arn"),
    ({"oauth_key_arn": OAUTH_KEY.replace(REGION, "us-east-1")}, "oauth_key_arn"),
    ({"bank_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/bank"}, "bank_key_arn"),
    ({"bank_key_arn": SESSION_KEY}, "bank_key_arn"),
    ({"bank_key_arn": OAUTH_KEY}, "bank_key_arn"),
    ({"session_ttl_attribute": ""}, "session_ttl_attribute"),
    ({"oauth_ttl_attribute": "expires at"}, "oauth_ttl_attribute"),
    ({"oauth_ttl_attribute": "provider"}, "oauth_ttl_attribute"),
    ({"bank_token_secret_name": "bank token!"}, "bank_token_secret_name"),
    ({"aggregator_cidrs": []}, "aggregator_cidrs"),
    ({"aggregator_cidrs": ["52.10.0.0/16", "52.10.0.0/16"]}, "aggregator_cidrs"),
    ({"aggregator_cidrs": [f"52.{i}.0.0/16" for i in range(51)]}, "aggregator_cidrs"),
    ({"aggregator_cidrs": ["0.0.0.0/0"]}, "aggregator_cidrs[0]"),
    ({"aggregator_cidrs": ["52.10.0.0/16", "::/0"]}, "aggregator_cidrs[1]"),
    ({"aggregator_cidrs": ["aggregator.example.com"]}, "aggregator_cidrs[0]"),
    ({"aggregator_cidrs": ["52.10.0.1/16"]}, "aggregator_cidrs[0]"),
    ({"aggregator_cidrs": ["52.0.0.0/8"]}, "aggregator_cidrs[0]"),
    ({"aggregator_cidrs": ["2600::/16"]}, "aggregator_cidrs[0]"),
    ({"aggregator_cidrs": ["10.20.0.0/16"]}, "aggregator_cidrs[0]"),
    ({"aggregator_cidrs": ["52.10.0.0/16", "fd00:1::/48"]}, "aggregator_cidrs[1]"),
    ({"rotation_lambda_arn": ROTATION_LAMBDA}, "rotation_lambda_role_arn"),
    ({"rotation_lambda_role_arn": ROTATION_ROLE}, "rotation_lambda_role_arn"),
    ({"rotation_lambda_arn": "rotate-bank-token", "rotation_lambda_role_arn": ROTATION_ROLE}, "rotation_lambda_arn"),
    ({"rotation_lambda_arn": ROTATION_LAMBDA, "rotation_lambda_role_arn": "rotate"}, "rotation_lambda_role_arn"),
    ({"rotation_days": 0}, "rotation_days"),
    ({"rotation_days": 400}, "rotation_days"),
])
def test_invalid_inputs_are_refused_naming_the_field(overrides, field):
    with pytest.raises(InvalidInput) as caught:
        _args(ROLE_STANDIN, **overrides)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


@pytest.mark.parametrize(("overrides", "field"), [
    ({"account_id": "bank"}, "account_id"),
    ({"region": "eu_west_1"}, "region"),
    ({"service_principal": "ecs-tasks"}, "service_principal"),
    ({"service_principal": "arn:aws:iam::111122223333:root"}, "service_principal"),
])
def test_bank_sync_role_inputs_are_validated(overrides, field):
    values = {"account_id": ACCOUNT, "region": REGION, **overrides}
    with pytest.raises(InvalidInput) as caught:
        BankSyncRoleArgs(**values)
    assert caught.value.field == field


def test_keys_known_only_at_deploy_time_are_left_to_aws():
    def program() -> None:
        key = pulumi.Output.from_input(SESSION_KEY)
        args = _args(ROLE_STANDIN, session_key_arn=key, oauth_key_arn=key, bank_key_arn=key)
        assert args.bank_key_arn is key

    run_under_mocks(program)


def test_a_multi_region_key_arn_is_accepted():
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab"
    assert _args(ROLE_STANDIN, bank_key_arn=key).bank_key_arn == key


@pytest.mark.parametrize("anywhere", ["0.0.0.0/0", "::/0"])
def test_the_whole_internet_is_refused_for_what_it_is(anywhere):
    with pytest.raises(InvalidInput) as caught:
        _args(ROLE_STANDIN, aggregator_cidrs=[anywhere])
    assert "whole internet" in caught.value.problem
