"""Resources application teams add to their own stacks: queues, functions, APIs, containers,
caches, file systems, search domains, streams, CDNs, workflows and event buses.

Each rule is the FSBP check for that resource reduced to what the program declares. A setting
left out is judged by what AWS does when it is left out (documented in each message), never
assumed to be safe: an SQS queue without an encryption setting, an ECR repository without a
scan-on-push setting and a CloudFront distribution without a minimum protocol all fail.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from posture.resources import ResourceView
from posture.rules.aws_owned import account_default_bus
from posture.rules.results import RuleResult, failed, not_applicable, passed, require_true
from posture.rules.values import as_bool, as_list, at, is_aws_managed_key, plain, props

# --- defaults of the configurable controls (the pack's config schema, posture/catalog.py) -------

SUPPORTED_LAMBDA_RUNTIMES = (
    "nodejs22.x", "nodejs24.x", "python3.11", "python3.12", "python3.13", "python3.14", "java17", "java21", "java25",
    "dotnet10", "ruby3.3", "ruby3.4", "provided.al2023",
)
"""Runtimes AWS still patches (AWS Lambda runtimes page, late 2026). FSBP Lambda.2 is itself a
list the account owner keeps current, so this is the default of the control's
``supportedRuntimes`` setting: an organization updates it in the pack config, not in code."""
CLOUDFRONT_MINIMUM_PROTOCOLS = ("TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
"""CloudFront viewer security policies whose floor is TLS 1.2 (``TLSv1.2_2018`` still offers
CBC-SHA1 suites). Default of ``allowedMinimumProtocolVersions``."""
OPENSEARCH_TLS_POLICIES = ("Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10")
"""Domain endpoint policies with TLS 1.2 as the floor (Opensearch.8). Default of ``allowedTlsPolicies``."""


def _setting(settings: Mapping[str, Any] | None, key: str, default: Any) -> Any:
    return default if settings is None or settings.get(key) is None else settings[key]


def _json_document(resource: ResourceView, key: str) -> Any:
    """A property the provider takes as a JSON string (container definitions) or already decoded."""
    value = plain(props(resource).get(key))
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(f"{key} is not valid JSON") from None
    return value


# --- SQS ----------------------------------------------------------------------------------------


def queue_require_encryption(resource: ResourceView) -> RuleResult:
    p = props(resource)
    key = p.get("kmsMasterKeyId")
    if key:
        return passed(resource, f"messages encrypted with KMS key {key}")
    sse = as_bool(p.get("sqsManagedSseEnabled"))
    if sse:
        return passed(resource, "messages encrypted with SQS-managed keys (SSE-SQS)")
    problem = ("messages are stored unencrypted" if sse is False
               else "no encryption is declared, so whether messages are encrypted depends on account defaults "
                    "the program does not control")
    return failed(resource, "sqsManagedSseEnabled", sse, problem,
                  "true, or a customer-managed key in kmsMasterKeyId")


# --- Lambda -------------------------------------------------------------------------------------


def function_require_supported_runtime(resource: ResourceView, settings: Mapping[str, Any] | None = None
                                       ) -> RuleResult:
    p = props(resource)
    if str(p.get("packageType") or "Zip") == "Image":
        return not_applicable(resource, "a container-image function: the image, not Lambda, supplies the runtime")
    runtime = p.get("runtime")
    supported = tuple(_setting(settings, "supportedRuntimes", SUPPORTED_LAMBDA_RUNTIMES))
    if runtime not in supported:
        return failed(resource, "runtime", runtime, "the runtime is deprecated or not on the supported list, so it "
                      "no longer gets security patches", f"one of {', '.join(supported)}")
    return passed(resource, f"runtime {runtime} is supported")


def _is_everyone(principal: Any) -> bool:
    return str(principal).strip() == "*"


def permission_disallow_public_invoke(resource: ResourceView) -> RuleResult:
    p = props(resource)
    if p.get("functionUrlAuthType") == "NONE":
        return failed(resource, "functionUrlAuthType", "NONE", "anyone on the internet can call the function URL "
                      "without signing the request", '"AWS_IAM"')
    principal = p.get("principal")
    if _is_everyone(principal) and not (p.get("sourceArn") or p.get("sourceAccount") or p.get("principalOrgId")):
        return failed(resource, "principal", principal, "every AWS account can invoke the function",
                      "a named service or account, or * pinned by sourceArn, sourceAccount or principalOrgId")
    return passed(resource, f"invocation granted to {principal}")


def functionurl_require_iam_auth(resource: ResourceView) -> RuleResult:
    auth = props(resource).get("authorizationType")
    if auth != "AWS_IAM":
        return failed(resource, "authorizationType", auth, "anyone on the internet can call the function URL "
                      "without signing the request", '"AWS_IAM"')
    return passed(resource, "function URL requires IAM authentication")


# --- API Gateway --------------------------------------------------------------------------------


stage_enable_access_logs = require_true(
    "accessLogSettings.destinationArn", "requests to the API leave no record of who called what",
    "a log destination (a CloudWatch log group ARN)",
    "access logs written to a log destination", read=plain)


def route_require_authorization(resource: ResourceView) -> RuleResult:
    p = props(resource)
    auth = str(p.get("authorizationType") or "NONE")
    if auth.upper() == "NONE":
        return failed(resource, "authorizationType", p.get("authorizationType"), "anyone who finds the route can call "
                      "it", '"AWS_IAM", "JWT" or "CUSTOM"')
    return passed(resource, f"route authorized by {auth}")


# --- ECS ----------------------------------------------------------------------------------------


def _containers(resource: ResourceView) -> list[Mapping[str, Any]]:
    document = _json_document(resource, "containerDefinitions")
    return [c for c in as_list(document) if isinstance(c, Mapping)]


def taskdefinition_disallow_privileged_containers(resource: ResourceView) -> RuleResult:
    for index, container in enumerate(_containers(resource)):
        if as_bool(container.get("privileged")):
            return failed(resource, f"containerDefinitions[{index}].privileged", True,
                          f"container {container.get('name')!r} runs with root access to the host", "false or absent")
    return passed(resource, "no container is privileged")


def taskdefinition_require_read_only_root_filesystem(resource: ResourceView) -> RuleResult:
    containers = _containers(resource)
    for index, container in enumerate(containers):
        value = as_bool(container.get("readonlyRootFilesystem"))
        if not value:
            return failed(resource, f"containerDefinitions[{index}].readonlyRootFilesystem", value,
                          f"container {container.get('name')!r} can rewrite its own binaries and configuration",
                          "true")
    return passed(resource, f"{len(containers)} container(s) with a read-only root file system")


def service_disallow_public_ip(resource: ResourceView) -> RuleResult:
    assign = as_bool(at(resource, "networkConfiguration.assignPublicIp"))
    if assign:
        return failed(resource, "networkConfiguration.assignPublicIp", True, "every task gets a public address "
                      "reachable from the internet", "false")
    return passed(resource, "tasks get no public IP address")


# --- ECR ----------------------------------------------------------------------------------------


repository_enable_scan_on_push = require_true(
    "imageScanningConfiguration.scanOnPush", "images with known vulnerabilities are pushed and deployed unnoticed",
    "true",
    "images are scanned on push")


IMMUTABLE_TAGS = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")


def repository_require_immutable_tags(resource: ResourceView) -> RuleResult:
    mutability = props(resource).get("imageTagMutability")
    if mutability not in IMMUTABLE_TAGS:
        return failed(resource, "imageTagMutability", mutability, "a pushed tag can be overwritten, so the image "
                      "that runs is not the image that was scanned and approved (AWS defaults to MUTABLE)",
                      '"IMMUTABLE" or "IMMUTABLE_WITH_EXCLUSION"')
    return passed(resource, f"tags are {mutability.lower()}")


# --- ElastiCache --------------------------------------------------------------------------------


replicationgroup_require_encryption_at_rest = require_true(
    "atRestEncryptionEnabled", "cached data, snapshots and swap are stored unencrypted",
    "true", "encrypted at rest")


def replicationgroup_require_encryption_in_transit(resource: ResourceView) -> RuleResult:
    p = props(resource)
    enabled = as_bool(p.get("transitEncryptionEnabled"))
    if not enabled:
        return failed(resource, "transitEncryptionEnabled", enabled, "clients and replicas talk to the cache in "
                      "plain text", "true")
    mode = p.get("transitEncryptionMode")
    if mode == "preferred":
        return failed(resource, "transitEncryptionMode", mode, "unencrypted connections are still accepted",
                      '"required"')
    return passed(resource, "TLS required in transit")


# --- EFS ----------------------------------------------------------------------------------------


filesystem_require_encryption = require_true(
    "encrypted", "file data and metadata are stored unencrypted; encryption cannot be turned on after creation",
    "true", "encrypted at rest")


# --- OpenSearch (and the legacy Elasticsearch domain, the same schema) --------------------------


domain_require_encryption_at_rest = require_true(
    "encryptAtRest.enabled", "indices, logs and automated snapshots are stored unencrypted",
    "true", "encrypted at rest")


domain_require_node_to_node_encryption = require_true(
    "nodeToNodeEncryption.enabled", "nodes exchange data in plain text inside the VPC",
    "true", "node-to-node traffic encrypted")


def domain_require_tls_endpoint(resource: ResourceView, settings: Mapping[str, Any] | None = None) -> RuleResult:
    allowed = tuple(_setting(settings, "allowedTlsPolicies", OPENSEARCH_TLS_POLICIES))
    enforce = as_bool(at(resource, "domainEndpointOptions.enforceHttps"))
    if not enforce:
        return failed(resource, "domainEndpointOptions.enforceHttps", enforce, "the domain answers plain HTTP",
                      "true")
    policy = at(resource, "domainEndpointOptions.tlsSecurityPolicy")
    if policy not in allowed:
        why = ("AWS then applies Policy-Min-TLS-1-0-2019-07, which accepts TLS 1.0" if policy is None
               else "the policy is not on the TLS 1.2+ allow-list")
        return failed(resource, "domainEndpointOptions.tlsSecurityPolicy", policy, why,
                      f"one of {', '.join(allowed)}")
    return passed(resource, f"HTTPS only with {policy}")


domain_require_vpc = require_true(
    "vpcOptions.subnetIds", "the domain has a public endpoint; only its access policy stands between the internet "
    "and the data", "one or more private subnets", "domain inside a VPC",
    read=plain)


# --- Kinesis ------------------------------------------------------------------------------------


def stream_require_encryption(resource: ResourceView) -> RuleResult:
    p = props(resource)
    encryption = p.get("encryptionType")
    if str(encryption or "NONE").upper() != "KMS":
        return failed(resource, "encryptionType", encryption, "records are stored unencrypted",
                      '"KMS"')
    return passed(resource, f"records encrypted with {p.get('kmsKeyId') or 'KMS'}")


# --- CloudFront ---------------------------------------------------------------------------------


def _cache_behaviors(resource: ResourceView) -> list[tuple[str, Any]]:
    """Distribution: ``orderedCacheBehaviors``; MultitenantDistribution: ``cacheBehaviors``."""
    p = props(resource)
    found = [("defaultCacheBehavior", p.get("defaultCacheBehavior"))]
    for key in ("orderedCacheBehaviors", "cacheBehaviors"):
        found.extend((f"{key}[{index}]", behavior) for index, behavior in enumerate(p.get(key) or []))
    return [(path, b) for path, b in found if b is not None]


def _custom_origins(resource: ResourceView) -> list[tuple[str, Any]]:
    """Distribution: one ``customOriginConfig``; MultitenantDistribution: a ``customOriginConfigs`` list."""
    found = []
    for index, origin in enumerate(props(resource).get("origins") or []):
        if origin.get("customOriginConfig") is not None:
            found.append((f"origins[{index}].customOriginConfig", origin["customOriginConfig"]))
        found.extend((f"origins[{index}].customOriginConfigs[{i}]", config)
                     for i, config in enumerate(origin.get("customOriginConfigs") or []))
    return found


def distribution_require_https_to_viewers(resource: ResourceView) -> RuleResult:
    behaviors = _cache_behaviors(resource)
    for path, behavior in behaviors:
        policy = behavior.get("viewerProtocolPolicy")
        if policy not in ("https-only", "redirect-to-https"):
            return failed(resource, f"{path}.viewerProtocolPolicy", policy, "viewers can fetch content and send "
                          "cookies over plain HTTP", '"redirect-to-https" or "https-only"')
    return passed(resource, f"{len(behaviors)} cache behavior(s) serve HTTPS only")


def distribution_require_https_to_origins(resource: ResourceView) -> RuleResult:
    for path, custom in _custom_origins(resource):
        policy = custom.get("originProtocolPolicy")
        if policy != "https-only":
            return failed(resource, f"{path}.originProtocolPolicy", policy,
                          "CloudFront may fetch from the origin over plain HTTP", '"https-only"')
        weak = sorted(set(custom.get("originSslProtocols") or []) & {"SSLv3", "TLSv1", "TLSv1.1"})
        if weak:
            return failed(resource, f"{path}.originSslProtocols", weak,
                          "CloudFront may talk to the origin over a deprecated protocol",
                          "none of SSLv3, TLSv1, TLSv1.1")
    return passed(resource, "every custom origin is reached over TLS 1.2")


def distribution_require_minimum_viewer_tls(resource: ResourceView, settings: Mapping[str, Any] | None = None
                                            ) -> RuleResult:
    allowed = tuple(_setting(settings, "allowedMinimumProtocolVersions", CLOUDFRONT_MINIMUM_PROTOCOLS))
    if as_bool(at(resource, "viewerCertificate.cloudfrontDefaultCertificate")):
        return failed(resource, "viewerCertificate.cloudfrontDefaultCertificate", True, "with the *.cloudfront.net "
                      "certificate CloudFront accepts TLS 1.0 from viewers", "false (an ACM certificate served by SNI)")
    version = at(resource, "viewerCertificate.minimumProtocolVersion")
    if version not in allowed:
        why = ("CloudFront then accepts TLS 1.0" if version is None else "the security policy accepts protocols or "
               "suites below the allowed floor")
        return failed(resource, "viewerCertificate.minimumProtocolVersion", version, why, f"one of {', '.join(allowed)}")
    return passed(resource, f"viewers need {version}")


# --- Step Functions -----------------------------------------------------------------------------


def statemachine_enable_logging(resource: ResourceView) -> RuleResult:
    level = at(resource, "loggingConfiguration.level")
    if str(level or "OFF").upper() == "OFF":
        return failed(resource, "loggingConfiguration.level", level, "failed and aborted executions leave no record",
                      '"ALL", "ERROR" or "FATAL" (not "OFF")')
    return passed(resource, f"execution history logged at level {level}")


# --- EventBridge --------------------------------------------------------------------------------


def eventbus_require_cmk_encryption(resource: ResourceView) -> RuleResult:
    default = account_default_bus(resource)
    if default:
        return not_applicable(resource, default)
    p = props(resource)
    if p.get("eventSourceName"):
        return not_applicable(resource, "a partner event bus: the partner's events are encrypted as AWS delivers them")
    key = p.get("kmsKeyIdentifier")
    if not key or is_aws_managed_key(str(key)):
        return failed(resource, "kmsKeyIdentifier", key, "events are encrypted with an AWS-owned key whose use no "
                      "key policy of ours can restrict", "a customer-managed key")
    return passed(resource, f"events encrypted with {key}")
