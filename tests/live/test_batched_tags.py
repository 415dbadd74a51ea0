"""ELB and CloudTrail tags are read 20 resources a call (posture.live.base.batched_tags), with the
failure handling of the one-resource calls: a failed read is recorded against no resource type,
leaves the tags UNREADABLE, and the stack audit keeps those resources."""

from __future__ import annotations

import math
from collections import Counter

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from posture.audit import audit_account
from posture.live import COLLECTORS
from posture.live.base import UNREADABLE
from posture.rules import tokens as tok
from tests.live.conftest import REGION
from tests.live.test_errors import denying

GROUPS, TRAILS = 25, 2
STACK_TAGS = [{"Key": "pulumi:stack", "Value": "prod"}, {"Key": "pulumi:project", "Value": "security-baseline"}]
ELB_TYPES = (tok.LOAD_BALANCERS[0], tok.LISTENERS[0], tok.TARGET_GROUPS[0])
COLLECTED = tuple(c for c in COLLECTORS if c.name in ("load-balancers", "trails"))


@pytest.fixture(scope="module")
def account(moto_account):
    c = moto_account.client
    ec2, elb = c("ec2"), c("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"][
        "SubnetId"] for i, z in enumerate("ab")]
    lb = elb.create_load_balancer(Name="fx-alb", Subnets=subnets, Tags=STACK_TAGS)["LoadBalancers"][0]
    groups = [elb.create_target_group(Name=f"fx-tg-{i}", Protocol="HTTP", Port=80, VpcId=vpc, Tags=STACK_TAGS)[
        "TargetGroups"][0]["TargetGroupArn"] for i in range(GROUPS)]
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, Tags=STACK_TAGS,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": groups[0]}])
    c("s3").create_bucket(Bucket="fx-trail-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    for i in range(TRAILS):
        c("cloudtrail").create_trail(Name=f"fx-trail-{i}", S3BucketName="fx-trail-logs",
                                     TagsList=[{"Key": t["Key"], "Value": t["Value"]} for t in STACK_TAGS])
    return moto_account


def counting(calls: Counter):
    def factory():
        session = boto3.Session(region_name=REGION)
        session.events.register("before-call", lambda model, **_: calls.update(
            [f"{model.service_model.endpoint_prefix}:{model.name}"]))
        return session
    return factory


def test_tags_are_read_twenty_resources_a_call(account) -> None:
    calls: Counter = Counter()
    result = audit_account(counting(calls), [REGION], collectors=COLLECTED)
    tagged = [v for v in result.resources if v.type in (*ELB_TYPES, tok.TRAIL)]
    assert len(tagged) == 1 + 1 + GROUPS + TRAILS
    assert all(v.props["tags"].get("pulumi:stack") == "prod" for v in tagged), [v.name for v in tagged]
    assert calls["elasticloadbalancing:DescribeTags"] == math.ceil((1 + 1 + GROUPS) / 20)
    assert calls["cloudtrail:ListTags"] == 1
    assert result.collector_errors == []


def test_a_failed_batch_is_recorded_and_keeps_its_resources_with_the_stack(account) -> None:
    denied = denying({"elasticloadbalancing:DescribeTags": "AccessDenied", "cloudtrail:ListTags": "AccessDenied"})
    whole = audit_account(denied, [REGION], collectors=COLLECTED)
    unreadable = [v for v in whole.resources if v.type in (*ELB_TYPES, tok.TRAIL)]
    assert len(unreadable) == 1 + 1 + GROUPS + TRAILS
    assert all(v.props["tags"] is UNREADABLE for v in unreadable)
    failed = [e for e in whole.collector_errors if e.operation in ("DescribeTags", "ListTags")]
    assert {e.operation for e in failed} == {"DescribeTags", "ListTags"}
    assert all(e.resource_types == () for e in failed)  # tags decide whose a resource is, not whether it is safe
    scoped = audit_account(denied, [REGION], collectors=COLLECTED, stack="prod")
    assert {v.urn for v in unreadable} <= {v.urn for v in scoped.resources}


def test_a_resource_deleted_since_the_listing_costs_no_other_resource_its_tags(account) -> None:
    """ELB refuses the whole DescribeTags call when one ARN no longer exists: the batch is read again
    one ARN at a time, so only the deleted resource goes without tags, and nothing is an error."""
    gone = account.client("elbv2").describe_target_groups(Names=["fx-tg-5"])["TargetGroups"][0]["TargetGroupArn"]
    calls: Counter = Counter()

    def remember(params, context, **_):
        context["arns"] = params.get("ResourceArns") or []

    def refuse_the_deleted(model, context, **_):
        calls.update([len(context.get("arns", []))])
        if gone in context.get("arns", []):
            error = {"Error": {"Code": "TargetGroupNotFound", "Message": "gone"}, "ResponseMetadata": {"HTTPStatusCode": 400}}
            return AWSResponse("https://stub.invalid", 400, {}, None), error
        return None

    def factory():
        session = boto3.Session(region_name=REGION)
        session.events.register("before-parameter-build.elastic-load-balancing-v2.DescribeTags", remember)
        session.events.register("before-call.elastic-load-balancing-v2.DescribeTags", refuse_the_deleted)
        return session

    result = audit_account(factory, [REGION], collectors=COLLECTED)
    tags = {v.urn: v.props["tags"] for v in result.resources if v.type in ELB_TYPES}
    assert tags.pop(gone) == {}
    assert all(t.get("pulumi:stack") == "prod" for t in tags.values()), tags
    assert result.collector_errors == []
    batches = (20, 1 + 1 + GROUPS - 20)  # 27 ELB resources: a batch of 20 and one of 7
    assert calls[1] in batches, "only the batch holding the deleted group is read again, one ARN at a time"
