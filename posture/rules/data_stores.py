"""DynamoDB stores (sessions, OAuth tokens, transactions) and Secrets Manager secrets
(APP-1, SOC-1, BANK-1, BANK-3).

Secret values: none goes through Pulumi. A ``secret_string`` or ``secret_binary`` on a
SecretVersion is kept in state (encrypted or not) and, under CrossGuard, arrives in clear, so
no policy can tell a ``secure:`` config value from a literal. The owning service or the
application writes secret values; ``secret_string_wo`` (write-only, never stored in state) is the
one accepted way for a program to set one.

Rotation: a secret either has a SecretRotation or says who rotates it instead, with the tag
``rotation=<party>-managed`` (components.data_stores tags the aggregator token
``rotation=aggregator-managed``: the aggregator issues and rotates its own tokens) or a free-text
``rotation-exempt-reason``. An exemption is visible in every report, never silent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from posture.resources import ResourceView
from posture.rules.base import (
    RuleResult,
    as_bool,
    as_int,
    as_list,
    each,
    failed,
    fnmatch_any,
    graph,
    is_aws_managed_key,
    not_applicable,
    passed,
    policy_document,
    props,
    tags,
)
from posture.rules.tokens import DYNAMODB_RESOURCE_POLICY, DYNAMODB_TABLE, SECRET, SECRET_POLICY, SECRET_ROTATION

EXPIRING_TAG = ("data-lifecycle", "expiring")
EXPIRING_NAME = re.compile(r"session|token", re.IGNORECASE)
ROTATION_TAG = "rotation"
EXTERNAL_ROTATION = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*-managed$")
ROTATION_EXEMPT_TAG = "rotation-exempt-reason"
MIN_EXEMPTION_REASON = 20
MAX_ROTATION_DAYS = 90


def table_require_cmk_encryption(resource: ResourceView) -> RuleResult:
    sse = props(resource).get("serverSideEncryption")
    enabled = as_bool(sse.get("enabled")) if sse is not None else None
    if not enabled:
        return failed(resource, "serverSideEncryption.enabled", enabled, "the table uses the AWS-owned key, which we "
                      "can neither restrict nor audit", "set server_side_encryption={'enabled': True, "
                      "'kms_key_arn': <the store's customer-managed key>}")
    key = sse.get("kmsKeyArn")
    if not key or is_aws_managed_key(key):
        return failed(resource, "serverSideEncryption.kmsKeyArn", key, "the table uses the AWS-managed key",
                      "set server_side_encryption.kms_key_arn to the store's customer-managed key")
    return passed(resource, f"encrypted with {key}")


def table_enable_point_in_time_recovery(resource: ResourceView) -> RuleResult:
    pitr = props(resource).get("pointInTimeRecovery")
    enabled = as_bool(pitr.get("enabled")) if pitr is not None else None
    if not enabled:
        return failed(resource, "pointInTimeRecovery.enabled", enabled, "a bad write or delete cannot be undone",
                      "set point_in_time_recovery={'enabled': True}")
    return passed(resource, "point-in-time recovery on")


def _holds_expiring_data(resource: ResourceView) -> bool:
    """Tagged as expiring, or named like sessions/tokens: an untagged session table must not escape."""
    key, value = EXPIRING_TAG
    table_tags = tags(resource)
    name = f"{props(resource).get('name') or ''} {resource.name} {table_tags.get('store', '')}"
    return table_tags.get(key) == value or bool(EXPIRING_NAME.search(name))


def _holds_transactions(resource: ResourceView) -> bool:
    """Tagged as the transaction store (components.data_stores tags ``store=transactions``) or named so."""
    table_tags = tags(resource)
    name = f"{props(resource).get('name') or ''} {resource.name}"
    return "transactions" in (table_tags.get("store"), table_tags.get("data-class")) or "transaction" in name.lower()


def table_enable_ttl_for_expiring_data(resource: ResourceView) -> RuleResult:
    if not _holds_expiring_data(resource):
        return not_applicable(resource, f"not tagged {EXPIRING_TAG[0]}={EXPIRING_TAG[1]} and not a session/token "
                                        "table")
    ttl = props(resource).get("ttl")
    enabled = as_bool(ttl.get("enabled")) if ttl is not None else None
    if not enabled or not ttl.get("attributeName"):
        return failed(resource, "ttl", ttl, "expired sessions or tokens stay in the table forever",
                      "set ttl={'enabled': True, 'attribute_name': 'expiresAt'}")
    return passed(resource, f"items expire on {ttl.get('attributeName')}")


def table_enable_deletion_protection(resource: ResourceView) -> RuleResult:
    value = as_bool(props(resource).get("deletionProtectionEnabled"))
    if not value:
        return failed(resource, "deletionProtectionEnabled", value, "a replacement or one API call deletes the table",
                      "set deletion_protection_enabled=True")
    return passed(resource, "deletion protection on")


def secret_require_cmk_encryption(resource: ResourceView) -> RuleResult:
    key = props(resource).get("kmsKeyId")
    if not key or is_aws_managed_key(key):
        return failed(resource, "kmsKeyId", key, "the secret is encrypted with the AWS-managed key, which every "
                      "principal of the account with secretsmanager access can use",
                      "set kms_key_id to the domain's customer-managed key")
    return passed(resource, f"encrypted with {key}")


def secretversion_disallow_stored_value(resource: ResourceView) -> RuleResult:
    p = props(resource)
    for key in ("secretString", "secretBinary"):
        if p.get(key) is not None:
            return failed(resource, key, p[key], "the secret value passes through the program and is kept in Pulumi "
                          "state", "let the owning service write the value, or use secret_string_wo")
    return passed(resource, "no secret value stored by Pulumi")


def secret_require_rotation_or_exemption(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    rotations: dict[str, ResourceView] = {}
    for rotation in g.of_type(SECRET_ROTATION):
        secret = g.resolve(props(rotation).get("secretId"), SECRET, path="secretId")
        if secret is not None:
            rotations[secret.urn] = rotation

    def check(secret: ResourceView) -> RuleResult:
        rotation = rotations.get(secret.urn)
        if rotation is not None:
            p = props(rotation)
            rules = p.get("rotationRules")
            days = as_int(rules.get("automaticallyAfterDays")) if rules is not None else None
            if as_bool(p.get("rotationEnabled")) is False or (days is None and not (rules or {}).get(
                    "scheduleExpression")) or (days is not None and days > MAX_ROTATION_DAYS):
                return failed(rotation, "rotationRules", rules, f"the secret does not rotate at least every "
                              f"{MAX_ROTATION_DAYS} days", f"set rotation_rules.automatically_after_days <= "
                              f"{MAX_ROTATION_DAYS}")
            return passed(secret, f"rotated by {rotation.name}")
        secret_tags = tags(secret)
        rotator = secret_tags.get(ROTATION_TAG, "")
        if EXTERNAL_ROTATION.match(rotator):
            return passed(secret, f"rotation exempt: {ROTATION_TAG}={rotator}")
        reason = secret_tags.get(ROTATION_EXEMPT_TAG, "")
        if len(reason.strip()) >= MIN_EXEMPTION_REASON:
            return passed(secret, f"rotation exempt: {reason}")
        return failed(secret, f"tags.{ROTATION_TAG}", rotator or None, "the secret never rotates and no one "
                      "recorded who rotates it instead", f"add an aws.secretsmanager.SecretRotation, or tag "
                      f"{ROTATION_TAG}=<party>-managed or {ROTATION_EXEMPT_TAG}=<who rotates it and how>")

    return each(g.of_type(SECRET), check)


def _guarding_deny(document: dict, action: str, condition_keys: tuple[str, ...]) -> bool:
    """An explicit Deny to everyone for ``action`` that exempts only by the given condition keys."""
    for statement in document["Statement"]:
        principal = statement.get("Principal")
        everyone = principal == "*" or (isinstance(principal, dict) and "*" in as_list(principal.get("AWS")))
        if statement.get("Effect") != "Deny" or not everyone:
            continue
        if not fnmatch_any(action, [str(a) for a in as_list(statement.get("Action"))]):
            continue
        conditions = statement.get("Condition") or {}
        keys = {k.lower() for values in conditions.values() if isinstance(values, dict) for k in values}
        if keys <= {k.lower() for k in condition_keys}:
            return True
    return False


def _policies_by_target(g, policy_type: str, key: str, target_type: str) -> dict:
    found = {}
    for policy in g.of_type(policy_type):
        target = g.resolve(props(policy).get(key), target_type, path=key)
        if target is not None:
            found[target.urn] = policy
    return found


def dynamodb_table_require_deny_policy(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    policies = _policies_by_target(g, DYNAMODB_RESOURCE_POLICY, "resourceArn", DYNAMODB_TABLE)

    def check(table: ResourceView) -> RuleResult:
        policy = policies.get(table.urn)
        if policy is None:
            return failed(table, "resourcePolicy", None, "any principal with IAM access to DynamoDB reaches the items, "
                          "from anywhere", "add an aws.dynamodb.ResourcePolicy denying item access outside the VPC "
                          "endpoint (and, for transactions, to everyone but the bank-sync role)")
        document = policy_document(props(policy).get("policy"))
        if not _guarding_deny(document, "dynamodb:GetItem", ("aws:SourceVpce",)):
            return failed(policy, "policy", document, f"nothing denies reading {table.name}'s items from outside the "
                          "VPC endpoint", "add a Deny for Principal * on the item actions with StringNotEquals "
                          "aws:SourceVpce")
        if _holds_transactions(table) and not _guarding_deny(document, "dynamodb:GetItem", ("aws:PrincipalArn",)):
            return failed(policy, "policy", document, f"{table.name} holds transaction data but any authorised "
                          "principal may read it", "add a Deny for Principal * on the item actions with "
                          "StringNotEquals aws:PrincipalArn = the bank-sync role")
        return passed(table, f"item access walled off by {policy.name}")

    return each(g.of_type(DYNAMODB_TABLE), check)


def secret_require_reader_allowlist_policy(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    policies = _policies_by_target(g, SECRET_POLICY, "secretArn", SECRET)

    def check(secret: ResourceView) -> RuleResult:
        policy = policies.get(secret.urn)
        if policy is None:
            return failed(secret, "secretPolicy", None, "any principal whose IAM policy allows it can read the secret",
                          "add an aws.secretsmanager.SecretPolicy denying GetSecretValue to all but the named readers")
        p = props(policy)
        if as_bool(p.get("blockPublicPolicy")) is not True:
            return failed(policy, "blockPublicPolicy", p.get("blockPublicPolicy"), "a later policy change could make "
                          "the secret readable from other accounts", "set block_public_policy=True")
        document = policy_document(p.get("policy"))
        if not _guarding_deny(document, "secretsmanager:GetSecretValue", ("aws:PrincipalArn",)):
            return failed(policy, "policy", document, "nothing denies reading the secret to principals outside the "
                          "allowlist", "Deny secretsmanager:GetSecretValue to Principal * when aws:PrincipalArn is "
                          "not a named reader")
        return passed(secret, f"readable only by the principals {policy.name} names")

    return each(g.of_type(SECRET), check)
