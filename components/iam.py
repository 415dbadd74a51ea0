"""IAM that more than one component needs."""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from components import arns


def service_trust_policy(service: str, account_id: str) -> str:
    """A role that only ``service`` may assume, and only on behalf of this account: the
    ``aws:SourceAccount`` condition stops the confused deputy (another account's use of the same
    service assuming our role)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"Service": service},
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }]})


def log_writer_role(prefix: str, service: str, account_id: str, region: str, log_group: aws.cloudwatch.LogGroup,
                    actions: list[str], resources: Callable[[str], list[str] | str],
                    opts: pulumi.ResourceOptions) -> aws.iam.Role:
    """The role an AWS service (flow logs, CloudTrail) assumes to deliver into one log group: it
    may write there and nowhere else. Creates ``<prefix>-role`` and its policy ``<prefix>-write``."""
    role = aws.iam.Role(f"{prefix}-role", assume_role_policy=service_trust_policy(service, account_id), opts=opts)
    aws.iam.RolePolicy(
        f"{prefix}-write", role=role.id,
        # From the group's name, not its ARN output, so the policy is known at preview.
        policy=log_group.name.apply(lambda name: json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": actions, "Resource": resources(arns.log_group(region, account_id, name)),
        }]})),
        opts=opts,
    )
    return role
