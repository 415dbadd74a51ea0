"""Rules word what they cannot find by the scope they run in (a stack offline, the audited account
live), so no caller rewrites their messages."""

from __future__ import annotations

import re

from posture.audit import evaluate_live
from posture.catalog import CONTROLS
from posture.evaluate import evaluate
from posture.rules.results import ACCOUNT_SCOPE, STACK_SCOPE, in_scope, scope


def _messages(findings) -> list[str]:
    return [f.message for f in findings]


def test_offline_findings_speak_of_the_stack():
    messages = _messages(evaluate([]))
    assert any("in this stack" in m for m in messages)
    assert not any("audited account" in m for m in messages)


def test_live_findings_speak_of_the_audited_account():
    messages = _messages(evaluate_live([], [], "111122223333"))
    assert any("in the audited account" in m for m in messages)
    assert not any("in this stack" in m for m in messages)


def test_the_scope_is_restored_after_a_live_evaluation():
    with in_scope(ACCOUNT_SCOPE):
        assert scope() is ACCOUNT_SCOPE
    assert scope() is STACK_SCOPE
    evaluate_live([], [], "111122223333")
    assert any("in this stack" in m for m in _messages(evaluate([])))


SINGLE_SCOPE = re.compile(r"\b(this stack|the stack's|of the stack|declared here)\b", re.IGNORECASE)
"""Wording true of a stack but not of an audited account."""


def test_catalog_text_is_true_of_a_stack_and_of_an_audited_account():
    """The pack shows the catalog for one stack and `posture audit` for one account: a title, description or
    fix that says "this stack" is false in the audit (the live rule reads the whole account)."""
    slips = {(c.id, field, match.group(0)) for c in CONTROLS for field in ("title", "description", "remediation")
             if (match := SINGLE_SCOPE.search(getattr(c, field)))}
    assert slips == set()
