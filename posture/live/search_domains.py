"""OpenSearch Service: domains (OpenSearch and legacy Elasticsearch engines) with their encryption,
endpoint and VPC settings, in the shape ``aws:opensearch/domain`` declares them."""

from __future__ import annotations

from posture.live.base import Context
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = tok.SEARCH_DOMAINS
_BATCH = 5
"""DescribeDomains takes at most five names per call."""


def collect(ctx: Context) -> list[ResourceView]:
    listed = ctx.items("opensearch", "list_domain_names", "DomainNames", types=TYPES)
    names = [d["DomainName"] for d in listed]
    legacy = {d["DomainName"] for d in listed if d.get("EngineType") == "Elasticsearch"}
    views = []
    for start in range(0, len(names), _BATCH):
        batch = names[start:start + _BATCH]
        for domain in ctx.items("opensearch", "describe_domains", "DomainStatusList", types=TYPES, DomainNames=batch):
            at_rest = domain.get("EncryptionAtRestOptions") or {}
            endpoint = domain.get("DomainEndpointOptions") or {}
            vpc = domain.get("VPCOptions") or {}
            views.append(ctx.view(tok.ELASTICSEARCH_DOMAIN if domain["DomainName"] in legacy else tok.OPENSEARCH_DOMAIN,
                                  domain["ARN"], domain["DomainName"], {
                "arn": domain["ARN"], "domainName": domain["DomainName"],
                "encryptAtRest": {"enabled": bool(at_rest.get("Enabled")), "kmsKeyId": at_rest.get("KmsKeyId")},
                "nodeToNodeEncryption": {"enabled": bool((domain.get("NodeToNodeEncryptionOptions") or {})
                                                         .get("Enabled"))},
                "domainEndpointOptions": {"enforceHttps": bool(endpoint.get("EnforceHTTPS")),
                                          "tlsSecurityPolicy": endpoint.get("TLSSecurityPolicy")},
                "vpcOptions": {"subnetIds": vpc.get("SubnetIds"),
                               "securityGroupIds": vpc.get("SecurityGroupIds")} if vpc.get("SubnetIds") else None}))
    return views
