"""Identity, key, data-store and storage policies decide on a first preview (issue 10, by area).

Components write policy documents from config (account, region) and explicit names, not from
``.arn`` outputs, so a stack that does not exist yet is judged, not reported "cannot verify".
"""

from __future__ import annotations

from posture.findings import Verdict
from tests.policies.helpers import run

POLICY_CONTROLS = {
    "aws-iam-policy-disallow-wildcard-actions",
    "aws-iam-policy-disallow-wildcard-resources-on-secrets-and-keys",
    "aws-iam-resourcepolicy-disallow-wildcard-grants",
    "aws-iam-resourcepolicy-require-confused-deputy-conditions",
    "aws-kms-key-require-conditioned-use",
    "aws-s3-bucketpolicy-require-tls",
    "stack-secret-require-reader-allowlist-policy",
    "stack-dynamodb-table-require-deny-policy",
    "stack-sns-topic-require-tls-only-policy",
}
AWS_COMPUTED = {"data-sessions", "data-oauth-tokens", "data-transactions", "data-sessions-policy",
                "data-oauth-tokens-policy", "data-transactions-policy"}
"""The DynamoDB table policies deny requests outside the VPC's gateway endpoint, whose id AWS
assigns when it creates the endpoint: those documents stay unknown until deploy."""


def _undecided(findings) -> set[tuple[str, str]]:
    return {(f.control_id, f.resource_urn.rsplit("::", 1)[-1]) for f in findings
            if f.control_id in POLICY_CONTROLS and f.verdict is Verdict.UNKNOWN}


def test_policy_controls_decide_on_the_first_preview(prod_first_preview):
    findings = run(prod_first_preview)
    assert {name for _, name in _undecided(findings)} <= AWS_COMPUTED
    decided = {f.control_id for f in findings if f.control_id in POLICY_CONTROLS and f.verdict is Verdict.PASS}
    assert decided == POLICY_CONTROLS - {"stack-dynamodb-table-require-deny-policy"}  # every table's is AWS-computed


def test_first_preview_and_deployed_view_agree_on_policy_controls(prod_first_preview, prod_stack):
    def verdicts(findings):
        return {(f.control_id, f.resource_urn.rsplit("::", 1)[-1]): f.verdict for f in findings if f.control_id in POLICY_CONTROLS}
    preview, deployed = verdicts(run(prod_first_preview)), verdicts(run(prod_stack))
    assert {k: v for k, v in preview.items() if v is not Verdict.UNKNOWN} == \
        {k: v for k, v in deployed.items() if k in preview and preview[k] is not Verdict.UNKNOWN}
