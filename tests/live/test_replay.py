"""The replay table itself: every entry names a real boto3 call, and every planned type has one."""

from __future__ import annotations

import boto3
import pytest

from posture.resources import ResourceView
from tests.live.replay import REPLAYED, SKIPPED, Call, ReplayError, replay_stack


@pytest.mark.parametrize("token", [t for t, c in REPLAYED.items() if isinstance(c, Call)])
def test_each_call_entry_names_a_boto3_method(token):
    call = REPLAYED[token]
    client = boto3.client(call.service, region_name="eu-west-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    assert callable(getattr(client, call.method, None)), f"{token}: {call.service} has no {call.method}"


def test_replayed_and_skipped_never_overlap():
    assert not set(REPLAYED) & set(SKIPPED)


def test_an_unknown_type_is_refused_by_name(moto_account):
    stranger = ResourceView(urn="urn:pulumi:prod::p::aws:new/thing:Thing::thing", type="aws:new/thing:Thing",
                            name="thing", props={})
    with pytest.raises(ReplayError, match="does not know aws:new/thing:Thing: add a REPLAYED entry"):
        replay_stack(moto_account.session(), [stranger], "eu-west-1")
