"""What the audit could not read is never a pass: AccessDenied, a service not reachable in a region,
an API the endpoint does not implement or a crashing collector become UNKNOWN findings that name
the API and the error code, and the result says it is incomplete.

Denials are injected with a botocore ``before-call`` handler on the session the audit is given
(the same seam a Stubber uses), so the rest of the account answers from moto as usual.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError

from posture.audit import AuditSetupError, audit_account, profile_session_factory
from posture.findings import Verdict
from posture.live import COLLECTORS, Collector
from posture.live.base import BUDGET_EXCEEDED, CLIENT_CONFIG, MAX_ATTEMPTS, Clients, Context
from posture.rules import tokens as tok
from tests.live.conftest import REGION, findings_for, verdict_of
from tests.live.replay import remove_default_vpcs


def denying(denied: dict[str, str | Exception], only: str | None = None):
    """A session factory whose clients fail the named operations (``ec2:DescribeSecurityGroupRules``)
    with the given error code (or raise the given exception); with ``only``, just the calls whose
    request mentions it (a bucket name)."""

    def handler(model, params=None, **_):
        outcome = denied.get(f"{model.service_model.endpoint_prefix}:{model.name}")
        if outcome is None or (only is not None and only not in str(params)):
            return None
        if isinstance(outcome, Exception):
            raise outcome
        return AWSResponse("https://denied.invalid", 403, {}, None), {
            "Error": {"Code": outcome, "Message": f"denied {model.name} for the test"},
            "ResponseMetadata": {"HTTPStatusCode": 403}}

    def factory():
        session = boto3.Session(region_name=REGION)
        session.events.register("before-call", handler)
        return session

    return factory


@pytest.fixture(scope="module")
def account(moto_account):
    remove_default_vpcs(moto_account.session(), [REGION])
    ec2 = moto_account.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="admin", Description="admin", VpcId=vpc,
                                      TagSpecifications=[{"ResourceType": "security-group",
                                                          "Tags": [{"Key": "Name", "Value": "admin-sg"}]}])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
        TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": [{"Key": "Name", "Value": "open-ssh"}]}])
    s3 = moto_account.client("s3")
    for bucket in ("denied-policy-bucket", "readable-bucket"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [f"arn:aws:s3:::{bucket}",
                                                                                f"arn:aws:s3:::{bucket}/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    return moto_account


def only(*names: str) -> tuple[Collector, ...]:
    """The collectors a test is about (the others would only read an empty account more slowly)."""
    return tuple(c for c in COLLECTORS if c.name in names)


INGRESS_CONTROLS = ("aws-ec2-securitygroup-disallow-remote-admin-ingress", "aws-ec2-securitygroup-disallow-all-ports-ingress",
                    "stack-security-group-disallow-internet-ingress")


def test_baseline_open_ssh_fails_when_everything_is_readable(account):
    result = account.audit(collectors=only("network"))
    assert verdict_of(result, INGRESS_CONTROLS[0], "open-ssh") is Verdict.FAIL
    assert result.complete


def test_access_denied_on_a_listing_makes_its_controls_unknown_never_pass(account):
    result = audit_account(denying({"ec2:DescribeSecurityGroupRules": "UnauthorizedOperation"}), [REGION],
                           collectors=only("network"))
    assert not result.complete
    assert [(e.api, e.code, e.region) for e in result.collector_errors] == [
        ("ec2:DescribeSecurityGroupRules", "UnauthorizedOperation", REGION)]
    for control in INGRESS_CONTROLS:
        findings = [f for f in result.findings if f.control_id == control]
        assert findings and all(f.verdict is Verdict.UNKNOWN for f in findings), control
        assert any("ec2:DescribeSecurityGroupRules failed with UnauthorizedOperation" in f.message for f in findings)
    assert verdict_of(result, INGRESS_CONTROLS[0], "admin-sg") is Verdict.UNKNOWN
    assert "could not verify" in findings_for(result, INGRESS_CONTROLS[0], "admin-sg")[0].message


def test_access_denied_on_one_resource_leaves_the_others_checked(account):
    bucket = "denied-policy-bucket"
    result = audit_account(denying({"s3:GetBucketPolicy": "AccessDenied"}, only=bucket), [REGION],
                           collectors=only("storage"))
    assert {(e.api, e.code, e.resource) for e in result.collector_errors} == {
        ("s3:GetBucketPolicy", "AccessDenied", f"arn:aws:s3:::{bucket}")}
    assert verdict_of(result, "aws-s3-bucketpolicy-require-tls", f"{bucket} policy") is Verdict.UNKNOWN
    message = findings_for(result, "aws-s3-bucketpolicy-require-tls", f"{bucket} policy")[0].message
    assert "s3:GetBucketPolicy failed with AccessDenied" in message
    assert verdict_of(result, "stack-s3-bucket-require-protective-settings", bucket) is Verdict.UNKNOWN
    assert verdict_of(result, "aws-s3-bucketpolicy-require-tls", "readable-bucket policy") is Verdict.PASS
    assert verdict_of(result, "aws-s3-bucketversioning-enable-versioning", f"{bucket} versioning") is Verdict.PASS


def test_a_service_unreachable_in_the_region_is_unknown_not_a_missing_service(account):
    unreachable = EndpointConnectionError(endpoint_url=f"https://inspector2.{REGION}.amazonaws.com")
    result = audit_account(denying({"inspector2:BatchGetAccountStatus": unreachable}), [REGION],
                           collectors=only("inspector"))
    findings = [f for f in result.findings if f.control_id == "stack-account-require-inspector"]
    assert findings and {f.verdict for f in findings} == {Verdict.UNKNOWN}
    assert any("inspector2:BatchGetAccountStatus failed with EndpointConnectionError" in f.message for f in findings)


def test_an_unimplemented_api_is_unknown(account):
    """moto answers 404 "Not yet implemented" for GetEnabledStandards: Security Hub on, standards unknown."""
    account.client("securityhub").enable_security_hub(EnableDefaultStandards=False)
    try:
        result = account.audit(collectors=only("security-hub"))
    finally:
        account.client("securityhub").disable_security_hub()
    findings = [f for f in result.findings if f.control_id == "stack-account-require-security-hub"]
    assert findings and {f.verdict for f in findings} == {Verdict.UNKNOWN}
    assert any("securityhub:GetEnabledStandards failed with 404" in f.message for f in findings)


def test_a_crashing_collector_leaves_its_types_unknown(account):
    def crash(ctx):
        raise KeyError("Rules")

    broken = Collector("waf", crash, (tok.WEB_ACL, tok.IP_SET, tok.WEB_ACL_ASSOCIATION))
    result = audit_account(denying({}), [REGION], collectors=(broken,))
    assert [(e.api, e.code) for e in result.collector_errors] == [("posture-waf:Collect", "KeyError")]
    findings = [f for f in result.findings if f.control_id == "stack-web-acl-require-baseline-rules"]
    assert findings and {f.verdict for f in findings} == {Verdict.UNKNOWN}
    assert "the waf collector crashed" in findings[0].message


def test_no_credentials_is_a_setup_error(account, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(AuditSetupError, match="credentials"):
        audit_account(lambda: boto3.Session(region_name=REGION, botocore_session=None), [REGION],
                      endpoint_url="http://127.0.0.1:9")


@pytest.mark.parametrize("regions", [[], ["eu-west-1", "mars-north-1x"], ["EU_WEST_1"]])
def test_bad_regions_are_a_setup_error(regions):
    with pytest.raises(AuditSetupError, match="region"):
        audit_account(lambda: boto3.Session(), regions)


def test_the_audit_only_reads(account):
    ctx = Context(Clients(lambda: boto3.Session(region_name=REGION)), account.account_id, REGION)
    for write in ("create_vpc", "delete_bucket", "put_bucket_policy", "modify_db_instance"):
        with pytest.raises(ValueError, match="read-only"):
            ctx.call("ec2", write, types=())


def test_clients_retry_adaptively_a_few_times_and_are_shared():
    clients = Clients(lambda: boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y"))
    client = clients.client("ec2", REGION)
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS}
    assert CLIENT_CONFIG.retries["mode"] == "adaptive" and MAX_ATTEMPTS == 3
    assert clients.client("ec2", REGION) is client and clients.client("ec2", "eu-central-1") is not client


def test_an_unknown_profile_is_a_setup_error(account):
    with pytest.raises(AuditSetupError, match="no-such-profile"):
        audit_account(profile_session_factory("no-such-profile"), [REGION])


def failing_with_500(attempts: list[str], api: str):
    """A session factory whose clients get HTTP 500 (an emulator's answer to an API it lacks) for ``api``
    and count every attempt on the wire, retries included."""

    class Page:
        def stream(self):
            yield b"<!doctype html><title>500 Internal Server Error</title><h1>Internal Server Error</h1>"

    def handler(request, **_):
        attempts.append(request.url)
        return AWSResponse(request.url, 500, {"Content-Type": "text/html"}, Page())

    service, operation = api.split(":")

    def factory():
        session = boto3.Session(region_name=REGION)
        session.events.register(f"before-send.{service}.{operation}", handler)
        return session

    return factory


def test_an_api_that_keeps_failing_is_tried_once_per_region_and_named(account, monkeypatch):
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0)
    s3 = account.client("s3")
    for bucket in ("second-bucket", "third-bucket"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    attempts: list[str] = []
    result = audit_account(failing_with_500(attempts, "s3:GetBucketPolicy"), [REGION], collectors=only("storage"))
    assert len(attempts) == MAX_ATTEMPTS  # one call retried, not one per bucket
    errors = [e for e in result.collector_errors if e.api == "s3:GetBucketPolicy"]
    assert len(errors) >= 3 and {e.code for e in errors} == {"500"}
    assert "Internal Server Error" in errors[0].message and "<" not in errors[0].message
    assert any("not called again" in e.message for e in errors)
    assert verdict_of(result, "aws-s3-bucketpolicy-require-tls", "third-bucket policy") is Verdict.UNKNOWN


def test_a_spent_time_budget_leaves_the_rest_unknown(account):
    result = audit_account(lambda: boto3.Session(region_name=REGION), [REGION], collectors=only("network"),
                           time_budget=0)
    assert not result.complete and {e.code for e in result.collector_errors} == {BUDGET_EXCEEDED}
    findings = [f for f in result.findings if f.control_id == INGRESS_CONTROLS[0]]
    assert findings and {f.verdict for f in findings} == {Verdict.UNKNOWN}
    assert any("time budget" in f.message for f in findings)
