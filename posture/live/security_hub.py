"""Security Hub: whether the region's hub is on, and which standards it runs.

``DescribeHub`` answers ``InvalidAccessException`` ("not subscribed") for an account without
Security Hub: that is the state the control judges, not a failure to read it, so it means "no
hub". The live view never claims default standards (``enableDefaultStandards`` is False):
only the standards ``GetEnabledStandards`` lists count. Every listed subscription is reported
with its ``status``; whether a failed or deleting one still counts is the rule's decision.
"""

from __future__ import annotations

from posture.live.base import Context
from posture.resources import ResourceView
from posture.rules import tokens as tok

HUB = tok.SECURITY_HUB_ACCOUNT
TYPES = (HUB, tok.SECURITY_HUB_STANDARD)


def collect(ctx: Context) -> list[ResourceView]:
    hub = ctx.call("securityhub", "describe_hub", types=TYPES, absent=("InvalidAccessException",))
    if not hub:
        return []
    arn = hub.get("HubArn") or ctx.arn("securityhub", "hub/default")
    views = [ctx.view(HUB, arn, f"Security Hub ({ctx.region})", {
        "id": ctx.account_id, "arn": arn, "enableDefaultStandards": False,
        "autoEnableControls": hub.get("AutoEnableControls"),
        "controlFindingGenerator": hub.get("ControlFindingGenerator"),
    })]
    for subscription in ctx.items("securityhub", "get_enabled_standards", "StandardsSubscriptions",
                                  types=(tok.SECURITY_HUB_STANDARD,)):
        sub_arn = subscription["StandardsSubscriptionArn"]
        views.append(ctx.view(tok.SECURITY_HUB_STANDARD, sub_arn, sub_arn.split(":subscription/", 1)[-1], {
            "id": sub_arn, "arn": sub_arn, "standardsArn": subscription.get("StandardsArn"),
            "status": subscription.get("StandardsStatus"),
        }))
    return views
