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

from posture.facts import TABLE_DATA_ACTIONS
from posture.findings import Verdict
from posture.iam.arns import known_arns, pattern_covers
from posture.resources import REDACTED, ResourceView
from posture.rules.graph import graph
from posture.rules.policy_documents import (
    EXEMPTING_OPERATORS,
    arn_in_account,
    condition_entries,
    fnmatch_any,
    is_concrete,
    is_everyone,
    policy_document,
)
from posture.rules.results import RuleResult, each, failed, not_applicable, passed
from posture.rules.schedules import longest_gap_days
from posture.rules.tokens import DYNAMODB_RESOURCE_POLICY, DYNAMODB_TABLE, SECRET, SECRET_POLICY, SECRET_ROTATION
from posture.rules.values import as_bool, as_int, as_list, customer_key, is_aws_managed_key, props, show, tags

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
                      "can neither restrict nor audit", "true, with kmsKeyArn the store's customer-managed key")
    key = customer_key(sse, "kmsKeyArn")
    if not key or is_aws_managed_key(key):
        return failed(resource, "serverSideEncryption.kmsKeyArn", key, "the table uses the AWS-managed key",
                      "the store's customer-managed key")
    return passed(resource, f"encrypted with {key}")


def table_enable_point_in_time_recovery(resource: ResourceView) -> RuleResult:
    pitr = props(resource).get("pointInTimeRecovery")
    enabled = as_bool(pitr.get("enabled")) if pitr is not None else None
    if not enabled:
        return failed(resource, "pointInTimeRecovery.enabled", enabled, "a bad write or delete cannot be undone", "true")
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
                      "enabled true, with an attributeName")
    return passed(resource, f"items expire on {ttl.get('attributeName')}")


def table_enable_deletion_protection(resource: ResourceView) -> RuleResult:
    value = as_bool(props(resource).get("deletionProtectionEnabled"))
    if not value:
        return failed(resource, "deletionProtectionEnabled", value, "a replacement or one API call deletes the table", "true")
    return passed(resource, "deletion protection on")


def secret_require_cmk_encryption(resource: ResourceView) -> RuleResult:
    key = customer_key(props(resource), "kmsKeyId")
    if not key or is_aws_managed_key(key):
        return failed(resource, "kmsKeyId", key, "the secret is encrypted with the AWS-managed key, which every "
                      "principal of the account with secretsmanager access can use",
                      "the domain's customer-managed key")
    return passed(resource, f"encrypted with {key}")


def secretversion_disallow_stored_value(resource: ResourceView) -> RuleResult:
    p = props(resource)
    for key in ("secretString", "secretBinary"):
        if p.is_set(key):
            return failed(resource, key, REDACTED, "the secret value passes through the program and is kept in Pulumi "
                          "state", "unset (the owning service writes the value, or the write-only secretStringWo)")
    return passed(resource, "no secret value stored by Pulumi")


_ROTATION_EXPECTED = (f"at most {MAX_ROTATION_DAYS} days between rotations (automaticallyAfterDays, or a scheduleExpression "
                      "such as rate(30 days))")


def _rotation_result(secret: ResourceView, rotation: ResourceView) -> RuleResult:
    """Rotation at least every MAX_ROTATION_DAYS: automaticallyAfterDays, or a schedule expression
    whose longest gap between runs (posture.rules.schedules) is that short. A schedule this
    module cannot read is UNKNOWN, never a pass."""
    p = props(rotation)
    rules = p.get("rotationRules")
    if as_bool(p.get("rotationEnabled")) is False:
        return failed(rotation, "rotationEnabled", False, "rotation is switched off", "true")
    days = as_int(rules.get("automaticallyAfterDays")) if rules is not None else None
    schedule = rules.get("scheduleExpression") if rules is not None else None
    if days is None and not schedule:
        return failed(rotation, "rotationRules", rules, "no rotation interval or schedule is set", _ROTATION_EXPECTED)
    if days is not None and days > MAX_ROTATION_DAYS:
        return failed(rotation, "rotationRules.automaticallyAfterDays", days, f"the secret rotates less often than "
                      f"every {MAX_ROTATION_DAYS} days", _ROTATION_EXPECTED)
    if schedule:
        gap = longest_gap_days(str(schedule))
        if gap is None:
            return RuleResult(Verdict.UNKNOWN, f"{rotation.name}: cannot verify rotationRules.scheduleExpression "
                              f"(schedule_expression) {show(schedule)}: not a rate(N days|hours) or six-field "
                              "cron(...) this check can evaluate", rotation.urn)
        if gap > MAX_ROTATION_DAYS:
            when = "never runs" if gap == float("inf") else f"leaves up to {gap:g} days between rotations"
            return failed(rotation, "rotationRules.scheduleExpression", schedule, f"the schedule {when}, more than "
                          f"{MAX_ROTATION_DAYS}", _ROTATION_EXPECTED)
    return passed(secret, f"rotated by {rotation.name}")


def secret_require_rotation_or_exemption(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    rotations = g.attached_to((SECRET_ROTATION,), "secretId", SECRET)

    def check(secret: ResourceView) -> RuleResult:
        rotation = rotations.get(secret.urn)
        if rotation is not None:
            return _rotation_result(secret, rotation)
        secret_tags = tags(secret)
        rotator = secret_tags.get(ROTATION_TAG, "")
        if EXTERNAL_ROTATION.match(rotator):
            return passed(secret, f"rotation exempt: {ROTATION_TAG}={rotator}")
        reason = secret_tags.get(ROTATION_EXEMPT_TAG, "")
        if len(reason.strip()) >= MIN_EXEMPTION_REASON:
            return passed(secret, f"rotation exempt: {reason}")
        return failed(secret, f"tags.{ROTATION_TAG}", rotator or None, "the secret never rotates and no one "
                      "recorded who rotates it instead", f"<party>-managed, a {ROTATION_EXEMPT_TAG} tag of at least "
                      f"{MIN_EXEMPTION_REASON} characters saying who rotates it and how, or a SecretRotation for the secret")

    return each(g.of_type(SECRET), check)


SECRET_READ_ACTIONS = ("secretsmanager:GetSecretValue",)
"""BatchGetSecretValue is authorised as GetSecretValue on each secret, so this one covers both."""
_ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})


def _exempts_only(operator: str, key: str, values: list, keys: frozenset[str]) -> bool:
    """A condition test that lifts the Deny only for the listed values of one of ``keys``.

    ``StringEquals aws:SourceVpce`` (the probe) would turn the Deny around: it would apply only to
    requests that *do* come through the endpoint. A ...Like test with a bare wildcard exempts
    everyone; an ARN pattern may wildcard its path but not the account or the whole name."""
    if operator not in EXEMPTING_OPERATORS or key not in keys or not values:
        return False
    if operator.startswith("arn") and key not in _ARN_KEYS:
        return False
    if "like" not in operator:
        return all(isinstance(v, str) and v for v in values)
    if key in _ARN_KEYS:
        return all(isinstance(v, str) and _names_someone(v) for v in values)
    return all(is_concrete(v) for v in values)


def _names_someone(arn: str) -> bool:
    """An ARN pattern in one account whose last name segment is more than a wildcard
    (``role/bank-sync-*`` names someone; ``role/*`` and ``*`` name everyone)."""
    if not arn_in_account(arn):
        return False
    name = arn.split(":", 5)[5].rsplit("/", 1)[-1]
    return name.strip("*?") != "" and "/" in arn.split(":", 5)[5]


def _withheld(statement: dict, actions: tuple[str, ...], target: ResourceView, targets: set[str],
              keys: frozenset[str]) -> set[str]:
    """Which of ``actions`` the statement withholds from ``targets``: an explicit Deny to everyone on
    a Resource covering them, whose conditions exempt only listed values of ``keys``."""
    if statement.get("Effect") != "Deny" or not is_everyone(statement.get("Principal")):
        return set()
    if statement.get("NotResource") is not None:
        excluded = [str(r) for r in as_list(statement.get("NotResource"))]
        if any(pattern_covers(r, target, targets) for r in excluded):
            return set()
    elif not any(pattern_covers(str(r), target, targets) for r in as_list(statement.get("Resource"))):
        return set()
    if not all(_exempts_only(op, key, values, keys) for op, key, values in condition_entries(statement.get("Condition"))):
        return set()
    if statement.get("NotAction") is not None:
        spared = [str(a) for a in as_list(statement.get("NotAction"))]
        return {a for a in actions if not fnmatch_any(a, spared)}
    return {a for a in actions if fnmatch_any(a, [str(a) for a in as_list(statement.get("Action"))])}


def _unguarded(document: dict, actions: tuple[str, ...], target: ResourceView, targets: set[str],
               condition_keys: tuple[str, ...]) -> list[str]:
    """The ``actions`` no explicit Deny to everyone withholds from ``targets`` (the resource's ARNs),
    where the only exemption is a StringNotEquals-style test on ``condition_keys`` (an
    unconditional Deny withholds from everyone, which is stricter still). Several statements may
    share the actions between them."""
    keys = frozenset(k.lower() for k in condition_keys)
    covered: set[str] = set()
    for statement in document["Statement"]:
        covered |= _withheld(statement, actions, target, targets, keys)
    return [a for a in actions if a not in covered]


def _missing(actions: list[str]) -> str:
    return ", ".join(actions[:4]) + (f" and {len(actions) - 4} more" if len(actions) > 4 else "")


def dynamodb_table_require_deny_policy(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    policies = g.attached_to((DYNAMODB_RESOURCE_POLICY,), "resourceArn", DYNAMODB_TABLE)

    def check(table: ResourceView) -> RuleResult:
        policy = policies.get(table.urn)
        if policy is None:
            return failed(table, "resourcePolicy", None, "any principal with IAM access to DynamoDB reaches the items, "
                          "from anywhere", "a resource policy denying item access outside the VPC endpoint (for "
                          "transaction tables, also to every principal but the bank-sync role)")
        document = policy_document(props(policy).get("policy"))
        targets = known_arns(table, policy.props.get("resourceArn"))
        open_actions = _unguarded(document, TABLE_DATA_ACTIONS, table, targets, ("aws:SourceVpce", "aws:SourceVpc"))
        if open_actions:
            return failed(policy, "policy", document, f"nothing denies {_missing(open_actions)} on {table.name} "
                          "from outside the VPC endpoint", "a Deny for Principal * of every item action (or dynamodb:*) "
                          "on the table ARN, with StringNotEquals aws:SourceVpce = the endpoint id")
        if _holds_transactions(table):
            open_actions = _unguarded(document, TABLE_DATA_ACTIONS, table, targets, ("aws:PrincipalArn",))
            if open_actions:
                return failed(policy, "policy", document, f"{table.name} holds transaction data but any authorised "
                              f"principal may use {_missing(open_actions)}", "a Deny for Principal * of every item "
                              "action on the table ARN, with StringNotEquals (or ArnNotEquals) aws:PrincipalArn = the "
                              "bank-sync role")
        return passed(table, f"item access walled off by {policy.name}")

    return each(g.of_type(DYNAMODB_TABLE), check)


def secret_require_reader_allowlist_policy(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    policies = g.attached_to((SECRET_POLICY,), "secretArn", SECRET)

    def check(secret: ResourceView) -> RuleResult:
        policy = policies.get(secret.urn)
        if policy is None:
            return failed(secret, "secretPolicy", None, "any principal whose IAM policy allows it can read the secret",
                          "a secret policy denying secretsmanager:GetSecretValue to all but the named readers")
        p = props(policy)
        if as_bool(p.get("blockPublicPolicy")) is not True:
            return failed(policy, "blockPublicPolicy", p.get("blockPublicPolicy"), "a later policy change could make "
                          "the secret readable from other accounts", "true")
        document = policy_document(p.get("policy"))
        targets = known_arns(secret, policy.props.get("secretArn"))
        if _unguarded(document, SECRET_READ_ACTIONS, secret, targets, ("aws:PrincipalArn",)):
            return failed(policy, "policy", document, "nothing denies reading the secret to principals outside the "
                          "allowlist", "a Deny of secretsmanager:GetSecretValue for Principal * on the secret "
                          '(Resource "*" or its ARN), with StringNotEquals aws:PrincipalArn = the named readers')
        return passed(secret, f"readable only by the principals {policy.name} names")

    return each(g.of_type(SECRET), check)
