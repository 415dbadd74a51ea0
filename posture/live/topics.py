"""SNS: topics with their encryption key, and each topic's access policy as the
``aws:sns/topicPolicy`` the components declare (live, every topic has one: AWS writes a default)."""

from __future__ import annotations

from posture.live.base import UNREADABLE, Context, sub_urn
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.SNS_TOPIC, tok.SNS_TOPIC_POLICY, tok.SNS_TOPIC_SUBSCRIPTION)


def collect(ctx: Context) -> list[ResourceView]:
    views = []
    for topic in ctx.items("sns", "list_topics", "Topics", types=TYPES):
        arn = topic["TopicArn"]
        name = arn.rsplit(":", 1)[-1]
        response = ctx.call("sns", "get_topic_attributes", types=TYPES, resource=arn, TopicArn=arn)
        attributes = (response or {}).get("Attributes") or {}
        views.append(ctx.view(tok.SNS_TOPIC, arn, name, {
            "id": arn, "arn": arn, "name": name,
            "kmsMasterKeyId": (attributes.get("KmsMasterKeyId") or None) if response else UNREADABLE,
            "fifoTopic": attributes.get("FifoTopic") == "true" if response else None,
        }))
        # A subscription still "PendingConfirmation" counts, as the program's TopicSubscription does.
        subscriptions = ctx.call("sns", "list_subscriptions_by_topic", types=(tok.SNS_TOPIC_SUBSCRIPTION,),
                                 resource=arn, TopicArn=arn)
        for i, item in enumerate((subscriptions or {}).get("Subscriptions") or []):
            sub_arn = str(item.get("SubscriptionArn") or "")
            urn = sub_arn if sub_arn.startswith("arn:") else sub_urn(arn, "subscription", str(i))
            views.append(ctx.view(tok.SNS_TOPIC_SUBSCRIPTION, urn, f"{name} subscriber {i}", {
                "id": sub_arn, "topic": arn, "protocol": item.get("Protocol"), "pending": not sub_arn.startswith("arn:")}))
        policy = attributes.get("Policy") if response else UNREADABLE
        if policy is not None:
            views.append(ctx.view(tok.SNS_TOPIC_POLICY, sub_urn(arn, "policy"), f"{name} policy",
                                  {"arn": arn, "policy": policy}))
    return views
