"""Customer-managed KMS keys: every key rotates, and every key a data store uses is one we manage (DB-3, DB-4, BANK-3).

Whether a data store names a customer key at all is each store's own control; the stack rule
here only proves that the key it names is declared in this stack (so its rotation and key
policy are enforced) and can rotate. Together they cover "every key used by a data store
rotates" without reporting one mistake twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from posture.resources import UNKNOWN, ResourceView
from posture.rules.aws_owned import aws_owned, scheduled_for_deletion
from posture.rules.graph import Graph, graph
from posture.rules.identity import wildcard_grant
from posture.rules.policy_documents import EVERYONE_PINS, fnmatch_any, is_everyone, pinned_keys, policy_document
from posture.rules.results import RuleResult, each, failed, not_applicable, passed, scope
from posture.rules.tokens import (
    BACKUP_AIR_GAPPED_VAULT,
    BACKUP_VAULT,
    BUCKET_ENCRYPTION,
    DYNAMODB_TABLE,
    KMS_ALIAS,
    KMS_EXTERNAL_KEY,
    KMS_KEY,
    KMS_REPLICA_KEY,
    LOG_GROUP,
    RDS_CLUSTER,
    RDS_INSTANCE,
    SECRET,
    SNS_TOPIC,
    TRAIL,
)
from posture.rules.values import Props, Reference, as_bool, as_int, as_list, is_aws_managed_key, props

MAX_ROTATION_DAYS = 365
_KEY_TYPES = (KMS_KEY, KMS_EXTERNAL_KEY, KMS_REPLICA_KEY)
_KEY_REFERENCES: dict[str, tuple[str, ...]] = {
    RDS_INSTANCE: ("kmsKeyId", "masterUserSecretKmsKeyId", "performanceInsightsKmsKeyId"),
    RDS_CLUSTER: ("kmsKeyId", "masterUserSecretKmsKeyId"),
    DYNAMODB_TABLE: ("serverSideEncryption.kmsKeyArn",),
    BACKUP_VAULT: ("kmsKeyArn",),
    BACKUP_AIR_GAPPED_VAULT: ("encryptionKeyArn",),
    SECRET: ("kmsKeyId",),
    LOG_GROUP: ("kmsKeyId",),
    SNS_TOPIC: ("kmsMasterKeyId",),
    TRAIL: ("kmsKeyId",),
}
KEY_USE_ACTIONS = (
    "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:CreateGrant",
)
"""Every action that reads or produces data under the key, each by its full name, plus CreateGrant
(a grant hands out the others without touching the key policy). A statement's actions are matched
against these like IAM does (case-insensitive, ``*``/``?``), so ``kms:Decrypt*``, ``kms:decrypt``,
``kms:Create*`` and ``kms:*`` are all use grants."""
_ACCOUNT_ROOT = re.compile(r"^(arn:aws[a-z-]*:iam::\d{12}:root|\d{12})$")
ACCOUNT_SCOPING = frozenset({"kms:viaservice", "aws:principalarn", "aws:sourceaccount", "aws:sourcearn"})
"""What narrows a use grant to a whole account (or to Principal "*" pinned to an account or
organization): only through named services, only named principals, or only a service acting for
our account or resource. kms:CallerAccount narrows nothing there (every caller is in the account),
and kms:EncryptionContext is whatever the caller sends."""
SERVICE_SCOPING = frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths",
                             "kms:calleraccount"})
"""What narrows a use grant to a service principal to our account: the source keys, the caller's
account, or an encryption context the service itself sets to one of our resources
(``kms:EncryptionContext:aws:logs:arn``, ``...:aws:cloudtrail:arn``)."""


def _use_actions(statement: dict[str, Any]) -> list[str]:
    """The use actions a statement allows (NotAction allows every action it does not list)."""
    if statement.get("NotAction") is not None:
        excluded = [str(a) for a in as_list(statement.get("NotAction"))]
        return [a for a in KEY_USE_ACTIONS if not fnmatch_any(a, excluded)]
    patterns = [str(a) for a in as_list(statement.get("Action"))]
    return [a for a in KEY_USE_ACTIONS if fnmatch_any(a, patterns)]


def key_enable_rotation(resource: ResourceView) -> RuleResult:
    outside = aws_owned(resource) or scheduled_for_deletion(resource)
    if outside:
        return not_applicable(resource, outside)
    p = props(resource)
    spec = p.get("customerMasterKeySpec") or p.get("keySpec") or "SYMMETRIC_DEFAULT"
    if spec != "SYMMETRIC_DEFAULT" or p.get("keyUsage") not in (None, "ENCRYPT_DECRYPT"):
        return not_applicable(resource, f"{spec} keys cannot rotate automatically")
    enabled = as_bool(p.get("enableKeyRotation"))
    if not enabled:
        return failed(resource, "enableKeyRotation", enabled, "the same key material protects data forever",
                      "true")
    period = as_int(p.get("rotationPeriodInDays"))
    if period is not None and period > MAX_ROTATION_DAYS:
        return failed(resource, "rotationPeriodInDays", period, "key material rotates less than once a year",
                      f"at most {MAX_ROTATION_DAYS} days")
    return passed(resource, f"rotates every {period or MAX_ROTATION_DAYS} days")


MIN_DELETION_WINDOW_DAYS = 30
"""The longest wait AWS allows between ScheduleKeyDeletion and the deletion, and its default."""


def key_require_30_day_deletion_window(resource: ResourceView) -> RuleResult:
    owned = aws_owned(resource)
    if owned:
        return not_applicable(resource, owned)
    days = as_int(props(resource).get("deletionWindowInDays"))
    if days is not None and days < MIN_DELETION_WINDOW_DAYS:
        return failed(resource, "deletionWindowInDays", days, f"a mistaken or malicious deletion of the key, and of "
                      f"every backup it encrypts, can be cancelled for only {days} days",
                      f"{MIN_DELETION_WINDOW_DAYS} days, or unset (AWS defaults to {MIN_DELETION_WINDOW_DAYS})")
    return passed(resource, f"deletion waits {days or MIN_DELETION_WINDOW_DAYS} days")


def _broad_use(statement: dict[str, Any]) -> str | None:
    """A use grant to a whole account, to everyone in an account or organization, or to a service on
    anyone's behalf, with nothing narrowing it. ``kms:*``, NotAction and an unpinned Principal "*"
    are the wildcard-grant control's finding (aws-iam-resourcepolicy-disallow-wildcard-grants), so
    one statement is one violation."""
    if statement.get("Effect") != "Allow":
        return None
    actions = _use_actions(statement)
    if not actions or wildcard_grant(statement):
        return None
    scoping = pinned_keys(statement.get("Condition"))
    principal = statement.get("Principal")
    if is_everyone(principal):  # pinned (wildcard_grant passed it), but maybe only to a whole account or org
        if scoping & ACCOUNT_SCOPING:
            return None
        return f"{actions[0]} by every principal the condition admits ({', '.join(sorted(scoping & EVERYONE_PINS))})"
    if not isinstance(principal, dict):
        return None
    accounts = [str(p) for p in as_list(principal.get("AWS")) if _ACCOUNT_ROOT.match(str(p))]
    if accounts and not scoping & ACCOUNT_SCOPING:
        return f"{actions[0]} by every principal of account {accounts[0]}"
    services = [str(s) for s in as_list(principal.get("Service"))]
    context = {k for k in scoping if k.startswith("kms:encryptioncontext:aws:")}
    if services and not (scoping & SERVICE_SCOPING or context):
        return f"{actions[0]} by {', '.join(services)} for any account (confused deputy)"
    return None


def key_require_conditioned_use(resource: ResourceView) -> RuleResult:
    outside = aws_owned(resource)
    if outside:
        return not_applicable(resource, outside)
    policy = props(resource).get("policy")
    if policy is None:
        return not_applicable(resource, "no inline policy (a standalone aws.kms.KeyPolicy is checked on its own)")
    for i, statement in enumerate(policy_document(policy)["Statement"]):
        broad = _broad_use(statement)
        if broad:
            return failed(resource, f"policy.Statement[{i}]", broad, "the key can decrypt data for callers it was "
                          "never meant for", "named roles in Principal, or a StringEquals kms:ViaService condition naming the services "
                          "(for a service principal: aws:SourceAccount)")
    return passed(resource, "use is limited to named services, roles or accounts")


def resolve_key(g: Graph, ref: Reference) -> ResourceView | None:
    """A key by id, ARN, alias name or alias ARN; on a preview, the key (or the alias of the key) the
    reference was computed from."""
    if isinstance(ref.value, str) and "alias/" in ref.value:
        name = "alias/" + ref.value.split("alias/", 1)[1]
        for alias in g.of_type(KMS_ALIAS):
            if props(alias).get("name") == name:
                return g.resolve(props(alias).ref("targetKeyId"), *_KEY_TYPES)
        return None
    if ref.value is UNKNOWN and not g.sources(ref, *_KEY_TYPES):
        aliases = g.sources(ref, KMS_ALIAS)
        if len(aliases) == 1:
            return g.resolve(props(aliases[0]).ref("targetKeyId"), *_KEY_TYPES)
    return g.resolve(ref, *_KEY_TYPES)


def _key_refs(store: ResourceView) -> list[Reference]:
    p = props(store)
    if store.type in BUCKET_ENCRYPTION:
        found = [(rule.get("applyServerSideEncryptionByDefault") or Props({})).ref("kmsMasterKeyId")
                 for rule in p.get("rules") or []]
    else:
        found = []
        for path in _KEY_REFERENCES[store.type]:
            head, _, tail = path.partition(".")
            if tail:
                nested = p.get(head)
                found.append(nested.ref(tail) if nested is not None else None)
            else:
                found.append(p.ref(head))
    return [ref for ref in found if ref is not None]


def data_store_require_rotating_key(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)

    def check(store: ResourceView) -> RuleResult:
        named = 0
        for ref in _key_refs(store):
            path = ref.path
            if not ref.value or (isinstance(ref.value, str) and is_aws_managed_key(ref.value)):
                continue
            named += 1
            key = resolve_key(g, ref)
            if key is None:
                return failed(store, path, ref.value, f"the key is not {scope().declared}, so its rotation and key policy "
                              "cannot be proven", f"a customer-managed key {scope().declared}")
            if aws_owned(key):
                named -= 1  # an AWS-managed key by its ARN: the store's own encryption control decides
                continue
            if scheduled_for_deletion(key):
                return failed(store, path, ref.value, f"{key.name} is scheduled for deletion: it no longer rotates, "
                              "and the data becomes unreadable once it is deleted",
                              f"a customer-managed key {scope().declared}, not scheduled for deletion")
            if key.type == KMS_EXTERNAL_KEY:
                return failed(store, path, ref.value, f"{key.name} holds imported key material, which KMS cannot rotate",
                              "a KMS-generated key (not imported material), which can rotate")
            if key.type == KMS_REPLICA_KEY:
                primary = g.resolve(props(key).ref("primaryKeyArn"), KMS_KEY)
                if primary is None:
                    return failed(key, "primaryKeyArn", props(key).get("primaryKeyArn"), "the replica's primary key "
                                  f"is not {scope().declared}", f"a primary key {scope().declared}")
        if not named:
            return not_applicable(store, "names no customer-managed key (its own encryption control decides)")
        return passed(store, f"every key it uses is a rotating key {scope().declared}")

    return each(g.of_type(*_KEY_REFERENCES, *BUCKET_ENCRYPTION), check)
