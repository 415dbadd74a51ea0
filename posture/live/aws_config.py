"""AWS Config: configuration recorders, whether they are recording, and delivery channels."""

from __future__ import annotations

from posture.live.base import Context, sub_urn, wire
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.CONFIG_RECORDER, tok.CONFIG_RECORDER_STATUS, tok.CONFIG_DELIVERY_CHANNEL)


def collect(ctx: Context) -> list[ResourceView]:
    views: list[ResourceView] = []
    arns: dict[str, str] = {}
    for recorder in ctx.items("config", "describe_configuration_recorders", "ConfigurationRecorders",
                              types=(tok.CONFIG_RECORDER, tok.CONFIG_RECORDER_STATUS)):
        name = recorder["name"]
        arn = arns[name] = recorder.get("arn") or ctx.arn("config", f"configuration-recorder/{name}")
        views.append(ctx.view(tok.CONFIG_RECORDER, arn, name, {
            "id": name, "arn": arn, "name": name, "roleArn": recorder.get("roleARN"),
            "recordingGroup": wire(recorder.get("recordingGroup")), "recordingMode": wire(recorder.get("recordingMode")),
        }))
    for status in ctx.items("config", "describe_configuration_recorder_status", "ConfigurationRecordersStatus",
                            types=(tok.CONFIG_RECORDER_STATUS,)):
        name = status["name"]
        arn = arns.get(name) or ctx.arn("config", f"configuration-recorder/{name}")
        views.append(ctx.view(tok.CONFIG_RECORDER_STATUS, sub_urn(arn, "status"), f"{name} status", {
            "id": name, "name": name, "isEnabled": status.get("recording"), "lastStatus": status.get("lastStatus"),
        }))
    for channel in ctx.items("config", "describe_delivery_channels", "DeliveryChannels",
                             types=(tok.CONFIG_DELIVERY_CHANNEL,)):
        name = channel["name"]
        arn = ctx.arn("config", f"delivery-channel/{name}")
        views.append(ctx.view(tok.CONFIG_DELIVERY_CHANNEL, arn, name, {
            "id": name, "name": name, "s3BucketName": channel.get("s3BucketName"),
            "s3KeyPrefix": channel.get("s3KeyPrefix"), "s3KmsKeyArn": channel.get("s3KmsKeyArn"),
            "snsTopicArn": channel.get("snsTopicARN"),
            "snapshotDeliveryProperties": wire(channel.get("configSnapshotDeliveryProperties")),
        }))
    return views
