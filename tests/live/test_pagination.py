"""Pagination everywhere: listings longer than one page are read to the end.

moto pages CloudWatch Logs listings at 50 and SNS topics at 100; the account holds more than a
page of each, and the audit must both see every item and have asked for more than one page.
"""

from __future__ import annotations

from collections import Counter

import boto3
import pytest

from posture.audit import audit_account
from posture.live import COLLECTORS
from posture.rules import tokens as tok
from tests.live.conftest import REGION

LOG_GROUPS, TOPICS = 120, 105


@pytest.fixture(scope="module")
def audited(moto_account):
    logs, sns = moto_account.client("logs"), moto_account.client("sns")
    for i in range(LOG_GROUPS):
        logs.create_log_group(logGroupName=f"/paged/{i:03d}")
    for i in range(TOPICS):
        sns.create_topic(Name=f"paged-{i:03d}")
    calls: Counter = Counter()

    def factory():
        session = boto3.Session(region_name=REGION)
        session.events.register("before-call", lambda model, **_: calls.update([model.name]))
        return session

    result = audit_account(factory, [REGION], collectors=tuple(c for c in COLLECTORS if c.name in ("logs", "topics")))
    return result, calls


def test_every_log_group_is_read_across_pages(audited):
    result, calls = audited
    assert sum(1 for r in result.resources if r.type == tok.LOG_GROUP) == LOG_GROUPS
    assert calls["DescribeLogGroups"] >= 3
    unencrypted = [f for f in result.findings if f.control_id == "aws-cloudwatch-loggroup-require-cmk-encryption"]
    assert len(unencrypted) == LOG_GROUPS


def test_every_topic_is_read_across_pages(audited):
    result, calls = audited
    assert sum(1 for r in result.resources if r.type == tok.SNS_TOPIC) == TOPICS
    assert calls["ListTopics"] >= 2
    assert calls["GetTopicAttributes"] == TOPICS
