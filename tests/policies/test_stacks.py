"""The project's own stacks satisfy every control, and evaluation stays fast."""

from __future__ import annotations

import pytest

from posture.catalog import CONTROLS
from posture.evaluate import evaluate
from posture.findings import Verdict
from posture.rules import application, rule_home

APPLICATION_CONTROLS = {c.id for c in CONTROLS if rule_home(c.id) is application}
"""Controls on resources application teams add (queues, functions, ...): the baseline declares none;
tests/policies/app_cases.py and tests/posture/test_app_stack.py exercise them."""

NOT_APPLICABLE_TODAY = {
    # The baseline silences no findings (no GuardDuty filter, no Security Hub automation rule).
    "stack-findings-disallow-broad-suppression",
    # No Aurora or Multi-AZ DB cluster in the baseline (RDS instance; see components/database.py).
    "aws-rds-cluster-disallow-public-access",
    "aws-rds-cluster-enable-auto-minor-version-upgrade",
    "aws-rds-cluster-enable-deletion-protection",
    "aws-rds-cluster-enable-iam-authentication",
    "aws-rds-cluster-require-backup-retention",
    "aws-rds-cluster-require-cmk-encryption",
    "aws-rds-cluster-require-final-snapshot",
    "aws-rds-cluster-require-managed-master-password",
    # No secret value is ever written by Pulumi (components/data_stores.py): nothing to check.
    "aws-secretsmanager-secretversion-disallow-stored-value",
    *APPLICATION_CONTROLS,
    # No RDS Proxy in the baseline (adversarial.py adds one).
    "aws-rds-proxy-require-tls",
    # No manual DB snapshot: AWS Backup keeps the recovery points (cases.py adds one).
    "aws-rds-snapshot-disallow-sharing",
}
"""Controls with nothing to check in the stacks as wired today. When a stack starts declaring
one of these resource kinds, move the control out of this set (the test says which)."""


@pytest.mark.parametrize("stack", ["prod_stack", "staging_stack"])
def test_stack_satisfies_every_control(stack: str, request) -> None:
    findings = evaluate(list(request.getfixturevalue(stack)))
    problems = [f"{f.verdict.value} {f.control_id} {f.resource_urn}: {f.message}" for f in findings
                if f.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN)]
    assert problems == []
    assert {f.control_id for f in findings} == {c.id for c in CONTROLS}, "every control reports on every stack"


@pytest.mark.parametrize("stack", ["prod_stack", "staging_stack"])
def test_controls_not_applicable_today(stack: str, request) -> None:
    findings = evaluate(list(request.getfixturevalue(stack)))
    verdicts: dict[str, set[Verdict]] = {}
    for f in findings:
        verdicts.setdefault(f.control_id, set()).add(f.verdict)
    assert {c for c, v in verdicts.items() if v == {Verdict.NOT_APPLICABLE}} == NOT_APPLICABLE_TODAY


def test_baseline_with_fixtures_passes_every_control(baseline) -> None:
    """prod + extras.py exercise the controls the stacks leave not applicable (Aurora, ...)."""
    findings = evaluate(list(baseline))
    assert [f.message for f in findings if f.verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN)] == []
    passing = {f.control_id for f in findings if f.verdict is Verdict.PASS}
    assert {c.id for c in CONTROLS} - passing == {"aws-rds-cluster-disallow-public-access",
                                                  "aws-secretsmanager-secretversion-disallow-stored-value",
                                                  *APPLICATION_CONTROLS,
                                                  "aws-rds-proxy-require-tls",
                                                  "aws-rds-snapshot-disallow-sharing"}
