"""Cases for the application-resource controls (posture/rules/application.py).

The compliant baseline declares none of these resources, so each case adds one: ``pass_*`` a
resource set up as the control asks, ``fail_*`` the same resource with one setting changed, in
every current form the provider accepts (legacy Elasticsearch domains, multitenant
distributions, MUTABLE_WITH_EXCLUSION tags...). Registered from cases.py like its own cases.
"""

from __future__ import annotations

import json

from posture.resources import UNKNOWN
from tests.policies.cases import ACCOUNT, cases_without_baseline
from tests.policies.helpers import add

KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/0c9f4f6e-3f1a-4c34-9a0e-5d2b7a2f1c11"
LOG_GROUP = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/app/api"


def _variants(type_: str, name: str, good: dict, *cases: tuple) -> tuple:
    """``(case name, changes)`` -> ``(case name, add(<good props with the changes>))``; a change
    value of None removes the property."""
    def props(changes: dict) -> dict:
        merged = {**good, **changes}
        return {k: v for k, v in merged.items() if v is not None}

    return tuple((case, add(type_, name, props(changes))) for case, changes in cases)


SQS = "aws:sqs/queue:Queue"
cases_without_baseline("aws-sqs-queue-require-encryption", *_variants(SQS, "app-queue", {"name": "app-queue"},
     ("pass_customer_key", {"kmsMasterKeyId": KEY}),
     ("pass_sse_sqs", {"sqsManagedSseEnabled": True}),
     ("pass_aws_managed_key", {"kmsMasterKeyId": "alias/aws/sqs"}),
     ("fail_sse_off", {"sqsManagedSseEnabled": False}),
     ("fail_nothing_declared", {}),
     ("unknown_key", {"kmsMasterKeyId": UNKNOWN})))

FUNCTION = "aws:lambda/function:Function"
_FUNCTION = {"name": "app-fn", "role": f"arn:aws:iam::{ACCOUNT}:role/app-fn", "handler": "app.handler"}
cases_without_baseline("aws-lambda-function-require-supported-runtime", *_variants(FUNCTION, "app-fn", _FUNCTION,
     ("pass_python312", {"runtime": "python3.12"}),
     ("fail_python38", {"runtime": "python3.8"}),
     ("fail_nodejs16", {"runtime": "nodejs16.x"}),
     ("fail_go1x", {"runtime": "go1.x"}),
     ("unknown_runtime", {"runtime": UNKNOWN})))

PERMISSION = "aws:lambda/permission:Permission"
_PERMISSION = {"action": "lambda:InvokeFunction", "function": "app-fn"}
cases_without_baseline("aws-lambda-permission-disallow-public-invoke", *_variants(PERMISSION, "app-invoke", _PERMISSION,
     ("pass_service_pinned", {"principal": "apigateway.amazonaws.com",
                              "sourceArn": f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:api1/*/*"}),
     ("pass_account_principal", {"principal": ACCOUNT}),
     ("fail_everyone", {"principal": "*"}),
     ("fail_open_function_url", {"principal": "*", "functionUrlAuthType": "NONE"}),
     ("unknown_principal", {"principal": UNKNOWN})))

FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
cases_without_baseline("aws-lambda-functionurl-require-iam-auth", *_variants(FUNCTION_URL, "app-url", {"functionName": "app-fn"},
     ("pass_iam", {"authorizationType": "AWS_IAM"}),
     ("fail_none", {"authorizationType": "NONE"})))

for _type, _control in (("aws:apigateway/stage:Stage", "aws-apigateway-stage-enable-access-logs"),
                        ("aws:apigatewayv2/stage:Stage", "aws-apigatewayv2-stage-enable-access-logs")):
    cases_without_baseline(_control, *_variants(_type, "app-stage", {"stageName": "prod", "name": "prod"},
         ("pass_logged", {"accessLogSettings": {"destinationArn": LOG_GROUP, "format": "$context.requestId"}}),
         ("fail_no_access_logs", {}),
         ("fail_no_destination", {"accessLogSettings": {"format": "$context.requestId"}}),
         ("unknown_destination", {"accessLogSettings": {"destinationArn": UNKNOWN}})))

ROUTE = "aws:apigatewayv2/route:Route"
cases_without_baseline("aws-apigatewayv2-route-require-authorization", *_variants(ROUTE, "app-route", {"apiId": "api1",
                                                                                   "routeKey": "POST /orders"},
     ("pass_iam", {"authorizationType": "AWS_IAM"}),
     ("pass_jwt", {"authorizationType": "JWT", "authorizerId": "auth1"}),
     ("fail_default_none", {}),
     ("fail_explicit_none", {"authorizationType": "NONE"})))

TASK = "aws:ecs/taskDefinition:TaskDefinition"


def _task(*containers: dict) -> dict:
    return {"family": "app", "containerDefinitions": json.dumps(list(containers))}


_SAFE = {"name": "web", "image": "web:1", "readonlyRootFilesystem": True}
cases_without_baseline("aws-ecs-taskdefinition-disallow-privileged-containers",
     ("pass_unprivileged", add(TASK, "app-task", _task(_SAFE, {**_SAFE, "name": "sidecar", "privileged": False}))),
     ("fail_privileged_sidecar", add(TASK, "app-task", _task(_SAFE, {**_SAFE, "name": "sidecar", "privileged": True}))),
     ("fail_privileged_as_string", add(TASK, "app-task", _task({**_SAFE, "privileged": "true"}))))
cases_without_baseline("aws-ecs-taskdefinition-require-read-only-root-filesystem",
     ("pass_read_only", add(TASK, "app-task", _task(_SAFE))),
     ("fail_writable_sidecar", add(TASK, "app-task", _task(_SAFE, {"name": "sidecar", "image": "s:1"}))),
     ("fail_explicitly_writable", add(TASK, "app-task", _task({**_SAFE, "readonlyRootFilesystem": False}))))

SERVICE = "aws:ecs/service:Service"
cases_without_baseline("aws-ecs-service-disallow-public-ip", *_variants(SERVICE, "app-service", {"name": "app", "taskDefinition": "t"},
     ("pass_private", {"networkConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": False}}),
     ("pass_no_awsvpc", {}),
     ("fail_public_ip", {"networkConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": True}})))

REPOSITORY = "aws:ecr/repository:Repository"
_REPOSITORY = {"name": "app", "imageScanningConfiguration": {"scanOnPush": True}, "imageTagMutability": "IMMUTABLE"}
cases_without_baseline("aws-ecr-repository-enable-scan-on-push", *_variants(REPOSITORY, "app-repo", _REPOSITORY,
     ("pass_scan_on_push", {}),
     ("fail_scan_off", {"imageScanningConfiguration": {"scanOnPush": False}}),
     ("fail_not_declared", {"imageScanningConfiguration": None})))
cases_without_baseline("aws-ecr-repository-require-immutable-tags", *_variants(REPOSITORY, "app-repo", _REPOSITORY,
     ("pass_immutable", {}),
     ("pass_immutable_with_exclusion", {"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"}),
     ("fail_default_mutable", {"imageTagMutability": None}),
     ("fail_mutable_with_exclusion", {"imageTagMutability": "MUTABLE_WITH_EXCLUSION"})))

CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
_CACHE = {"description": "sessions", "atRestEncryptionEnabled": True, "kmsKeyId": KEY,
          "transitEncryptionEnabled": True, "transitEncryptionMode": "required"}
cases_without_baseline("aws-elasticache-replicationgroup-require-encryption-at-rest", *_variants(CACHE, "app-cache", _CACHE,
     ("pass_encrypted", {}),
     ("fail_unencrypted", {"atRestEncryptionEnabled": False}),
     ("fail_not_declared", {"atRestEncryptionEnabled": None})))
cases_without_baseline("aws-elasticache-replicationgroup-require-encryption-in-transit", *_variants(CACHE, "app-cache", _CACHE,
     ("pass_required", {}),
     ("pass_mode_left_to_default", {"transitEncryptionMode": None}),
     ("fail_plain_text", {"transitEncryptionEnabled": False}),
     ("fail_preferred_mode", {"transitEncryptionMode": "preferred"})))

EFS = "aws:efs/fileSystem:FileSystem"
cases_without_baseline("aws-efs-filesystem-require-encryption", *_variants(EFS, "app-files", {"creationToken": "app"},
     ("pass_encrypted", {"encrypted": True, "kmsKeyId": KEY}),
     ("fail_default_unencrypted", {}),
     ("unknown_encrypted", {"encrypted": UNKNOWN})))

_DOMAIN = {"domainName": "app", "encryptAtRest": {"enabled": True, "kmsKeyId": KEY},
           "nodeToNodeEncryption": {"enabled": True}, "vpcOptions": {"subnetIds": ["subnet-1"]},
           "domainEndpointOptions": {"enforceHttps": True, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"}}
for _type, _form in (("aws:opensearch/domain:Domain", "opensearch"), ("aws:elasticsearch/domain:Domain", "legacy")):
    cases_without_baseline("aws-opensearch-domain-require-encryption-at-rest", *_variants(_type, "app-search", _DOMAIN,
         (f"pass_{_form}_encrypted", {}),
         (f"fail_{_form}_unencrypted", {"encryptAtRest": {"enabled": False}})))
    cases_without_baseline("aws-opensearch-domain-require-node-to-node-encryption", *_variants(_type, "app-search", _DOMAIN,
         (f"pass_{_form}_node_to_node", {}),
         (f"fail_{_form}_plain_between_nodes", {"nodeToNodeEncryption": None})))
    cases_without_baseline("aws-opensearch-domain-require-tls-endpoint", *_variants(_type, "app-search", _DOMAIN,
         (f"pass_{_form}_tls12", {}),
         (f"fail_{_form}_http_allowed", {"domainEndpointOptions": {"enforceHttps": False}}),
         (f"fail_{_form}_tls10_default", {"domainEndpointOptions": {"enforceHttps": True}}),
         (f"fail_{_form}_tls10_policy", {"domainEndpointOptions": {
             "enforceHttps": True, "tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"}})))
    cases_without_baseline("aws-opensearch-domain-require-vpc", *_variants(_type, "app-search", _DOMAIN,
         (f"pass_{_form}_in_vpc", {}),
         (f"fail_{_form}_public_endpoint", {"vpcOptions": None})))

STREAM = "aws:kinesis/stream:Stream"
cases_without_baseline("aws-kinesis-stream-require-encryption", *_variants(STREAM, "app-stream", {"name": "app", "shardCount": 1},
     ("pass_kms", {"encryptionType": "KMS", "kmsKeyId": KEY}),
     ("pass_aws_managed_kms", {"encryptionType": "KMS", "kmsKeyId": "alias/aws/kinesis"}),
     ("fail_none", {"encryptionType": "NONE"}),
     ("fail_default", {})))

_HTTPS = {"viewerProtocolPolicy": "redirect-to-https", "targetOriginId": "app"}
_ORIGIN = {"originId": "app", "domainName": "app.example.com",
           "customOriginConfig": {"originProtocolPolicy": "https-only", "originSslProtocols": ["TLSv1.2"],
                                  "httpPort": 80, "httpsPort": 443}}
_CERT = {"acmCertificateArn": f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/cdn", "sslSupportMethod": "sni-only",
         "minimumProtocolVersion": "TLSv1.2_2021"}
_DISTRIBUTION = {"enabled": True, "webAclId": f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/cdn/1",
                 "defaultCacheBehavior": _HTTPS, "orderedCacheBehaviors": [
    {**_HTTPS, "pathPattern": "/api/*"}], "origins": [_ORIGIN], "viewerCertificate": _CERT}
_MULTITENANT = {"enabled": True, "defaultCacheBehavior": _HTTPS, "cacheBehaviors": [
    {**_HTTPS, "pathPattern": "/api/*"}],
    "origins": [{"id": "app", "domainName": "app.example.com",
                 "customOriginConfigs": [_ORIGIN["customOriginConfig"]]}], "viewerCertificate": _CERT}
for _type, _form, _good, _behaviors, _origin in (
        ("aws:cloudfront/distribution:Distribution", "classic", _DISTRIBUTION, "orderedCacheBehaviors",
         lambda config: [{**_ORIGIN, "customOriginConfig": config}]),
        ("aws:cloudfront/multitenantDistribution:MultitenantDistribution", "multitenant", _MULTITENANT,
         "cacheBehaviors", lambda config: [{"id": "app", "domainName": "a", "customOriginConfigs": [config]}])):
    cases_without_baseline("aws-cloudfront-distribution-require-https-to-viewers", *_variants(_type, "app-cdn", _good,
         (f"pass_{_form}_https", {}),
         (f"fail_{_form}_ordered_allows_http", {_behaviors: [{**_HTTPS, "viewerProtocolPolicy": "allow-all"}]}),
         (f"fail_{_form}_default_allows_http", {"defaultCacheBehavior": {**_HTTPS,
                                                                         "viewerProtocolPolicy": "allow-all"}})))
    cases_without_baseline("aws-cloudfront-distribution-require-https-to-origins", *_variants(_type, "app-cdn", _good,
         (f"pass_{_form}_tls12_origin", {}),
         (f"fail_{_form}_match_viewer", {"origins": _origin({**_ORIGIN["customOriginConfig"],
                                                              "originProtocolPolicy": "match-viewer"})}),
         (f"fail_{_form}_tls10_to_origin", {"origins": _origin({**_ORIGIN["customOriginConfig"],
                                                                 "originSslProtocols": ["TLSv1", "TLSv1.2"]})})))
    cases_without_baseline("aws-cloudfront-distribution-require-minimum-viewer-tls", *_variants(_type, "app-cdn", _good,
         (f"pass_{_form}_tls12_2021", {}),
         (f"fail_{_form}_default_certificate", {"viewerCertificate": {"cloudfrontDefaultCertificate": True}}),
         (f"fail_{_form}_tls11", {"viewerCertificate": {**_CERT, "minimumProtocolVersion": "TLSv1.1_2016"}})))

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
cases_without_baseline("aws-sfn-statemachine-enable-logging", *_variants(STATE_MACHINE, "app-flow", {
    "roleArn": f"arn:aws:iam::{ACCOUNT}:role/flow", "definition": "{}"},
     ("pass_errors_logged", {"loggingConfiguration": {"level": "ERROR", "logDestination": f"{LOG_GROUP}:*"}}),
     ("fail_default_off", {}),
     ("fail_explicit_off", {"loggingConfiguration": {"level": "OFF"}})))

BUS = "aws:cloudwatch/eventBus:EventBus"
cases_without_baseline("aws-cloudwatch-eventbus-require-cmk-encryption", *_variants(BUS, "app-bus", {"name": "app"},
     ("pass_customer_key", {"kmsKeyIdentifier": KEY}),
     ("fail_aws_owned_key", {}),
     ("fail_aws_managed_alias", {"kmsKeyIdentifier": "alias/aws/events"})))
