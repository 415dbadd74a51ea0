"""A DynamoDB setting in transition is never read as on.

The provider sets ``ttl.enabled`` only when AWS says ``ENABLED``; the collector does too, so a table
whose TTL is still ``ENABLING`` fails the TTL control until AWS has switched it on, instead of the
collector deciding that "soon" is good enough. Encryption ``UPDATING`` (a change of key) is
unreadable, so the CMK control cannot decide: the table stays encrypted, with a key not known yet.
moto answers ``ENABLED`` at once, so the transitional states are put into its answers after the call.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from posture.audit import audit_account
from posture.findings import Verdict
from posture.live import COLLECTORS
from tests.live.conftest import REGION, verdict_of

TTL = "aws-dynamodb-table-enable-ttl-for-expiring-data"
CMK = "aws-dynamodb-table-require-cmk-encryption"
STATES = {"sessions-on": ("ENABLED", "ENABLED"), "sessions-turning-on": ("ENABLING", "UPDATING")}
"""table -> (TimeToLiveStatus, SSEDescription.Status) AWS reports for it."""


def _remember_table(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["table"] = params.get("TableName")


def _in_state(parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    """Overwrite moto's ENABLED with the state ``STATES`` gives the table."""
    ttl_state, sse_state = STATES.get(context.get("table"), (None, None))
    if ttl_state and model.name == "DescribeTimeToLive":
        parsed["TimeToLiveDescription"]["TimeToLiveStatus"] = ttl_state
    if sse_state and model.name == "DescribeTable":
        parsed["Table"]["SSEDescription"]["Status"] = sse_state


@pytest.fixture(scope="module")
def audited(moto_account):
    ddb = moto_account.client("dynamodb")
    key = moto_account.client("kms").create_key()["KeyMetadata"]["Arn"]
    for name in STATES:
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key})
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})

    def session():
        s = boto3.Session(region_name=REGION)
        s.events.register("before-parameter-build.dynamodb", _remember_table)
        s.events.register("after-call.dynamodb", _in_state)
        return s

    tables = tuple(c for c in COLLECTORS if c.name in ("tables", "keys"))
    return audit_account(session, [REGION], collectors=tables)


@pytest.mark.parametrize(("control", "table", "verdict"), [
    (TTL, "sessions-on", Verdict.PASS), (TTL, "sessions-turning-on", Verdict.FAIL),
    (CMK, "sessions-on", Verdict.PASS), (CMK, "sessions-turning-on", Verdict.UNKNOWN)])
def test_a_setting_in_transition_is_never_read_as_on(audited, control, table, verdict) -> None:
    assert verdict_of(audited, control, table) is verdict
