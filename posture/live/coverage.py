"""What the live audit checks: the catalog's live controls (``Control.enforcers``), and the extra
inventory some of their verdicts lean on. The catalog's OFFLINE_ONLY says why the rest are checked
before deploy only."""

from __future__ import annotations

from posture.catalog import CONTROLS, OFFLINE_ONLY
from posture.rules import tokens as tok

__all__ = ["EXTRA_DEPENDENCIES", "LIVE_CONTROLS", "OFFLINE_ONLY"]

LIVE_CONTROLS: frozenset[str] = frozenset(c.id for c in CONTROLS if "live" in c.enforcers)
"""Controls whose rule runs unchanged on the collectors' views: the catalog says which."""


KEY_INVENTORY = (tok.KMS_KEY, tok.KMS_ALIAS)
EXTRA_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    control: KEY_INVENTORY for control in (
        "aws-rds-instance-require-cmk-encryption", "aws-rds-cluster-require-cmk-encryption",
        "aws-rds-instance-require-managed-master-password", "aws-rds-cluster-require-managed-master-password",
        "aws-backup-vault-require-cmk-encryption", "aws-cloudtrail-trail-require-cmk-encryption",
        "aws-sns-topic-require-cmk-encryption", "aws-cloudwatch-loggroup-require-cmk-encryption",
        "aws-dynamodb-table-require-cmk-encryption", "aws-secretsmanager-secret-require-cmk-encryption",
        "stack-s3-bucket-require-cmk-encryption",
    )
}
"""Inventory a control's verdict leans on beyond its own resource types. Live, a resource names an
AWS-managed key by its ARN, and only the KMS inventory tells it from a customer key; without
that inventory, "encrypted with a customer-managed key" cannot be a pass."""
# An entry point passes only through a web ACL association, a stage, a target-group attachment or a
# NAT gateway it is followed to: without them a pass cannot be proven.
EXTRA_DEPENDENCIES["stack-entry-point-require-tls-and-waf"] = (
    tok.WEB_ACL, tok.WEB_ACL_ASSOCIATION, tok.API_GATEWAY_STAGE, tok.TARGET_GROUP_ATTACHMENTS[0], tok.NAT_GATEWAY)
