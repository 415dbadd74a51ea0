"""Rules word what they cannot find by the scope they run in (a stack offline, the audited account
live), so no caller rewrites their messages."""

from __future__ import annotations

from posture.audit import evaluate_live
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
