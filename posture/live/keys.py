"""KMS: every key (rotation status and period, key policy, tags, grants) and every alias.

AWS-managed keys and keys scheduled for deletion are reported like any other, with the facts the
rules decide by: ``keyManager`` ("AWS" or "CUSTOMER") and ``keyState``. The rules say what applies
to them (posture.rules.aws_owned): AWS rotates its own keys and owns their policies; a key pending
deletion can no longer be used.
Resources name an AWS-managed key by its ARN, and a resource rule sees only its own resource, so
the audit names such keys by their ``alias/aws/...`` ARN, as a program would, before the rules
run (``normalise_key_references``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from posture.live.base import UNREADABLE, Context, sub_urn
from posture.resources import ResourceView
from posture.rules import tokens as tok
from posture.rules.aws_owned import SCHEDULED_FOR_DELETION as _SCHEDULED_FOR_DELETION
from posture.rules.values import is_aws_managed_key

TYPES = (tok.KMS_KEY, tok.KMS_EXTERNAL_KEY, tok.KMS_REPLICA_KEY, tok.KMS_ALIAS, tok.KMS_GRANT)


def collect(ctx: Context) -> list[ResourceView]:
    aliases = ctx.items("kms", "list_aliases", "Aliases", types=(tok.KMS_ALIAS,))
    alias_of: dict[str, str] = {}
    for alias in aliases:
        if alias.get("TargetKeyId"):
            alias_of.setdefault(alias["TargetKeyId"], alias["AliasName"])
    views: list[ResourceView] = []
    for key in ctx.items("kms", "list_keys", "Keys", types=TYPES):
        arn = key.get("KeyArn") or ctx.arn("kms", f"key/{key['KeyId']}")
        response = ctx.call("kms", "describe_key", types=TYPES, resource=arn, KeyId=key["KeyId"])
        if not response:
            views.append(ctx.view(tok.KMS_KEY, arn, alias_of.get(key["KeyId"], key["KeyId"]), {
                "id": key["KeyId"], "keyId": key["KeyId"], "arn": arn, "keyUsage": UNREADABLE,
                "enableKeyRotation": UNREADABLE}))
            continue
        metadata = response["KeyMetadata"]
        views.append(_key(ctx, metadata, alias_of.get(metadata["KeyId"])))
        views += _grants(ctx, metadata["Arn"])
    for alias in aliases:
        name = alias["AliasName"]
        target = alias.get("TargetKeyId")
        views.append(ctx.view(tok.KMS_ALIAS, alias.get("AliasArn") or ctx.arn("kms", name), name, {
            "id": name, "arn": alias.get("AliasArn"), "name": name, "targetKeyId": target,
            "targetKeyArn": ctx.arn("kms", f"key/{target}") if target else None}))
    return views


def _key(ctx: Context, metadata: dict[str, Any], alias: str | None) -> ResourceView:
    key_id, arn = metadata["KeyId"], metadata["Arn"]
    spec = metadata.get("KeySpec") or metadata.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    usage = metadata.get("KeyUsage")
    props: dict[str, Any] = {
        "id": key_id, "keyId": key_id, "arn": arn, "description": metadata.get("Description"),
        "keyUsage": usage, "customerMasterKeySpec": spec, "keySpec": spec, "isEnabled": metadata.get("Enabled"),
        "keyState": metadata.get("KeyState"), "multiRegion": metadata.get("MultiRegion"),
        "origin": metadata.get("Origin"), "keyManager": metadata.get("KeyManager"),
    }
    if metadata.get("KeyState") in _SCHEDULED_FOR_DELETION:
        props["enableKeyRotation"] = False  # KMS reports, and does, no rotation while the deletion is pending
    elif spec == "SYMMETRIC_DEFAULT" and usage in (None, "ENCRYPT_DECRYPT") and metadata.get("Origin") == "AWS_KMS":
        rotation = ctx.call("kms", "get_key_rotation_status", types=(tok.KMS_KEY,), resource=arn, KeyId=key_id)
        props["enableKeyRotation"] = rotation.get("KeyRotationEnabled") if rotation else UNREADABLE
        props["rotationPeriodInDays"] = rotation.get("RotationPeriodInDays") if rotation else None
    if metadata.get("KeyManager") == "AWS":
        props["tags"] = {}  # AWS-managed keys cannot be tagged
    else:
        tagging = ctx.call("kms", "list_resource_tags", types=(tok.KMS_KEY,), resource=arn, KeyId=key_id)
        props["tags"] = {t["TagKey"]: t["TagValue"] for t in tagging.get("Tags") or []} if tagging else UNREADABLE
    policy = ctx.call("kms", "get_key_policy", types=(tok.KMS_KEY,), resource=arn, KeyId=key_id, PolicyName="default")
    props["policy"] = policy.get("Policy") if policy else UNREADABLE
    if metadata.get("Origin") == "EXTERNAL":
        return ctx.view(tok.KMS_EXTERNAL_KEY, arn, alias or key_id, props)
    region_config = metadata.get("MultiRegionConfiguration") or {}
    if region_config.get("MultiRegionKeyType") == "REPLICA":
        props["primaryKeyArn"] = (region_config.get("PrimaryKey") or {}).get("Arn")
        return ctx.view(tok.KMS_REPLICA_KEY, arn, alias or key_id, props)
    return ctx.view(tok.KMS_KEY, arn, alias or key_id, props)


def _grants(ctx: Context, key_arn: str) -> list[ResourceView]:
    """A grant hands out key use without the key policy: one ``aws:kms/grant`` per grant, as declared."""
    return [ctx.view(tok.KMS_GRANT, sub_urn(key_arn, "grant", grant["GrantId"]), grant.get("Name") or grant["GrantId"], {
        "id": grant["GrantId"], "keyId": key_arn, "name": grant.get("Name"),
        "granteePrincipal": grant.get("GranteePrincipal"), "retiringPrincipal": grant.get("RetiringPrincipal"),
        "operations": list(grant.get("Operations") or [])})
        for grant in ctx.items("kms", "list_grants", "Grants", types=(tok.KMS_GRANT,), resource=key_arn, KeyId=key_arn)]


def normalise_key_references(views: Iterable[ResourceView]) -> list[ResourceView]:
    """Name every AWS-managed key the way a program does, by its ``alias/aws/<service>`` ARN, in
    the other resources' properties: live APIs name it by key id or ARN, and a resource rule sees
    only its own resource, so the alias form is how the data-store controls tell it from ours
    (``posture.rules.values.is_aws_managed_key``). Only names change; no view is added or left out.
    A key is AWS-managed when ``DescribeKey`` says so (``keyManager``) or an ``alias/aws/*`` alias
    points at it."""
    views = list(views)
    alias_arns = {str(v.props.get("targetKeyId")): str(v.props.get("arn") or v.urn) for v in views
                  if v.type == tok.KMS_ALIAS and is_aws_managed_key(str(v.props.get("name"))) and v.props.get("targetKeyId")}
    managed = {str(v.props["keyId"]): str(v.props["arn"]) for v in views
               if v.type in TYPES and v.props.get("keyManager") == "AWS"}
    for key_id in set(alias_arns) - set(managed):  # an alias/aws/* alias of a key DescribeKey did not answer for
        managed[key_id] = alias_arns[key_id].split("alias/", 1)[0] + f"key/{key_id}"
    names: dict[str, str] = {}
    for key_id, key_arn in managed.items():
        names[key_id] = names[key_arn] = (alias_arns.get(key_id)
                                          or key_arn.replace(f"key/{key_id}", f"alias/aws/managed-{key_id}"))
    if not names:
        return views
    return [ResourceView(v.urn, v.type, v.name, _replace(v.props, names), v.parent, v.source, v.custom, v.region)
            if v.type not in TYPES else v for v in views]


def _replace(value: Any, aliases: dict[str, str]) -> Any:
    if isinstance(value, str):
        return aliases.get(value, value)
    if isinstance(value, dict):
        return {k: _replace(v, aliases) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, aliases) for v in value]
    return value
