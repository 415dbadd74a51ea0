"""CloudTrail: every trail that records this account's activity, with its logging status and event selectors.

Trails are listed with their shadow copies (a multi-region trail shows in every region, and an
organization trail in every member account) and read in their home region; the audit keeps
one view per trail ARN.
"""

from __future__ import annotations

from typing import Any

from posture.live.base import UNREADABLE, BatchedTagCall, Context, batched_tags, wire
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.TRAIL,)
_LIST_TAGS = BatchedTagCall("cloudtrail", "list_tags", "ResourceIdList", "ResourceTagList", "ResourceId", "TagsList",
                            gone=("TrailNotFoundException",))


def collect(ctx: Context) -> list[ResourceView]:
    response = ctx.call("cloudtrail", "describe_trails", types=TYPES, includeShadowTrails=True)
    trails = (response or {}).get("trailList") or []
    homes: dict[str, list[str]] = {}
    for trail in trails:
        homes.setdefault(trail.get("HomeRegion") or ctx.region, []).append(trail["TrailARN"])
    tags = {arn: found for home, arns in homes.items()  # read in the trails' home region
            for arn, found in batched_tags(ctx, _LIST_TAGS, arns, region=home).items()}
    return [_trail(ctx, trail, tags[trail["TrailARN"]]) for trail in trails]


def _trail(ctx: Context, trail: dict[str, Any], tags: Any) -> ResourceView:
    arn = trail["TrailARN"]
    home = trail.get("HomeRegion") or ctx.region
    status = ctx.call("cloudtrail", "get_trail_status", types=TYPES, resource=arn, region=home, Name=arn)
    selectors = ctx.call("cloudtrail", "get_event_selectors", types=TYPES, resource=arn, region=home, TrailName=arn)
    return ctx.view(tok.TRAIL, arn, trail["Name"], {
        "id": arn, "arn": arn, "name": trail["Name"], "s3BucketName": trail.get("S3BucketName"),
        "s3KeyPrefix": trail.get("S3KeyPrefix"), "isMultiRegionTrail": trail.get("IsMultiRegionTrail"),
        "includeGlobalServiceEvents": trail.get("IncludeGlobalServiceEvents"),
        "enableLogFileValidation": trail.get("LogFileValidationEnabled"), "kmsKeyId": trail.get("KmsKeyId"),
        "cloudWatchLogsGroupArn": trail.get("CloudWatchLogsLogGroupArn"),
        "cloudWatchLogsRoleArn": trail.get("CloudWatchLogsRoleArn"), "isOrganizationTrail": trail.get("IsOrganizationTrail"),
        "snsTopicName": trail.get("SnsTopicName"), "homeRegion": home,
        "enableLogging": status.get("IsLogging") if status else UNREADABLE,
        "eventSelectors": wire(selectors.get("EventSelectors")) if selectors else UNREADABLE,
        "advancedEventSelectors": wire(selectors.get("AdvancedEventSelectors")) if selectors else UNREADABLE,
        "tags": tags,
    }, region=home)
