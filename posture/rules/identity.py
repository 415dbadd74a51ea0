"""IAM policies: least privilege, so stolen credentials or servers cannot reach beyond their job (BANK-2).

Identity policies: two controls split the space: wildcard *actions* (``*``, ``svc:*``,
``svc:Get*`` on a sensitive service, ``NotAction`` allows, admin-like managed policies), and, for
statements with precise actions, wildcard *resources* on secrets and keys. A statement is
reported by at most one.

Resource policies (buckets, topics, secrets, tables, vaults, keys, queues, role trust): no grant of
a whole service and no grant to everyone that a condition does not pin to an account,
organization, principal or source. Which principals a key admits is the keys
module's own control.

Role trust policies are resource policies too (who may assume the role): they get both checks.

A condition only narrows a grant when a positive operator pins an identity key to a concrete value
(``base.pinned_keys``): ``Bool aws:SecureTransport``, ``StringLike kms:ViaService "*"`` or an
``...IfExists`` test leave a Principal "*" grant open to every AWS account.

Confused deputy: a grant to an AWS service principal lets that service act for *any* account
that uses it, unless a condition pins the source (aws:SourceAccount, aws:SourceArn,
aws:SourceOrgID/SourceOrgPaths) to ours: otherwise another customer could point their trail,
load balancer or backup vault at our bucket or topic. A statement the wildcard-grant control
already reports is left to it, so one statement is one violation.
"""

from __future__ import annotations

import re
from typing import Any

from posture.resources import ResourceView
from posture.rules.aws_owned import aws_owned
from posture.rules.policy_documents import EVERYONE_PINS, is_everyone, pinned_keys, pins, policy_document
from posture.rules.results import RuleResult, failed, not_applicable, passed
from posture.rules.tokens import IAM_POLICY_ATTACHMENTS, IAM_ROLE, KMS_KEY, LAMBDA_PERMISSION, LOG_RESOURCE_POLICY
from posture.rules.values import as_list, props

SENSITIVE_SERVICES = frozenset({
    "iam", "sts", "kms", "secretsmanager", "ssm", "s3", "dynamodb", "rds", "rds-db", "backup", "ec2", "organizations",
    "cloudtrail", "guardduty", "securityhub", "config", "wafv2", "logs", "lambda",
})
ADMIN_MANAGED_POLICIES = re.compile(r":policy/(AdministratorAccess|PowerUserAccess|IAMFullAccess|[A-Za-z0-9]*FullAccess)$")
_ALL_SECRETS_OR_KEYS = re.compile(r"^arn:aws[a-z-]*:(secretsmanager|kms):[^:]*:[^:]*:(secret:|key/|alias/)?\*$")


def _documents(resource: ResourceView) -> list[tuple[str, dict[str, Any]]]:
    p = props(resource)
    if resource.type == IAM_ROLE:
        return [(f"inlinePolicies[{i}].policy", policy_document(item.get("policy"), f"inlinePolicies[{i}].policy"))
                for i, item in enumerate(p.get("inlinePolicies") or []) if item.get("policy")]
    return [("policy", policy_document(p.get("policy")))] if p.get("policy") is not None else []


def _wildcard_action(statement: dict[str, Any]) -> str | None:
    if statement.get("Effect") != "Allow":
        return None
    if statement.get("NotAction") is not None:
        return f"NotAction {statement['NotAction']}"
    for action in (str(a) for a in as_list(statement.get("Action"))):
        if action == "*":
            return action
        service, _, name = action.partition(":")
        if "*" in name and service.lower() in SENSITIVE_SERVICES:
            return action
    return None


def _wildcard_resource(statement: dict[str, Any]) -> str | None:
    if statement.get("Effect") != "Allow" or _wildcard_action(statement):
        return None
    services = {str(a).partition(":")[0].lower() for a in as_list(statement.get("Action"))}
    guarded = services & {"secretsmanager", "kms"}
    if not guarded:
        return None
    if guarded == {"kms"} and "kms:ViaService" in str(statement.get("Condition") or ""):
        return None
    for resource in (str(r) for r in as_list(statement.get("Resource"))):
        if resource == "*" or _ALL_SECRETS_OR_KEYS.match(resource):
            return resource
    if statement.get("NotResource") is not None:
        return f"NotResource {statement['NotResource']}"
    return None


def policy_disallow_wildcard_actions(resource: ResourceView) -> RuleResult:
    if resource.type in IAM_POLICY_ATTACHMENTS:
        arn = props(resource).get("policyArn")
        if isinstance(arn, str) and ADMIN_MANAGED_POLICIES.search(arn):
            return failed(resource, "policyArn", arn, "grants every action of a service (or all of AWS)",
                          "a policy that is neither AdministratorAccess nor a FullAccess policy")
        return passed(resource, "attached policy is not an admin or FullAccess policy")
    for path, document in _documents(resource):
        for i, statement in enumerate(document["Statement"]):
            wildcard = _wildcard_action(statement)
            if wildcard:
                return failed(resource, f"{path}.Statement[{i}].Action", wildcard,
                              "allows every action it matches on a sensitive service",
                              "exact actions, no wildcard")
    return passed(resource, "no wildcard actions on sensitive services")


def policy_disallow_wildcard_resources_on_secrets_and_keys(resource: ResourceView) -> RuleResult:
    for path, document in _documents(resource):
        for i, statement in enumerate(document["Statement"]):
            wildcard = _wildcard_resource(statement)
            if wildcard:
                return failed(resource, f"{path}.Statement[{i}].Resource", wildcard,
                              "reaches every secret or key in the account, not just the one it needs",
                              "the secret or key ARN, no wildcard")
    return passed(resource, "secrets and keys named by ARN")


def wildcard_grant(statement: dict[str, Any]) -> str | None:
    """Why an Allow grants a whole service (``*``, ``svc:*``, NotAction) or an unpinned Principal *."""
    if statement.get("Effect") != "Allow":
        return None
    if statement.get("NotAction") is not None:
        return f"NotAction {statement['NotAction']}"
    for action in (str(a) for a in as_list(statement.get("Action"))):
        if action == "*" or action.endswith(":*"):
            return f"Action {action}"
    if is_everyone(statement.get("Principal")) and not pinned_keys(statement.get("Condition")) & EVERYONE_PINS:
        condition = statement.get("Condition")
        return ("Principal * without a condition" if not condition else
                "Principal * with a condition that pins no account, organization, principal or source")
    return None


def _grant_document(resource: ResourceView) -> tuple[str, dict[str, Any]] | None:
    """The document a resource grants access through: a role's trust policy, else its policy."""
    p = props(resource)
    key = {IAM_ROLE: "assumeRolePolicy", LOG_RESOURCE_POLICY: "policyDocument"}.get(resource.type, "policy")
    if p.get(key) is None:
        return None
    return key, policy_document(p.get(key), key)


def resourcepolicy_disallow_wildcard_grants(resource: ResourceView) -> RuleResult:
    outside = aws_owned(resource)
    if outside:
        return not_applicable(resource, outside)
    found = _grant_document(resource)
    if found is None:
        if resource.type == KMS_KEY:
            return not_applicable(resource, "no inline policy (a standalone aws.kms.KeyPolicy is checked on its own)")
        return not_applicable(resource, "no policy document")
    key, document = found
    for i, statement in enumerate(document["Statement"]):
        grant = wildcard_grant(statement)
        if grant:
            if resource.type == IAM_ROLE:
                return failed(resource, f"{key}.Statement[{i}]", grant, "the trust policy lets any AWS account "
                              "assume the role (or grants every sts action)", "named principals, or Principal * pinned by "
                              "StringEquals aws:PrincipalOrgID or aws:PrincipalAccount")
            return failed(resource, f"{key}.Statement[{i}]", grant, "the resource policy grants a whole service or "
                          "opens the resource to everyone", "specific actions for specific principals; Principal * only "
                          "with StringEquals aws:PrincipalOrgID, aws:PrincipalAccount or aws:SourceVpce")
    return passed(resource, "no wildcard or public grant")


# --- confused deputy ---------------------------------------------------------------------------

SOURCE_PINS = frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"})
"""The keys that tell a service which customer it acts for. Only a positive test (StringEquals,
ArnLike...) with a concrete account, organization or resource pins it: a ...IfExists operator
passes requests that carry no source at all, and a Not... operator admits every source but one."""


def _pins_source(key: str, value: Any) -> bool:
    """The value names one account, organization or resource: no wildcard where the account goes."""
    return key.lower() in SOURCE_PINS and pins(key, value)


def _source_condition(condition: Any) -> bool:
    return bool(pinned_keys(condition) & SOURCE_PINS)


def _service_principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if statement.get("Effect") != "Allow" or not isinstance(principal, dict):
        return []
    return [str(s) for s in as_list(principal.get("Service"))]


def _lambda_permission(resource: ResourceView) -> RuleResult:
    p = props(resource)
    principal = str(p.get("principal") or "")
    if not principal.endswith(".amazonaws.com"):
        return not_applicable(resource, f"grants {principal or 'nobody'}, not an AWS service")
    if _pins_source("aws:sourceaccount", p.get("sourceAccount")) or _pins_source("aws:sourcearn", p.get("sourceArn")):
        return passed(resource, f"{principal} may invoke only on behalf of our account or resource")
    return failed(resource, "sourceArn", p.get("sourceArn"), f"{principal} may invoke the function on behalf of any "
                  "account (confused deputy)", "the calling resource's ARN (or sourceAccount our account)")


def resourcepolicy_require_confused_deputy_conditions(resource: ResourceView) -> RuleResult:
    if resource.type == LAMBDA_PERMISSION:
        return _lambda_permission(resource)
    owned = aws_owned(resource)
    if owned:
        return not_applicable(resource, owned)
    found = _grant_document(resource)
    if found is None:
        return not_applicable(resource, "no inline policy")
    key, document = found
    granted = 0
    for i, statement in enumerate(document["Statement"]):
        services = _service_principals(statement)
        if not services or wildcard_grant(statement):
            continue
        granted += 1
        if not _source_condition(statement.get("Condition")):
            return failed(resource, f"{key}.Statement[{i}]", {"Principal": {"Service": services},
                                                               "Condition": statement.get("Condition")},
                          f"{', '.join(services)} may {'assume the role' if resource.type == IAM_ROLE else 'use this grant'}"
                          " on behalf of any account (confused deputy)",
                          "a StringEquals aws:SourceAccount (or ArnLike aws:SourceArn) condition naming our "
                          "account or the calling resource")
    if not granted:
        return not_applicable(resource, "grants nothing to an AWS service")
    return passed(resource, "every service grant is pinned to our account or resource")
