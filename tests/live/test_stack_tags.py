"""``posture audit --stack`` pairs live resources with the stack by their tags, for every type the
collectors read: the prod stack replayed into moto, next to foreign resources of several types that
carry no stack tags (or another stack's), is audited with ``stack="prod"``: every replayed resource
tagged with prod stays, every foreign one is left out."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from posture.identity import identity_of
from posture.live import COLLECTORS
from posture.live.base import UNREADABLE
from posture.live.tagging import NOT_TAGGABLE, TAG_CALLS
from posture.rules import tokens as tok
from tests.live.conftest import COPY_REGION, MOTO_CANNOT_READ_TAGS, REGION
from tests.live.replay import remove_default_vpcs, replay_stack

STAGING = [{"Key": "pulumi:stack", "Value": "staging"}, {"Key": "pulumi:project", "Value": "security-baseline"}]


def _foreign(account) -> dict[str, str]:
    """Resources of several types no prod tag names; each type's name -> the foreign resource's ARN."""
    c = account.client
    made: dict[str, str] = {}
    c("logs").create_log_group(logGroupName="foreign-group")
    made[tok.LOG_GROUP] = next(g["logGroupArn"] for g in c("logs").describe_log_groups()["logGroups"]
                               if g["logGroupName"] == "foreign-group")
    made[tok.SNS_TOPIC] = c("sns").create_topic(Name="foreign-topic", Tags=STAGING)["TopicArn"]
    c("cloudwatch").put_metric_alarm(AlarmName="foreign-alarm", MetricName="Errors", Namespace="Foreign",
                                     Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0,
                                     ComparisonOperator="GreaterThanThreshold")
    made[tok.METRIC_ALARM] = c("cloudwatch").describe_alarms(AlarmNames=["foreign-alarm"])["MetricAlarms"][0]["AlarmArn"]
    made[tok.BACKUP_VAULT] = c("backup").create_backup_vault(BackupVaultName="foreign-vault")["BackupVaultArn"]
    made[tok.BACKUP_PLAN] = c("backup").create_backup_plan(BackupPlan={"BackupPlanName": "foreign-plan", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": "foreign-vault"}]})["BackupPlanArn"]
    made[tok.IP_SET] = c("wafv2").create_ip_set(Name="foreign-ips", Scope="REGIONAL", IPAddressVersion="IPV4",
                                                Addresses=["192.0.2.0/24"])["Summary"]["ARN"]
    vpc = c("ec2").describe_vpcs()["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in c("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    made[tok.RDS_SUBNET_GROUP] = c("rds").create_db_subnet_group(
        DBSubnetGroupName="foreign-subnets", DBSubnetGroupDescription="foreign", SubnetIds=subnets,
        Tags=STAGING)["DBSubnetGroup"]["DBSubnetGroupArn"]
    made[tok.TARGET_GROUPS[0]] = c("elbv2").create_target_group(
        Name="foreign-targets", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    c("s3").create_bucket(Bucket="foreign-trail-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    made[tok.TRAIL] = c("cloudtrail").create_trail(Name="foreign-trail", S3BucketName="foreign-trail-logs")["TrailARN"]
    url = c("sqs").create_queue(QueueName="foreign-queue")["QueueUrl"]
    made[tok.SQS_QUEUE] = c("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    made[tok.KINESIS_STREAM] = _stream(c("kinesis"))
    made[tok.ECR_REPOSITORY] = c("ecr").create_repository(repositoryName="foreign-repo")["repository"]["repositoryArn"]
    made[tok.EVENT_BUS] = c("events").create_event_bus(Name="foreign-bus")["EventBusArn"]
    role = c("iam").create_role(RoleName="foreign-machine-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "states.amazonaws.com"}}]}))["Role"]["Arn"]
    made[tok.SFN_STATE_MACHINE] = c("stepfunctions").create_state_machine(
        name="foreign-machine", roleArn=role, definition=json.dumps({
            "StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))["stateMachineArn"]
    made[tok.IAM_ROLE] = role
    return made


def _stream(kinesis) -> str:
    kinesis.create_stream(StreamName="foreign-stream", ShardCount=1)
    return kinesis.describe_stream_summary(StreamName="foreign-stream")["StreamDescriptionSummary"]["StreamARN"]


@pytest.fixture(scope="module")
def audits(moto_account, prod_stack):
    session = moto_account.session()
    remove_default_vpcs(session, [REGION, COPY_REGION])
    replay_stack(session, prod_stack, REGION)
    foreign = _foreign(moto_account)
    whole = moto_account.audit([REGION, COPY_REGION])
    scoped = moto_account.audit([REGION, COPY_REGION], stack="prod")
    return foreign, whole, scoped


def _own(view) -> bool:
    return "?" not in view.urn


def test_every_taggable_resource_read_live_carries_its_tags(audits):
    _, whole, _ = audits
    missing = {v.type for v in whole.resources if _own(v) and v.type not in NOT_TAGGABLE
               and not isinstance(v.props.get("tags"), Mapping)}
    assert missing == set(MOTO_CANNOT_READ_TAGS)
    unreadable = {v.type for v in whole.resources if v.props.get("tags") is UNREADABLE}
    assert unreadable == set(MOTO_CANNOT_READ_TAGS)
    failed = {e.api for e in whole.collector_errors if e.operation.startswith("ListTags")}
    assert failed == set(MOTO_CANNOT_READ_TAGS.values())
    assert all(e.resource_types == () for e in whole.collector_errors if e.api in failed)


def test_the_stack_audit_keeps_every_resource_tagged_with_the_stack(audits):
    _, whole, scoped = audits
    kept = {v.urn for v in scoped.resources}
    prod = [v for v in whole.resources if (identity := identity_of(v)) is not None and identity.stack == "prod"]
    assert len(prod) > 80
    assert [v.urn for v in prod if v.urn not in kept] == []
    # The types whose tags only a list-tags call reads (one resource per call, or in batches) are
    # among them, each with its logical name.
    read_by_call = {v.type for v in prod if v.type in TAG_CALLS}
    assert read_by_call >= {tok.LOG_GROUP, tok.METRIC_ALARM, tok.SNS_TOPIC, tok.BACKUP_VAULT, tok.BACKUP_PLAN,
                            tok.WEB_ACL, tok.IP_SET, tok.RDS_SUBNET_GROUP}
    assert {v.type for v in prod} >= {tok.TRAIL, tok.LISTENERS[0], tok.TARGET_GROUPS[0]}
    assert all(identity_of(v).logical_name for v in prod)


def test_every_tagged_planned_resource_the_collectors_read_is_in_the_stack_audit(audits, prod_stack):
    _, _, scoped = audits
    collected = {t for c in COLLECTORS for t in c.types}
    planned = {v.name for v in prod_stack if v.custom and v.type in collected
               and "pulumi:logical-name" in (v.props.get("tags") or {})}
    assert len(planned) > 120
    found = {identity.logical_name for v in scoped.resources if (identity := identity_of(v)) is not None}
    assert sorted(planned - found) == []


def test_the_stack_audit_leaves_out_foreign_resources_of_every_type(audits):
    foreign, whole, scoped = audits
    collected = {v.urn for v in whole.resources}
    kept = {v.urn for v in scoped.resources}
    assert {t: arn in collected for t, arn in foreign.items()} == dict.fromkeys(foreign, True)
    assert {t: arn in kept for t, arn in foreign.items()} == dict.fromkeys(foreign, False)
    assert not any(v.urn.startswith(tuple(f"{arn}?" for arn in foreign.values())) for v in scoped.resources)


def test_resources_whose_tags_could_not_be_read_stay_with_the_stack(audits):
    _, _, scoped = audits
    assert {v.type for v in scoped.resources if v.props.get("tags") is UNREADABLE} == set(MOTO_CANNOT_READ_TAGS)
