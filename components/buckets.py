"""An S3 bucket that is private, encrypted, versioned and TLS-only by construction.

Used for every bucket of the baseline (load-balancer access logs, CloudTrail, AWS Config).
Settings are standalone resources, not the deprecated inline bucket arguments, so policies see
each protection as its own resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import arns
from components.validation import require

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


@dataclass
class SecureBucketArgs:
    kms_key_arn: pulumi.Input[str] | None
    """Customer-managed key for SSE-KMS. ``None`` selects SSE-S3, which only the ALB access-log
    bucket may use, because Elastic Load Balancing cannot write to SSE-KMS buckets."""
    sse_s3_reason: str | None = None
    """Why SSE-S3 is acceptable; required when ``kms_key_arn`` is None."""
    object_lock_days: int | None = None
    """Compliance-mode object lock retention (CloudTrail logs): objects cannot be deleted or
    overwritten by anyone, root included, for this many days."""
    expire_after_days: int | None = None
    bucket_name: str | None = None
    """An explicit globally unique name (e.g. ``<purpose>-<account>-<region>``), so the bucket
    policy is known at preview; without it AWS-style random suffixes leave the policy unknown
    until deploy."""
    grants: Callable[[str], list[dict[str, Any]]] = lambda bucket_arn: []
    """Builds service write grants (CloudTrail, ELB log delivery) from the bucket's ARN; the
    TLS-only deny is always added."""

    def __post_init__(self) -> None:
        require(self.kms_key_arn is not None or bool(self.sse_s3_reason), "kms_key_arn",
                "no customer-managed key and no reason for SSE-S3", "pass a KMS key ARN")
        require(self.object_lock_days is None or self.object_lock_days >= 1, "object_lock_days",
                f"{self.object_lock_days} days locks nothing", "use at least 1 day, e.g. 365 for audit logs")
        require(self.expire_after_days is None or self.object_lock_days is None
                or self.expire_after_days >= self.object_lock_days, "expire_after_days",
                "objects would expire while still locked", "expire after the lock period")
        require(self.bucket_name is None or bool(_BUCKET_NAME.match(self.bucket_name)), "bucket_name",
                f"{self.bucket_name!r} is not a valid S3 bucket name", "use 3-63 lowercase letters, digits and hyphens")


class SecureBucket(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: SecureBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("security-baseline:storage:SecureBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        naming = {"bucket": args.bucket_name} if args.bucket_name else {"bucket_prefix": f"{name}-"}
        self.bucket = aws.s3.Bucket(f"{name}-bucket", **naming, force_destroy=False,
                                    object_lock_enabled=args.object_lock_days is not None or None, opts=child)
        bucket_id = self.bucket.id
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block", bucket=bucket_id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=child)
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership", bucket=bucket_id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"), opts=child)
        sse = (aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="aws:kms", kms_master_key_id=args.kms_key_arn) if args.kms_key_arn is not None else
            aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="AES256"))
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=bucket_id,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=sse, bucket_key_enabled=args.kms_key_arn is not None)],
            opts=child)
        aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket_id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"), opts=child)
        if args.object_lock_days is not None:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock", bucket=bucket_id, object_lock_enabled="Enabled",
                rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                    default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                        mode="COMPLIANCE", days=args.object_lock_days)),
                opts=child)
        if args.expire_after_days is not None:
            aws.s3.BucketLifecycleConfiguration(
                f"{name}-lifecycle", bucket=bucket_id,
                rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire", status="Enabled", filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=args.expire_after_days),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=args.expire_after_days))],
                opts=child)
        aws.s3.BucketPolicy(
            f"{name}-policy", bucket=bucket_id,
            policy=(self.bucket.arn if args.bucket_name is None else pulumi.Output.from_input(arns.bucket(args.bucket_name)))
            .apply(lambda arn: _tls_only_policy(arn, args.grants(arn))),
            # The public access block must exist first, or a broad grant could slip in between.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]))
        self.arn = self.bucket.arn
        self.name = self.bucket.bucket
        self.register_outputs({"arn": self.arn, "name": self.name})


def _tls_only_policy(bucket_arn: str, extra: list[dict[str, Any]]) -> str:
    deny_plain_http = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [deny_plain_http, *extra]})
