"""Auditing an organization in moto: accounts from AWS Organizations, a role assumed in each
(moto answers a session on assumed-role credentials as the account in the role's ARN), two
regions, one account whose role cannot be assumed, and sharded runs merged into the same report."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from posture.cli import main
from posture.findings import Verdict
from posture.org import RoleOptions, audit_organization, combine, parse_shard, shard
from posture.progress import Progress
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
    log = io.StringIO()
    report = audit_organization(denying_assume_role(denied), organization, REGIONS, ROLE,
                                progress=Progress(log, interactive=False))
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
    # CI log: one line per account and region as it finishes
    lines = log.getvalue().splitlines()
    total = len(organization) * len(REGIONS)
    assert lines[0] == f"posture: Auditing {len(organization)} accounts in {REGION}, {COPY_REGION}: {total} tasks"
    assert sorted(int(line.split("[")[1].split("/")[0]) for line in lines[1:]) == list(range(1, total + 1))
    for account in organization:
        for region in REGIONS:
            done = [line for line in lines if f"] {account} {region}: " in line]
            assert len(done) == 1, (account, region, lines)
            assert ("unknown: sts:AssumeRole failed with AccessDenied" in done[0]) == (account == denied)
            assert account == denied or " resources" in done[0]


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


def test_sharded_runs_merged_with_waivers_reproduce_the_unsharded_report(organization, tmp_path, monkeypatch, capsys):
    """The unsharded run and the merge both apply the waiver file; the shards' own waiver state is not
    carried over but re-applied, so a waiver used in one shard only is neither unused nor lost."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    import posture.org

    real = posture.org._assumed

    def assumed(sts, account, role):
        if account == organization[0]:
            raise posture.org.AuditSetupError(f"sts:AssumeRole failed with AccessDenied for {role.role_name}")
        return real(sts, account, role)

    monkeypatch.setattr(posture.org, "_assumed", assumed)
    waived = organization[-1]  # in the second shard only
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(f"- control: aws-ec2-subnet-disallow-public-ip-on-launch\n"
                       f"  resource: 'arn:aws:ec2:*:{waived}:subnet/*'\n"
                       "  reason: the default VPC's subnets are left as AWS made them\n"
                       "  approver: platform@example.com\n  expires: 2099-12-31\n")
    common = ["audit", "--organization", "--role-name", "PostureAudit", "--external-id", "audit-ext-id",
              "--region", REGION, "--region", COPY_REGION, "--format", "json", "--waivers", str(waivers), "--out"]
    assert main([*common, str(tmp_path / "all.json")]) == 1
    for i in (1, 2):
        assert main([*common, str(tmp_path / f"shard{i}.json"), "--shard", f"{i}/2"]) == 1
    assert main(["merge", str(tmp_path / "shard1.json"), str(tmp_path / "shard2.json"), "--waivers", str(waivers),
                 "--format", "json", "--out", str(tmp_path / "merged.json")]) == 1
    whole = json.loads((tmp_path / "all.json").read_text())
    merged = json.loads((tmp_path / "merged.json").read_text())
    assert merged == whole
    assert {f["resource"]["account"] for f in whole["findings"]} == set(organization)
    waived_findings = [f for f in whole["findings"] if f["state"] == "waived"]
    assert waived_findings and {f["resource"]["account"] for f in waived_findings} == {waived}
    assert whole["waivers"][0]["status"] == "applied"
    by_account = {a["account"]: a for a in whole["accounts"]}
    assert list(by_account) == organization
    assert by_account[waived]["counts"]["waived"] == len(waived_findings)
    assert by_account[organization[0]]["unknown_reason"].startswith("sts:AssumeRole failed with AccessDenied")
    for account, section in by_account.items():
        assert sum(section["counts"].values()) == sum(f["resource"]["account"] == account for f in whole["findings"])
    shards = [json.loads((tmp_path / f"shard{i}.json").read_text()) for i in (1, 2)]
    assert sum(len(s["findings"]) for s in shards) == len(whole["findings"])
    assert shards[0]["waivers"][0]["status"] == "unused"  # the waived account is not in the first shard
    # Without the waiver file the merge reports the failures the shards had waived: waivers are the merge's input.
    assert main(["merge", str(tmp_path / "shard1.json"), str(tmp_path / "shard2.json"), "--format", "json",
                 "--out", str(tmp_path / "unwaived.json")]) == 1
    unwaived = json.loads((tmp_path / "unwaived.json").read_text())
    assert not [f for f in unwaived["findings"] if f["state"] == "waived"]
    assert unwaived["counts"]["fail"] == whole["counts"]["fail"] + len(waived_findings)
    err = capsys.readouterr().err
    assert f"Auditing {len(organization)} accounts in {REGION}, {COPY_REGION}" in err
    assert main(["merge", str(tmp_path / "shard1.json"), "--format", "markdown", "--out",
                 str(tmp_path / "merged.md")]) == 1


def test_merge_refuses_what_is_not_an_organization_report(tmp_path, capsys):
    path = tmp_path / "plain.json"
    path.write_text(json.dumps({"schema_version": 3, "kind": "audit", "findings": [], "metadata": {}, "accounts": []}))
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


def test_every_format_has_a_section_per_account_and_the_organization_summary():
    import jsonschema

    from posture.catalog import CONTROLS, PROMISES
    from posture.findings import Enforcement, Finding, Severity
    from posture.org import Section, unknown_section
    from posture.reports import Report, render
    from posture.reports.formats.json import SCHEMA, document

    failing, clean, denied = "111111111111", "222222222222", "333333333333"

    def finding(account: str, verdict: Verdict, resource: str) -> Finding:
        return Finding(control_id="aws-ec2-defaultsecuritygroup-disallow-rules", verdict=verdict,
                       severity=Severity.HIGH, enforcement=Enforcement.MANDATORY,
                       resource_urn=f"arn:aws:ec2:{REGION}:{account}:security-group/{resource}",
                       resource_type="aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
                       message=f"{resource} has rules", account=account)

    org = combine([Section(failing, (finding(failing, Verdict.FAIL, "sg-bad"), finding(failing, Verdict.PASS, "sg-ok")),
                           (), "complete: 2 resources"),
                   Section(clean, (finding(clean, Verdict.PASS, "sg-fine"),), (), "complete: 1 resources"),
                   unknown_section(denied, "sts:AssumeRole failed with AccessDenied for arn:aws:iam::333333333333:"
                                           "role/PostureAudit")])
    from datetime import UTC, datetime
    report = Report(tool_version="test", kind="audit", stack=None, project=None,
                    generated_at=datetime(2026, 1, 1, tzinfo=UTC), findings=org.findings, controls=CONTROLS,
                    promises=PROMISES, metadata=org.metadata, view="live", run_errors=org.run_errors,
                    accounts=org.accounts)
    sections = {a.account: a for a in report.account_sections}
    assert list(sections) == [failing, clean, denied]
    assert (sections[failing].counts["fail"], sections[failing].counts["pass"], sections[failing].blocking) == (1, 1, 1)
    assert sections[clean].counts["fail"] == 0 and sections[clean].unknown_reason is None
    assert sections[denied].counts["unknown"] == len(unknown_section(denied, "x").findings) > 0
    assert sections[denied].unknown_reason.startswith("sts:AssumeRole failed with AccessDenied")

    doc = document(report)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert [a["account"] for a in doc["accounts"]] == [failing, clean, denied]
    assert doc["metadata"] == {"organization": "3 accounts: 2 complete, 0 incomplete, 1 unknown; 1 with failures"}

    console = render(report, "console", width=200)
    assert "Organization: 3 accounts" in console
    assert all(a in console for a in (failing, clean, denied)) and "unknown: sts:AssumeRole failed" in console
    markdown = render(report, "markdown")
    assert "### Organization: 3 accounts" in markdown
    assert f"- ❔ `{denied}`: sts:AssumeRole failed with AccessDenied" in markdown
    assert f"Account <code>{failing}</code>: 1 blocking" in markdown and f"Account <code>{clean}</code>" not in markdown
    html = render(report, "html")
    assert html.count('id="account-') == 3 and "Not audited: sts:AssumeRole failed with AccessDenied" in html
    assert "sg-bad" in html.split(f'id="account-{failing}"')[1].split("</details>")[0]
    # Any other report has no account sections.
    assert document(Report(tool_version="test", kind="audit", stack=None, project=None,
                           generated_at=datetime(2026, 1, 1, tzinfo=UTC), findings=(), controls=CONTROLS,
                           promises=PROMISES, view="live"))["accounts"] == []


def test_progress_is_plain_lines_in_ci_even_at_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    assert Progress(Terminal()).interactive
    monkeypatch.setenv("CI", "true")
    log = Terminal()
    progress = Progress(log)
    assert not progress.interactive
    with progress.counter("Auditing 2 accounts in eu-west-1", 2) as advance:
        advance("111111111111 eu-west-1: 3 resources")
        advance("222222222222 eu-west-1: unknown: sts:AssumeRole failed with AccessDenied")
    assert log.getvalue().splitlines() == [
        "posture: Auditing 2 accounts in eu-west-1: 2 tasks", "posture: [1/2] 111111111111 eu-west-1: 3 resources",
        "posture: [2/2] 222222222222 eu-west-1: unknown: sts:AssumeRole failed with AccessDenied"]
