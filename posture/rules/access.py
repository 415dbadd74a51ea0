"""BANK-3 "walled off": only the bank-sync role can read the bank token, the transaction store and
the bank-data key, judged by who AWS would let read them (posture.iam.access), not by the form
of our own policies.

The bank assets: KMS keys tagged ``domain=bank-data`` and every secret and table encrypted with
one (or tagged so, or the transaction store). The walled-off role: the role tagged
``domain=bank-data``. AWS managed policies: the walled-off role may carry none (an explicit,
empty allow-list: no package this project installs at run time ships their documents, and the
role needs none); on any other role a managed policy is taken to allow everything, so only the
assets' own Deny statements and key policies can keep it out.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import replace

from posture.iam.access import (
    FOREIGN_STANDIN,
    Statement,
    account_of,
    evaluate,
    read_actions,
    role_arn,
    role_statements,
    statements,
)
from posture.iam.arns import known_arns, pattern_covers
from posture.resources import ResourceView
from posture.rules.graph import Graph, graph
from posture.rules.keys import resolve_key
from posture.rules.results import RuleResult, each, failed, not_applicable, passed
from posture.rules.tokens import (
    DYNAMODB_RESOURCE_POLICY,
    DYNAMODB_TABLE,
    IAM_ROLE,
    KMS_KEY,
    KMS_KEY_POLICY,
    SECRET,
    SECRET_POLICY,
)
from posture.rules.values import as_list, props, tags

KMS_GRANT = "aws:kms/grant:Grant"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
IAM_POLICY = "aws:iam/policy:Policy"
BANK_DOMAIN = ("domain", "bank-data")
KEY_READ_ACTIONS = read_actions("kms:Decrypt", "kms:ReEncryptFrom", level="Write") + read_actions(
    "kms:CreateGrant", level="Permissions management")
"""KMS classes decryption as Write; CreateGrant hands out Decrypt without touching the key policy."""
SECRET_READ_ACTIONS = read_actions("secretsmanager:GetSecretValue")
TABLE_READ_ACTIONS = read_actions("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
                                  "dynamodb:PartiQLSelect") + read_actions("dynamodb:ExportTableToPointInTime",
                                                                           level="Write")
_EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def _is_bank(resource: ResourceView) -> bool:
    return tags(resource).get(BANK_DOMAIN[0]) == BANK_DOMAIN[1]


def _home(bank_roles: list[ResourceView]) -> str:
    """Our account: the one the walled-off role's trust policy pins (components take it from config)."""
    for role in bank_roles:
        for s in statements(role, "assumeRolePolicy", props(role).get("assumeRolePolicy")):
            for values in (s.body.get("Condition") or {}).get("StringEquals", {}).values():
                for value in as_list(values):
                    if account_of(str(value)):
                        return str(value)
    return ""


def _identity(g: Graph, roles: list[ResourceView], walled: set[str]) -> tuple[dict[str, list[Statement]], list[RuleResult]]:
    """Identity statements per role URN; a managed policy on a walled-off role is a failure of its own."""
    attached: dict[str, list[tuple[ResourceView, str, object]]] = {}
    problems: list[RuleResult] = []
    for policy in g.of_type(ROLE_POLICY):
        role = g.resolve(props(policy).ref("role"), IAM_ROLE)
        if role is not None:
            attached.setdefault(role.urn, []).append((policy, "policy", props(policy).get("policy")))
    managed: list[tuple[ResourceView, ResourceView, str]] = []
    for attachment in g.of_type(ROLE_POLICY_ATTACHMENT):
        role = g.resolve(props(attachment).ref("role"), IAM_ROLE)
        if role is None:
            continue
        customer = g.resolve(props(attachment).ref("policyArn"), IAM_POLICY)
        if customer is not None:
            attached.setdefault(role.urn, []).append((customer, "policy", props(customer).get("policy")))
        else:
            managed.append((role, attachment, str(props(attachment).get("policyArn"))))
    for role in roles:
        managed.extend((role, role, str(arn)) for arn in props(role).get("managedPolicyArns") or [])
    for role, owner, arn in managed:
        if role.urn in walled:
            problems.append(replace(failed(owner, "policyArn", arn, f"the walled-off role {role.name} carries a managed "
                                           "policy, outside its allow-list (none)", "remove it; grant the role only "
                                           "its inline policy"), evidence=(f"principal {role.name}", f"policy {arn}")))
        else:
            attached.setdefault(role.urn, []).append((owner, f"managed {arn}", _EVERYTHING))
    return role_statements(roles, attached), problems


def bank_data_require_walled_off_readers(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    roles = g.of_type(IAM_ROLE)
    bank_roles = [r for r in roles if _is_bank(r)]
    keys = [k for k in g.of_type(KMS_KEY) if _is_bank(k)]
    if not keys and not bank_roles:
        return [not_applicable(resources[0], "no bank-data key or role in this stack")] if resources else []
    home = _home(bank_roles)
    walled = {r.urn for r in bank_roles}
    walled_arns = {role_arn(r, home).lower() for r in bank_roles}
    identity, results = _identity(g, roles, walled)
    candidates = {role_arn(r, home): identity.get(r.urn, []) for r in roles}
    key_policies = g.attached_to((KMS_KEY_POLICY,), "keyId", KMS_KEY)

    def readers(asset: ResourceView, actions: tuple[str, ...], resource_statements: list[Statement],
                matches, key: bool) -> list[RuleResult]:
        found: list[RuleResult] = []
        principals: dict[str, list[Statement] | None] = dict(candidates)
        for s in resource_statements:
            if s.body.get("NotPrincipal") is not None:
                principals.setdefault(FOREIGN_STANDIN, None)
                principals.setdefault(f"arn:aws:iam::{home}:role/another-principal-of-the-account", None)
            for entry in (str(e) for e in as_list((s.body.get("Principal") or {}).get("AWS")
                                                  if isinstance(s.body.get("Principal"), dict) else s.body.get("Principal"))):
                if entry == "*":
                    principals.setdefault(FOREIGN_STANDIN, None)
                    principals.setdefault(f"arn:aws:iam::{home}:role/another-principal-of-the-account", None)
                elif entry.endswith(":root") or entry.isdigit():
                    principals.setdefault(f"arn:aws:iam::{account_of(entry)}:role/another-principal-of-the-account", None)
                elif entry.startswith("arn:"):
                    principals.setdefault(entry, None)
        for principal, own in principals.items():
            if principal.lower() in walled_arns:
                continue
            for action in actions:
                grant = evaluate(principal, action, resource_statements, own, matches, home, key)
                if grant:
                    result = failed(asset, "readers", principal, f"{principal} can {action} on {asset.name} "
                                    f"(granted by {grant})", "deny it in the asset's policy or remove the grant; "
                                    "only the bank-sync role may read bank data")
                    found.append(replace(result, evidence=(f"principal {principal}", f"action {action} on {asset.name}",
                                                           f"granted by {grant}")))
                    break
        return found

    def check_key(key: ResourceView) -> list[RuleResult]:
        policy = key_policies.get(key.urn)
        source = policy if policy is not None else key
        docs = statements(source, "policy", props(source).get("policy")) if props(source).get("policy") else []
        arns = known_arns(key)
        found = readers(key, KEY_READ_ACTIONS, docs,
                        lambda pat: pat == "*" or any(fnmatch.fnmatchcase(a, pat) for a in arns), True)
        for grant in g.of_type(KMS_GRANT):
            if g.resolve(props(grant).ref("keyId"), KMS_KEY) is key:
                grantee = str(props(grant).get("granteePrincipal"))
                operations = [str(o) for o in props(grant).get("operations") or []]
                if grantee.lower() not in walled_arns and {"Decrypt", "ReEncryptFrom", "CreateGrant"} & set(operations):
                    found.append(replace(
                        failed(grant, "granteePrincipal", grantee, f"the grant lets {grantee} use {key.name} "
                               f"({', '.join(operations)})", "remove the grant"),
                        evidence=(f"principal {grantee}", f"operations {', '.join(operations)} on {key.name}",
                                  f"granted by {grant.name}")))
        return found or [passed(key, f"only {walled_names} can use it to decrypt")]

    bank_keys = {k.urn for k in keys}

    def protected(store: ResourceView, path: str) -> bool:
        if _is_bank(store):
            return True
        sse = props(store).get("serverSideEncryption")
        ref = props(store).ref(path) if "." not in path else sse.ref("kmsKeyArn") if sse is not None else None
        target = resolve_key(g, ref) if ref is not None else None
        return target is not None and target.urn in bank_keys

    secret_policies = g.attached_to((SECRET_POLICY,), "secretArn", SECRET)

    def check_secret(secret: ResourceView) -> list[RuleResult]:
        policy = secret_policies.get(secret.urn)
        docs = statements(policy, "policy", props(policy).get("policy")) if policy is not None else []
        arns = known_arns(secret, policy.props.get("secretArn") if policy is not None else None)
        found = readers(secret, SECRET_READ_ACTIONS, docs, lambda pat: pattern_covers(pat, secret, arns), False)
        return found or [passed(secret, f"only {walled_names} can read it")]

    table_policies = g.attached_to((DYNAMODB_RESOURCE_POLICY,), "resourceArn", DYNAMODB_TABLE)

    def check_table(table: ResourceView) -> list[RuleResult]:
        found: list[RuleResult] = []
        for i, replica in enumerate(props(table).get("replicas") or []):
            if not replica.get("kmsKeyArn"):
                found.append(replace(
                    failed(table, f"replicas[{i}].kmsKeyArn", None, f"the {replica.get('regionName')} replica of bank "
                           "data has no key of its own (AWS-owned key, no key policy)",
                           "give every replica a bank-data key in its region"),
                    evidence=("principal any principal of the account with DynamoDB read access",
                              f"table {table.name} replica in {replica.get('regionName')}",
                              f"granted by the AWS-owned key of replicas[{i}]")))
        policy = table_policies.get(table.urn)
        docs = statements(policy, "policy", props(policy).get("policy")) if policy is not None else []
        arns = known_arns(table, policy.props.get("resourceArn") if policy is not None else None)
        found += readers(table, TABLE_READ_ACTIONS, docs, lambda pat: pattern_covers(pat, table, arns), False)
        return found or [passed(table, f"only {walled_names} can read its items")]

    walled_names = ", ".join(sorted(r.name for r in bank_roles)) or "nobody"
    results += each(keys, check_key)
    results += each([s for s in g.of_type(SECRET) if protected(s, "kmsKeyId")], check_secret)
    results += each([t for t in g.of_type(DYNAMODB_TABLE) if protected(t, "serverSideEncryption.kmsKeyArn")],
                    check_table)
    return results
