"""EventBridge: every event bus, the account's ``default`` one included, with its encryption key
(ListEventBuses omits it; DescribeEventBus has it). Which buses the encryption control covers is the
rule's call (posture.rules.aws_owned.account_default_bus)."""

from __future__ import annotations

from posture.live.base import UNREADABLE, Context
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.EVENT_BUS,)


def collect(ctx: Context) -> list[ResourceView]:
    views = []
    for bus in ctx.items("events", "list_event_buses", "EventBuses", types=TYPES):
        described = ctx.call("events", "describe_event_bus", types=TYPES, resource=bus["Arn"], Name=bus["Name"])
        views.append(ctx.view(tok.EVENT_BUS, bus["Arn"], bus["Name"], {
            "arn": bus["Arn"], "name": bus["Name"],
            "eventSourceName": bus["Name"] if bus["Name"].startswith("aws.partner/") else None,
            "kmsKeyIdentifier": (described.get("KmsKeyIdentifier") or None) if described else UNREADABLE}))
    return views
