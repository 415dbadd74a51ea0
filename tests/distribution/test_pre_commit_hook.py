"""The pre-commit hook through pre-commit itself: a sample application repository uses this
repository's `.pre-commit-hooks.yaml`; pre-commit builds the hook's own virtualenv (pip, from its
cache) and runs posture check on the sample's stack."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.distribution.conftest import ROOT, write_app_project

pytestmark = pytest.mark.slow
PRE_COMMIT = str(Path(sys.executable).parent / "pre-commit")
HOOK_SOURCES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "posture", "policies")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def sample_repo(tmp_path_factory) -> Path:
    """A hook repository holding this working tree's package, and an app repository that uses it."""
    hooks = tmp_path_factory.mktemp("hook-repo")
    for name in HOOK_SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, hooks / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, hooks / name)
    git(hooks, "init", "-q")
    git(hooks, "add", ".")
    git(hooks, "commit", "-q", "-m", "hooks")
    app = write_app_project(tmp_path_factory.mktemp("app-repo"))
    (app / "notes.md").write_text("not a file the hook looks at\n")
    (app / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{
        "repo": str(hooks), "rev": git(hooks, "rev-parse", "HEAD"),
        "hooks": [{"id": "posture-check", "args": ["--stack", "dev"]}]}]}))
    git(app, "init", "-q")
    git(app, "add", ".")
    return app


def pre_commit(app: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(app.parent / "pre-commit-home"), "PIP_NO_COMPILE": "1",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run([PRE_COMMIT, "run", *args], cwd=app, env=env, capture_output=True, text=True, timeout=600)


def test_the_hook_runs_posture_check_and_blocks_the_unprotected_bucket(sample_repo) -> None:
    proc = pre_commit(sample_repo, "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "posture check (security baseline, offline)" in proc.stdout and "Failed" in proc.stdout
    assert "posture check stack dev: failed" in proc.stdout and "receipts" in proc.stdout


def test_the_hook_skips_commits_that_touch_neither_program_nor_stack(sample_repo) -> None:
    proc = pre_commit(sample_repo, "--files", "notes.md")
    assert proc.returncode == 0 and "Skipped" in proc.stdout, proc.stdout
