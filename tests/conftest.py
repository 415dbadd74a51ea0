"""Shared fixtures: run a program or a stack under the Pulumi mock engine and query what it registered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from posture.program import DEPLOYED, FIRST_PREVIEW, StackFiles, run_program, run_project
from posture.resources import ResourceView

PROJECT_DIR = Path(__file__).resolve().parent.parent
ACCOUNT = "111122223333"
REGION = "eu-west-1"
TEST_FILES = StackFiles(project="security-baseline", stack="test", config={"aws:region": REGION},
                        secret_keys=[], region=REGION)


class Registered(list):
    """What a program registered, with small helpers to find resources by type and name."""

    def of_type(self, type_token: str) -> list[ResourceView]:
        return [r for r in self if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> ResourceView:
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {type_token} {name or ''}, found {[r.name for r in found]}"
        return found[0]

    def names(self, type_token: str) -> set[str]:
        return {r.name for r in self.of_type(type_token)}


def run_under_mocks(program: Callable[[], Any], files: StackFiles = TEST_FILES, view: str = DEPLOYED) -> Registered:
    """Component tests follow wiring by the ids AWS assigns; pass FIRST_PREVIEW to see the preview."""
    return Registered(run_program(program, files, view))


@pytest.fixture(scope="session")
def prod_stack() -> Registered:
    """Prod as deployed: the identities AWS assigns are known (what the live audit compares with)."""
    return Registered(run_project(PROJECT_DIR, "prod", DEPLOYED))


@pytest.fixture(scope="session")
def staging_stack() -> Registered:
    return Registered(run_project(PROJECT_DIR, "staging", DEPLOYED))


@pytest.fixture(scope="session")
def prod_first_preview() -> Registered:
    """Prod as the engine shows it on the first ``pulumi preview``: no ids, no computed outputs."""
    return Registered(run_project(PROJECT_DIR, "prod", FIRST_PREVIEW))


@pytest.fixture(scope="session")
def staging_first_preview() -> Registered:
    return Registered(run_project(PROJECT_DIR, "staging", FIRST_PREVIEW))

