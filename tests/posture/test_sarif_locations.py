"""SARIF locations as GitHub code scanning resolves them: from the repository root, onto the line
that declares the resource, for a project in a subfolder and for results read from an event log."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR
from tests.posture.test_end_to_end import DATA, copy_project, posture, sarif_errors


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A git repository holding a weakened copy of the project in infra/ (the database made public)."""
    root = tmp_path_factory.mktemp("repo")
    infra = copy_project(root / "infra")
    database = infra / "components" / "database.py"
    database.write_text(database.read_text().replace("publicly_accessible=False", "publicly_accessible=True"))
    (root / "README.md").write_text("the application\n")
    git(root, "init", "--quiet")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "infra")
    return root


def locations(document: dict) -> list[tuple[str, int, str]]:
    return [(loc["physicalLocation"]["artifactLocation"]["uri"], loc["physicalLocation"]["region"]["startLine"],
             loc["logicalLocations"][0]["fullyQualifiedName"])
            for result in document["runs"][0]["results"] for loc in result["locations"]]


def assert_every_location_opens_the_declaring_line(root: Path, found: list[tuple[str, int, str]]) -> None:
    assert found
    for uri, line, urn in found:
        path = root / uri
        assert path.is_file(), uri
        lines = path.read_text().splitlines()
        assert 1 <= line <= len(lines), (uri, line)
        if uri.endswith(".py"):
            class_name = urn.split("::")[2].rsplit(":", 1)[-1]  # aws:rds/instance:Instance -> Instance
            assert f"{class_name}(" in lines[line - 1], (uri, line, lines[line - 1], urn)


def test_a_project_in_a_subfolder_yields_locations_from_the_repository_root(repo, tmp_path):
    out = tmp_path / "r.sarif"
    result = posture("check", "--stack", "prod", "--project", "infra", "--format", "sarif", "--out", str(out),
                     cwd=repo)
    assert result.returncode == 1, result.stderr
    document = json.loads(out.read_text())
    assert sarif_errors(document) == []
    found = locations(document)
    assert any(uri == "infra/components/database.py" for uri, _, _ in found)
    assert all(uri.startswith("infra/") for uri, _, _ in found)
    assert_every_location_opens_the_declaring_line(repo, found)
    assert document["runs"][0]["properties"]["commit"] == git(repo, "rev-parse", "HEAD")


def test_source_root_overrides_the_git_root(repo, tmp_path):
    result = posture("check", "--stack", "prod", "--project", str(repo / "infra"), "--source-root",
                     str(repo / "infra"), "--format", "sarif", cwd=tmp_path)
    found = locations(json.loads(result.stdout))
    assert any(uri == "components/database.py" for uri, _, _ in found)
    assert_every_location_opens_the_declaring_line(repo / "infra", found)


def test_event_log_results_land_on_the_declaring_component_line_with_project(tmp_path):
    plain = json.loads(posture("report", "--events", str(DATA / "preview-events.jsonl"), "--format", "sarif").stdout)
    assert {uri for uri, _, _ in locations(plain)} == {"Pulumi.yaml"}
    result = posture("report", "--events", str(DATA / "preview-events.jsonl"), "--project", str(PROJECT_DIR),
                     "--format", "sarif")
    document = json.loads(result.stdout)
    assert sarif_errors(document) == []
    found = locations(document)
    on_resources = [(uri, line, urn) for uri, line, urn in found if "pulumi:pulumi:Stack" not in urn]
    assert on_resources and all(uri.startswith("components/") for uri, _, _ in on_resources)
    assert_every_location_opens_the_declaring_line(PROJECT_DIR, found)
    assert document["runs"][0]["properties"]["view"] == "preview"


def test_an_event_log_project_without_the_stack_is_an_input_error(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: security-baseline\nruntime: python\n")
    result = posture("report", "--events", str(DATA / "preview-events.jsonl"), "--project", str(tmp_path),
                     "--format", "sarif")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("posture: error: unknown stack 'prod'") and len(result.stderr.splitlines()) == 1
