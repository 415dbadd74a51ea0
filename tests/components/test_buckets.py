"""Every bucket is private, encrypted, versioned and TLS-only; object lock when asked."""

import json

import pytest

from components.buckets import SecureBucket, SecureBucketArgs
from components.validation import InvalidInput
from tests.conftest import run_under_mocks

KEY = "arn:aws:kms:eu-west-1:111122223333:key/logs"


@pytest.fixture(scope="module")
def locked_bucket():
    def grant(arn):
        return [{"Sid": "ServiceWrites", "Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{arn}/*",
                              "Principal": {"Service": "cloudtrail.amazonaws.com"}}]
    return run_under_mocks(lambda: SecureBucket("audit", SecureBucketArgs(
        kms_key_arn=KEY, object_lock_days=365, expire_after_days=400, grants=grant)))


def test_all_four_public_access_flags_are_on(locked_bucket):
    block = locked_bucket.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").props
    assert all(block[f] is True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                          "restrictPublicBuckets"))


def test_encrypted_with_the_customer_key_and_versioned(locked_bucket):
    [rule] = locked_bucket.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").props["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY}
    assert locked_bucket.one("aws:s3/bucketVersioning:BucketVersioning").props["versioningConfiguration"] == {
        "status": "Enabled"}
    assert locked_bucket.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").props["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"}


def test_policy_denies_plain_http_and_keeps_the_grants(locked_bucket):
    statements = json.loads(locked_bucket.one("aws:s3/bucketPolicy:BucketPolicy").props["policy"])["Statement"]
    deny = statements[0]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == ["arn:aws:s3:::audit-bucket-bucket", "arn:aws:s3:::audit-bucket-bucket/*"]
    assert statements[1]["Sid"] == "ServiceWrites"


def test_object_lock_is_compliance_mode(locked_bucket):
    assert locked_bucket.one("aws:s3/bucket:Bucket").props["objectLockEnabled"] is True
    lock = locked_bucket.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").props
    assert lock["rule"]["defaultRetention"] == {"mode": "COMPLIANCE", "days": 365}


def test_sse_s3_only_with_a_stated_reason():
    registered = run_under_mocks(lambda: SecureBucket("alb-logs", SecureBucketArgs(
        kms_key_arn=None, sse_s3_reason="ELB access logs cannot be written to SSE-KMS buckets")))
    [rule] = registered.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").props["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    assert registered.of_type("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration") == []


@pytest.mark.parametrize(("overrides", "field"), [
    ({"kms_key_arn": None}, "kms_key_arn"),
    ({"object_lock_days": 0}, "object_lock_days"),
    ({"object_lock_days": 365, "expire_after_days": 30}, "expire_after_days"),
])
def test_insecure_or_broken_input_is_refused_naming_the_field(overrides, field):
    with pytest.raises(InvalidInput) as err:
        SecureBucketArgs(**{"kms_key_arn": KEY, **overrides})
    assert err.value.field == field
