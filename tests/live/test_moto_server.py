"""The audit over HTTP: a moto server on loopback, boto3 pointed at it by endpoint URL, the prod
stack's database and its network (DB-1, DB-2, DB-4) replayed into it and audited, as a real
account would be: real requests, real responses, real pagination tokens. (The whole stack is
replayed in-process by test_posture_in_moto.py; over HTTP it takes several times as long.)"""

from __future__ import annotations

import os
import urllib.request

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto.server import ThreadedMotoServer

from posture.audit import audit_account
from posture.findings import Verdict
from posture.live import COLLECTORS
from posture.rules import tokens as tok
from tests.live.conftest import PLANNED_ACCOUNT, REGION, fake_credentials, verdict_of
from tests.live.replay import remove_default_vpcs, replay_stack
from tests.live.test_posture_in_moto import UNIMPLEMENTED_READ_APIS


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        fake_credentials(monkeypatch, PLANNED_ACCOUNT)
        urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).close()
        monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # the server's form of MOTO_CONFIG
        yield url
    server.stop()


def server_session() -> boto3.Session:
    """moto's server answers 500 for an action it lacks, which botocore rightly retries ten times
    with backoff; those calls get the answer moto gives in-process instead (404, not implemented)."""

    def handler(model, **_):
        if f"{model.service_model.endpoint_prefix}:{model.name}" in UNIMPLEMENTED_READ_APIS:
            return AWSResponse("http://127.0.0.1", 404, {}, None), {
                "Error": {"Code": "404", "Message": "Not yet implemented"}, "ResponseMetadata": {"HTTPStatusCode": 404}}
        return None

    session = boto3.Session(region_name=REGION)
    session.events.register("before-call", handler)
    return session


REPLAYED = {tok.KMS_KEY, tok.KMS_ALIAS, tok.VPC, tok.SUBNET, tok.INTERNET_GATEWAY, tok.ROUTE_TABLE,
            tok.ROUTE_TABLE_ASSOCIATION, tok.NETWORK_ACL, tok.MANAGED_PREFIX_LIST, tok.SECURITY_GROUP,
            tok.DEFAULT_SECURITY_GROUP, tok.SECURITY_GROUP_INGRESS_RULE, tok.RDS_PARAMETER_GROUP, tok.RDS_SUBNET_GROUP,
            tok.RDS_INSTANCE, "aws:ec2/eip:Eip", "aws:ec2/natGateway:NatGateway"}
DATABASE_CONTROLS = [
    "aws-rds-instance-disallow-public-access", "aws-rds-instance-require-cmk-encryption",
    "aws-rds-instance-enable-iam-authentication", "aws-rds-instance-enable-deletion-protection",
    "aws-rds-instance-require-backup-retention", "aws-rds-instance-require-managed-master-password",
    "aws-rds-instance-require-current-ca-certificate", "stack-database-require-forced-tls",
    "stack-database-require-connection-logging", "stack-database-reachable-only-from-app-tier",
    "stack-data-tier-disallow-internet-routes", "stack-data-tier-nacl-require-app-tier-sources",
    "aws-ec2-securitygroup-disallow-remote-admin-ingress", "aws-ec2-securitygroup-disallow-all-ports-ingress",
    "aws-ec2-defaultsecuritygroup-disallow-rules", "aws-ec2-subnet-disallow-public-ip-on-launch",
    "stack-subnet-require-network-acl", "aws-kms-key-enable-rotation", "stack-data-store-require-rotating-key",
]


@pytest.fixture(scope="module")
def audited(endpoint, prod_stack):
    session = boto3.Session(region_name=REGION)
    remove_default_vpcs(session, [REGION], endpoint_url=endpoint)
    replay_stack(session, [r for r in prod_stack if r.type in REPLAYED], REGION, endpoint_url=endpoint)
    collectors = tuple(c for c in COLLECTORS if c.name in ("network", "database", "keys", "secrets"))
    return audit_account(server_session, [REGION], endpoint_url=endpoint, collectors=collectors)


def test_server_listens_on_loopback_only(endpoint):
    assert endpoint.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("control_id", DATABASE_CONTROLS)
def test_replayed_database_and_network_pass_over_http(audited, control_id):
    assert audited.account_id == PLANNED_ACCOUNT and audited.complete
    verdicts = {f.verdict for f in audited.findings if f.control_id == control_id}
    assert verdicts == {Verdict.PASS}


def test_the_database_is_found_by_its_identifier(audited):
    assert verdict_of(audited, "aws-rds-instance-disallow-public-access", "app-db") is Verdict.PASS


def test_the_endpoint_can_come_from_the_environment(endpoint, audited, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    result = audit_account(server_session, [REGION], collectors=tuple(c for c in COLLECTORS if c.name == "database"))
    assert result.account_id == PLANNED_ACCOUNT and "AWS_ENDPOINT_URL" in os.environ
    assert any(r.name == "app-db" for r in result.resources)
