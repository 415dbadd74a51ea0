"""A violation about a secret names the property and the fix, never the value (CrossGuard hands
policies secrets in plain text, and messages reach the CLI, Pulumi Cloud and every report)."""

import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs
from pulumi_policy.proxy import unknown_checking_proxy

from policies.pack import POLICIES
from posture.resources import ResourceView
from posture.rules import RULES
from posture.rules.results import run_resource_rule

SECRET = "tok_live_SUPERSECRET_4242"


@pytest.mark.parametrize(("control", "type_token", "props"), [
    ("aws-secretsmanager-secretversion-disallow-stored-value", "aws:secretsmanager/secretVersion:SecretVersion",
     {"secretId": "s", "secretString": SECRET}),
    ("aws-rds-instance-require-managed-master-password", "aws:rds/instance:Instance",
     {"engine": "postgres", "password": SECRET}),
    ("aws-rds-cluster-require-managed-master-password", "aws:rds/cluster:Cluster",
     {"engine": "aurora-postgresql", "masterPassword": SECRET}),
])
def test_the_secret_value_never_appears_in_the_message(control, type_token, props):
    view = ResourceView(urn=f"urn:pulumi:s::p::{type_token}::x", type=type_token, name="x", props=props)
    [result] = run_resource_rule(RULES[control], view)
    assert result.verdict == "fail"
    assert SECRET not in result.message and "value withheld" in result.message
    policy = next(p for p in POLICIES if p.name == control)
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    messages: list[str] = []
    policy.validate(ResourceValidationArgs(type_token, unknown_checking_proxy(props), view.urn, "x", options, None),
                    lambda message, urn=None: messages.append(message))
    assert messages and all(SECRET not in message for message in messages)
