"""The CLI contract: exit codes, one-line errors, output pairing, and never a partial report."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

import posture.evaluate
import posture.program
from posture import catalog
from posture.cli import main
from posture.findings import Enforcement, Severity, Verdict
from tests.conftest import PROJECT_DIR
from tests.posture.conftest import CONTROLS, DB_URN, SG_URN, finding

DATA = Path(__file__).parent / "data"
PASS = finding("aws-test-db-disallow-public-access", Verdict.PASS, DB_URN, "database-instance is private")
HIGH = finding("aws-test-sg-disallow-cidr-ingress", Verdict.FAIL, SG_URN, "database-sg admits 10.0.0.0/8")


@pytest.fixture
def engine(monkeypatch, prod_stack):
    """The CLI over hand-made controls and findings: what evaluate() returns is up to the test."""
    state = {"findings": [PASS]}

    def evaluate(resources, levels=None, properties=None):
        state["resources"], state["levels"], state["properties"] = resources, levels, properties
        return list(state["findings"])

    monkeypatch.setattr(catalog, "CONTROLS", CONTROLS)
    monkeypatch.setattr(posture.evaluate, "evaluate", evaluate)
    monkeypatch.setattr(posture.program, "run_project", lambda project_dir, stack, view: list(prod_stack))
    return state


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check(tmp_path: Path, *extra: str) -> list[str]:
    return ["check", "--stack", "prod", "--project", str(PROJECT_DIR), *extra]


def json_out(tmp_path: Path) -> list[str]:
    return ["--format", "json", "--out", str(tmp_path / "posture.json")]


PROGRESS = re.compile(r"^posture: (\[\d+/\d+\] .*|.* \(\d+\.\d s\)|.*: \d+ tasks)$")
"""Progress lines on stderr when it is not a terminal (posture.progress): one per finished step."""


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if not PROGRESS.match(line)]
    assert len(lines) == 1, err
    assert lines[0].startswith("posture: error: ") and "Traceback" not in err
    return lines[0]


# --- usage -----------------------------------------------------------------------------------------


def test_help_documents_the_output_pairing_and_the_exit_codes(capsys):
    code, out, _ = run(capsys, "check", "--help")
    assert code == 0
    assert "the\n  Nth --out belongs to the Nth non-console --format" in out
    assert "exit codes" in out and "usage, config or input error" in out


@pytest.mark.parametrize(("argv", "expected"), [
    (["check"], "the following arguments are required: --stack; see `posture check --help`"),
    (["check", "--stack", "prod", "--format", "pdf"], "argument --format: invalid choice: 'pdf'"),
    (["check", "--stack", "prod", "--bogus"], "unrecognized arguments: --bogus; see `posture check --help`"),
    (["check", "--stack", "prod", "--format", "sarif", "--format", "junit"],
     "2 file format(s) (sarif, junit) but 0 --out; give one --out FILE per non-console --format"),
    (["check", "--stack", "prod", "--out", "x.json"], "--out x.json has no format to pair with"),
    (["check", "--stack", "prod", "--format", "console", "--format", "console"], "--format console is given twice"),
    (["check", "--stack", "prod", "--format", "console", "--format", "json", "--out", "-"],
     "more than one report would go to stdout"),
    (["check", "--stack", "prod", "--format", "json", "--out", "{tmp}/a", "--format", "html", "--out", "{tmp}/a"],
     "is given twice; give each format its own file"),
    (["check", "--stack", "prod", "--format", "html", "--out", "{tmp}/missing/r.html"],
     "directory {tmp}/missing does not exist; create it first"),
    (["check", "--stack", "prod", "--format", "html", "--out", "{tmp}"], "is a directory; give a file name"),
    (["check", "--stack", "prod", "--fail-on", "severe"], "argument --fail-on: invalid choice: 'severe'"),
    (["report"], "the following arguments are required: --events"),
    (["controls", "--format", "html"], "argument --format: invalid choice: 'html'"),
    ([], "the following arguments are required: {check,report,audit,merge,diff,controls}"),
])
def test_usage_errors_are_one_line_and_exit_2(capsys, tmp_path, argv, expected):
    code, out, err = run(capsys, *(a.replace("{tmp}", str(tmp_path)) for a in argv))
    assert code == 2 and out == ""
    assert expected.replace("{tmp}", str(tmp_path)) in one_line(err)
    assert list(tmp_path.iterdir()) == []


# --- bad inputs: exit 2, one line, nothing written ---------------------------------------------------


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's entry files, to break one at a time."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "Pulumi.prod.yaml"):
        shutil.copy(PROJECT_DIR / name, root / name)
    return root


def assert_input_error(capsys, tmp_path: Path, argv: list[str], expected: str) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    previous = out_dir / "posture.json"
    previous.write_text("previous run")
    code, out, err = run(capsys, *argv, "--format", "json", "--out", str(previous), "--format", "sarif", "--out",
                         str(out_dir / "posture.sarif"))
    assert code == 2 and out == ""
    assert expected in one_line(err)
    assert sorted(p.name for p in out_dir.iterdir()) == ["posture.json"]
    assert previous.read_text() == "previous run"


def test_an_unknown_stack_names_the_known_ones(capsys, tmp_path):
    assert_input_error(capsys, tmp_path, ["check", "--stack", "nope", "--project", str(PROJECT_DIR)],
                       "unknown stack 'nope': Pulumi.nope.yaml does not exist; known stacks: prod, staging")


def test_a_missing_project_file_says_to_pass_project(capsys, tmp_path):
    assert_input_error(capsys, tmp_path, ["check", "--stack", "prod", "--project", str(tmp_path)],
                       "Pulumi.yaml: not found; run posture from the Pulumi project directory or pass --project")


def test_broken_stack_yaml_names_the_line(capsys, tmp_path, project):
    (project / "Pulumi.prod.yaml").write_text("config:\n  aws:region: [eu-west-1\n")
    assert_input_error(capsys, tmp_path, ["check", "--stack", "prod", "--project", str(project)],
                       "Pulumi.prod.yaml: line 3 is not valid YAML")


def test_a_bad_config_value_names_the_key_without_asyncio_noise(capsys, tmp_path, project):
    text = (project / "Pulumi.prod.yaml").read_text().replace("vpcCidr: 10.10.0.0/16", "vpcCidr: 10.10.0.1/16")
    (project / "Pulumi.prod.yaml").write_text(text)
    assert_input_error(capsys, tmp_path, ["check", "--stack", "prod", "--project", str(project)],
                       "Pulumi.prod.yaml security-baseline:vpcCidr: '10.10.0.1/16' is not a valid CIDR")


def test_a_component_input_error_names_the_field(capsys, tmp_path, project):
    (project / "__main__.py").write_text(
        "from components.vpc import Vpc, VpcArgs\n"
        "Vpc('net', VpcArgs(cidr='8.8.0.0/16', availability_zones=['a', 'b'], region='eu-west-1',"
        " account_id='111122223333', flow_log_key_arn='arn:aws:kms:eu-west-1:111122223333:key/x'))\n")
    assert_input_error(capsys, tmp_path, ["check", "--stack", "prod", "--project", str(project)],
                       "cidr: 8.8.0.0/16 is not a private (RFC 1918) IPv4 range")


def test_a_crashing_program_is_one_line(capsys, tmp_path, project):
    (project / "__main__.py").write_text("settings = {}\nsettings['missing']\n")
    assert_input_error(capsys, tmp_path, ["check", "--stack", "prod", "--project", str(project)],
                       "the Pulumi program for stack prod failed: KeyError: 'missing'")


def test_a_bad_waiver_file_names_the_entry_and_field(capsys, tmp_path, engine):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("- control: aws-test-db-require-multi-az\n  resource: 'urn:pulumi:prod::*'\n"
                       "  reason: cost\n  approver: ''\n  expires: 2099-01-01\n")
    assert_input_error(capsys, tmp_path, [*check(tmp_path), "--waivers", str(waivers)],
                       f"{waivers}:1: waivers[0].approver: must be a non-empty text")


def test_a_critical_waiver_is_refused_without_the_flag(capsys, tmp_path, engine):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("- control: aws-test-db-disallow-public-access\n  resource: 'urn:pulumi:prod::*'\n"
                       "  reason: cost\n  approver: jane\n  expires: 2099-01-01\n")
    assert_input_error(capsys, tmp_path, [*check(tmp_path), "--waivers", str(waivers)],
                       "is a critical control and cannot be waived")
    code, _, _ = run(capsys, *check(tmp_path), "--waivers", str(waivers), "--allow-critical-waivers")
    assert code == 0


def test_a_missing_waiver_file(capsys, tmp_path, engine):
    assert_input_error(capsys, tmp_path, [*check(tmp_path), "--waivers", str(tmp_path / "nope.yaml")],
                       "waiver file not found")


def test_a_bad_policy_config_names_the_file(capsys, tmp_path, engine):
    config = tmp_path / "policy-config.json"
    config.write_text("{not json")
    code, out, err = run(capsys, *check(tmp_path), "--policy-config", str(config))
    assert code == 2 and out == ""
    assert str(config) in one_line(err)


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda lines: [*lines[:-3], lines[-3][: len(lines[-3]) // 2]], "the log looks truncated"),
    (lambda lines: [*lines[:5], "{oops\n", *lines[5:]], ":6: not valid JSON"),
    (lambda lines: [ln for ln in lines if '"summaryEvent"' not in ln],
     "the log ends without a summaryEvent"),
    (lambda lines: [], "the event log is empty"),
])
def test_a_damaged_event_log_is_an_input_error(capsys, tmp_path, mutate, expected):
    lines = (DATA / "preview-events.jsonl").read_text().splitlines(keepends=True)
    damaged = tmp_path / "events.jsonl"
    damaged.write_text("".join(mutate(lines)))
    assert_input_error(capsys, tmp_path, ["report", "--events", str(damaged)], expected)


def test_a_missing_event_log(capsys, tmp_path):
    assert_input_error(capsys, tmp_path, ["report", "--events", str(tmp_path / "nope.jsonl")],
                       "event log not found; create it with `pulumi preview --event-log FILE")


# --- exit codes ------------------------------------------------------------------------------------


def exit_code(capsys, tmp_path: Path, *extra: str) -> tuple[int, dict]:
    code, _, _ = run(capsys, *check(tmp_path), *json_out(tmp_path), *extra)
    return code, json.loads((tmp_path / "posture.json").read_text())


def test_a_clean_run_exits_0(capsys, tmp_path, engine):
    assert exit_code(capsys, tmp_path)[0] == 0


def test_a_mandatory_failure_exits_1_unless_below_the_threshold(capsys, tmp_path, engine):
    engine["findings"] = [PASS, HIGH]
    code, document = exit_code(capsys, tmp_path)
    assert code == 1 and document["result"]["blocking"] == 1
    assert exit_code(capsys, tmp_path, "--fail-on", "high")[0] == 1
    code, document = exit_code(capsys, tmp_path, "--fail-on", "critical")
    assert code == 0 and document["findings"][0]["state"] == "fail" and not document["findings"][0]["blocking"]


def test_advisory_and_unknown_findings_never_block(capsys, tmp_path, engine):
    engine["findings"] = [replace(HIGH, enforcement=Enforcement.ADVISORY),
                          replace(HIGH, verdict=Verdict.UNKNOWN, message="cannot verify during preview")]
    assert exit_code(capsys, tmp_path)[0] == 0


def test_a_crashed_rule_blocks_whatever_its_severity(capsys, tmp_path, engine):
    engine["findings"] = [replace(HIGH, verdict=Verdict.ERROR, severity=Severity.LOW, message="rule raised")]
    assert exit_code(capsys, tmp_path, "--fail-on", "critical")[0] == 1


def test_a_live_waiver_lets_the_run_pass_and_the_finding_stays_visible(capsys, tmp_path, engine):
    engine["findings"] = [PASS, HIGH]
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(f"- control: aws-test-sg-disallow-cidr-ingress\n  resource: '{SG_URN}'\n"
                       "  reason: Office VPN until the migration\n  approver: jane\n  expires: 2099-01-01\n")
    code, document = exit_code(capsys, tmp_path, "--waivers", str(waivers))
    assert code == 0
    [waived] = [f for f in document["findings"] if f["state"] == "waived"]
    assert waived["waiver"]["reason"] == "Office VPN until the migration"


def test_an_expired_waiver_fails_the_run_and_is_reported(capsys, tmp_path, engine):
    engine["findings"] = [PASS, HIGH]
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(f"- control: aws-test-sg-disallow-cidr-ingress\n  resource: '{SG_URN}'\n"
                       "  reason: Office VPN\n  approver: jane\n  expires: 2020-01-01\n")
    code, document = exit_code(capsys, tmp_path, "--waivers", str(waivers))
    assert code == 1
    assert [(p["kind"], p["level"]) for p in document["waiver_problems"]] == [("expired", "error")]
    assert document["waivers"][0]["status"] == "expired" and document["result"]["blocking"] == 1


def test_the_policy_config_reaches_evaluate(capsys, tmp_path, engine):
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"all": "advisory", "aws-lb-listener-require-tls": {
        "enforcementLevel": "mandatory", "allowedSslPolicies": ["ELBSecurityPolicy-TLS13-1-3-2021-06"]}}))
    assert exit_code(capsys, tmp_path, "--policy-config", str(config))[0] == 0
    assert engine["levels"] == posture.evaluate.load_policy_config(config)
    assert engine["properties"] == {"aws-lb-listener-require-tls": {
        "allowedSslPolicies": ["ELBSecurityPolicy-TLS13-1-3-2021-06"]}}


# --- outputs ---------------------------------------------------------------------------------------


def test_every_format_in_one_run_console_on_stdout_files_replaced_atomically(capsys, tmp_path, engine):
    engine["findings"] = [PASS, HIGH]
    stale = tmp_path / "posture.sarif"
    stale.write_text("stale")
    files = {"json": "posture.json", "sarif": "posture.sarif", "junit": "posture.xml", "markdown": "posture.md",
             "html": "posture.html"}
    argv = ["--format", "console"]
    for fmt, name in files.items():
        argv += ["--format", fmt, "--out", str(tmp_path / name)]
    code, out, err = run(capsys, *check(tmp_path), *argv)
    assert code == 1
    assert "aws-test-sg-disallow-cidr-ingress" in out and "Blocking findings (1)" in out
    assert err.splitlines()[-1].startswith("posture check stack prod: failed: 1 blocking finding (wrote json -> ")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files.values())
    assert json.loads((tmp_path / "posture.sarif").read_text())["version"] == "2.1.0"
    assert ET.fromstring((tmp_path / "posture.xml").read_bytes()).get("failures") == "1"
    assert (tmp_path / "posture.md").read_text().startswith("## ❌ posture check")
    assert "<svg" in (tmp_path / "posture.html").read_text()
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "posture.html").stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_single_file_format_goes_to_stdout(capsys, tmp_path, engine):
    code, out, err = run(capsys, *check(tmp_path), "--format", "sarif")
    assert code == 0 and json.loads(out)["version"] == "2.1.0"
    assert err.splitlines()[-1].startswith("posture check stack prod: passed")


def test_stdout_carries_only_the_report_even_when_the_program_prints(capsys, project):
    main_py = project / "__main__.py"
    main_py.write_text('print("debugging output from the program")\n' + main_py.read_text())
    code, out, err = run(capsys, "check", "--stack", "prod", "--project", str(project), "--format", "json")
    assert json.loads(out)["stack"] == "prod"
    assert "debugging output from the program" in err and code == json.loads(out)["result"]["exit_code"]


def test_a_failed_write_leaves_no_partial_set_and_no_temp_files(capsys, tmp_path, engine, monkeypatch):
    (tmp_path / "posture.json").write_text("previous")
    real_mkstemp, calls = tempfile.mkstemp, []

    def failing_mkstemp(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(tmp_path / "posture.sarif"))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", failing_mkstemp)
    code, out, err = run(capsys, *check(tmp_path), *json_out(tmp_path), "--format", "sarif", "--out",
                         str(tmp_path / "posture.sarif"))
    assert code == 2 and out == ""
    assert "posture.sarif: cannot write the report (No space left on device)" in one_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posture.json"]
    assert (tmp_path / "posture.json").read_text() == "previous"


# --- report and controls ---------------------------------------------------------------------------


def test_report_reads_the_sample_event_log(capsys, tmp_path):
    code, _, _ = run(capsys, "report", "--events", str(DATA / "preview-events.jsonl"), *json_out(tmp_path))
    document = json.loads((tmp_path / "posture.json").read_text())
    assert code == document["result"]["exit_code"] == 1
    assert (document["kind"], document["stack"], document["project"]) == ("report", "prod", "security-baseline")
    assert document["metadata"]["policy packs"] == "security-baseline 0.1.0"
    states = {(f["control_id"], f["resource"]["name"]): f["state"] for f in document["findings"]}
    known = {c.id for c in catalog.CONTROLS}
    assert {c for c, _ in states} <= known
    assert {"fail", "pass", "unknown"} <= set(states.values())


def test_controls_lists_every_promise_and_control(capsys):
    code, out, _ = run(capsys, "controls", "--format", "json")
    document = json.loads(out)
    assert code == 0
    assert [p["id"] for p in document["promises"]] == [p.id for p in catalog.PROMISES]
    assert [c["id"] for c in document["controls"]] == [c.id for c in catalog.CONTROLS]
    responsibility = {p["id"] for p in document["promises"] if p["application_responsibility"]}
    assert responsibility == {p.id for p in catalog.PROMISES if p.application_responsibility}
    code, out, _ = run(capsys, "controls", "--format", "markdown")
    assert "_Application responsibility:_" in out and f"`{catalog.CONTROLS[0].id}`" in out
    code, out, _ = run(capsys, "controls")
    assert code == 0 and "application responsibility:" in out and catalog.CONTROLS[0].id in out


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("posture ")


# --- audit -----------------------------------------------------------------------------------------


@pytest.fixture
def account(monkeypatch, prod_stack):
    """`posture audit` over a canned AuditResult: the audit itself is tested in tests/live."""
    import posture.audit
    from posture.live.base import CollectorError

    state = {"errors": [], "calls": []}

    def audit_account(session_factory, regions, *, levels=None, endpoint_url=None, **options):
        state["calls"].append((list(regions), levels, endpoint_url))
        state["options"] = options
        if regions == ["mars-north-1"]:
            raise posture.audit.AuditSetupError("'mars-north-1' is not an AWS region name (e.g. eu-west-1)")
        return posture.audit.AuditResult("111122223333", tuple(regions), list(prod_stack), [PASS],
                                         list(state["errors"]), 1.0)

    monkeypatch.setattr(catalog, "CONTROLS", CONTROLS)
    monkeypatch.setattr(posture.audit, "audit_account", audit_account)
    state["error"] = CollectorError("ec2", "DescribeSecurityGroups", "eu-west-1", "AccessDenied", "not allowed",
                                    ("aws:ec2/securityGroup:SecurityGroup",))
    return state


def test_an_audit_without_collector_errors_passes(capsys, tmp_path, account):
    code, _, err = run(capsys, "audit", "--region", "eu-west-1", "--endpoint-url", "http://127.0.0.1:5000",
                       *json_out(tmp_path))
    assert code == 0, err
    document = json.loads((tmp_path / "posture.json").read_text())
    assert (document["kind"], document["stack"], document["run_errors"]) == ("audit", None, [])
    assert document["metadata"]["account"] == "111122223333"
    assert account["calls"] == [(["eu-west-1"], None, "http://127.0.0.1:5000")]


def test_an_incomplete_audit_fails_and_says_what_could_not_be_read(capsys, tmp_path, account):
    account["errors"] = [account["error"]]
    code, out, _ = run(capsys, "audit", "--region", "eu-west-1", *json_out(tmp_path), "--format", "junit",
                         "--out", str(tmp_path / "r.xml"), "--format", "console")
    assert code == 1
    expected = "ec2:DescribeSecurityGroups failed with AccessDenied in eu-west-1: not allowed"
    document = json.loads((tmp_path / "posture.json").read_text())
    assert document["run_errors"] == [expected] and document["result"]["summary"] == "failed: 1 incomplete check"
    assert f"incomplete: {expected}" in " ".join(out.split())
    junit = ET.fromstring((tmp_path / "r.xml").read_bytes())
    assert [c.get("classname") for c in junit.iter("testcase") if c.find("failure") is not None] == ["posture.run"]


def test_an_audit_can_be_limited_to_a_stack_and_a_time_budget(capsys, tmp_path, account):
    code, _, err = run(capsys, "audit", "--region", "eu-west-1", "--stack", "prod", "--time-budget", "60",
                       *json_out(tmp_path))
    assert code == 0, err
    assert {k: account["options"][k] for k in ("stack", "time_budget")} == {"stack": "prod", "time_budget": 60.0}
    assert json.loads((tmp_path / "posture.json").read_text())["stack"] == "prod"


@pytest.mark.parametrize("budget", ["0", "-5", "soon"])
def test_a_time_budget_that_is_not_positive_is_a_usage_error(capsys, tmp_path, account, budget):
    code, out, err = run(capsys, "audit", "--region", "eu-west-1", "--time-budget", budget, *json_out(tmp_path))
    assert code == 2 and out == "" and list(tmp_path.iterdir()) == []
    assert "--time-budget" in err and "positive number of seconds" in err


def test_an_audit_that_cannot_start_is_an_input_error(capsys, tmp_path, account):
    code, out, err = run(capsys, "audit", "--region", "mars-north-1", *json_out(tmp_path))
    assert code == 2 and out == "" and list(tmp_path.iterdir()) == []
    assert "'mars-north-1' is not an AWS region name" in one_line(err)


# --- diff ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planned_report(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("diff") / "planned.json"
    assert main(["check", "--stack", "prod", "--project", str(PROJECT_DIR), "--format", "json", "--out", str(path)]) == 0
    return path


def test_diff_of_a_report_with_itself_finds_no_drift(capsys, planned_report):
    code, out, err = run(capsys, "diff", str(planned_report), str(planned_report))
    assert (code, out) == (0, "")
    assert "no drift" in err


def test_diff_names_a_changed_verdict_and_fails(capsys, tmp_path, planned_report):
    live = json.loads(planned_report.read_text())
    target = next(f for f in live["findings"] if f["control_id"] == "aws-rds-instance-disallow-public-access")
    target.update(verdict="fail", state="fail", message="database-instance: publiclyAccessible is true")
    (tmp_path / "live.json").write_text(json.dumps(live))
    code, out, err = run(capsys, "diff", str(planned_report), str(tmp_path / "live.json"))
    assert code == 1
    assert out.startswith("changed  aws-rds-instance-disallow-public-access: planned pass, live fail")
    assert "drift: 1 changed" in err


def test_diff_of_a_file_that_is_not_a_report_is_an_input_error(capsys, tmp_path, planned_report):
    (tmp_path / "live.json").write_text("{not json")
    code, out, err = run(capsys, "diff", str(planned_report), str(tmp_path / "live.json"))
    assert (code, out) == (2, "")
    assert err.startswith("posture: error: ") and "live.json" in err and err.count("\n") == 1


@pytest.mark.parametrize("damage", [
    lambda report: report["findings"][0].update(message=5),
    lambda report: report.update(controls=[1]),
])
def test_diff_of_a_report_with_wrongly_typed_fields_is_an_input_error(capsys, tmp_path, planned_report, damage):
    live = json.loads(planned_report.read_text())
    damage(live)
    (tmp_path / "live.json").write_text(json.dumps(live))
    code, out, err = run(capsys, "diff", str(planned_report), str(tmp_path / "live.json"))
    assert (code, out) == (2, "")
    assert err.startswith("posture: error: ") and "internal error" not in err


def test_a_policy_config_that_is_not_utf8_is_an_input_error(capsys, tmp_path):
    (tmp_path / "policy.json").write_bytes(b'{"all": "mandatory"\xff}')
    code, out, err = run(capsys, *check(tmp_path), "--policy-config", str(tmp_path / "policy.json"))
    assert (code, out) == (2, "")
    assert "policy.json: not UTF-8 text" in err


# --- progress and colour in CI ---------------------------------------------------------------------


def test_the_check_writes_progress_lines_to_stderr_only(capsys, tmp_path, engine, prod_stack):
    code, out, err = run(capsys, *check(tmp_path), "--format", "json")
    progress = [line for line in err.splitlines() if PROGRESS.match(line)]
    assert [re.sub(r" \(.*", "", line) for line in progress] == [
        f"posture: ran the Pulumi program for stack prod under the mock engine: {len(prod_stack)} resources",
        "posture: evaluated 5 controls: 1 verdicts"]
    assert code == 0 and out.startswith("{")


@pytest.mark.parametrize(("environment", "coloured"), [
    ({}, False), ({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ({"NO_COLOR": "1"}, False), ({"FORCE_COLOR": ""}, False)])
def test_colour_follows_force_color_and_no_color_off_a_terminal(capsys, tmp_path, engine, monkeypatch, environment,
                                                                coloured):
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    code, out, _ = run(capsys, *check(tmp_path))
    assert code == 0 and ("\x1b[" in out) is coloured
