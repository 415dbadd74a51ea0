"""Fixtures for the policy tests: the compliant baseline (prod stack + the not-yet-wired resources)."""

from __future__ import annotations

import pytest

from posture.program import DEPLOYED, run_program
from posture.resources import ResourceView
from tests.policies.extras import EXTRAS_FILES, extras_program


@pytest.fixture(scope="session")
def extras() -> list[ResourceView]:
    return run_program(extras_program, EXTRAS_FILES, DEPLOYED)


@pytest.fixture(scope="session")
def baseline(prod_stack, extras) -> tuple[ResourceView, ...]:
    """Compliant for every control: the prod stack as the project declares it, plus extras.py."""
    return tuple(prod_stack) + tuple(extras)
