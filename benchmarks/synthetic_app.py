"""A synthetic Pulumi program: the prod baseline plus N app services, for scale benchmarks.

Each service adds what a hardened service adds to the baseline: its own security group admitted
from the app tier, a table under the baseline's sessions key with PITR, a resource policy that
keeps item access inside the VPC endpoint and a backup selection on the baseline's plan, a log
group, and a role scoped to its table. The stack stays compliant, so the benchmark measures the
engine rather than failure rendering.
"""

import json

import pulumi
import pulumi_aws as aws

from components.iam import service_trust_policy
from posture.facts import TABLE_DATA_ACTIONS
from stacks.baseline import Baseline, build_baseline
from stacks.config import load_stack_config

RESOURCES_PER_SERVICE = 9
TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]


def app_service(index: int, baseline: Baseline, account_id: str) -> None:
    name = f"svc{index:05d}"
    key_arn = baseline.keys["sessions"].arn
    sg = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id=baseline.vpc.vpc_id, description=f"{name} tasks",
                               tags={"tier": "app"})
    aws.vpc.SecurityGroupIngressRule(f"{name}-from-app", security_group_id=sg.id, ip_protocol="tcp",
                                     from_port=8443, to_port=8443,
                                     referenced_security_group_id=baseline.vpc.app_security_group_id,
                                     description="from the app tier")
    aws.vpc.SecurityGroupEgressRule(f"{name}-https-out", security_group_id=sg.id, ip_protocol="tcp",
                                    from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0", description="HTTPS out")
    table = aws.dynamodb.Table(
        f"{name}-table", billing_mode="PAY_PER_REQUEST", hash_key="id",
        attributes=[aws.dynamodb.TableAttributeArgs(name="id", type="S")],
        server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True, kms_key_arn=key_arn),
        point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
        deletion_protection_enabled=True)
    aws.dynamodb.ResourcePolicy(
        f"{name}-table-policy", resource_arn=table.arn,
        policy=pulumi.Output.all(table.arn, baseline.vpc.dynamodb_endpoint_id).apply(lambda parts: json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Sid": "ItemsOnlyThroughTheVpcEndpoint", "Effect": "Deny", "Principal": "*", "Action": TABLE_DATA_ACTIONS,
                "Resource": parts[0], "Condition": {"StringNotEquals": {"aws:SourceVpce": parts[1]}}}]})))
    aws.backup.Selection(f"{name}-backup", name=f"{name}-backup", plan_id=baseline.backups.plan_id,
                         iam_role_arn=baseline.backups.role_arn, resources=[table.arn])
    aws.cloudwatch.LogGroup(f"{name}-logs", kms_key_id=baseline.keys["logs"].arn, retention_in_days=365)
    role = aws.iam.Role(f"{name}-role", assume_role_policy=service_trust_policy("ecs-tasks.amazonaws.com", account_id))
    aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=table.arn.apply(lambda arn: json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": TABLE_ACTIONS, "Resource": arn}]})))


def main() -> None:
    config = load_stack_config()
    baseline = build_baseline(config)
    for index in range(int(pulumi.Config().require("benchServices"))):
        app_service(index, baseline, config.account_id)
