"""ElastiCache: replication groups with their encryption at rest and in transit, and the security
groups of their member clusters (``DescribeReplicationGroups`` does not return them; the members'
``DescribeCacheClusters`` entries do). A group whose member clusters are not all listed gets its
security groups as UNREADABLE: who it lets in or out is then not known, never "none"."""

from __future__ import annotations

from typing import Any

from posture.live.base import UNREADABLE, Context
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.ELASTICACHE_REPLICATION_GROUP,)


def collect(ctx: Context) -> list[ResourceView]:
    groups = ctx.items("elasticache", "describe_replication_groups", "ReplicationGroups", types=TYPES)
    clusters = {c["CacheClusterId"]: c for c in (ctx.items("elasticache", "describe_cache_clusters", "CacheClusters",
                                                           types=TYPES) if groups else [])}
    return [ctx.view(tok.ELASTICACHE_REPLICATION_GROUP, group["ARN"], group["ReplicationGroupId"], {
        "arn": group["ARN"], "replicationGroupId": group["ReplicationGroupId"],
        "atRestEncryptionEnabled": bool(group.get("AtRestEncryptionEnabled")), "kmsKeyId": group.get("KmsKeyId"),
        "transitEncryptionEnabled": bool(group.get("TransitEncryptionEnabled")),
        "transitEncryptionMode": group.get("TransitEncryptionMode"),
        "securityGroupIds": _security_groups(group, clusters)})
        for group in groups]


def _security_groups(group: dict[str, Any], clusters: dict[str, dict[str, Any]]) -> Any:
    members = group.get("MemberClusters") or []
    if not members or any(m not in clusters for m in members):
        return UNREADABLE
    return sorted({sg["SecurityGroupId"] for m in members for sg in clusters[m].get("SecurityGroups") or []})
