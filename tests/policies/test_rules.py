"""Every control against the compliant baseline and single changes to it (cases.py)."""

from __future__ import annotations

import re

import pytest

from posture.catalog import CONTROLS
from posture.findings import Verdict
from tests.policies.adversarial import ADVERSARIAL
from tests.policies.cases import CASES, Case
from tests.policies.helpers import failing, run, verdicts

ADVICE = re.compile(
    r"^(set|add|remove|turn|move|declare|give|place|lock|keep|attach|let|use|enable|disable|create|put|make|"
    r"change|replace|point|restrict|allow|deny|grant|drop|route|reach|limit|encrypt|tag|copy|send|store|write|"
    r"name|configure|associate|delete|update|apply|choose|pick|list|scope|subscribe|protect|back|log|rotate|"
    r"wire|leave|switch|raise|lower|shorten|lengthen|cover|include|exclude|host|run)\b"
    r"|\b[a-z]+(_[a-z0-9]+)+=|=(True|False)\b", re.IGNORECASE)
"""Advice rather than a condition: an imperative opening, or a component argument assignment
(``kms_key_id=...``, ``=True``). A finding's ``expected`` says what the property must be; the
catalog's remediation says what to do."""


@pytest.mark.parametrize("case", CASES + ADVERSARIAL, ids=lambda c: c.id)
def test_case(case: Case, baseline) -> None:
    findings = run(case.change(baseline))
    mine = [f for f in findings if f.control_id == case.control]
    if case.kind == "pass":
        assert failing(findings) == set(), [f.message for f in findings if f.verdict in (Verdict.FAIL, Verdict.ERROR)]
        assert Verdict.PASS in verdicts(findings, case.control), [f.message for f in mine]
        assert not [f for f in findings if f.verdict is Verdict.UNKNOWN]
    elif case.kind == "fail":
        assert failing(findings) == {case.control, *case.also}, [
            f"{f.control_id}: {f.message}" for f in findings if f.verdict in (Verdict.FAIL, Verdict.ERROR)]
        bad = [f for f in mine if f.verdict in (Verdict.FAIL, Verdict.ERROR)]
        assert not [f.message for f in bad if "fix:" in f.message], "the fix is the catalog's remediation, not the rule's"
        assert not [f.expected for f in bad if f.expected and ADVICE.search(f.expected)], \
            "expected is the condition the property must meet, not advice; the fix is the catalog's remediation"
    else:
        assert case.kind == "unknown"
        assert failing(findings) == set(), [f.message for f in findings if f.verdict in (Verdict.FAIL, Verdict.ERROR)]
        unknowns = [f for f in mine if f.verdict is Verdict.UNKNOWN]
        assert unknowns, [f.message for f in mine]
        assert all(f.message.split(": ", 1)[-1].startswith("cannot verify during preview:")
                   or f.message.startswith("cannot verify during preview:") for f in unknowns)
        assert all("is not known yet" in f.message for f in unknowns)


def test_cases_name_known_controls_and_are_unique() -> None:
    ids = [c.id for c in CASES + ADVERSARIAL]
    assert len(ids) == len(set(ids))
    assert {c.control for c in CASES} <= {c.id for c in CONTROLS}
    assert all(c.kind in ("pass", "fail", "unknown") for c in CASES)


def test_some_controls_have_unknown_cases() -> None:
    assert len({c.control for c in CASES if c.kind == "unknown"}) >= 10
