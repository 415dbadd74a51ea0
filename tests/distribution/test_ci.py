"""CI in minutes: the composite action, the workflow and GitLab examples, the example waivers and
policy config. actionlint lints the workflows (and the action's inputs as they use them); the
action's and GitLab's shell steps run here against a throwaway app project."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from posture.catalog import CONTROLS_BY_ID
from posture.evaluate import load_policy_config
from posture.waivers import load_waivers
from tests.distribution.conftest import ROOT

ACTIONLINT = shutil.which("actionlint", path=str(Path(sys.executable).parent))
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def test_the_workflows_pass_actionlint() -> None:
    proc = subprocess.run([ACTIONLINT], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {p.name for p in (ROOT / ".github" / "workflows").glob("*.yml")} >= {"posture.yml", "test.yml"}


def test_actionlint_holds_a_workflow_to_the_action_inputs(tmp_path) -> None:
    """The negative control: a workflow that misspells an input of our action fails the lint."""
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "bad.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./\n        with: {stak: prod}\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    proc = subprocess.run([ACTIONLINT], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 1 and 'input "stak" is not defined' in proc.stdout
    assert 'missing input "stack"' in proc.stdout


def test_the_action_uses_only_inputs_it_declares_and_its_steps_are_valid_bash() -> None:
    declared = set(ACTION["inputs"])
    text = (ROOT / "action.yml").read_text()
    used = set(re.findall(r"\binputs\.([\w-]+)", text))  # in ${{ }} and in bare `if:` conditions
    assert used == declared
    steps = ACTION["runs"]["steps"]
    for step in steps:
        if "run" in step:
            script = EXPRESSION.sub("x", step["run"])
            proc = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
            assert proc.returncode == 0, f"{step.get('name')}: {proc.stderr}"
    uses = {s["uses"].split("@")[0] for s in steps if "uses" in s}
    assert {"github/codeql-action/upload-sarif", "pulumi/actions"} <= uses


def _step(name: str) -> dict:
    step, = (s for s in ACTION["runs"]["steps"] if s.get("name") == name)
    return step


def test_the_action_check_step_records_the_exit_code_and_writes_both_reports(app_project, tmp_path) -> None:
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "RUNNER_TEMP": str(tmp_path),
           "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary), "STACK": "acme/orders-app/dev",
           "FAIL_ON": "low", "WAIVERS": "", "POLICY_CONFIG": ""}
    proc = subprocess.run(["bash", "-e", "-c", _step("posture check")["run"]], cwd=app_project, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr  # the step records the result; the last step fails the job
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs["exit-code"] == "1"
    sarif = json.loads(Path(outputs["sarif"]).read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert "receipts" in Path(outputs["markdown"]).read_text() and summary.read_text()
    fail = subprocess.run(["bash", "-c", _step("Fail when posture check failed")["run"]],
                          env={**env, "CODE": outputs["exit-code"]})
    assert fail.returncode == 1


def test_the_gitlab_example_runs_posture_check_as_written(app_project, tmp_path) -> None:
    jobs = yaml.safe_load((ROOT / "examples" / "gitlab-ci.yml").read_text())
    assert set(jobs["stages"]) == {"check"}
    script = "\n".join(jobs["posture-check"]["script"])
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "POSTURE_STACK": "dev"}
    work = tmp_path / "app"
    shutil.copytree(app_project, work)
    proc = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr  # the unprotected bucket blocks the merge request
    assert (work / "posture.xml").read_text().startswith("<?xml") and (work / "posture.sarif").exists()
    assert jobs["posture-check"]["artifacts"]["reports"]["junit"] == "posture.xml"


def test_the_example_waivers_and_policy_config_load() -> None:
    waivers = load_waivers(ROOT / "examples" / "waivers.yaml", CONTROLS_BY_ID)
    assert len(waivers) == 2
    levels = load_policy_config(ROOT / "examples" / "policy-config.json")
    assert levels and set(levels) <= set(CONTROLS_BY_ID)


def test_the_example_waiver_covers_the_app_bucket_and_stays_visible(app_project, tmp_path) -> None:
    out = tmp_path / "report.json"
    proc = subprocess.run([str(Path(sys.executable).parent / "posture"), "check", "--stack", "dev", "--project",
                           str(app_project), "--waivers", str(ROOT / "examples" / "waivers.yaml"),
                           "--format", "json", "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    waived = [f for f in json.loads(out.read_text())["findings"] if f["waiver"]]
    assert [f["resource"]["name"] for f in waived] == ["receipts"]


@pytest.mark.parametrize("name", ["waivers.yaml", "policy-config.json", "gitlab-ci.yml"])
def test_the_readme_points_at_each_example(name) -> None:
    assert f"examples/{name}" in (ROOT / "README.md").read_text()
