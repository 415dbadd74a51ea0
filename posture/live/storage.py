"""S3 (account-wide): every bucket, and each of its settings as the standalone resource the
components declare for it (public access block, default encryption, versioning, policy, object lock).

A setting AWS reports as absent (``NoSuchBucketPolicy``, ``NoSuchPublicAccessBlockConfiguration``...)
is left out, exactly as a bucket declared without that resource; a setting that could not be read
is emitted with ``UNREADABLE`` content, so its presence is not mistaken for an absence and its
content is not mistaken for data. Versioning is always emitted, with status ``Disabled`` for a
bucket that never had it: the API always has an answer.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from posture.live.base import FAILED, UNREADABLE, Context, sub_urn, tags_of, wire
from posture.resources import ResourceView
from posture.rules import tokens as tok

BUCKET = tok.BUCKETS[0]
ENCRYPTION, VERSIONING = tok.BUCKET_ENCRYPTION[0], tok.BUCKET_VERSIONING[0]
OBJECT_LOCK = tok.BUCKET_OBJECT_LOCK[0]
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
TYPES = (BUCKET, tok.BUCKET_PUBLIC_ACCESS_BLOCK, ENCRYPTION, VERSIONING, tok.BUCKET_POLICY, OBJECT_LOCK,
         tok.ACCOUNT_PUBLIC_ACCESS_BLOCK, tok.BUCKET_LOGGING[0])
_WORKERS = 8
"""Buckets are read in parallel: each costs about seven calls and an account may hold hundreds."""


def collect(ctx: Context) -> list[ResourceView]:
    buckets = ctx.items("s3", "list_buckets", "Buckets", types=TYPES[:-1])
    with ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="posture-s3") as pool:
        per_bucket = list(pool.map(lambda b: _bucket(ctx, b["Name"], b.get("BucketRegion")), buckets))
    return _account_block(ctx) + [view for views in per_bucket for view in views]


def _account_block(ctx: Context) -> list[ResourceView]:
    """The account-wide S3 Block Public Access (absent when never set, as an undeclared resource)."""
    response = ctx.call("s3control", "get_public_access_block", types=(tok.ACCOUNT_PUBLIC_ACCESS_BLOCK,),
                        absent=("NoSuchPublicAccessBlockConfiguration",), AccountId=ctx.account_id)
    if response is None:
        return []
    flags = (response or {}).get("PublicAccessBlockConfiguration") or {}
    return [ctx.view(tok.ACCOUNT_PUBLIC_ACCESS_BLOCK, ctx.arn("s3", "account-public-access-block", global_=True),
                     "account S3 Block Public Access", {"accountId": ctx.account_id, **{
                         key: UNREADABLE if response is FAILED else flags.get(key[0].upper() + key[1:])
                         for key in PUBLIC_ACCESS_FLAGS}})]


def _region(ctx: Context, name: str, listed: str | None) -> str:
    """The bucket's region (for the view and the client). A failed lookup is recorded but blocks
    nothing: S3 redirects calls made in the wrong region, and no rule reads a bucket's region."""
    if listed:
        return listed
    response = ctx.call("s3", "get_bucket_location", types=(), Bucket=name)
    if response is FAILED:
        return ctx.region
    location = response.get("LocationConstraint")
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)


def _bucket(ctx: Context, name: str, listed_region: str | None) -> list[ResourceView]:
    region = _region(ctx, name, listed_region)
    arn = f"arn:{ctx.partition}:s3:::{name}"

    def read(operation: str, types: tuple[str, ...], absent: tuple[str, ...] = ()) -> Any:
        return ctx.call("s3", operation, types=types, resource=arn, absent=absent, region=region, Bucket=name)

    def setting(type_: str, kind: str, props: dict[str, Any]) -> ResourceView:
        return ctx.view(type_, sub_urn(arn, kind), f"{name} {kind}", {"bucket": name, **props}, region=region)

    views: list[ResourceView] = []
    tagging = read("get_bucket_tagging", (BUCKET,), ("NoSuchTagSet",))
    lock = read("get_object_lock_configuration", (BUCKET, OBJECT_LOCK), ("ObjectLockConfigurationNotFoundError",))
    lock_config = (lock or {}).get("ObjectLockConfiguration") or {}
    views.append(ctx.view(BUCKET, arn, name, {
        "id": name, "arn": arn, "bucket": name,
        "tags": UNREADABLE if tagging is FAILED else tags_of((tagging or {}).get("TagSet")),
        "objectLockEnabled": UNREADABLE if lock is FAILED else lock_config.get("ObjectLockEnabled") == "Enabled",
    }, region=region))
    if lock is FAILED:
        views.append(setting(OBJECT_LOCK, "object-lock", {"rule": UNREADABLE}))
    elif lock_config:
        views.append(setting(OBJECT_LOCK, "object-lock", {"objectLockEnabled": lock_config.get("ObjectLockEnabled"),
                                                           "rule": wire(lock_config.get("Rule"))}))

    block = read("get_public_access_block", (tok.BUCKET_PUBLIC_ACCESS_BLOCK,), ("NoSuchPublicAccessBlockConfiguration",))
    if block is not None:
        flags = (block or {}).get("PublicAccessBlockConfiguration") or {}
        views.append(setting(tok.BUCKET_PUBLIC_ACCESS_BLOCK, "publicAccessBlock", {
            key: UNREADABLE if block is FAILED else flags.get(key[0].upper() + key[1:]) for key in PUBLIC_ACCESS_FLAGS}))

    encryption = read("get_bucket_encryption", (ENCRYPTION,), ("ServerSideEncryptionConfigurationNotFoundError",))
    if encryption is not None:
        rules = ((encryption or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
        views.append(setting(ENCRYPTION, "encryption", {"rules": UNREADABLE if encryption is FAILED else wire(rules)}))

    versioning = read("get_bucket_versioning", (VERSIONING,))
    views.append(setting(VERSIONING, "versioning", {"versioningConfiguration": UNREADABLE if versioning is FAILED else {
        "status": versioning.get("Status") or "Disabled", "mfaDelete": versioning.get("MFADelete")}}))

    logging = read("get_bucket_logging", tok.BUCKET_LOGGING)
    enabled = (logging or {}).get("LoggingEnabled") if logging is not FAILED else None
    if logging is FAILED or enabled:
        views.append(setting(tok.BUCKET_LOGGING[0], "logging", {
            "targetBucket": UNREADABLE if logging is FAILED else enabled.get("TargetBucket"),
            "targetPrefix": None if logging is FAILED else enabled.get("TargetPrefix")}))

    policy = read("get_bucket_policy", (tok.BUCKET_POLICY,), ("NoSuchBucketPolicy",))
    if policy is not None:
        views.append(setting(tok.BUCKET_POLICY, "policy", {"policy": UNREADABLE if policy is FAILED
                                                          else policy.get("Policy")}))
    return views
