"""Pulumi's conventions offline: fully qualified stack names, config declared in Pulumi.yaml (types,
defaults), the template's prompts, and ESC environments, whose values are unknown offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from posture.cli import main
from posture.program import StackInputError, read_stack_files
from tests.conftest import PROJECT_DIR

PROJECT = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
PROD = yaml.safe_load((PROJECT_DIR / "Pulumi.prod.yaml").read_text())


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str) -> str:
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def baseline_with_stack(tmp_path: Path, name: str, stack_doc: dict, project_doc: dict = PROJECT) -> Path:
    """This project's program and Pulumi.yaml beside one hand-written stack file."""
    tmp_path.mkdir()
    for part in ("__main__.py", "components", "stacks"):
        (tmp_path / part).symlink_to(PROJECT_DIR / part)
    (tmp_path / "Pulumi.yaml").write_text(yaml.safe_dump(project_doc))
    (tmp_path / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(stack_doc))
    return tmp_path


def without(keys: set[str], **extra) -> dict:
    config = {k: v for k, v in PROD["config"].items() if k.split(":", 1)[1] not in keys}
    return {**extra, "config": config}


# --- stack names --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["prod", "acme/prod", "acme/security-baseline/prod"])
def test_a_fully_qualified_stack_name_reads_the_file_of_its_last_segment(name) -> None:
    files = read_stack_files(PROJECT_DIR, name)
    assert files.stack == "prod" and files.config["security-baseline:environment"] == "prod"


@pytest.mark.parametrize(("name", "says"), [
    ("acme/orders/prod", "names project 'orders', but Pulumi.yaml is project 'security-baseline'"),
    ("acme//prod", "is not a stack name; use stack, org/stack or org/project/stack"),
    ("a/b/c/d", "is not a stack name"),
    ("acme/nope", "unknown stack 'nope': Pulumi.nope.yaml does not exist; known stacks: prod, staging"),
])
def test_a_bad_stack_name_is_one_line_exit_2(capsys, name, says) -> None:
    code, out, err = run(capsys, "check", "--stack", name, "--project", str(PROJECT_DIR))
    assert says in one_line_error(code, err) and out == ""


def test_the_cli_checks_a_fully_qualified_stack(capsys, tmp_path) -> None:
    code, _, _ = run(capsys, "check", "--stack", "acme/security-baseline/prod", "--project", str(PROJECT_DIR),
                     "--format", "json", "--out", str(tmp_path / "r.json"))
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 0 and report["stack"] == "prod" and int(report["metadata"]["resources evaluated"]) > 200


def test_stack_files_live_in_the_declared_stack_config_dir(tmp_path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: app\nruntime: python\nstackConfigDir: config\n")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    assert read_stack_files(tmp_path, "acme/app/dev").region == "eu-west-1"
    with pytest.raises(StackInputError, match="known stacks: dev"):
        read_stack_files(tmp_path, "prod")


# --- config declared in Pulumi.yaml -------------------------------------------------------------


def test_defaults_declared_in_pulumi_yaml_apply_when_the_stack_omits_the_key() -> None:
    staging, prod = read_stack_files(PROJECT_DIR, "staging"), read_stack_files(PROJECT_DIR, "prod")
    assert "databaseInstanceClass" not in str(yaml.safe_load((PROJECT_DIR / "Pulumi.staging.yaml").read_text()))
    assert staging.config["security-baseline:databaseInstanceClass"] == "db.t4g.medium"
    assert "security-baseline:databaseInstanceClass" in staging.from_project
    assert prod.config["security-baseline:databaseInstanceClass"] == "db.r6g.large"  # the stack file wins
    assert "security-baseline:databaseInstanceClass" not in prod.from_project


def test_the_staging_program_runs_with_the_declared_default(staging_stack) -> None:
    database = staging_stack.one("aws:rds/instance:Instance")
    assert database.props["instanceClass"] == "db.t4g.medium"


def test_every_key_of_the_stack_files_is_declared_with_a_description() -> None:
    declared = PROJECT["config"]
    for stack in ("prod", "staging"):
        keys = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert any(not key.startswith("aws:") for key in keys), stack
        for key in keys:
            namespace, name = key.split(":", 1)
            if namespace == "aws":
                continue
            assert name in declared and declared[name]["description"], f"{key} is not declared in Pulumi.yaml"


def test_the_template_prompts_for_every_key_without_a_default() -> None:
    prompts = PROJECT["template"]["config"]
    required = {k for k, d in PROJECT["config"].items() if isinstance(d, dict) and "value" not in d
                and "default" not in d and k not in ("backupRetentionDays", "databaseBackupRetentionDays")}
    assert required | {"aws:region"} <= set(prompts)
    assert {"accountId", "certificateArn", "aggregatorCidrs", "allowlists", "alarmEmails"} <= set(prompts)
    assert all(p["description"] for p in prompts.values())


def test_the_readme_deploy_steps_name_every_placeholder() -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    deploy = readme[readme.index("## Using it with the Pulumi CLI"):]
    deploy = deploy[:deploy.index("\n## ", 3)]
    for key in ("accountId", "certificateArn", "aggregatorCidrs", "allowlists", "alarmEmails", "blocklist"):
        assert f"pulumi config set {key}" in deploy or f"pulumi config set --path '{key}" in deploy, key


@pytest.mark.parametrize(("project_config", "stack_value", "says"), [
    ({"retention": {"type": "integer"}}, "two weeks", "is 'two weeks', but Pulumi.yaml declares it integer; give it a integer value"),
    ({"zones": {"type": "array", "items": {"type": "string"}}}, "eu-west-1a", "declares it array of string"),
    ({"zones": {"type": "array", "items": {"type": "string"}}}, ["a", 3], "declares it array of string"),
    ({"account": {"type": "string"}}, 111122223333, "declares it string"),
    ({"verbose": {"type": "boolean"}}, "yes", "declares it boolean"),
])
def test_a_stack_value_of_the_wrong_declared_type_is_refused(capsys, tmp_path, project_config, stack_value, says):
    (tmp_path / "Pulumi.yaml").write_text(yaml.safe_dump({"name": "app", "runtime": "python", "config": project_config}))
    key = next(iter(project_config))
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": {f"app:{key}": stack_value}}))
    code, _, err = run(capsys, "check", "--stack", "dev", "--project", str(tmp_path))
    assert says in one_line_error(code, err) and f"app:{key}" in err


def test_a_declaration_of_an_unknown_type_is_refused(tmp_path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: app\nruntime: python\nconfig:\n  size:\n    type: number\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    with pytest.raises(StackInputError, match="config size has type 'number'; use one of string, integer, boolean, array"):
        read_stack_files(tmp_path, "dev")


def test_a_default_of_the_wrong_declared_type_is_refused(tmp_path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: app\nruntime: python\nconfig:\n  days:\n    type: integer\n    default: soon\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    with pytest.raises(StackInputError, match=r"days default is 'soon', but Pulumi\.yaml declares it integer"):
        read_stack_files(tmp_path, "dev")


def test_well_typed_values_and_secrets_pass_the_declarations(tmp_path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(yaml.safe_dump({"name": "app", "runtime": "python", "config": {
        "days": {"type": "integer"}, "on": {"type": "boolean", "default": False}, "token": {"type": "string"},
        "zones": {"type": "array", "items": {"type": "string"}, "default": ["a"]}, "aws:region": "eu-west-1"}}))
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": {
        "app:days": "14", "app:on": True, "app:token": {"secure": "v1:abc"}}}))
    files = read_stack_files(tmp_path, "dev")
    assert files.config["app:days"] == "14" and files.config["app:on"] == "true"
    assert files.config["app:zones"] == '["a"]' and files.region == "eu-west-1"
    assert files.from_project == {"app:zones", "aws:region"}


# --- ESC environments ---------------------------------------------------------------------------


def test_a_value_from_an_environment_is_unknown_offline_never_not_set(capsys, tmp_path) -> None:
    project = baseline_with_stack(tmp_path / "p", "prod", without({"accountId"}, environment=["acme/aws-prod"]))
    code, out, err = run(capsys, "check", "--stack", "prod", "--project", str(project),
                         "--format", "json", "--out", str(tmp_path / "r.json"))
    report = json.loads((tmp_path / "r.json").read_text())
    reason = "security-baseline:accountId: from environment acme/aws-prod: not readable offline"
    assert code == 1, "a check that evaluated nothing is incomplete, never a pass"
    assert {f["verdict"] for f in report["findings"]} == {"unknown"}
    assert all(reason in f["message"] for f in report["findings"])
    assert len(report["run_errors"]) == 1 and reason in report["run_errors"][0]
    assert "not set" not in out + err + (tmp_path / "r.json").read_text()


def test_a_key_an_environment_may_override_is_named_in_the_report(capsys, tmp_path) -> None:
    stack = without({"databaseInstanceClass"}, environment={"imports": [{"acme/aws-prod": {"merge": False}}]})
    project = baseline_with_stack(tmp_path / "p", "prod", stack)
    code, _, _ = run(capsys, "check", "--stack", "prod", "--project", str(project),
                     "--format", "json", "--out", str(tmp_path / "r.json"))
    note = json.loads((tmp_path / "r.json").read_text())["metadata"]["config from environments"]
    assert code == 0 and note.startswith("acme/aws-prod: not readable offline")
    assert "security-baseline:databaseInstanceClass" in note


def test_any_program_requiring_an_environment_value_gets_unknown(capsys, tmp_path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: orders\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("environment: [acme/orders-dev]\nconfig:\n  aws:region: eu-west-1\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\n\naws.sqs.Queue('orders', name=pulumi.Config().require('queueName'))\n")
    code, out, _ = run(capsys, "check", "--stack", "dev", "--project", str(tmp_path), "--format", "markdown")
    assert code == 1 and "orders:queueName: from environment acme/orders-dev: not readable offline" in out


def test_without_environments_a_missing_key_is_still_a_config_error(capsys, tmp_path) -> None:
    project = baseline_with_stack(tmp_path / "p", "prod", without({"accountId"}))
    code, _, err = run(capsys, "check", "--stack", "prod", "--project", str(project))
    assert "security-baseline:accountId: is not set" in one_line_error(code, err)


@pytest.mark.parametrize("environment", [3, "acme/aws-prod", [], [""], {"imports": "acme/aws-prod"}, {"name": "x"}])
def test_a_malformed_environment_list_is_one_line_exit_2(capsys, tmp_path, environment) -> None:
    project = baseline_with_stack(tmp_path / "p", "prod", {**PROD, "environment": environment})
    code, _, err = run(capsys, "check", "--stack", "prod", "--project", str(project))
    assert "`environment` must be a list of environment names or an inline definition" in one_line_error(code, err)


def test_a_main_environment_counts_as_an_environment(tmp_path) -> None:
    project = baseline_with_stack(tmp_path / "p", "prod", {**PROD, "mainEnvironment": "payments/dev@8"})
    assert read_stack_files(project, "prod").environments == ("payments/dev@8",)
    inline = baseline_with_stack(tmp_path / "q", "prod", {**PROD, "environment": {
        "imports": ["acme/base"], "values": {"pulumiConfig": {"accountId": "111122223333"}}}})
    assert read_stack_files(inline, "prod").environments == ("acme/base", "(inline values of Pulumi.prod.yaml)")
