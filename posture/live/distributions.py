"""CloudFront: distributions with the web ACL that protects them and their viewer settings, as
``aws:cloudfront/distribution`` declares them. CloudFront is global: read once per account.

``ListDistributions`` gives ``WebACLId`` as an empty string when no web ACL is attached; Pulumi
leaves ``webAclId`` unset then, and so does the translation.
"""

from __future__ import annotations

from typing import Any

from posture.live.base import Context
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.CLOUDFRONT_DISTRIBUTION,)
REGION = "us-east-1"
"""CloudFront's API answers in us-east-1 whatever region is audited."""


def collect(ctx: Context) -> list[ResourceView]:
    response = ctx.call("cloudfront", "list_distributions", types=TYPES, region=REGION)
    items = ((response or {}).get("DistributionList") or {}).get("Items") or []
    return [_distribution(ctx, d) for d in items]


def _distribution(ctx: Context, d: dict[str, Any]) -> ResourceView:
    behavior = d.get("DefaultCacheBehavior") or {}
    certificate = d.get("ViewerCertificate") or {}
    return ctx.view(tok.CLOUDFRONT_DISTRIBUTION, d["ARN"], d.get("Comment") or d["DomainName"], {
        "id": d["Id"], "arn": d["ARN"], "domainName": d.get("DomainName"), "enabled": d.get("Enabled"),
        "webAclId": d.get("WebACLId") or None,
        "aliases": (d.get("Aliases") or {}).get("Items") or [],
        "defaultCacheBehavior": {"viewerProtocolPolicy": behavior.get("ViewerProtocolPolicy"),
                                 "targetOriginId": behavior.get("TargetOriginId")},
        "viewerCertificate": {"minimumProtocolVersion": certificate.get("MinimumProtocolVersion"),
                              "cloudfrontDefaultCertificate": certificate.get("CloudFrontDefaultCertificate"),
                              "acmCertificateArn": certificate.get("ACMCertificateArn"),
                              "sslSupportMethod": certificate.get("SSLSupportMethod")},
    }, region="global")
