"""The live audit's coverage stays in step with the catalog: every control is either checked live or
says why it is checked before deploy only, and every live control reads types a collector produces."""

from __future__ import annotations

from posture.catalog import CONTROLS
from posture.live import COLLECTORS
from posture.live.base import camel, wire
from posture.live.coverage import EXTRA_DEPENDENCIES, LIVE_CONTROLS, OFFLINE_ONLY

COLLECTED = {t for c in COLLECTORS for t in c.types}


def test_every_control_is_live_or_says_why_not():
    ids = {c.id for c in CONTROLS}
    assert set(OFFLINE_ONLY) <= ids, "OFFLINE_ONLY names controls the catalog no longer has"
    assert not LIVE_CONTROLS & set(OFFLINE_ONLY)
    assert set(EXTRA_DEPENDENCIES) <= LIVE_CONTROLS
    assert all(len(reason) > 40 for reason in OFFLINE_ONLY.values())


def test_every_live_control_reads_something_a_collector_produces():
    unfed = [c.id for c in CONTROLS if c.id in LIVE_CONTROLS and not set(c.resource_types) & COLLECTED]
    assert unfed == []


def test_collectors_are_registered_once_each():
    names = [c.name for c in COLLECTORS]
    assert len(names) == len(set(names))
    assert {c.scope for c in COLLECTORS} == {"regional", "global"}
    assert [c.name for c in COLLECTORS if c.scope == "global"] == ["storage", "identity", "distributions"]


def test_api_field_names_become_wire_names():
    assert [camel(k) for k in ("ManagedRuleGroupStatement", "ARN", "IPSetReferenceStatement", "KMSMasterKeyID",
                               "SSEAlgorithm", "already")] == [
        "managedRuleGroupStatement", "arn", "ipSetReferenceStatement", "kmsMasterKeyId", "sseAlgorithm", "already"]
    assert wire({"OverrideAction": {"None": {}}, "Rules": [{"Name": "x"}]}) == {
        "overrideAction": {"none": {}}, "rules": [{"name": "x"}]}
