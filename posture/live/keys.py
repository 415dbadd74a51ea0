"""KMS: customer-managed keys (rotation status and period, key policy, tags, grants) and their aliases.

AWS-managed keys (``alias/aws/<service>``) are not ours to rotate or restrict, so they are not
inventoried as keys. Resources name them by key ARN, though, and a rule can only tell an
AWS-managed key from ours by the alias form; the collector therefore emits one
``AWS_MANAGED_KEY`` marker per AWS-managed key it can identify (from ``DescribeKey``'s
``KeyManager`` or from the ``alias/aws/*`` aliases), and the audit rewrites every reference to
such a key into its alias ARN before the rules run (``normalise_key_references``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from posture.live.base import UNREADABLE, Context, sub_urn
from posture.resources import ResourceView
from posture.rules import tokens as tok

AWS_MANAGED_KEY = "posture:live/awsManagedKey:AwsManagedKey"
"""Internal marker, removed before evaluation: an AWS-managed key's id, ARN and alias."""
TYPES = (tok.KMS_KEY, tok.KMS_EXTERNAL_KEY, tok.KMS_REPLICA_KEY, tok.KMS_ALIAS, tok.KMS_GRANT)
_GONE = ("PendingDeletion", "PendingReplicaDeletion")


def collect(ctx: Context) -> list[ResourceView]:
    aliases = ctx.items("kms", "list_aliases", "Aliases", types=(tok.KMS_ALIAS,))
    alias_of: dict[str, str] = {}
    for alias in aliases:
        if alias.get("TargetKeyId"):
            alias_of.setdefault(alias["TargetKeyId"], alias["AliasName"])
    views: list[ResourceView] = []
    managed: dict[str, str] = {}
    for key in ctx.items("kms", "list_keys", "Keys", types=TYPES):
        arn = key.get("KeyArn") or ctx.arn("kms", f"key/{key['KeyId']}")
        response = ctx.call("kms", "describe_key", types=TYPES, resource=arn, KeyId=key["KeyId"])
        if not response:
            views.append(ctx.view(tok.KMS_KEY, arn, alias_of.get(key["KeyId"], key["KeyId"]), {
                "id": key["KeyId"], "keyId": key["KeyId"], "arn": arn, "keyUsage": UNREADABLE,
                "enableKeyRotation": UNREADABLE}))
            continue
        metadata = response["KeyMetadata"]
        if metadata.get("KeyManager") == "AWS":
            managed[metadata["KeyId"]] = metadata.get("Arn") or arn
            continue
        if metadata.get("KeyState") in _GONE:
            continue
        views.append(_key(ctx, metadata, alias_of.get(metadata["KeyId"])))
        views += _grants(ctx, metadata["Arn"])
    for alias in aliases:
        name = alias["AliasName"]
        target = alias.get("TargetKeyId")
        if name.startswith("alias/aws/"):
            if target:
                managed.setdefault(target, ctx.arn("kms", f"key/{target}"))
            continue
        views.append(ctx.view(tok.KMS_ALIAS, alias.get("AliasArn") or ctx.arn("kms", name), name, {
            "id": name, "arn": alias.get("AliasArn"), "name": name, "targetKeyId": target,
            "targetKeyArn": ctx.arn("kms", f"key/{target}") if target else None}))
    views += [ctx.view(AWS_MANAGED_KEY, key_arn, alias_of.get(key_id, key_id), {
        "keyId": key_id, "arn": key_arn, "aliasArn": ctx.arn("kms", alias_of.get(key_id, f"alias/aws/managed-{key_id}"))})
        for key_id, key_arn in managed.items()]
    return views


def _key(ctx: Context, metadata: dict[str, Any], alias: str | None) -> ResourceView:
    key_id, arn = metadata["KeyId"], metadata["Arn"]
    spec = metadata.get("KeySpec") or metadata.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    usage = metadata.get("KeyUsage")
    props: dict[str, Any] = {
        "id": key_id, "keyId": key_id, "arn": arn, "description": metadata.get("Description"),
        "keyUsage": usage, "customerMasterKeySpec": spec, "keySpec": spec, "isEnabled": metadata.get("Enabled"),
        "keyState": metadata.get("KeyState"), "multiRegion": metadata.get("MultiRegion"),
        "origin": metadata.get("Origin"),
    }
    if spec == "SYMMETRIC_DEFAULT" and usage in (None, "ENCRYPT_DECRYPT") and metadata.get("Origin") == "AWS_KMS":
        rotation = ctx.call("kms", "get_key_rotation_status", types=(tok.KMS_KEY,), resource=arn, KeyId=key_id)
        props["enableKeyRotation"] = rotation.get("KeyRotationEnabled") if rotation else UNREADABLE
        props["rotationPeriodInDays"] = rotation.get("RotationPeriodInDays") if rotation else None
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
    """Rewrite every reference to an AWS-managed key (by id or ARN) into its ``alias/aws/...`` ARN,
    and drop the markers: the rules recognise AWS-managed keys by that alias form only."""
    views = list(views)
    aliases: dict[str, str] = {}
    for marker in (v for v in views if v.type == AWS_MANAGED_KEY):
        aliases[marker.props["keyId"]] = marker.props["aliasArn"]
        aliases[marker.props["arn"]] = marker.props["aliasArn"]
    kept = [v for v in views if v.type != AWS_MANAGED_KEY]
    if not aliases:
        return kept
    return [ResourceView(v.urn, v.type, v.name, _replace(v.props, aliases), v.parent, v.source, v.custom, v.region)
            if v.type != tok.KMS_ALIAS else v for v in kept]


def _replace(value: Any, aliases: dict[str, str]) -> Any:
    if isinstance(value, str):
        return aliases.get(value, value)
    if isinstance(value, dict):
        return {k: _replace(v, aliases) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, aliases) for v in value]
    return value
