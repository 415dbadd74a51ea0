"""GuardDuty: the region's detector and its protection features (RDS Protection among them)."""

from __future__ import annotations

from posture.live.base import UNREADABLE, Context, display_name, sub_urn, wire
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.GUARDDUTY_DETECTOR, tok.GUARDDUTY_DETECTOR_FEATURE)


def collect(ctx: Context) -> list[ResourceView]:
    views: list[ResourceView] = []
    for detector_id in ctx.items("guardduty", "list_detectors", "DetectorIds", types=TYPES):
        arn = ctx.arn("guardduty", f"detector/{detector_id}")
        detector = ctx.call("guardduty", "get_detector", types=TYPES, resource=arn, DetectorId=detector_id)
        tags = (detector or {}).get("Tags") or {}
        views.append(ctx.view(tok.GUARDDUTY_DETECTOR, arn, display_name(tags, detector_id), {
            "id": detector_id, "arn": arn,
            "enable": detector.get("Status") == "ENABLED" if detector else UNREADABLE,
            "findingPublishingFrequency": (detector or {}).get("FindingPublishingFrequency"),
            "tags": tags,
        }))
        for feature in (detector or {}).get("Features") or []:
            views.append(ctx.view(tok.GUARDDUTY_DETECTOR_FEATURE, sub_urn(arn, "feature", feature["Name"]),
                                  f"{detector_id} {feature['Name']}", {
                                      "detectorId": detector_id, "name": feature["Name"],
                                      "status": feature.get("Status"),
                                      "additionalConfigurations": wire(feature.get("AdditionalConfiguration"))}))
    return views

