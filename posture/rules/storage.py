"""S3: every bucket private, encrypted with our key, versioned and TLS-only (BANK-4, APP-2).

Settings are standalone resources, so a bucket is only as protected as the settings that point
at it: resource rules check each setting's content, and a stack rule checks that every bucket
has all of them.

SSE-S3 exception: Elastic Load Balancing can deliver access logs only to buckets encrypted
with SSE-S3, so AES256 is accepted for a bucket that a load balancer logs to and that holds
nothing else (no trail or AWS Config delivery); every other bucket needs SSE-KMS with a
customer-managed key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from posture.resources import ResourceView
from posture.rules.graph import Graph, graph
from posture.rules.policy_documents import policy_document
from posture.rules.results import RuleResult, each, failed, passed
from posture.rules.tokens import (
    BUCKET_ENCRYPTION,
    BUCKET_LOGGING,
    BUCKET_POLICY,
    BUCKET_PUBLIC_ACCESS_BLOCK,
    BUCKET_VERSIONING,
    BUCKETS,
    CONFIG_DELIVERY_CHANNEL,
    LOAD_BALANCERS,
    TRAIL,
)
from posture.rules.values import as_bool, as_list, customer_key, is_aws_managed_key, props

PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def bucketpublicaccessblock_enable_all_flags(resource: ResourceView) -> RuleResult:
    p = props(resource)
    for flag in PUBLIC_ACCESS_FLAGS:
        value = as_bool(p.get(flag))
        if not value:
            return failed(resource, flag, value, "a public ACL or bucket policy could expose the bucket",
                          "true (all four flags)")
    return passed(resource, "all four public access block flags on")


def bucketversioning_enable_versioning(resource: ResourceView) -> RuleResult:
    config = props(resource).get("versioningConfiguration")
    status = config.get("status") if config is not None else None
    if status != "Enabled":
        return failed(resource, "versioningConfiguration.status", status, "an overwrite or delete destroys the only "
                      "copy of an object", '"Enabled"')
    return passed(resource, "versioning enabled")


def _plain_http_denied(statement: dict[str, Any]) -> list[str]:
    """The resources a statement denies to everyone over plain HTTP (empty when it denies nothing so)."""
    if statement.get("Effect") != "Deny":
        return []
    principal = statement.get("Principal")
    if not (principal == "*" or (isinstance(principal, dict) and as_list(principal.get("AWS")) == ["*"])):
        return []
    if not any(str(a).lower() in ("s3:*", "*") for a in as_list(statement.get("Action"))):
        return []
    secure = (statement.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport")
    if str(secure).lower() != "false":
        return []
    return [str(r) for r in as_list(statement.get("Resource"))]


def bucketpolicy_require_tls(resource: ResourceView) -> RuleResult:
    """The bucket and its objects must both be denied over plain HTTP: in one statement or split across
    several (AWS evaluates every statement, so the split form denies exactly the same requests)."""
    document = policy_document(props(resource).get("policy"))
    denied = [r for s in document["Statement"] for r in _plain_http_denied(s)]
    if "*" not in denied and not (any(r.endswith("/*") for r in denied) and any(not r.endswith("/*") for r in denied)):
        return failed(resource, "policy", document, "requests over plain HTTP are accepted",
                      'a Deny of s3:* for Principal * on the bucket and its objects when aws:SecureTransport is "false"')
    return passed(resource, "denies requests without TLS")


def _bucket(g: Graph, setting: ResourceView) -> ResourceView | None:
    return g.resolve(props(setting).ref("bucket"), *BUCKETS)


def _log_only_buckets(g: Graph) -> set[str]:
    """Buckets a load balancer or S3 server access logging writes to and that receive nothing else
    (both deliver only to SSE-S3 buckets)."""
    logs: set[str] = set()
    for logging in g.of_type(*BUCKET_LOGGING):
        bucket = g.resolve(props(logging).ref("targetBucket"), *BUCKETS)
        if bucket is not None:
            logs.add(bucket.urn)
    for lb in g.of_type(*LOAD_BALANCERS):
        access_logs = props(lb).get("accessLogs")
        if access_logs is not None:
            bucket = g.resolve(access_logs.ref("bucket"), *BUCKETS)
            if bucket is not None:
                logs.add(bucket.urn)
    for r in g.of_type(TRAIL, CONFIG_DELIVERY_CHANNEL):
        bucket = g.resolve(props(r).ref("s3BucketName"), *BUCKETS)
        if bucket is not None:
            logs.discard(bucket.urn)
    return logs


def s3_bucket_require_cmk_encryption(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)

    def check(setting: ResourceView) -> RuleResult:
        for i, rule in enumerate(props(setting).get("rules") or []):
            default = rule.get("applyServerSideEncryptionByDefault")
            algorithm = default.get("sseAlgorithm") if default is not None else None
            path = f"rules[{i}].applyServerSideEncryptionByDefault"
            if algorithm in ("aws:kms", "aws:kms:dsse"):
                key = customer_key(default, "kmsMasterKeyId")
                if not key or is_aws_managed_key(key):
                    return failed(setting, f"{path}.kmsMasterKeyId", key, "objects are encrypted with the "
                                  "AWS-managed S3 key", "a customer-managed key")
            elif algorithm == "AES256":
                bucket = _bucket(g, setting)
                if bucket is None or bucket.urn not in _log_only_buckets(g):
                    return failed(setting, f"{path}.sseAlgorithm", algorithm, "SSE-S3 keys are not ours to restrict "
                                  "or revoke; only a load balancer's access-log bucket may use them",
                                  '"aws:kms" (or "aws:kms:dsse") with a customer-managed key')
            else:
                return failed(setting, f"{path}.sseAlgorithm", algorithm, "no default encryption algorithm",
                              '"aws:kms" (or "aws:kms:dsse") with a customer-managed key')
        return passed(setting, "objects encrypted with a customer-managed key (or SSE-S3 for ELB access logs)")

    return each(g.of_type(*BUCKET_ENCRYPTION), check)


def s3_bucket_require_protective_settings(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    kinds = {"BucketPublicAccessBlock": (BUCKET_PUBLIC_ACCESS_BLOCK,),
             "BucketServerSideEncryptionConfiguration": BUCKET_ENCRYPTION,
             "BucketVersioning": BUCKET_VERSIONING, "BucketPolicy": (BUCKET_POLICY,)}
    present: dict[str, set[str]] = {}
    for kind, types in kinds.items():
        for setting in g.of_type(*types):
            bucket = _bucket(g, setting)
            if bucket is not None:
                present.setdefault(bucket.urn, set()).add(kind)

    def check(bucket: ResourceView) -> RuleResult:
        missing = [k for k in kinds if k not in present.get(bucket.urn, set())]
        if missing:
            return failed(bucket, "settings", sorted(present.get(bucket.urn, set())),
                          f"the bucket has no {', '.join(missing)}",
                          "a public access block, default encryption, versioning and a bucket policy for the bucket")
        return passed(bucket, "public access block, encryption, versioning and TLS-only policy present")

    return each(g.of_type(*BUCKETS), check)
