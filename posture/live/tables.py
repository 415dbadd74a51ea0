"""DynamoDB: tables with their encryption, point-in-time recovery, TTL, deletion protection and tags,
and each table's resource policy as an ``aws:dynamodb/resourcePolicy``.

A table without ``SSEDescription`` is encrypted with the AWS-owned key, which the wire form
spells ``serverSideEncryption.enabled = false``. Encryption and TTL read as enabled only when AWS
says ``ENABLED``, as the Pulumi provider reads them: counting ``ENABLING`` as on would be the
collector deciding that "soon" is good enough. Encryption ``UPDATING`` (the table changing keys) is
unreadable: the table stays encrypted, but with which key is not known until the change ends.
"""

from __future__ import annotations

from typing import Any

from posture.live.base import FAILED, UNREADABLE, Context, sub_urn, tags_of
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.DYNAMODB_TABLE, tok.DYNAMODB_RESOURCE_POLICY)


def collect(ctx: Context) -> list[ResourceView]:
    views: list[ResourceView] = []
    for name in ctx.items("dynamodb", "list_tables", "TableNames", types=TYPES):
        table = _table(ctx, name)
        views.append(table)
        arn = table.props["arn"]
        policy = ctx.call("dynamodb", "get_resource_policy", types=(tok.DYNAMODB_RESOURCE_POLICY,), resource=arn,
                          absent=("PolicyNotFoundException", "ResourceNotFoundException"), ResourceArn=arn)
        document = UNREADABLE if policy is FAILED else (policy or {}).get("Policy")
        if document is not None:
            views.append(ctx.view(tok.DYNAMODB_RESOURCE_POLICY, sub_urn(arn, "policy"), f"{name} policy",
                                  {"resourceArn": arn, "policy": document}))
    return views


def _table(ctx: Context, name: str) -> ResourceView:
    arn = ctx.arn("dynamodb", f"table/{name}")
    described = ctx.call("dynamodb", "describe_table", types=TYPES, resource=arn, TableName=name)
    table: dict[str, Any] = (described or {}).get("Table") or {}
    arn = table.get("TableArn") or arn
    backups = ctx.call("dynamodb", "describe_continuous_backups", types=TYPES, resource=arn, TableName=name)
    ttl = ctx.call("dynamodb", "describe_time_to_live", types=TYPES, resource=arn, TableName=name)
    tagging = ctx.call("dynamodb", "list_tags_of_resource", types=TYPES, resource=arn, ResourceArn=arn)
    sse = table.get("SSEDescription") or {}
    pitr = ((backups or {}).get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {}
    ttl_description = (ttl or {}).get("TimeToLiveDescription") or {}
    keys = {k["KeyType"]: k["AttributeName"] for k in table.get("KeySchema") or []}
    props: dict[str, Any] = {
        "id": name, "arn": arn, "name": name, "hashKey": keys.get("HASH"), "rangeKey": keys.get("RANGE"),
        "billingMode": (table.get("BillingModeSummary") or {}).get("BillingMode"),
        "tags": tags_of(tagging.get("Tags")) if tagging else UNREADABLE,
    }
    if described:
        props.update(
            serverSideEncryption=_encryption(sse),
            deletionProtectionEnabled=bool(table.get("DeletionProtectionEnabled")),
            streamEnabled=(table.get("StreamSpecification") or {}).get("StreamEnabled"),
            tableClass=(table.get("TableClassSummary") or {}).get("TableClass"),
        )
    else:
        props.update(serverSideEncryption=UNREADABLE, deletionProtectionEnabled=UNREADABLE)
    props["pointInTimeRecovery"] = {"enabled": pitr.get("PointInTimeRecoveryStatus") == "ENABLED",
                                    "recoveryPeriodInDays": pitr.get("RecoveryPeriodInDays")} if backups else UNREADABLE
    props["ttl"] = {"enabled": ttl_description.get("TimeToLiveStatus") == "ENABLED",
                    "attributeName": ttl_description.get("AttributeName")} if ttl else UNREADABLE
    return ctx.view(tok.DYNAMODB_TABLE, arn, name, props)


def _encryption(sse: dict[str, Any]) -> Any:
    if not sse:
        return {"enabled": False}
    if sse.get("Status") == "UPDATING":
        return UNREADABLE
    return {"enabled": sse.get("Status") == "ENABLED", "kmsKeyArn": sse.get("KMSMasterKeyArn")}
