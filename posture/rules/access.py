"""Who can read the protected data, judged by who AWS would let read it (posture.iam.access), not by
the form of our own policies.

Protected assets, selected by what they are, not by name: every customer KMS key, secret, DynamoDB
table, S3 bucket (in these stacks every bucket holds logs: CloudTrail, load-balancer and access
logs) and backup vault. Among them the bank assets (BANK-3 "walled off"): KMS keys tagged
``domain=bank-data`` and every secret and table encrypted with one or tagged so. The walled-off
role: the role tagged ``domain=bank-data``.

- A bank asset admits the walled-off role only.
- Every other protected asset admits principals of the stack's own account only (the account the
  program's ARNs and the walled-off role's trust policy name); the other data stores (secrets,
  tables, vaults) never the walled-off role, whose whole permission set is the bank data (BANK-2).

AWS managed policies are judged by their documents (posture.iam.managed, a dated snapshot); one the
snapshot does not hold, like a customer policy attached by an ARN outside the stack, is taken to
allow everything. The walled-off role has an explicit, empty allow-list of managed policies: any
managed policy widens a permission set that must stay exactly its inline policy.
"""

from __future__ import annotations

import fnmatch
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

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
from posture.iam.managed import managed_policy_document, provenance
from posture.resources import ResourceView
from posture.rules.aws_owned import aws_owned
from posture.rules.graph import Graph, graph
from posture.rules.keys import resolve_key
from posture.rules.results import RuleResult, each, failed, not_applicable, passed, scope
from posture.rules.tokens import (
    ACCOUNT_PUBLIC_ACCESS_BLOCK,
    BACKUP_VAULT,
    BACKUP_VAULT_POLICY,
    BUCKET_POLICY,
    BUCKETS,
    DYNAMODB_RESOURCE_POLICY,
    DYNAMODB_TABLE,
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_ROLE_POLICY_ATTACHMENT,
    KMS_GRANT,
    KMS_KEY,
    KMS_KEY_POLICY,
    SECRET,
    SECRET_POLICY,
)
from posture.rules.values import ValueNotKnownError, as_list, props, tags

BANK_DOMAIN = ("domain", "bank-data")
KEY_READ_ACTIONS = read_actions("kms:Decrypt", "kms:ReEncryptFrom", level="Write") + read_actions(
    "kms:CreateGrant", level="Permissions management")
"""KMS classes decryption as Write; CreateGrant hands out Decrypt without touching the key policy."""
SECRET_READ_ACTIONS = read_actions("secretsmanager:GetSecretValue")
TABLE_READ_ACTIONS = read_actions("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
                                  "dynamodb:PartiQLSelect") + read_actions("dynamodb:ExportTableToPointInTime",
                                                                           level="Write")
OBJECT_READ_ACTIONS = read_actions("s3:GetObject", "s3:GetObjectVersion")
BACKUP_READ_ACTIONS = read_actions("backup:GetRecoveryPointRestoreMetadata") + read_actions(
    "backup:StartRestoreJob", "backup:StartCopyJob", level="Write")
"""Restoring or copying a recovery point out of the vault reads the backed-up data."""
GRANT_READ_OPERATIONS = frozenset({"Decrypt", "ReEncryptFrom", "CreateGrant"})
_EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}
_OTHER_PRINCIPAL = "role/another-principal-of-the-account"


def _is_bank(resource: ResourceView) -> bool:
    return tags(resource).get(BANK_DOMAIN[0]) == BANK_DOMAIN[1]


def _home(g: Graph, bank_roles: list[ResourceView]) -> str:
    """The stack's account: the walled-off role's trust-policy pin (components take it from config),
    else the account most of the stack's known role ARNs (or the account-wide S3 block) name."""
    for role in bank_roles:
        for s in statements(role, "assumeRolePolicy", props(role).get("assumeRolePolicy")):
            for values in (s.body.get("Condition") or {}).get("StringEquals", {}).values():
                for value in as_list(values):
                    if account_of(str(value)):
                        return str(value)
    named = Counter(account_of(str(r.props.get("arn"))) for r in g.of_type(IAM_ROLE))
    named.update(str(b.props.get("accountId")) for b in g.of_type(ACCOUNT_PUBLIC_ACCESS_BLOCK))
    found = [a for a, _ in named.most_common() if a and account_of(a)]
    return found[0] if found else ""


def _identity(g: Graph, roles: list[ResourceView], walled: set[str]) -> tuple[dict[str, list[Statement]], list[RuleResult]]:
    """Identity statements per role URN; a managed policy on a walled-off role is a failure of its own."""
    attached: dict[str, list[tuple[ResourceView, str, object]]] = {}
    problems: list[RuleResult] = []
    for policy in g.of_type(IAM_ROLE_POLICY):
        role = g.resolve(props(policy).ref("role"), IAM_ROLE)
        if role is not None:
            attached.setdefault(role.urn, []).append((policy, "policy", props(policy).get("policy")))
    managed: list[tuple[ResourceView, ResourceView, str]] = []
    for attachment in g.of_type(IAM_ROLE_POLICY_ATTACHMENT):
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
                                           "policy, outside its allow-list (none)", "none: the role's allow-list of managed "
                                           "policies is empty"), evidence=(f"principal {role.name}", f"policy {arn}")))
            continue
        document = managed_policy_document(arn)
        if document is None:
            label = f"managed {arn} (no document in sight: taken to allow everything)"
            attached.setdefault(role.urn, []).append((owner, label, _EVERYTHING))
        else:
            label = f"managed {arn} (AWS document as of {provenance()['newest_policy_update']})"
            attached.setdefault(role.urn, []).append((owner, label, document))
    return role_statements(roles, attached), problems


@dataclass(frozen=True)
class Asset:
    """A protected resource: what reading it takes, the statements on it, and how a Resource pattern is matched."""

    resource: ResourceView
    actions: tuple[str, ...]
    statements: list[Statement]
    matches: Callable[[str], bool]
    key: bool = False
    store: bool = True
    """A data store the walled-off role must not reach (not a key, not a log bucket)."""

    @property
    def logs(self) -> bool:
        """A log bucket: the one kind of asset the configured ``trustedAccounts`` may read too."""
        return not self.store and not self.key


def _policy_statements(policy: ResourceView | None) -> list[Statement]:
    if policy is None or not props(policy).get("policy"):
        return []
    return statements(policy, "policy", props(policy).get("policy"))


def _arn_matcher(arns: set[str]) -> Callable[[str], bool]:
    return lambda pattern: pattern == "*" or any(fnmatch.fnmatchcase(a, pattern) for a in arns)


def _object_matcher(bucket: str) -> Callable[[str], bool]:
    """Whether a Resource pattern covers some object of ``bucket``: object keys are anyone's to
    choose, so ``bucket/AWSLogs/*`` covers objects as surely as ``bucket/*`` does."""
    bucket_arn = f"arn:aws:s3:::{bucket}"

    def matches(pattern: str) -> bool:
        if pattern == "*" or fnmatch.fnmatchcase(f"{bucket_arn}/any-object", pattern):
            return True
        head, slash, _ = pattern.partition("/")
        return bool(slash) and fnmatch.fnmatchcase(bucket_arn, head)
    return matches


def bank_data_require_walled_off_readers(resources: Sequence[ResourceView],
                                         settings: Mapping[str, Any] | None = None) -> list[RuleResult]:
    g = graph(resources)
    outside = {r.urn: (r, why) for r in g.of_type(IAM_ROLE, KMS_KEY) if (why := aws_owned(r))}
    roles = [r for r in g.of_type(IAM_ROLE) if r.urn not in outside]
    bank_roles = [r for r in roles if _is_bank(r)]
    home = _home(g, bank_roles)
    # Log buckets (trails, access logs, Config history) may also be read by the configured
    # trustedAccounts, a log-archive or security-tooling account; every other asset outside the wall
    # (keys, secrets, tables, vaults, whose recovery points include the bank data) by the home account only.
    log_readers = {home, *((settings or {}).get("trustedAccounts") or ())} - {""}

    def accounts(logs: bool) -> set[str]:
        return log_readers if logs else {home}

    def admitted(principal: str, logs: bool) -> bool:
        """A principal of an account the asset admits; "anyone" never is, whatever the config lists."""
        return principal != FOREIGN_STANDIN and account_of(principal) in accounts(logs)

    def readers_text(logs: bool) -> str:
        admitting = sorted(accounts(logs))
        return f"principals of the account{'s' if len(admitting) > 1 else ''} {', '.join(admitting)}"

    walled = {r.urn for r in bank_roles}
    walled_arns = {role_arn(r, home).lower() for r in bank_roles}
    walled_names = ", ".join(sorted(r.name for r in bank_roles)) or "nobody"
    identity, results = _identity(g, roles, walled)
    candidates = {role_arn(r, home): identity.get(r.urn, []) for r in roles}
    # Outside the wall only outsiders and the walled-off role can be refused: the stack's other
    # roles need not be evaluated there (at 1,000 services, 1,000 roles by 1,000 tables).
    suspects = {arn: own for arn, own in candidates.items() if arn.lower() in walled_arns or account_of(arn) != home}
    bank_keys = {k.urn for k in g.of_type(KMS_KEY) if _is_bank(k)}

    def named_principals(resource_statements: list[Statement], bank: bool) -> dict[str, list[Statement] | None]:
        """The stack's roles (outside the wall, those that can be refused), and every principal the
        asset's policy names, outsiders by a stand-in whose identity policies are out of sight."""
        principals: dict[str, list[Statement] | None] = dict(candidates if bank else suspects)
        if bank:  # the account's people and tools outside the stack: the wall must keep them out too
            principals.setdefault(f"arn:aws:iam::{home}:{_OTHER_PRINCIPAL}", None)
        for s in resource_statements:
            block = s.body.get("Principal")
            entries = [str(e) for e in as_list(block.get("AWS") if isinstance(block, dict) else block)]
            if s.body.get("NotPrincipal") is not None:
                entries.append("*")
            for entry in entries:
                if entry == "*":
                    principals.setdefault(FOREIGN_STANDIN, None)
                    principals.setdefault(f"arn:aws:iam::{home}:{_OTHER_PRINCIPAL}", None)
                elif entry.endswith(":root") or entry.isdigit():
                    principals.setdefault(f"arn:aws:iam::{account_of(entry)}:{_OTHER_PRINCIPAL}", None)
                elif entry.startswith("arn:"):
                    principals.setdefault(entry, None)
        return principals

    def refusal(principal: str, bank: bool, store: bool = True, logs: bool = False) -> tuple[str, str] | None:
        """Why ``principal`` may not read the asset (problem, who may), or None when it may. The wall's far
        side is the other data stores (secrets, tables, vaults): a key decrypts nothing by itself, and
        the log buckets hold no customer data."""
        if bank:
            if principal.lower() in walled_arns:
                return None
            return ("only the bank-sync role may read bank data",
                    f"only {walled_names}" if bank_roles else f"only a role tagged {'='.join(BANK_DOMAIN)}")
        if principal.lower() in walled_arns and store:
            return ("the walled-off bank-sync role reaches beyond the bank data",
                    "principals other than the walled-off role, whose reads end at the bank data")
        if not home:
            raise ValueNotKnownError("accountId", reason="the stack's account: no role ARN or trust policy names it")
        if not admitted(principal, logs):
            return (f"a principal outside the {readers_text(logs).removeprefix('principals of the ')}",
                    f"{readers_text(logs)} only")
        return None

    def judge(asset: Asset) -> list[RuleResult]:
        resource = asset.resource
        if any(arn in json.dumps(s.body).lower() for s in asset.statements for arn in walled_arns):
            walled_for.add(resource.urn)  # a policy written to wall the store off for the bank-sync role
        bank = _is_bank_asset(resource)
        found: list[RuleResult] = []
        for principal, own in named_principals(asset.statements, bank).items():
            inside = principal.lower() not in walled_arns or not asset.store
            if not bank and inside and home and admitted(principal, asset.logs):
                continue  # a principal the asset admits (outside the wall)
            for action in asset.actions:
                grant = evaluate(principal, action, asset.statements, own, asset.matches, home, asset.key)
                why = refusal(principal, bank, asset.store, asset.logs) if grant else None
                if why is not None:
                    problem, readers = why
                    result = failed(resource, "readers", principal,
                                    f"{principal} can {action} on {resource.name} (granted by {grant}): {problem}",
                                    readers)
                    found.append(replace(result, evidence=(f"principal {principal}", f"action {action} on {resource.name}",
                                                           f"granted by {grant}")))
                    break
        return found

    def _is_bank_asset(resource: ResourceView) -> bool:
        return resource.urn in bank_assets or resource.urn in walled_for

    def outcome(asset: Asset, extra: list[RuleResult] | None = None) -> list[RuleResult]:
        found = (extra or []) + judge(asset)
        if found:
            return found
        who = walled_names if _is_bank_asset(asset.resource) else readers_text(asset.logs)
        return [passed(asset.resource, f"only {who} can read it")]

    key_policies = g.attached_to((KMS_KEY_POLICY,), "keyId", KMS_KEY)
    grants: dict[str, list[ResourceView]] = {}
    for grant in g.of_type(KMS_GRANT):
        target = g.resolve(props(grant).ref("keyId"), KMS_KEY)
        if target is not None:
            grants.setdefault(target.urn, []).append(grant)

    def check_key(key: ResourceView) -> list[RuleResult]:
        policy = key_policies.get(key.urn)
        docs = _policy_statements(policy if policy is not None else key)
        found: list[RuleResult] = []
        for grant in grants.get(key.urn, []):
            grantee = str(props(grant).get("granteePrincipal"))
            operations = [str(o) for o in props(grant).get("operations") or []]
            if not GRANT_READ_OPERATIONS & set(operations):
                continue
            why = refusal(grantee if account_of(grantee) else f"arn:aws:iam::{home}:{grantee}", key.urn in bank_keys,
                          store=False)
            if why is not None:
                found.append(replace(
                    failed(grant, "granteePrincipal", grantee, f"the grant lets {grantee} use {key.name} "
                           f"({', '.join(operations)}): {why[0]}", why[1]),
                    evidence=(f"principal {grantee}", f"operations {', '.join(operations)} on {key.name}",
                              f"granted by {grant.name}")))
        return outcome(Asset(key, KEY_READ_ACTIONS, docs, _arn_matcher(known_arns(key)), key=True, store=False), found)

    def protected_by_bank_key(store: ResourceView, ref) -> bool:
        target = resolve_key(g, ref) if ref is not None else None
        return target is not None and target.urn in bank_keys

    secrets = g.of_type(SECRET)
    tables = g.of_type(DYNAMODB_TABLE)
    bank_assets = set(bank_keys)
    walled_for: set[str] = set()
    bank_assets.update(s.urn for s in secrets if _is_bank(s) or protected_by_bank_key(s, props(s).ref("kmsKeyId")))
    for table in tables:
        sse = props(table).get("serverSideEncryption")
        if _is_bank(table) or (sse is not None and protected_by_bank_key(table, sse.ref("kmsKeyArn"))):
            bank_assets.add(table.urn)

    secret_policies = g.attached_to((SECRET_POLICY,), "secretArn", SECRET)

    def check_secret(secret: ResourceView) -> list[RuleResult]:
        policy = secret_policies.get(secret.urn)
        arns = known_arns(secret, policy.props.get("secretArn") if policy is not None else None)
        return outcome(Asset(secret, SECRET_READ_ACTIONS, _policy_statements(policy),
                             lambda pat: pattern_covers(pat, secret, arns)))

    table_names = frozenset(f"table/{t.props['name']}" for t in tables if isinstance(t.props.get("name"), str))
    table_policies = g.attached_to((DYNAMODB_RESOURCE_POLICY,), "resourceArn", DYNAMODB_TABLE)

    def check_table(table: ResourceView) -> list[RuleResult]:
        found: list[RuleResult] = []
        for i, replica in enumerate(props(table).get("replicas") or []):
            if table.urn in bank_assets and not replica.get("kmsKeyArn"):
                found.append(replace(
                    failed(table, f"replicas[{i}].kmsKeyArn", None, f"the {replica.get('regionName')} replica of bank "
                           "data has no key of its own (AWS-owned key, no key policy)",
                           "a bank-data key in the replica's region"),
                    evidence=("principal any principal of the account with DynamoDB read access",
                              f"table {table.name} replica in {replica.get('regionName')}",
                              f"granted by the AWS-owned key of replicas[{i}]")))
        policy = table_policies.get(table.urn)
        arns = known_arns(table, policy.props.get("resourceArn") if policy is not None else None)
        taken = table_names - {f"table/{props(table).get('name')}"}
        return outcome(Asset(table, TABLE_READ_ACTIONS, _policy_statements(policy),
                             lambda pat: pattern_covers(pat, table, arns, taken)), found)

    bucket_policies = g.attached_to((BUCKET_POLICY,), "bucket", *BUCKETS)

    def check_bucket(bucket: ResourceView) -> list[RuleResult]:
        return outcome(Asset(bucket, OBJECT_READ_ACTIONS, _policy_statements(bucket_policies.get(bucket.urn)),
                             _object_matcher(str(props(bucket).get("bucket"))), store=False))

    vault_policies = g.attached_to((BACKUP_VAULT_POLICY,), "backupVaultName", BACKUP_VAULT)

    def check_vault(vault: ResourceView) -> list[RuleResult]:
        arns = known_arns(vault)
        arns |= {":".join(a.split(":")[:5]) + ":recovery-point:any" for a in arns}
        return outcome(Asset(vault, BACKUP_READ_ACTIONS, _policy_statements(vault_policies.get(vault.urn)),
                             _arn_matcher(arns)))

    keys = [k for k in g.of_type(KMS_KEY) if k.urn not in outside]
    assets = [*keys, *secrets, *tables, *g.of_type(*BUCKETS), *g.of_type(BACKUP_VAULT)]
    if not assets:
        return [not_applicable(resources[0], f"no key, secret, table, bucket or vault {scope().here}")] if resources else []
    results += [not_applicable(r, f"{why} (neither a reader nor an asset here)") for r, why in outside.values()]
    results += each(keys, check_key)
    results += each(secrets, check_secret)
    results += each(tables, check_table)
    results += each(g.of_type(*BUCKETS), check_bucket)
    results += each(g.of_type(BACKUP_VAULT), check_vault)
    return results
