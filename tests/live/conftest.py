"""moto accounts for the live-audit tests, one per test module (shared by its tests), and lookups
into an audit's findings by control id and resource name."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from posture.audit import AuditResult, audit_account
from posture.findings import Finding, Verdict

REGION, COPY_REGION = "eu-west-1", "eu-central-1"
PLANNED_ACCOUNT = "111122223333"
"""The prod stack's account id (Pulumi.prod.yaml), so replayed ARNs read as planned."""
MOTO_CONFIG = {"iam": {"load_aws_managed_policies": True}}
MOTO_CANNOT_READ_TAGS = {"aws:securityhub/account:Account": "securityhub:ListTagsForResource"}
"""Types whose list-tags call moto 5.2.5 does not implement (posture.live.tagging): the audit keeps
them with every stack and records the failed call."""
_CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
            "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


def fake_credentials(monkeypatch: pytest.MonkeyPatch, account: str) -> None:
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", account)


@dataclass
class MotoAccount:
    account_id: str

    def session(self, region: str = REGION) -> Any:
        return boto3.Session(region_name=region)

    def client(self, service: str, region: str = REGION) -> Any:
        return self.session(region).client(service)

    def audit(self, regions: list[str] | None = None, **kwargs: Any) -> AuditResult:
        return audit_account(lambda: boto3.Session(region_name=REGION), regions or [REGION], **kwargs)

    def use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make this the account moto answers for (moto reads ``MOTO_ACCOUNT_ID`` on every request)."""
        monkeypatch.setenv("MOTO_ACCOUNT_ID", self.account_id)


@pytest.fixture(scope="module")
def moto_account() -> Iterator[MotoAccount]:
    """A fresh moto world for the module, answering as the prod stack's account."""
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws(config=MOTO_CONFIG):
        fake_credentials(monkeypatch, PLANNED_ACCOUNT)
        yield MotoAccount(PLANNED_ACCOUNT)


# --- reading an audit ----------------------------------------------------------------------------


def names(result: AuditResult) -> dict[str, str]:
    """Resource URN (ARN) -> the name the collectors gave it; the account is ``(account)``."""
    found = {r.urn: r.name for r in result.resources}
    found[f"arn:aws:iam::{result.account_id}:root"] = "(account)"
    return found


def findings_for(result: AuditResult, control_id: str, name: str) -> list[Finding]:
    by_urn = names(result)
    return [f for f in result.findings if f.control_id == control_id and by_urn.get(f.resource_urn) == name]


def verdict_of(result: AuditResult, control_id: str, name: str) -> Verdict:
    found = findings_for(result, control_id, name)
    assert found, f"no {control_id} finding on {name!r}; findings of that control: " + "; ".join(
        f"{f.verdict.value} {names(result).get(f.resource_urn, f.resource_urn)}"
        for f in result.findings if f.control_id == control_id)
    verdicts = {f.verdict for f in found}
    worst = next(v for v in (Verdict.ERROR, Verdict.FAIL, Verdict.UNKNOWN, Verdict.PASS, Verdict.NOT_APPLICABLE)
                 if v in verdicts)
    return worst


def failing_controls(result: AuditResult, name: str) -> set[str]:
    by_urn = names(result)
    return {f.control_id for f in result.findings if f.verdict is Verdict.FAIL and by_urn.get(f.resource_urn) == name}
