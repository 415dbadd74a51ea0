"""The application-resource controls checked live: one moto account with a compliant and a
non-compliant queue, function, repository, file system, stream, search domain, state machine, task
definition and service, audited by their collectors."""

from __future__ import annotations

import io
import zipfile

import pytest

from posture.findings import Verdict
from posture.live import COLLECTORS
from tests.live.conftest import REGION, failing_controls, verdict_of

APP_PASS: dict[str, str] = {
    "aws-sqs-queue-require-encryption": "pass-queue",
    "aws-lambda-function-require-supported-runtime": "pass-fn",
    "aws-ecr-repository-enable-scan-on-push": "pass-repo",
    "aws-ecr-repository-require-immutable-tags": "pass-repo",
    "aws-efs-filesystem-require-encryption": "pass-files",
    "aws-kinesis-stream-require-encryption": "pass-stream",
    "aws-opensearch-domain-require-encryption-at-rest": "pass-search",
    "aws-opensearch-domain-require-node-to-node-encryption": "pass-search",
    "aws-opensearch-domain-require-tls-endpoint": "pass-search",
    "aws-opensearch-domain-require-vpc": "pass-search",
    "aws-sfn-statemachine-enable-logging": "pass-flow",
    "aws-ecs-taskdefinition-disallow-privileged-containers": "pass-task",
    "aws-ecs-taskdefinition-require-read-only-root-filesystem": "pass-task",
    "aws-ecs-service-disallow-public-ip": "pass-service",
    "aws-apigateway-stage-enable-access-logs": "pass-rest/prod",
    "aws-apigatewayv2-stage-enable-access-logs": "pass-http/prod",
    "aws-apigatewayv2-route-require-authorization": "pass-http POST /orders",
    "aws-elasticache-replicationgroup-require-encryption-at-rest": "pass-cache",
    "aws-elasticache-replicationgroup-require-encryption-in-transit": "pass-cache",
    "aws-cloudwatch-eventbus-require-cmk-encryption": "pass-bus",
}
APP_FAIL: dict[str, set[str]] = {
    "fail-plain-queue": {"aws-sqs-queue-require-encryption"},
    "fail-old-runtime-fn": {"aws-lambda-function-require-supported-runtime"},
    "fail-unscanned-repo": {"aws-ecr-repository-enable-scan-on-push"},
    "fail-mutable-repo": {"aws-ecr-repository-require-immutable-tags"},
    "fail-plain-files": {"aws-efs-filesystem-require-encryption"},
    "fail-plain-stream": {"aws-kinesis-stream-require-encryption"},
    "fail-at-rest-search": {"aws-opensearch-domain-require-encryption-at-rest"},
    "fail-n2n-search": {"aws-opensearch-domain-require-node-to-node-encryption"},
    "fail-http-search": {"aws-opensearch-domain-require-tls-endpoint"},
    "fail-public-search": {"aws-opensearch-domain-require-vpc"},
    "fail-unlogged-flow": {"aws-sfn-statemachine-enable-logging"},
    "fail-privileged-task": {"aws-ecs-taskdefinition-disallow-privileged-containers"},
    "fail-writable-task": {"aws-ecs-taskdefinition-require-read-only-root-filesystem"},
    "fail-public-service": {"aws-ecs-service-disallow-public-ip"},
    "pass-rest/unlogged": {"aws-apigateway-stage-enable-access-logs"},
    "pass-http/unlogged": {"aws-apigatewayv2-stage-enable-access-logs"},
    "pass-http GET /open": {"aws-apigatewayv2-route-require-authorization"},
    "fail-plain-at-rest-cache": {"aws-elasticache-replicationgroup-require-encryption-at-rest"},
    "fail-plain-in-transit-cache": {"aws-elasticache-replicationgroup-require-encryption-in-transit"},
    "fail-owned-key-bus": {"aws-cloudwatch-eventbus-require-cmk-encryption"},
}
COLLECTOR_NAMES = ("queues", "functions", "containers", "file-systems", "streams", "search-domains", "state-machines",
                   "tasks", "apis", "caches", "event-buses")
LOGS = "arn:aws:logs:eu-west-1:111122223333:log-group:/app/api"
GOOD_DOMAIN = {"EncryptionAtRestOptions": {"Enabled": True}, "NodeToNodeEncryptionOptions": {"Enabled": True},
               "DomainEndpointOptions": {"EnforceHTTPS": True, "TLSSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"},
               "VPCOptions": {"SubnetIds": ["subnet-12345678"]}}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def audited(moto_account):
    c = moto_account.client
    c("sqs").create_queue(QueueName="pass-queue", Attributes={"SqsManagedSseEnabled": "true"})
    c("sqs").create_queue(QueueName="fail-plain-queue", Attributes={"SqsManagedSseEnabled": "false"})
    role = c("iam").create_role(RoleName="app-fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    for name, runtime in (("pass-fn", "python3.12"), ("fail-old-runtime-fn", "python3.8")):
        c("lambda").create_function(FunctionName=name, Runtime=runtime, Role=role, Handler="app.handler",
                                    Code={"ZipFile": _zip()})
    for name, scan, mutability in (("pass-repo", True, "IMMUTABLE"), ("fail-unscanned-repo", False, "IMMUTABLE"),
                                   ("fail-mutable-repo", True, "MUTABLE")):
        c("ecr").create_repository(repositoryName=name, imageTagMutability=mutability,
                                   imageScanningConfiguration={"scanOnPush": scan})
    for name, encrypted in (("pass-files", True), ("fail-plain-files", False)):
        c("efs").create_file_system(CreationToken=name, Encrypted=encrypted, Tags=[{"Key": "Name", "Value": name}])
    for name, encrypted in (("pass-stream", True), ("fail-plain-stream", False)):
        c("kinesis").create_stream(StreamName=name, ShardCount=1)
        if encrypted:
            c("kinesis").start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    for name, change in (("pass-search", {}), ("fail-at-rest-search", {"EncryptionAtRestOptions": {"Enabled": False}}),
                         ("fail-n2n-search", {"NodeToNodeEncryptionOptions": {"Enabled": False}}),
                         ("fail-http-search", {"DomainEndpointOptions": {"EnforceHTTPS": False}}),
                         ("fail-public-search", {"VPCOptions": None})):
        options = {k: v for k, v in {**GOOD_DOMAIN, **change}.items() if v is not None}
        c("opensearch").create_domain(DomainName=name, **options)
    for name, level in (("pass-flow", "ERROR"), ("fail-unlogged-flow", "OFF")):
        c("stepfunctions").create_state_machine(name=name, definition="{}", roleArn=role,
                                                loggingConfiguration={"level": level})
    for family, container in (("pass-task", {"privileged": False, "readonlyRootFilesystem": True}),
                              ("fail-privileged-task", {"privileged": True, "readonlyRootFilesystem": True}),
                              ("fail-writable-task", {"readonlyRootFilesystem": False})):
        c("ecs").register_task_definition(family=family, networkMode="awsvpc", containerDefinitions=[
            {"name": "web", "image": "web:1", "memory": 128, **container}])
    vpc = c("ec2").create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = c("ec2").create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    group = c("ec2").create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    c("ecs").create_cluster(clusterName="app")
    for name, public in (("pass-service", "DISABLED"), ("fail-public-service", "ENABLED")):
        c("ecs").create_service(cluster="app", serviceName=name, taskDefinition="pass-task", desiredCount=0,
                                networkConfiguration={"awsvpcConfiguration": {
                                    "subnets": [subnet], "securityGroups": [group], "assignPublicIp": public}})
    rest = c("apigateway").create_rest_api(name="pass-rest")["id"]
    root = c("apigateway").get_resources(restApiId=rest)["items"][0]["id"]
    c("apigateway").put_method(restApiId=rest, resourceId=root, httpMethod="GET", authorizationType="AWS_IAM")
    c("apigateway").put_integration(restApiId=rest, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = c("apigateway").create_deployment(restApiId=rest)["id"]
    for stage in ("prod", "unlogged"):
        c("apigateway").create_stage(restApiId=rest, stageName=stage, deploymentId=deployment)
    c("apigateway").update_stage(restApiId=rest, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": LOGS},
        {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"}])
    http = c("apigatewayv2").create_api(Name="pass-http", ProtocolType="HTTP")["ApiId"]
    c("apigatewayv2").create_route(ApiId=http, RouteKey="POST /orders", AuthorizationType="AWS_IAM")
    c("apigatewayv2").create_route(ApiId=http, RouteKey="GET /open", AuthorizationType="NONE")
    c("apigatewayv2").create_stage(ApiId=http, StageName="prod", AccessLogSettings={
        "DestinationArn": LOGS, "Format": "$context.requestId"})
    c("apigatewayv2").create_stage(ApiId=http, StageName="unlogged")
    for name, at_rest, in_transit in (("pass-cache", True, True), ("fail-plain-at-rest-cache", False, True),
                                      ("fail-plain-in-transit-cache", True, False)):
        c("elasticache").create_replication_group(ReplicationGroupId=name, ReplicationGroupDescription=name,
                                                  Engine="redis", AtRestEncryptionEnabled=at_rest,
                                                  TransitEncryptionEnabled=in_transit)
    key = c("kms").create_key()["KeyMetadata"]["Arn"]
    c("events").create_event_bus(Name="pass-bus", KmsKeyIdentifier=key)
    c("events").create_event_bus(Name="fail-owned-key-bus")
    collectors = tuple(col for col in COLLECTORS if col.name in COLLECTOR_NAMES)
    return moto_account.audit([REGION], collectors=collectors)


@pytest.mark.parametrize("control_id", sorted(APP_PASS))
def test_compliant_application_resource_passes(audited, control_id):
    assert verdict_of(audited, control_id, APP_PASS[control_id]) is Verdict.PASS


@pytest.mark.parametrize("name", sorted(APP_FAIL), ids=lambda name: f"{name}->{'+'.join(sorted(APP_FAIL[name]))}")
def test_non_compliant_application_resource_fails_exactly_its_control(audited, name):
    assert failing_controls(audited, name) == APP_FAIL[name]


def test_the_collectors_read_everything_without_errors(audited):
    assert audited.collector_errors == []
    assert [name for name in set(APP_PASS.values()) if failing_controls(audited, name)] == []
    judged = [f for f in audited.findings if f.control_id in APP_PASS]
    assert {f.verdict for f in judged if "the account's default event bus" not in f.message} <= {Verdict.PASS,
                                                                                                Verdict.FAIL}


def test_thresholds_from_the_pack_config_apply_live(moto_account, audited):
    properties = {"aws-lambda-function-require-supported-runtime": {"supportedRuntimes": ["python3.13"]}}
    collectors = tuple(col for col in COLLECTORS if col.name == "functions")
    strict = moto_account.audit([REGION], collectors=collectors, properties=properties)
    assert verdict_of(strict, "aws-lambda-function-require-supported-runtime", "pass-fn") is Verdict.FAIL
