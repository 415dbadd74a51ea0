"""What AWS owns reaches the rules and is NOT_APPLICABLE there, with the reason (posture.rules.aws_owned).

The cases (cases.py) prove nothing fails when such a resource joins the compliant stack; these
prove the verdict is NOT_APPLICABLE rather than a pass, and that the facts, not the name or the
path alone, decide it.
"""

from __future__ import annotations

import pytest

from posture.evaluate import evaluate
from posture.findings import Verdict
from tests.policies.cases import ROLE, _aws_managed_key, _doomed_key, _policy, _service_linked_role
from tests.policies.helpers import add

KEY, BUS = "aws:kms/key:Key", "aws:cloudwatch/eventBus:EventBus"
WALL = "stack-bank-data-require-walled-off-readers"
SERVICE_LINKED, AWS_MANAGED, SCHEDULED = "a service-linked role", "an AWS-managed key", "scheduled for deletion"


def _verdicts(baseline, type_: str, name: str, props: dict) -> dict[str, tuple[Verdict, str]]:
    findings = evaluate(add(type_, name, props)(baseline))
    return {f.control_id: (f.verdict, f.message) for f in findings if f.resource_urn.endswith(f"::{name}")}


@pytest.mark.parametrize(("type_", "props", "reason", "controls"), [
    (ROLE, _service_linked_role(), SERVICE_LINKED, (
        "aws-iam-resourcepolicy-require-confused-deputy-conditions", "aws-iam-resourcepolicy-disallow-wildcard-grants",
        WALL)),
    (KEY, _aws_managed_key(), AWS_MANAGED, (
        "aws-kms-key-enable-rotation", "aws-kms-key-require-30-day-deletion-window",
        "aws-kms-key-require-conditioned-use", "aws-iam-resourcepolicy-disallow-wildcard-grants", WALL)),
    (KEY, _doomed_key(), SCHEDULED, ("aws-kms-key-enable-rotation",)),
    (BUS, {"name": "default", "arn": "arn:aws:events:eu-west-1:111122223333:event-bus/default"},
     "the account's default event bus", ("aws-cloudwatch-eventbus-require-cmk-encryption",)),
], ids=["service-linked-role", "aws-managed-key", "key-scheduled-for-deletion", "default-event-bus"])
def test_what_aws_owns_is_not_applicable_with_the_reason(baseline, type_, props, reason, controls) -> None:
    found = _verdicts(baseline, type_, "fx-owned", props)
    for control in controls:
        verdict, message = found[control]
        assert verdict is Verdict.NOT_APPLICABLE and reason in message, (control, verdict, message)


def test_the_same_resources_without_the_deciding_fact_are_judged(baseline) -> None:
    """Take the fact away and the same resource fails: the exclusion is the fact's, nothing else's."""
    role = _verdicts(baseline, ROLE, "fx-owned", _service_linked_role(path="/"))
    assert role["aws-iam-resourcepolicy-require-confused-deputy-conditions"][0] is Verdict.FAIL
    key = _verdicts(baseline, KEY, "fx-owned", _aws_managed_key(keyManager="CUSTOMER"))
    assert key["aws-kms-key-enable-rotation"][0] is Verdict.FAIL
    assert key["aws-kms-key-require-30-day-deletion-window"][0] is Verdict.FAIL
    assert key["aws-kms-key-require-conditioned-use"][0] is Verdict.FAIL
    doomed = _verdicts(baseline, KEY, "fx-owned", _doomed_key(keyState="Enabled"))
    assert doomed["aws-kms-key-enable-rotation"][0] is Verdict.FAIL
    bus = _verdicts(baseline, BUS, "fx-owned", {"name": "orders"})
    assert bus["aws-cloudwatch-eventbus-require-cmk-encryption"][0] is Verdict.FAIL


def test_a_key_scheduled_for_deletion_is_judged_on_its_policy(baseline) -> None:
    """KMS refuses a doomed key's use only until someone its policy admits cancels the deletion, so
    scheduling the deletion must not hide an open policy from the policy controls."""
    open_to_all = _policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"},
                          {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                           "Action": "kms:Decrypt", "Resource": "*"})
    doomed = _verdicts(baseline, KEY, "fx-owned", _doomed_key(policy=open_to_all, tags={"domain": "bank-data"}))
    for control in ("aws-iam-resourcepolicy-disallow-wildcard-grants", "aws-kms-key-require-conditioned-use", WALL):
        assert doomed[control][0] is Verdict.FAIL, (control, doomed[control])


def test_a_role_on_the_service_linked_path_that_trusts_more_than_a_service_is_judged(baseline) -> None:
    """IAM reserves the path, but a declared role there is judged unless its trust is a service's alone."""
    trust = _policy({"Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com", "AWS": "arn:aws:iam::999999999999:root"},
                     "Action": "sts:AssumeRole"})
    found = _verdicts(baseline, ROLE, "fx-owned", _service_linked_role(assumeRolePolicy=trust))
    assert found["aws-iam-resourcepolicy-require-confused-deputy-conditions"][0] is Verdict.FAIL
