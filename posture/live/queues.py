"""SQS: queues with their encryption at rest, and their access policies (the baseline declares no
queue, but a queue open to everyone is a resource-policy finding wherever it comes from)."""

from __future__ import annotations

from posture.live.base import FAILED, UNREADABLE, Context, sub_urn
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.SQS_QUEUE, tok.SQS_QUEUE_POLICY)


def collect(ctx: Context) -> list[ResourceView]:
    views = []
    for url in ctx.items("sqs", "list_queues", "QueueUrls", types=TYPES):
        name = url.rsplit("/", 1)[-1]
        arn = ctx.arn("sqs", name)
        response = ctx.call("sqs", "get_queue_attributes", types=TYPES, resource=arn, QueueUrl=url,
                            AttributeNames=["Policy", "QueueArn", "KmsMasterKeyId", "SqsManagedSseEnabled"])
        attributes = {} if response is FAILED else response.get("Attributes") or {}
        views.append(ctx.view(tok.SQS_QUEUE, arn, name, {
            "arn": arn, "name": name, "url": url,
            "kmsMasterKeyId": UNREADABLE if response is FAILED else attributes.get("KmsMasterKeyId") or None,
            "sqsManagedSseEnabled": UNREADABLE if response is FAILED else attributes.get("SqsManagedSseEnabled") == "true"}))
        policy = UNREADABLE if response is FAILED else attributes.get("Policy")
        if policy is not None:
            views.append(ctx.view(tok.SQS_QUEUE_POLICY, sub_urn(arn, "policy"), f"{name} policy",
                                  {"queueUrl": url, "policy": policy}))
    return views
