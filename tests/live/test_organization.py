"""Auditing an organization in moto: accounts from AWS Organizations, a role assumed in each
(moto answers a session on assumed-role credentials as the account in the role's ARN), two
regions, one account whose role cannot be assumed, and sharded runs merged into the same report."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from posture.cli import main
from posture.findings import Verdict
from posture.org import RoleOptions, audit_organization, combine, parse_shard, shard
from tests.live.conftest import COPY_REGION, MOTO_CONFIG, REGION, fake_credentials

REGIONS = [REGION, COPY_REGION]
ROLE = RoleOptions("PostureAudit", external_id="audit-ext-id", session_name="posture-test")


@pytest.fixture(scope="module")
def organization() -> Iterator[list[str]]:
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws(config=MOTO_CONFIG):
        fake_credentials(monkeypatch, "123456789012")
        monkeypatch.delenv("MOTO_ACCOUNT_ID")  # the account comes from the credentials, as in AWS
        org = boto3.client("organizations", region_name=REGION)
        org.create_organization(FeatureSet="ALL")
        for i in range(3):
            org.create_account(Email=f"team{i}@example.com", AccountName=f"team{i}")
        accounts = sorted(a["Id"] for a in org.list_accounts()["Accounts"])
        yield accounts


def denying_assume_role(denied: str):
    """The base session: sts:AssumeRole into ``denied`` answers AccessDenied, as a missing trust would."""

    def handler(model, params=None, **_):
        if model.name == "AssumeRole" and f"::{denied}:" in str((params or {}).get("body", params)):
            return AWSResponse("https://sts.invalid", 403, {}, None), {
                "Error": {"Code": "AccessDenied", "Message": "not authorized to perform sts:AssumeRole"},
                "ResponseMetadata": {"HTTPStatusCode": 403}}
        return None

    def factory():
        session = boto3.Session(region_name=REGION)
        session.events.register("before-call.sts.AssumeRole", handler)
        return session

    return factory


def test_one_denied_account_is_unknown_while_the_others_complete(organization):
    denied = organization[1]
    lines: list[str] = []
    report = audit_organization(denying_assume_role(denied), organization, REGIONS, ROLE, progress=lines.append)
    assert [s.account for s in report.sections] == organization
    for section in report.sections:
        assert {f.account for f in section.findings} == {section.account}
        if section.account == denied:
            assert section.status.startswith("unknown: sts:AssumeRole failed with AccessDenied")
            assert {f.verdict for f in section.findings} == {Verdict.UNKNOWN}
            assert section.run_errors
        else:
            assert section.status.startswith("complete"), section.status
            # moto's default VPC in each region: an unhardened account fails, and its findings are its own
            assert any(f.verdict is Verdict.FAIL and f"ec2:{REGION}:{section.account}:" in f.resource_urn
                       for f in section.findings)
    assert report.metadata["organization"].startswith(f"{len(organization)} accounts: {len(organization) - 1} "
                                                      "complete, 0 incomplete, 1 unknown")
    assert sum(line.startswith("[") for line in lines) == len(organization)
    assert any(line.startswith(f"{denied} ({REGION}, {COPY_REGION}): unknown") for line in lines)


def test_shards_partition_the_accounts():
    accounts = [f"{i:012d}" for i in range(7)]
    parts = [shard(accounts, i, 3) for i in (1, 2, 3)]
    assert sorted(a for p in parts for a in p) == accounts and all(parts)
    assert parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "1-3", "x"):
        with pytest.raises(ValueError, match="--shard"):
            parse_shard(bad)


def test_sections_combine_in_account_order_and_only_once():
    from posture.org import Section
    a, b = Section("222222222222", (), (), "complete: 0 resources"), Section("111111111111", (), (), "complete")
    assert [s.account for s in combine([a, b]).sections] == ["111111111111", "222222222222"]
    with pytest.raises(ValueError, match="more than one report"):
        combine([a, a])


def test_sharded_runs_merged_reproduce_the_unsharded_report(organization, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    import posture.org

    real = posture.org._assumed

    def assumed(sts, account, role):
        if account == organization[0]:
            raise posture.org.AuditSetupError(f"sts:AssumeRole failed with AccessDenied for {role.role_name}")
        return real(sts, account, role)

    monkeypatch.setattr(posture.org, "_assumed", assumed)
    common = ["audit", "--organization", "--role-name", "PostureAudit", "--external-id", "audit-ext-id",
              "--region", REGION, "--region", COPY_REGION, "--format", "json", "--out"]
    assert main([*common, str(tmp_path / "all.json")]) == 1
    for i in (1, 2):
        assert main([*common, str(tmp_path / f"shard{i}.json"), "--shard", f"{i}/2"]) == 1
    assert main(["merge", str(tmp_path / "shard1.json"), str(tmp_path / "shard2.json"), "--format", "json",
                 "--out", str(tmp_path / "merged.json")]) == 1
    whole = json.loads((tmp_path / "all.json").read_text())
    merged = json.loads((tmp_path / "merged.json").read_text())
    assert merged == whole
    assert {f["resource"]["account"] for f in whole["findings"]} == set(organization)
    shards = [json.loads((tmp_path / f"shard{i}.json").read_text()) for i in (1, 2)]
    assert sum(len(s["findings"]) for s in shards) == len(whole["findings"])
    err = capsys.readouterr().err
    assert "accounts audited" in err
    assert main(["merge", str(tmp_path / "shard1.json"), "--format", "markdown", "--out",
                 str(tmp_path / "merged.md")]) == 1


def test_merge_refuses_what_is_not_an_organization_report(tmp_path, capsys):
    path = tmp_path / "plain.json"
    path.write_text(json.dumps({"schema_version": 1, "kind": "audit", "findings": [], "metadata": {}}))
    assert main(["merge", str(path), "--format", "json", "--out", str(tmp_path / "m.json")]) == 2
    assert "not an organization audit JSON report" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()


def test_organization_options_are_checked(tmp_path, capsys):
    accounts = tmp_path / "accounts.txt"
    accounts.write_text("111122223333  # prod\nnot-an-account\n")
    assert main(["audit", "--region", REGION, "--accounts-file", str(accounts), "--role-name", "R"]) == 2
    assert "accounts.txt:2: 'not-an-account' is not a 12-digit AWS account id" in capsys.readouterr().err
    assert main(["audit", "--region", REGION, "--accounts-file", str(accounts)]) == 2
    assert "--role-name is required" in capsys.readouterr().err
