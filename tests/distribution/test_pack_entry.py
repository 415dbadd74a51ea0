"""The pack's one entry file serves both ways in: as the folder the Pulumi CLI runs (tests/policies)
and as the installed module `posture.policies`, which the published pack's __main__.py runs."""

from __future__ import annotations

import importlib.util
import runpy
from typing import Any

import pulumi_policy
import pytest

from posture.catalog import CONTROLS, PACK_NAME
from tests.distribution.conftest import ROOT


@pytest.fixture
def served(monkeypatch) -> dict[str, Any]:
    captured: dict[str, Any] = {}

    class ServedPolicyPack:
        def __init__(self, name, policies, enforcement_level=None, **kwargs) -> None:
            captured.update(name=name, policies=policies, enforcement_level=enforcement_level, **kwargs)

    monkeypatch.setattr(pulumi_policy, "PolicyPack", ServedPolicyPack)
    return captured


def test_the_installed_module_serves_every_control(served, capsys) -> None:
    runpy.run_module("posture.policies", run_name="__main__")
    assert served["name"] == PACK_NAME and len(served["policies"]) == len(CONTROLS)
    assert served["enforcement_level"] is pulumi_policy.EnforcementLevel.MANDATORY
    assert capsys.readouterr().out == "", "nothing may reach stdout before the analyzer prints its port"


def test_the_built_entry_runs_the_installed_module(served, tmp_path) -> None:
    spec = importlib.util.spec_from_file_location("build_pack", ROOT / "scripts" / "build_pack.py")
    build_pack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_pack)
    (tmp_path / "__main__.py").write_text(build_pack.ENTRY)
    runpy.run_path(str(tmp_path / "__main__.py"), run_name="__main__")
    assert served["name"] == PACK_NAME and len(served["policies"]) == len(CONTROLS)


def test_pyproject_lists_every_package_of_posture_and_nothing_of_the_project() -> None:
    """The fast twin of the wheel test: setuptools installs exactly the packages listed."""
    import tomllib

    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "posture").rglob("__init__.py")}
    assert set(setuptools["packages"]) == found | {"posture.policies"}
    assert setuptools["package-dir"] == {"posture.policies": "policies"}
