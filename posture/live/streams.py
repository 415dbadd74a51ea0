"""Kinesis: data streams with their encryption type."""

from __future__ import annotations

from posture.live.base import UNREADABLE, Context
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.KINESIS_STREAM,)


def collect(ctx: Context) -> list[ResourceView]:
    views = []
    for name in ctx.items("kinesis", "list_streams", "StreamNames", types=TYPES):
        arn = ctx.arn("kinesis", f"stream/{name}")
        response = ctx.call("kinesis", "describe_stream_summary", types=TYPES, resource=arn, StreamName=name)
        summary = (response or {}).get("StreamDescriptionSummary") or {}
        views.append(ctx.view(tok.KINESIS_STREAM, summary.get("StreamARN") or arn, name, {
            "arn": arn, "name": name, "kmsKeyId": summary.get("KeyId"),
            "encryptionType": summary.get("EncryptionType") if response else UNREADABLE}))
    return views
