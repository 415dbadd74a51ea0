"""Per-domain customer-managed KMS keys.

One key per data domain keeps the blast radius of a key-policy mistake to one domain and lets
the bank-data key admit the bank-sync role alone (BANK-3). Key policies never grant ``kms:*``:
the account root may administer a key but may not use it, and use is granted only through
the named AWS services (``kms:ViaService``) or to the named service principals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.validation import ACCOUNT_ID, require

KEY_ADMIN_ACTIONS = [
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:RotateKeyOnDemand",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:UpdateKeyDescription",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:RevokeGrant",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
]
"""Named one by one: a wildcard such as ``kms:Create*`` would include ``kms:CreateGrant``, with
which an administrator could grant themselves decryption without touching the key policy."""
KEY_USE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]
_DOMAIN = re.compile(r"^[a-z][a-z0-9-]{1,30}$")


@dataclass
class DomainKeyArgs:
    domain: str
    account_id: str
    region: str
    via_services: list[str] = field(default_factory=list)
    """AWS services (short names such as ``rds``) that may use the key on a caller's behalf."""
    service_principals: list[str] = field(default_factory=list)
    """Service principals that use the key themselves (CloudWatch Logs, CloudTrail, SNS)."""
    user_role_arns: list[pulumi.Input[str]] = field(default_factory=list)
    """When set, only these roles may use the key through ``via_services``; otherwise any
    principal of the account that IAM allows."""
    deletion_window_days: int = 30

    def __post_init__(self) -> None:
        require(bool(_DOMAIN.match(self.domain)), "domain", f"{self.domain!r} is not a short lowercase name",
                "use letters, digits and hyphens, e.g. 'bank-data'")
        require(bool(ACCOUNT_ID.match(self.account_id)), "account_id", f"{self.account_id!r} is not a 12-digit account id",
                "pass the id of the account that owns the key")
        require(bool(self.via_services or self.service_principals), "via_services",
                "a key nobody may use protects nothing", "name the services or principals that use it")
        require(7 <= self.deletion_window_days <= 30, "deletion_window_days",
                f"{self.deletion_window_days} is outside AWS's 7..30 days", "use 30 so a mistaken deletion can be cancelled")


class DomainKey(pulumi.ComponentResource):
    """A rotating CMK with a least-privilege key policy and an alias named after its domain."""

    key: aws.kms.Key
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: DomainKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("security-baseline:keys:DomainKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"security-baseline {args.domain} data",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=args.deletion_window_days,
            region=args.region,
            policy=pulumi.Output.all(*args.user_role_arns).apply(lambda roles: _key_policy(args, roles)),
            tags={"domain": args.domain},
            opts=child,
        )
        aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/security-baseline/{args.domain}",
            target_key_id=self.key.key_id,
            region=args.region,
            opts=child,
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})


def _key_policy(args: DomainKeyArgs, role_arns: list[str]) -> str:
    root = f"arn:aws:iam::{args.account_id}:root"
    statements: list[dict] = [
        {
            "Sid": "AccountAdministersButDoesNotUse",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": KEY_ADMIN_ACTIONS,
            "Resource": "*",
        }
    ]
    if args.via_services:
        statements.append(
            {
                "Sid": "UseOnlyThroughNamedServices",
                "Effect": "Allow",
                "Principal": {"AWS": sorted(role_arns) if role_arns else root},
                "Action": [*KEY_USE_ACTIONS, "kms:CreateGrant"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [f"{svc}.{args.region}.amazonaws.com" for svc in args.via_services],
                        "kms:CallerAccount": args.account_id,
                    }
                },
            }
        )
    if args.service_principals:
        statements.append(
            {
                "Sid": "UseByNamedServicePrincipals",
                "Effect": "Allow",
                "Principal": {"Service": sorted(args.service_principals)},
                "Action": KEY_USE_ACTIONS,
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
