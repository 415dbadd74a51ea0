"""ElastiCache: replication groups with their encryption at rest and in transit."""

from __future__ import annotations

from posture.live.base import Context
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.ELASTICACHE_REPLICATION_GROUP,)


def collect(ctx: Context) -> list[ResourceView]:
    return [ctx.view(tok.ELASTICACHE_REPLICATION_GROUP, group["ARN"], group["ReplicationGroupId"], {
        "arn": group["ARN"], "replicationGroupId": group["ReplicationGroupId"],
        "atRestEncryptionEnabled": bool(group.get("AtRestEncryptionEnabled")), "kmsKeyId": group.get("KmsKeyId"),
        "transitEncryptionEnabled": bool(group.get("TransitEncryptionEnabled")),
        "transitEncryptionMode": group.get("TransitEncryptionMode")})
        for group in ctx.items("elasticache", "describe_replication_groups", "ReplicationGroups", types=TYPES)]
