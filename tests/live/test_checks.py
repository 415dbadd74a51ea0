"""Every live check, with a compliant and a non-compliant account state built with boto3 in moto.

One moto account holds a compliant resource (``pass-*``) for each control and, next to it, one
resource per control that differs from a compliant one in a single setting (``fail-*``). One audit
of it answers all cases: each pass resource passes its control, and each fail resource fails
exactly the controls listed for it, nothing else. Account-wide services are checked against a
second, empty account (and a few half-configured ones there). Controls whose state moto cannot
emulate are listed with the missing API named and proven in test_moto_gaps.py with its answer stubbed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from posture.facts import TABLE_DATA_ACTIONS
from posture.findings import Verdict
from posture.live.coverage import LIVE_CONTROLS
from posture.rules.monitoring import BANK_TOKEN_CHANGES, CIS_FILTER_TERMS
from posture.rules.network import REQUIRED_ENDPOINT_SERVICES
from tests.live.conftest import COPY_REGION, MOTO_CANNOT_READ_TAGS, REGION, failing_controls, verdict_of
from tests.live.replay import remove_default_vpcs
from tests.live.test_app_checks import APP_FAIL, APP_PASS
from tests.live.test_moto_gaps import stubbed_verdicts
from tests.live.test_reachability_live import FAIL as REACHABILITY_FAIL
from tests.live.test_reachability_live import PASS as REACHABILITY_PASS

EMPTY_ACCOUNT = "444455556666"
HSTS = "max-age=31536000; includeSubDomains"
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"

PASS: dict[str, str] = {
    # control id -> the compliant resource that passes it
    "aws-rds-instance-disallow-public-access": "pass-db",
    "aws-rds-snapshot-disallow-sharing": "pass-snapshot",
    "aws-rds-instance-require-cmk-encryption": "pass-db",
    "aws-rds-instance-enable-iam-authentication": "pass-db",
    "aws-rds-instance-enable-deletion-protection": "pass-db",
    "aws-rds-instance-require-backup-retention": "pass-db",
    "aws-rds-instance-require-managed-master-password": "pass-db",
    "aws-rds-instance-enable-auto-minor-version-upgrade": "pass-db",
    "aws-rds-instance-require-current-ca-certificate": "pass-db",
    "stack-database-require-forced-tls": "pass-db",
    "stack-database-require-connection-logging": "pass-db",
    "stack-database-reachable-only-from-app-tier": "pass-db",
    "aws-rds-cluster-disallow-public-access": "pass-cluster",
    "aws-rds-cluster-require-cmk-encryption": "pass-cluster",
    "aws-rds-cluster-enable-iam-authentication": "pass-cluster",
    "aws-rds-cluster-enable-deletion-protection": "pass-cluster",
    "aws-rds-cluster-require-backup-retention": "pass-cluster",
    "aws-rds-cluster-require-managed-master-password": "pass-cluster",
    "aws-rds-cluster-enable-auto-minor-version-upgrade": "pass-cluster",
    "stack-data-tier-nacl-require-app-tier-sources": "pass-data-nacl",
    "aws-ec2-securitygroup-disallow-remote-admin-ingress": "pass-https-from-internet",
    "aws-ec2-securitygroup-disallow-all-ports-ingress": "pass-https-from-internet",
    "stack-security-group-disallow-internet-ingress": "pass-https-from-internet",
    "aws-ec2-defaultsecuritygroup-disallow-rules": "pass-vpc-default-sg",
    "aws-ec2-subnet-disallow-public-ip-on-launch": "pass-app-a",
    "aws-ec2-flowlog-require-all-traffic": "pass-vpc-flow-log",
    "stack-vpc-require-flow-logs": "pass-vpc",
    "stack-vpc-require-service-endpoints": "pass-vpc",
    "stack-vpc-require-locked-default-network-acl": "pass-vpc",
    "aws-ec2-vpcendpoint-require-restrictive-policy": "pass-vpc-kms",
    "stack-account-require-s3-public-access-block": "account S3 Block Public Access",
    "stack-data-tier-disallow-internet-routes": "pass-data-rt",
    "stack-subnet-require-network-acl": "pass-app-a",
    "aws-ec2-managedprefixlist-disallow-anywhere": "pass-allowlist",
    "aws-ec2-networkacl-disallow-all-traffic-from-internet": "pass-app-nacl",
    "aws-cloudwatch-loggroup-require-cmk-encryption": "/pass/logs",
    "aws-cloudwatch-loggroup-require-retention": "/pass/logs",
    "aws-lb-listener-require-tls": "pass-alb:HTTPS:443",
    "aws-lb-listener-require-hsts-header": "pass-alb:HTTPS:443",
    "aws-lb-loadbalancer-enable-drop-invalid-headers": "pass-alb",
    "aws-lb-loadbalancer-configure-strictest-desync-mitigation": "pass-alb",
    "aws-lb-loadbalancer-enable-deletion-protection": "pass-alb",
    "aws-lb-loadbalancer-enable-access-logs": "pass-alb",
    "stack-load-balancer-require-waf": "pass-alb",
    "stack-load-balancer-require-public-tier-subnets": "pass-alb",
    "stack-web-acl-require-baseline-rules": "pass-waf",
    "aws-lb-targetgroup-require-tls": "pass-targets",
    "aws-backup-vault-require-cmk-encryption": "pass-vault",
    "aws-backup-vaultlockconfiguration-require-compliance-mode": "pass-vault lock",
    "aws-backup-plan-require-retention": "pass-plan",
    "stack-backup-copy-require-equally-fortified-vault": "pass-plan",
    "aws-kms-key-enable-rotation": "alias/pass-key",
    "aws-kms-key-require-conditioned-use": "alias/pass-key",
    "stack-data-store-require-rotating-key": "pass-sessions",
    "aws-s3-bucketpublicaccessblock-enable-all-flags": "pass-bucket-111122223333 publicAccessBlock",
    "aws-s3-bucketversioning-enable-versioning": "pass-bucket-111122223333 versioning",
    "aws-s3-bucketpolicy-require-tls": "pass-bucket-111122223333 policy",
    "stack-s3-bucket-require-cmk-encryption": "pass-bucket-111122223333 encryption",
    "stack-s3-bucket-require-protective-settings": "pass-bucket-111122223333",
    "stack-cloudtrail-bucket-require-object-lock": "pass-trail",
    "aws-cloudtrail-trail-enable-multi-region": "pass-trail",
    "aws-cloudtrail-trail-enable-log-file-validation": "pass-trail",
    "aws-cloudtrail-trail-require-cmk-encryption": "pass-trail",
    "aws-sns-topic-require-cmk-encryption": "pass-topic",
    "stack-sns-topic-require-tls-only-policy": "pass-topic",
    "stack-account-require-cloudtrail": "(account)",
    "stack-account-require-guardduty": "pass-detector",
    "stack-account-require-config-recording": "pass-recorder",
    "stack-account-require-inspector": "Inspector (eu-west-1)",
    "stack-account-require-cis-alarms": "(account)",
    "stack-bank-token-require-change-alarm": "pass-bank-token",
    "stack-bank-data-require-walled-off-readers": "pass-bank-token",
    "aws-dynamodb-table-require-cmk-encryption": "pass-sessions",
    "aws-dynamodb-table-enable-point-in-time-recovery": "pass-sessions",
    "aws-dynamodb-table-enable-ttl-for-expiring-data": "pass-sessions",
    "aws-dynamodb-table-enable-deletion-protection": "pass-sessions",
    "stack-dynamodb-table-require-deny-policy": "pass-sessions",
    "aws-secretsmanager-secret-require-cmk-encryption": "pass-bank-token",
    "stack-secret-require-rotation-or-exemption": "pass-bank-token",
    "aws-iam-policy-disallow-wildcard-actions": "pass-role/read-token",
    "aws-iam-policy-disallow-wildcard-resources-on-secrets-and-keys": "pass-role/read-token",
    "aws-iam-resourcepolicy-disallow-wildcard-grants": "pass-bucket-111122223333 policy",
    "aws-iam-resourcepolicy-require-confused-deputy-conditions": "pass-topic policy",
}

FAIL: dict[str, set[str]] = {
    # non-compliant resource -> exactly the controls it fails
    "fail-public-db": {"aws-rds-instance-disallow-public-access"},
    "fail-unencrypted-db": {"aws-rds-instance-require-cmk-encryption"},
    "fail-no-iam-auth-db": {"aws-rds-instance-enable-iam-authentication"},
    "fail-unprotected-db": {"aws-rds-instance-enable-deletion-protection"},
    "fail-short-backups-db": {"aws-rds-instance-require-backup-retention"},
    "fail-password-db": {"aws-rds-instance-require-managed-master-password"},
    "fail-no-minor-upgrades-db": {"aws-rds-instance-enable-auto-minor-version-upgrade"},
    "fail-old-ca-db": {"aws-rds-instance-require-current-ca-certificate"},
    "fail-plaintext-params": {"stack-database-require-forced-tls"},
    "fail-unexported-logs-db": {"stack-database-require-connection-logging"},
    "fail-db-from-cidr": {"stack-database-reachable-only-from-app-tier"},
    # A publicly accessible cluster is a Multi-AZ DB cluster, which cannot use IAM authentication.
    "fail-public-cluster": {"aws-rds-cluster-disallow-public-access", "aws-rds-cluster-enable-iam-authentication"},
    "fail-unencrypted-cluster": {"aws-rds-cluster-require-cmk-encryption"},
    "fail-no-iam-auth-cluster": {"aws-rds-cluster-enable-iam-authentication"},
    "fail-unprotected-cluster": {"aws-rds-cluster-enable-deletion-protection"},
    "fail-short-backups-cluster": {"aws-rds-cluster-require-backup-retention"},
    "fail-password-cluster": {"aws-rds-cluster-require-managed-master-password"},
    "fail-no-minor-upgrades-cluster": {"aws-rds-cluster-enable-auto-minor-version-upgrade"},
    "fail-open-data-nacl": {"stack-data-tier-nacl-require-app-tier-sources"},
    "fail-ssh": {"aws-ec2-securitygroup-disallow-remote-admin-ingress"},
    "fail-all-ports": {"aws-ec2-securitygroup-disallow-all-ports-ingress"},
    "fail-internet-8080": {"stack-security-group-disallow-internet-ingress"},
    "fail-vpc-default-sg": {"aws-ec2-defaultsecuritygroup-disallow-rules"},
    "fail-public-ip-subnet": {"aws-ec2-subnet-disallow-public-ip-on-launch"},
    "fail-reject-only-flow-log": {"aws-ec2-flowlog-require-all-traffic"},
    "fail-unlogged-vpc": {"stack-vpc-require-flow-logs"},
    "fail-endpointless-vpc": {"stack-vpc-require-service-endpoints"},
    "fail-unlocked-acl-vpc": {"stack-vpc-require-locked-default-network-acl"},
    "fail-unlocked-acl-vpc-default-nacl": {"aws-ec2-networkacl-disallow-all-traffic-from-internet"},
    "fail-open-endpoint-vpc-sts": {"aws-ec2-vpcendpoint-require-restrictive-policy"},
    "fail-data-rt": {"stack-data-tier-disallow-internet-routes"},
    "fail-aclless-subnet": {"stack-subnet-require-network-acl"},
    "fail-allowlist": {"aws-ec2-managedprefixlist-disallow-anywhere"},
    "fail-open-nacl": {"aws-ec2-networkacl-disallow-all-traffic-from-internet"},
    "/fail/unencrypted-logs": {"aws-cloudwatch-loggroup-require-cmk-encryption"},
    "/fail/short-logs": {"aws-cloudwatch-loggroup-require-retention"},
    "pass-alb:HTTP:8080": {"aws-lb-listener-require-tls", "stack-entry-point-require-tls-and-waf"},
    "pass-alb:HTTPS:8443": {"aws-lb-listener-require-hsts-header"},
    "fail-headers-alb": {"aws-lb-loadbalancer-enable-drop-invalid-headers"},
    "fail-desync-alb": {"aws-lb-loadbalancer-configure-strictest-desync-mitigation"},
    "fail-unprotected-alb": {"aws-lb-loadbalancer-enable-deletion-protection"},
    "fail-unlogged-alb": {"aws-lb-loadbalancer-enable-access-logs"},
    "fail-wafless-alb": {"stack-load-balancer-require-waf"},
    "fail-private-subnet-alb": {"stack-load-balancer-require-public-tier-subnets"},
    "fail-waf": {"stack-web-acl-require-baseline-rules"},
    "fail-http-targets": {"aws-lb-targetgroup-require-tls"},
    "fail-unencrypted-vault": {"aws-backup-vault-require-cmk-encryption"},
    "fail-governance-vault lock": {"aws-backup-vaultlockconfiguration-require-compliance-mode"},
    "fail-short-plan": {"aws-backup-plan-require-retention"},
    "fail-uncopied-plan": {"stack-backup-copy-require-equally-fortified-vault"},
    "alias/fail-unrotated-key": {"aws-kms-key-enable-rotation"},
    "alias/fail-open-key": {"aws-kms-key-require-conditioned-use"},
    "fail-imported-key-table": {"stack-data-store-require-rotating-key"},
    "fail-flags-bucket-111122223333 publicAccessBlock": {"aws-s3-bucketpublicaccessblock-enable-all-flags"},
    "fail-unversioned-bucket-111122223333 versioning": {"aws-s3-bucketversioning-enable-versioning"},
    "fail-plain-http-bucket-111122223333 policy": {"aws-s3-bucketpolicy-require-tls"},
    "fail-sse-s3-bucket-111122223333 encryption": {"stack-s3-bucket-require-cmk-encryption"},
    "fail-blockless-bucket-111122223333": {"stack-s3-bucket-require-protective-settings"},
    "fail-public-grant-bucket-111122223333 policy": {"aws-iam-resourcepolicy-disallow-wildcard-grants"},
    "fail-unlocked-trail-bucket-111122223333": {"stack-cloudtrail-bucket-require-object-lock"},
    "fail-single-region-trail": {"aws-cloudtrail-trail-enable-multi-region"},
    "fail-unvalidated-trail": {"aws-cloudtrail-trail-enable-log-file-validation"},
    "fail-unencrypted-trail": {"aws-cloudtrail-trail-require-cmk-encryption"},
    "fail-unencrypted-topic": {"aws-sns-topic-require-cmk-encryption"},
    "fail-plain-http-topic policy": {"stack-sns-topic-require-tls-only-policy"},
    "fail-deputy-topic policy": {"aws-iam-resourcepolicy-require-confused-deputy-conditions"},
    # a bank token without the deny policy: every principal of the account can read it
    "fail-unwatched-bank-token": {"stack-bank-token-require-change-alarm", "stack-bank-data-require-walled-off-readers"},
    "fail-public-grant-bucket-111122223333": {"stack-bank-data-require-walled-off-readers"},
    "fail-owned-key-table": {"aws-dynamodb-table-require-cmk-encryption"},
    "fail-public-snapshot": {"aws-rds-snapshot-disallow-sharing"},
    "fail-shared-cluster-snapshot": {"aws-rds-snapshot-disallow-sharing"},
    "fail-no-pitr-table": {"aws-dynamodb-table-enable-point-in-time-recovery"},
    "fail-sessions-without-ttl": {"aws-dynamodb-table-enable-ttl-for-expiring-data"},
    "fail-unprotected-table": {"aws-dynamodb-table-enable-deletion-protection"},
    "fail-policyless-table": {"stack-dynamodb-table-require-deny-policy"},
    "fail-default-key-secret": {"aws-secretsmanager-secret-require-cmk-encryption"},
    "fail-unrotated-secret": {"stack-secret-require-rotation-or-exemption"},
    "fail-role/everything-s3": {"aws-iam-policy-disallow-wildcard-actions"},
    "fail-admin-role/AdministratorAccess": {"aws-iam-policy-disallow-wildcard-actions"},
    "fail-role/any-secret": {"aws-iam-policy-disallow-wildcard-resources-on-secrets-and-keys"},
    "fail-deputy-role": {"aws-iam-resourcepolicy-require-confused-deputy-conditions"},
}

EMPTY_FAIL: dict[str, set[str]] = {
    "(account)": {"stack-account-require-cloudtrail", "stack-account-require-security-hub",
                  "stack-account-require-inspector", "stack-account-require-cis-alarms",
                  "stack-account-require-s3-public-access-block"},
    "fail-detector": {"stack-account-require-guardduty"},
    "fail-stopped-recorder": {"stack-account-require-config-recording"},
}

NO_PASSING_STATE_IN_MOTO: dict[str, str] = {
    "aws-backup-vaultpolicy-require-deny-delete": "moto 5.2.5 does not implement backup:GetBackupVaultAccessPolicy",
    "stack-backup-vault-require-lock-and-policy": "moto 5.2.5 does not implement backup:GetBackupVaultAccessPolicy",
    "stack-data-store-require-backup-plan": "moto 5.2.5 does not implement backup:ListBackupSelections",
    "stack-account-require-security-hub": "moto 5.2.5 does not implement securityhub:GetEnabledStandards "
                                          "(its failing state, Security Hub off, is checked below)",
}
"""Live controls with no passing state moto can hold, and why; test_moto_gaps.py proves them with
the missing API's answer stubbed in (checked by ``test_controls_moto_cannot_hold_are_proven_with_stubs``)."""


# --- building the account ------------------------------------------------------------------------


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def key_policy(account: str, services: tuple[str, ...] = ("rds", "dynamodb"), conditioned: bool = True) -> str:
    use: dict[str, Any] = {"Sid": "Use", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                           "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey",
                                      "kms:CreateGrant"], "Resource": "*"}
    if conditioned:
        use["Condition"] = {"StringEquals": {"kms:ViaService": [f"{s}.{REGION}.amazonaws.com" for s in services],
                                             "kms:CallerAccount": account}}
    admin = {"Sid": "Administer", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
             "Action": ["kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                        "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
                        "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"], "Resource": "*"}
    return _policy(admin, use)


def tls_only_bucket_policy(bucket: str) -> str:
    return _policy({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}})


def topic_policy(arn: str, account: str, *, tls: bool = True, pinned: bool = True) -> str:
    publish: dict[str, Any] = {"Sid": "AlarmsPublish", "Effect": "Allow",
                               "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish",
                               "Resource": arn}
    if pinned:
        publish["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
    deny = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
            "Resource": arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    return _policy(publish, deny) if tls else _policy(publish)


def table_policy(arn: str, endpoint: str) -> str:
    return _policy({"Sid": "OnlyThroughTheEndpoint", "Effect": "Deny", "Principal": "*",
                    "Action": list(TABLE_DATA_ACTIONS),
                    "Resource": arn, "Condition": {"StringNotEquals": {"aws:SourceVpce": endpoint}}})


def cis_pattern(needles: tuple[str, ...]) -> str:
    return "{ " + " || ".join(f'($.eventName = "{n}")' for n in needles) + " }"


class Builder:
    """The mixed account: small helpers that create a compliant resource, with one setting overridable."""

    def __init__(self, account) -> None:
        self.account = account
        self.id = account.account_id
        self.c = account.client
        self.ec2 = self.c("ec2")
        self.keys: dict[str, str] = {}

    def tags(self, name: str, **extra: str) -> list[dict[str, str]]:
        return [{"Key": "Name", "Value": name}, *({"Key": k, "Value": v} for k, v in extra.items())]

    def spec(self, kind: str, name: str, **extra: str) -> list[dict[str, Any]]:
        return [{"ResourceType": kind, "Tags": self.tags(name, **extra)}]

    # keys, logs, roles
    def key(self, name: str, *, rotate: bool = True, policy: str | None = None, region: str = REGION, **kwargs) -> str:
        kms = self.c("kms", region)
        key = kms.create_key(Policy=policy or key_policy(self.id), **kwargs)["KeyMetadata"]
        if rotate:
            kms.enable_key_rotation(KeyId=key["KeyId"])
        kms.create_alias(AliasName=f"alias/{name}", TargetKeyId=key["KeyId"])
        self.keys[name] = key["Arn"]
        return key["Arn"]

    def log_group(self, name: str, *, encrypted: bool = True, days: int = 365) -> str:
        logs = self.c("logs")
        logs.create_log_group(logGroupName=name, **({"kmsKeyId": self.keys["logs"]} if encrypted else {}))
        logs.put_retention_policy(logGroupName=name, retentionInDays=days)
        return f"arn:aws:logs:{REGION}:{self.id}:log-group:{name}"

    def role(self, name: str, service: str = "ec2.amazonaws.com", *, pinned: bool = True) -> str:
        statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        if pinned:
            statement["Condition"] = {"StringEquals": {"aws:SourceAccount": self.id}}
        trust = _policy(statement)
        return self.c("iam").create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]

    # network
    def vpc(self, name: str, cidr: str, *, flow_log: str | None = "ALL", endpoints: bool = True,
            empty_default_sg: bool = True, locked_default_acl: bool = True, open_endpoint: str | None = None) -> str:
        vpc_id = self.ec2.create_vpc(CidrBlock=cidr, TagSpecifications=self.spec("vpc", name))["Vpc"]["VpcId"]
        acl = self.ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                      {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
        self.ec2.create_tags(Resources=[acl["NetworkAclId"]], Tags=self.tags(f"{name}-default-nacl"))
        if locked_default_acl:
            for entry in acl["Entries"]:
                if entry["RuleNumber"] != 32767:
                    self.ec2.delete_network_acl_entry(NetworkAclId=acl["NetworkAclId"],
                                                      RuleNumber=entry["RuleNumber"], Egress=entry["Egress"])
        group = self.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                           {"Name": "group-name", "Values": ["default"]}])[
            "SecurityGroups"][0]
        self.ec2.create_tags(Resources=[group["GroupId"]], Tags=self.tags(f"{name}-default-sg"))
        if empty_default_sg:
            self.ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
            self.ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])
        if flow_log:
            self.flow_log(f"{name}-flow-log", vpc_id, flow_log)
        if endpoints:
            for service in REQUIRED_ENDPOINT_SERVICES:
                kind = "Gateway" if service in ("s3", "dynamodb") else "Interface"
                policy = {} if service == open_endpoint else {"PolicyDocument": _policy({
                    "Effect": "Allow", "Principal": "*", "Action": f"{service}:Get*", "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalAccount": self.id}}})}
                self.ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.{service}",
                                             VpcEndpointType=kind, **policy,
                                             TagSpecifications=self.spec("vpc-endpoint", f"{name}-{service}"))
        return vpc_id

    def flow_log(self, name: str, vpc_id: str, traffic: str) -> None:
        self.ec2.create_flow_logs(ResourceIds=[vpc_id], ResourceType="VPC", TrafficType=traffic,
                                  LogDestinationType="cloud-watch-logs", LogDestination=self.keys["flow-log-group"],
                                  DeliverLogsPermissionArn=self.keys["flow-log-role"],
                                  TagSpecifications=self.spec("vpc-flow-log", name))

    def subnet(self, name: str, vpc_id: str, cidr: str, tier: str, zone: str = "a", *, public_ip: bool = False) -> str:
        subnet_id = self.ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=f"{REGION}{zone}",
                                           TagSpecifications=self.spec("subnet", name, tier=tier))["Subnet"]["SubnetId"]
        self.ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": public_ip})
        return subnet_id

    def route_table(self, name: str, vpc_id: str, subnets: list[str], tier: str, gateway: str | None = None) -> str:
        table = self.ec2.create_route_table(VpcId=vpc_id, TagSpecifications=self.spec("route-table", name, tier=tier))[
            "RouteTable"]["RouteTableId"]
        if gateway:
            self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
        for subnet in subnets:
            self.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        return table

    def nacl(self, name: str, vpc_id: str, subnets: list[str], ingress: list[tuple[str, int, int, str]], tier: str
             ) -> str:
        acl = self.ec2.create_network_acl(VpcId=vpc_id, TagSpecifications=self.spec("network-acl", name, tier=tier))[
            "NetworkAcl"]["NetworkAclId"]
        for number, (protocol, low, high, cidr) in enumerate(ingress, start=100):
            entry: dict[str, Any] = {"NetworkAclId": acl, "RuleNumber": number, "Egress": False, "Protocol": protocol,
                                     "RuleAction": "allow", "CidrBlock": cidr}
            if protocol == "6":
                entry["PortRange"] = {"From": low, "To": high}
            self.ec2.create_network_acl_entry(**entry)
        self.ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Egress=True, Protocol="6",
                                          RuleAction="allow", CidrBlock="10.0.0.0/8", PortRange={"From": 1024, "To": 65535})
        for subnet in subnets:
            for current in self.ec2.describe_network_acls(
                    Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"]:
                for assoc in current["Associations"]:
                    if assoc["SubnetId"] == subnet:
                        self.ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"],
                                                                 NetworkAclId=acl)
        return acl

    def security_group(self, name: str, vpc_id: str, tier: str | None = None) -> str:
        group = self.ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id,
                                               TagSpecifications=self.spec("security-group", name,
                                                                           **({"tier": tier} if tier else {})))
        self.ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        return group["GroupId"]

    def ingress(self, name: str, group: str, protocol: str, low: int | None, high: int | None, *,
                cidr: str | None = None, source: str | None = None, prefix_list: str | None = None) -> None:
        permission: dict[str, Any] = {"IpProtocol": protocol}
        if protocol != "-1":
            permission.update(FromPort=low, ToPort=high)
        if cidr:
            permission["IpRanges"] = [{"CidrIp": cidr}]
        if source:
            permission["UserIdGroupPairs"] = [{"GroupId": source}]
        if prefix_list:
            permission["PrefixListIds"] = [{"PrefixListId": prefix_list}]
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[permission],
                                                  TagSpecifications=self.spec("security-group-rule", name))


def build_network(b: Builder) -> dict[str, Any]:
    n: dict[str, Any] = {}
    b.key("logs")
    b.keys["flow-log-group"] = b.log_group("/pass/logs")
    b.keys["flow-log-role"] = b.role("flow-logs", "vpc-flow-logs.amazonaws.com")
    vpc = n["vpc"] = b.vpc("pass-vpc", "10.0.0.0/16")
    app_a = n["app_a"] = b.subnet("pass-app-a", vpc, "10.0.1.0/24", "app", "a")
    app_b = n["app_b"] = b.subnet("pass-app-b", vpc, "10.0.2.0/24", "app", "b")
    n["public"] = [b.subnet("pass-public-a", vpc, "10.0.10.0/24", "public", "a"),
                   b.subnet("pass-public-b", vpc, "10.0.11.0/24", "public", "b")]
    data = n["data"] = [b.subnet("pass-data-a", vpc, "10.0.20.0/24", "data", "a"),
                        b.subnet("pass-data-b", vpc, "10.0.21.0/24", "data", "b")]
    open_data = n["open_data"] = [b.subnet("fail-open-data-a", vpc, "10.0.30.0/24", "data", "a"),
                                  b.subnet("fail-open-data-b", vpc, "10.0.31.0/24", "data", "b")]
    routed_data = b.subnet("fail-routed-data", vpc, "10.0.40.0/24", "data", "c")
    public_ip = b.subnet("fail-public-ip-subnet", vpc, "10.0.50.0/24", "app", "c", public_ip=True)
    igw = b.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    b.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    b.route_table("pass-public-rt", vpc, n["public"], "public", igw)
    b.route_table("pass-data-rt", vpc, data + open_data, "data")
    b.route_table("fail-data-rt", vpc, [routed_data], "data", igw)
    app_cidrs = ["10.0.1.0/24", "10.0.2.0/24"]
    b.nacl("pass-data-nacl", vpc, data, [("6", 5432, 5432, c) for c in app_cidrs], "data")
    b.nacl("fail-open-data-nacl", vpc, open_data, [("6", 5432, 5432, "10.0.0.0/16")], "data")
    b.nacl("pass-app-nacl", vpc, [app_a, app_b, routed_data, public_ip, *n["public"]],
           [("6", 443, 443, "0.0.0.0/0"), ("-1", 0, 0, "10.0.0.0/16")], "app")
    b.nacl("fail-open-nacl", vpc, [], [("-1", 0, 0, "0.0.0.0/0")], "app")
    # security groups
    app_sg = n["app_sg"] = b.security_group("pass-app-sg", vpc, "app")
    db_sg = n["db_sg"] = b.security_group("pass-db-sg", vpc, "data")
    b.ingress("pass-db-from-app", db_sg, "tcp", 5432, 5432, source=app_sg)
    cidr_sg = n["cidr_sg"] = b.security_group("fail-cidr-db-sg", vpc, "data")
    b.ingress("fail-db-from-cidr", cidr_sg, "tcp", 5432, 5432, cidr="10.0.0.0/16")
    web_sg = n["web_sg"] = b.security_group("pass-web-sg", vpc, "public")
    b.ingress("pass-https-from-internet", web_sg, "tcp", 443, 443, cidr="0.0.0.0/0")
    admin_sg = b.security_group("fail-admin-sg", vpc, "app")
    b.ingress("fail-ssh", admin_sg, "tcp", 22, 22, cidr="10.0.0.0/8")
    b.ingress("fail-all-ports", admin_sg, "-1", None, None, cidr="10.0.0.0/8")
    b.ingress("fail-internet-8080", admin_sg, "tcp", 8080, 8080, cidr="0.0.0.0/0")
    n["internal_sg"] = b.security_group("pass-internal-alb-sg", vpc, "app")
    # VPCs that each miss one protection
    b.vpc("fail-vpc", "10.1.0.0/16", empty_default_sg=False)
    b.vpc("fail-unlogged-vpc", "10.2.0.0/16", flow_log=None)
    b.vpc("fail-endpointless-vpc", "10.3.0.0/16", endpoints=False)
    unlocked = b.vpc("fail-unlocked-acl-vpc", "10.5.0.0/16", locked_default_acl=False)
    b.subnet("fail-aclless-subnet", unlocked, "10.5.60.0/24", "app", "c")  # falls back on AWS's allow-all default
    b.vpc("fail-open-endpoint-vpc", "10.6.0.0/16", open_endpoint="sts")
    b.c("s3control").put_public_access_block(AccountId=b.id, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    b.vpc("fail-reject-only-vpc", "10.4.0.0/16", flow_log=None)
    b.flow_log("fail-reject-only-flow-log", b.ec2.describe_vpcs(Filters=[
        {"Name": "tag:Name", "Values": ["fail-reject-only-vpc"]}])["Vpcs"][0]["VpcId"], "REJECT")
    for name, cidr in (("pass-allowlist", "192.0.2.0/28"), ("fail-allowlist", "0.0.0.0/0")):
        b.ec2.create_managed_prefix_list(PrefixListName=name, MaxEntries=5, AddressFamily="IPv4",
                                         Entries=[{"Cidr": cidr}], TagSpecifications=b.spec("prefix-list", name))
    b.log_group("/fail/unencrypted-logs", encrypted=False)
    b.log_group("/fail/short-logs", days=30)
    return n


def build_databases(b: Builder, n: dict[str, Any]) -> None:
    rds = b.c("rds")
    key = b.key("database", policy=key_policy(b.id, ("rds", "secretsmanager")))
    for name, subnets in (("pass-db-subnets", n["data"]), ("fail-open-db-subnets", n["open_data"])):
        rds.create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription=name, SubnetIds=subnets)
    tls = [{"ParameterName": p, "ParameterValue": "1", "ApplyMethod": "immediate"}
           for p in ("rds.force_ssl", "log_connections", "log_disconnections")]
    for name, family, params in (("pass-params", "postgres16", tls), ("fail-plaintext-params", "postgres16", tls[1:])):
        rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily=family, Description=name)
        rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=params)
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="pass-cluster-params",
                                          DBParameterGroupFamily="aurora-postgresql16", Description="tls")
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="pass-cluster-params", Parameters=tls)
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="pass-multi-az-params",
                                          DBParameterGroupFamily="postgres16", Description="tls")
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="pass-multi-az-params", Parameters=tls)

    def instance(name: str, **override: Any) -> None:
        params: dict[str, Any] = {
            "DBInstanceIdentifier": name, "Engine": "postgres", "EngineVersion": "16", "DBInstanceClass": "db.t4g.micro",
            "AllocatedStorage": 20, "StorageEncrypted": True, "KmsKeyId": key, "ManageMasterUserPassword": True,
            "MasterUserSecretKmsKeyId": key, "MasterUsername": "app_admin", "VpcSecurityGroupIds": [n["db_sg"]],
            "DBSubnetGroupName": "pass-db-subnets", "DBParameterGroupName": "pass-params", "PubliclyAccessible": False,
            "DeletionProtection": True, "BackupRetentionPeriod": 14, "AutoMinorVersionUpgrade": True,
            "CACertificateIdentifier": "rds-ca-rsa2048-g1", "EnableIAMDatabaseAuthentication": True, "Port": 5432,
            "EnableCloudwatchLogsExports": ["postgresql"]}
        params.update(override)
        params = {k: v for k, v in params.items() if v is not None}
        db = rds.create_db_instance(**params)["DBInstance"]
        _rotate_managed_secret(b, db)

    instance("pass-db")
    instance("fail-public-db", PubliclyAccessible=True)
    instance("fail-unencrypted-db", StorageEncrypted=False, KmsKeyId=None)
    instance("fail-no-iam-auth-db", EnableIAMDatabaseAuthentication=False)
    instance("fail-unprotected-db", DeletionProtection=False)
    instance("fail-short-backups-db", BackupRetentionPeriod=1)
    instance("fail-password-db", ManageMasterUserPassword=None, MasterUserSecretKmsKeyId=None,
             MasterUserPassword="not-a-managed-password")
    instance("fail-no-minor-upgrades-db", AutoMinorVersionUpgrade=False)
    instance("fail-old-ca-db", CACertificateIdentifier="rds-ca-2019")
    instance("fail-plaintext-db", DBParameterGroupName="fail-plaintext-params")
    instance("fail-unexported-logs-db", EnableCloudwatchLogsExports=[])
    instance("fail-cidr-db", VpcSecurityGroupIds=[n["cidr_sg"]])
    instance("fail-open-nacl-db", DBSubnetGroupName="fail-open-db-subnets")

    def cluster(name: str, **override: Any) -> None:
        params: dict[str, Any] = {
            "DBClusterIdentifier": name, "Engine": "aurora-postgresql", "MasterUsername": "app_admin",
            "ManageMasterUserPassword": True, "MasterUserSecretKmsKeyId": key, "StorageEncrypted": True,
            "KmsKeyId": key, "EnableIAMDatabaseAuthentication": True, "DeletionProtection": True,
            "BackupRetentionPeriod": 7, "DBClusterParameterGroupName": "pass-cluster-params",
            "AutoMinorVersionUpgrade": True, "VpcSecurityGroupIds": [n["db_sg"]], "DBSubnetGroupName": "pass-db-subnets",
            "EnableCloudwatchLogsExports": ["postgresql"]}
        params.update(override)
        params = {k: v for k, v in params.items() if v is not None}
        _rotate_managed_secret(b, rds.create_db_cluster(**params)["DBCluster"])

    cluster("pass-cluster")
    cluster("fail-public-cluster", Engine="postgres", PubliclyAccessible=True, DBClusterInstanceClass="db.m6gd.large",
            StorageType="io1", AllocatedStorage=100, Iops=1000, DBClusterParameterGroupName="pass-multi-az-params",
            EnableIAMDatabaseAuthentication=None)
    cluster("fail-unencrypted-cluster", StorageEncrypted=False, KmsKeyId=None)
    cluster("fail-no-iam-auth-cluster", EnableIAMDatabaseAuthentication=False)
    cluster("fail-unprotected-cluster", DeletionProtection=False)
    cluster("fail-short-backups-cluster", BackupRetentionPeriod=1)
    cluster("fail-password-cluster", ManageMasterUserPassword=None, MasterUserSecretKmsKeyId=None,
            MasterUserPassword="not-a-managed-password")
    cluster("fail-no-minor-upgrades-cluster", AutoMinorVersionUpgrade=False)

    rds.create_db_snapshot(DBSnapshotIdentifier="pass-snapshot", DBInstanceIdentifier="pass-db")
    rds.create_db_snapshot(DBSnapshotIdentifier="fail-public-snapshot", DBInstanceIdentifier="pass-db")
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="fail-public-snapshot", AttributeName="restore",
                                     ValuesToAdd=["all"])
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="fail-shared-cluster-snapshot",
                                   DBClusterIdentifier="pass-cluster")
    rds.modify_db_cluster_snapshot_attribute(DBClusterSnapshotIdentifier="fail-shared-cluster-snapshot",
                                             AttributeName="restore", ValuesToAdd=["444455556666"])


def _rotate_managed_secret(b: Builder, db: dict[str, Any]) -> None:
    """RDS rotates the master user secret it manages every 7 days; moto does not model that."""
    secret = (db.get("MasterUserSecret") or {}).get("SecretArn")
    if secret:
        b.c("secretsmanager").rotate_secret(SecretId=secret, RotationRules={"AutomaticallyAfterDays": 7},
                                            RotateImmediately=False)


def build_edge(b: Builder, n: dict[str, Any]) -> None:
    elb, waf, s3 = b.c("elbv2"), b.c("wafv2"), b.c("s3")
    log_bucket = f"pass-alb-logs-{b.id}"
    s3.create_bucket(Bucket=log_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    _protect_bucket(b, log_bucket, sse="AES256")
    certificate = b.c("acm").request_certificate(DomainName="example.com")["CertificateArn"]
    visibility = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}
    blocklist = waf.create_ip_set(Name="pass-blocklist", Scope="REGIONAL", IPAddressVersion="IPV4",
                                  Addresses=["198.18.0.0/15"])["Summary"]["ARN"]

    def managed(name: str, priority: int) -> dict[str, Any]:
        return {"Name": name, "Priority": priority, "OverrideAction": {"None": {}}, "VisibilityConfig": visibility,
                "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": name}}}

    rules = [{"Name": "blocklist", "Priority": 0, "Action": {"Block": {}}, "VisibilityConfig": visibility,
              "Statement": {"IPSetReferenceStatement": {"ARN": blocklist}}},
             managed("AWSManagedRulesCommonRuleSet", 1), managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
             managed("AWSManagedRulesSQLiRuleSet", 3), managed("AWSManagedRulesAmazonIpReputationList", 5),
             {"Name": "rate", "Priority": 4, "Action": {"Block": {}}, "VisibilityConfig": visibility,
              "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}}}]
    acl = waf.create_web_acl(Name="pass-waf", Scope="REGIONAL", DefaultAction={"Allow": {}}, Rules=rules,
                             VisibilityConfig=visibility)["Summary"]["ARN"]
    waf.create_web_acl(Name="fail-waf", Scope="REGIONAL", DefaultAction={"Allow": {}}, Rules=rules[1:],
                       VisibilityConfig=visibility)

    def alb(name: str, *, public: bool = True, subnets: list[str] | None = None, waf_acl: bool = True,
            **attributes: str) -> str:
        lb = elb.create_load_balancer(
            Name=name, Subnets=subnets or n["public"], SecurityGroups=[n["web_sg"] if public else n["internal_sg"]],
            Scheme="internet-facing" if public else "internal", Type="application")["LoadBalancers"][0]
        values = {"routing.http.drop_invalid_header_fields.enabled": "true",
                  "routing.http.desync_mitigation_mode": "strictest", "deletion_protection.enabled": "true",
                  "access_logs.s3.enabled": "true", "access_logs.s3.bucket": log_bucket, **attributes}
        elb.modify_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"],
                                            Attributes=[{"Key": k, "Value": v} for k, v in values.items()])
        if waf_acl:
            waf.associate_web_acl(WebACLArn=acl, ResourceArn=lb["LoadBalancerArn"])
        return lb["LoadBalancerArn"]

    pass_alb = alb("pass-alb")
    alb("fail-headers-alb", public=False, **{"routing.http.drop_invalid_header_fields.enabled": "false"})
    alb("fail-desync-alb", public=False, **{"routing.http.desync_mitigation_mode": "defensive"})
    alb("fail-unprotected-alb", public=False, **{"deletion_protection.enabled": "false"})
    alb("fail-unlogged-alb", public=False, **{"access_logs.s3.enabled": "false", "access_logs.s3.bucket": ""})
    alb("fail-wafless-alb", waf_acl=False)
    alb("fail-private-subnet-alb", subnets=[n["app_a"], n["app_b"]])
    groups = {}
    for name, protocol in (("pass-targets", "HTTPS"), ("fail-http-targets", "HTTP")):
        groups[name] = elb.create_target_group(Name=name, Protocol=protocol, Port=8443, VpcId=n["vpc"],
                                               TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": groups["pass-targets"]}]

    def listener(protocol: str, port: int, actions: list[dict[str, Any]], hsts: str | None = HSTS) -> None:
        params: dict[str, Any] = {"LoadBalancerArn": pass_alb, "Protocol": protocol, "Port": port,
                                  "DefaultActions": actions}
        if protocol == "HTTPS":
            params.update(SslPolicy=TLS_POLICY, Certificates=[{"CertificateArn": certificate}])
        arn = elb.create_listener(**params)["Listeners"][0]["ListenerArn"]
        if protocol == "HTTPS" and hsts:
            elb.modify_listener_attributes(ListenerArn=arn, Attributes=[
                {"Key": "routing.http.response.strict_transport_security.header_value", "Value": hsts}])

    listener("HTTPS", 443, forward)
    listener("HTTP", 80, [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443",
                                                                     "StatusCode": "HTTP_301"}}])
    listener("HTTP", 8080, [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}])
    listener("HTTPS", 8443, forward, hsts=None)


def _protect_bucket(b: Builder, name: str, *, sse: str = "aws:kms", block: bool = True, versioned: bool = True,
                    policy: str | None = None) -> None:
    s3 = b.c("s3")
    if block:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    default = {"SSEAlgorithm": sse, **({"KMSMasterKeyID": b.keys["storage"]} if sse == "aws:kms" else {})}
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": default}]})
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(Bucket=name, Policy=policy or tls_only_bucket_policy(name))


def build_storage_and_monitoring(b: Builder, n: dict[str, Any]) -> None:
    s3 = b.c("s3")
    b.key("storage", policy=key_policy(b.id, ("s3",)))
    b.key("audit", policy=key_policy(b.id, ("s3", "sns", "secretsmanager", "dynamodb")))

    def bucket(name: str, *, lock: bool = False, **settings: Any) -> str:
        full = f"{name}-{b.id}"
        s3.create_bucket(Bucket=full, CreateBucketConfiguration={"LocationConstraint": REGION},
                         ObjectLockEnabledForBucket=lock)
        if lock:
            s3.put_object_lock_configuration(Bucket=full, ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 365}}})
        _protect_bucket(b, full, **settings)
        return full

    trail_bucket = bucket("pass-bucket", lock=True)
    bucket("fail-flags-bucket")
    s3.put_public_access_block(Bucket=f"fail-flags-bucket-{b.id}", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": True})
    bucket("fail-unversioned-bucket", versioned=False)
    bucket("fail-plain-http-bucket", policy=_policy({"Sid": "Nothing", "Effect": "Deny", "Principal": "*",
                                                      "Action": "s3:DeleteBucket", "Resource": "*"}))
    bucket("fail-sse-s3-bucket", sse="AES256")
    bucket("fail-blockless-bucket", block=False)
    public = f"fail-public-grant-bucket-{b.id}"
    bucket("fail-public-grant-bucket", policy=json.dumps({"Version": "2012-10-17", "Statement": [
        *json.loads(tls_only_bucket_policy(public))["Statement"],
        {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{public}/*"}]}))
    unlocked = bucket("fail-unlocked-trail-bucket")
    # trails
    cloudtrail, logs = b.c("cloudtrail"), b.c("logs")
    trail_logs = "/pass/logs"
    trail_logs_arn = logs.describe_log_groups(logGroupNamePrefix=trail_logs)["logGroups"][0]["arn"]
    for name, options, target in (
            ("pass-trail", {"CloudWatchLogsLogGroupArn": trail_logs_arn,
                            "CloudWatchLogsRoleArn": f"arn:aws:iam::{b.id}:role/trail-logs"}, trail_bucket),
            ("fail-single-region-trail", {"IsMultiRegionTrail": False}, trail_bucket),
            ("fail-unvalidated-trail", {"EnableLogFileValidation": False}, trail_bucket),
            ("fail-unencrypted-trail", {"KmsKeyId": None}, trail_bucket),
            ("fail-unlocked-trail", {}, unlocked)):
        params = {"IsMultiRegionTrail": True, "IncludeGlobalServiceEvents": True, "EnableLogFileValidation": True,
                  "KmsKeyId": b.keys["audit"], **options}
        cloudtrail.create_trail(Name=name, S3BucketName=target, **{k: v for k, v in params.items() if v is not None})
        cloudtrail.start_logging(Name=name)
    # alarms: topics, CIS metric filters, the bank token's change alarm
    sns = b.c("sns")
    topics = {}
    for name, key, tls, pinned in (("pass-topic", True, True, True), ("fail-unencrypted-topic", False, True, True),
                                   ("fail-plain-http-topic", True, False, True),
                                   ("fail-deputy-topic", True, True, False)):
        arn = topics[name] = sns.create_topic(Name=name, Attributes={"KmsMasterKeyId": b.keys["audit"]} if key else {})[
            "TopicArn"]
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                                 AttributeValue=topic_policy(arn, b.id, tls=tls, pinned=pinned))
    sns.subscribe(TopicArn=topics["pass-topic"], Protocol="email", Endpoint="security@example.com")
    cloudwatch = b.c("cloudwatch")
    patterns = {f"cis-{i}": cis_pattern(needles) for i, needles in enumerate(CIS_FILTER_TERMS.values())}
    patterns["bank-token-changes"] = ("{ ($.eventSource = \"secretsmanager.amazonaws.com\") && (" + " || ".join(
        f'($.eventName = "{e}")' for e in BANK_TOKEN_CHANGES) + ") && ($.requestParameters.secretId = "
                                      "\"*pass-bank-token*\") }")
    for name, pattern in patterns.items():
        logs.put_metric_filter(logGroupName=trail_logs, filterName=name, filterPattern=pattern, metricTransformations=[
            {"metricName": name, "metricNamespace": "Baseline", "metricValue": "1"}])
        cloudwatch.put_metric_alarm(AlarmName=name, MetricName=name, Namespace="Baseline", Statistic="Sum", Period=300,
                                    EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                                    AlarmActions=[topics["pass-topic"]])
    # account services
    b.c("guardduty").create_detector(Enable=True, Features=[{"Name": "RDS_LOGIN_EVENTS", "Status": "ENABLED"}],
                                     Tags={"Name": "pass-detector"})
    _recorder(b, "pass-recorder", trail_bucket, start=True)
    b.c("inspector2").enable(accountIds=[b.id], resourceTypes=["EC2", "ECR"])
    b.c("securityhub").enable_security_hub(EnableDefaultStandards=False)


def _recorder(b: Builder, name: str, bucket: str, *, start: bool) -> None:
    config = b.c("config")
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": name, "roleARN": f"arn:aws:iam::{b.id}:role/config",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    config.put_delivery_channel(DeliveryChannel={"name": f"{name}-channel", "s3BucketName": bucket})
    if start:
        config.start_configuration_recorder(ConfigurationRecorderName=name)


def build_data_stores(b: Builder, n: dict[str, Any]) -> None:
    ddb = b.c("dynamodb")
    sessions_key = b.key("sessions", policy=key_policy(b.id, ("dynamodb",)))
    imported = b.key("imported", rotate=False, Origin="EXTERNAL", policy=key_policy(b.id, ("dynamodb",)))
    b.key("pass-key")
    b.key("fail-unrotated-key", rotate=False)
    b.key("fail-open-key", policy=key_policy(b.id, conditioned=False))
    endpoint = b.ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [n["vpc"]]},
                                                     {"Name": "service-name",
                                                      "Values": [f"com.amazonaws.{REGION}.dynamodb"]}])[
        "VpcEndpoints"][0]["VpcEndpointId"]

    def table(name: str, *, key: str | None = sessions_key, pitr: bool = True, ttl: bool = True, protect: bool = True,
              policy: bool = True) -> None:
        params: dict[str, Any] = {
            "TableName": name, "BillingMode": "PAY_PER_REQUEST", "DeletionProtectionEnabled": protect,
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "Tags": [{"Key": "data-lifecycle",
                                                                                 "Value": "expiring"}]}
        if key:
            params["SSESpecification"] = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key}
        arn = ddb.create_table(**params)["TableDescription"]["TableArn"]
        if ttl:
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
        if pitr:
            ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": True})
        if policy:
            ddb.put_resource_policy(ResourceArn=arn, Policy=table_policy(arn, endpoint))

    table("pass-sessions")
    table("fail-owned-key-table", key=None)
    table("fail-no-pitr-table", pitr=False)
    table("fail-sessions-without-ttl", ttl=False)
    table("fail-unprotected-table", protect=False)
    table("fail-policyless-table", policy=False)
    table("fail-imported-key-table", key=imported)
    secrets = b.c("secretsmanager")
    for name, options in (("pass-bank-token", {"Tags": [{"Key": "rotation", "Value": "aggregator-managed"},
                                                         {"Key": "domain", "Value": "bank-data"}]}),
                          ("fail-unwatched-bank-token", {"Tags": [{"Key": "rotation", "Value": "aggregator-managed"},
                                                                   {"Key": "domain", "Value": "bank-data"}]}),
                          ("fail-default-key-secret", {"KmsKeyId": None, "Tags": [{"Key": "rotation",
                                                                                    "Value": "issuer-managed"}]}),
                          ("fail-unrotated-secret", {"Tags": []})):
        params = {"Name": name, "KmsKeyId": b.keys["audit"], **options}
        secrets.create_secret(**{k: v for k, v in params.items() if v is not None})
    iam = b.c("iam")
    for role, policies in (("pass-role", {"read-token": ("secretsmanager:GetSecretValue",
                                                         f"arn:aws:secretsmanager:{REGION}:{b.id}:secret:pass-bank-token")}),
                           ("fail-role", {"everything-s3": ("s3:*", f"arn:aws:s3:::pass-bucket-{b.id}"),
                                          "any-secret": ("secretsmanager:GetSecretValue", "*")})):
        b.role(role)
        for name, (action, resource) in policies.items():
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=_policy(
                {"Effect": "Allow", "Action": action, "Resource": resource}))
    b.role("fail-admin-role")
    b.role("fail-deputy-role", "backup.amazonaws.com", pinned=False)
    iam.attach_role_policy(RoleName="fail-admin-role", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    # pass-role is the walled-off reader of pass-bank-token, whose policy keeps every other principal out
    iam.tag_role(RoleName="pass-role", Tags=[{"Key": "domain", "Value": "bank-data"}])
    secrets.put_resource_policy(SecretId="pass-bank-token", ResourcePolicy=_policy(
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{b.id}:role/pass-role"}}}))


def build_backups(b: Builder) -> None:
    key = b.key("backups", policy=key_policy(b.id, ("backup",)))
    copy_key = b.key("backups-copy", policy=key_policy(b.id, ("backup",)), region=COPY_REGION)
    backup, copy = b.c("backup"), b.c("backup", COPY_REGION)
    copy_arn = copy.create_backup_vault(BackupVaultName="pass-copy-vault", EncryptionKeyArn=copy_key)["BackupVaultArn"]
    copy.put_backup_vault_lock_configuration(BackupVaultName="pass-copy-vault", MinRetentionDays=7,
                                             MaxRetentionDays=365, ChangeableForDays=3)
    for name, options in (("pass-vault", {"EncryptionKeyArn": key}), ("fail-unencrypted-vault", {}),
                          ("fail-governance-vault", {"EncryptionKeyArn": key})):
        backup.create_backup_vault(BackupVaultName=name, **options)
        lock: dict[str, Any] = {"MinRetentionDays": 7, "MaxRetentionDays": 365}
        if name != "fail-governance-vault":
            lock["ChangeableForDays"] = 3
        backup.put_backup_vault_lock_configuration(BackupVaultName=name, **lock)

    def plan(name: str, days: int = 35, copy_to: str | None = copy_arn) -> None:
        rule: dict[str, Any] = {"RuleName": "daily", "TargetBackupVaultName": "pass-vault",
                                "ScheduleExpression": "cron(0 3 * * ? *)", "Lifecycle": {"DeleteAfterDays": days}}
        if copy_to:
            rule["CopyActions"] = [{"DestinationBackupVaultArn": copy_to, "Lifecycle": {"DeleteAfterDays": days}}]
        backup.create_backup_plan(BackupPlan={"BackupPlanName": name, "Rules": [rule]})

    plan("pass-plan")
    plan("fail-short-plan", days=3)
    plan("fail-uncopied-plan", copy_to=None)


@pytest.fixture(scope="module")
def mixed(moto_account):
    remove_default_vpcs(moto_account.session(), [REGION, COPY_REGION])
    b = Builder(moto_account)
    network = build_network(b)
    build_databases(b, network)
    build_edge(b, network)
    build_storage_and_monitoring(b, network)
    build_data_stores(b, network)
    build_backups(b)
    return moto_account.audit([REGION, COPY_REGION])


@pytest.fixture(scope="module")
def empty(moto_account, mixed):
    """A second account with no account-wide service, a detector without RDS Protection and a stopped recorder."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("MOTO_ACCOUNT_ID", EMPTY_ACCOUNT)
        remove_default_vpcs(moto_account.session(), [REGION])
        moto_account.client("guardduty").create_detector(Enable=True, Tags={"Name": "fail-detector"})
        bucket = f"config-{EMPTY_ACCOUNT}"
        moto_account.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        b = Builder(moto_account)
        b.id = EMPTY_ACCOUNT
        _recorder(b, "fail-stopped-recorder", bucket, start=False)
        return moto_account.audit([REGION])


# --- the cases -----------------------------------------------------------------------------------


@pytest.mark.parametrize("control_id", sorted(PASS))
def test_compliant_resource_passes(mixed, control_id):
    assert verdict_of(mixed, control_id, PASS[control_id]) is Verdict.PASS


def _named_with_controls(expected: dict[str, set[str]]):
    """Test ids carry the controls a resource must fail, so ``-k <control id>`` (and
    tools/break_each_rule.py) selects the failing state of a control as well as its passing one."""
    return lambda name: f"{name}->{'+'.join(sorted(expected[name]))}"


@pytest.mark.parametrize("name", sorted(FAIL), ids=_named_with_controls(FAIL))
def test_non_compliant_resource_fails_exactly_its_control(mixed, name):
    assert failing_controls(mixed, name) == FAIL[name]


@pytest.mark.parametrize("name", sorted(EMPTY_FAIL), ids=_named_with_controls(EMPTY_FAIL))
def test_account_without_services_fails_the_account_controls(empty, name):
    assert failing_controls(empty, name) == EMPTY_FAIL[name]


def test_nothing_else_fails(mixed, empty):
    expected_fail = set(FAIL)
    by_urn = {r.urn: r.name for r in mixed.resources}
    unexpected = {(f.control_id, by_urn.get(f.resource_urn, f.resource_urn)) for f in mixed.findings
                  if f.verdict is Verdict.FAIL and by_urn.get(f.resource_urn) not in expected_fail}
    assert unexpected == set()
    errors = {f.control_id for f in [*mixed.findings, *empty.findings] if f.verdict is Verdict.ERROR}
    assert errors == set()


def test_every_live_control_has_a_passing_and_a_failing_state():
    failing = {c for controls in [*FAIL.values(), *EMPTY_FAIL.values(), *APP_FAIL.values()] for c in controls}
    failing |= set(REACHABILITY_FAIL)
    passing = set(PASS) | set(APP_PASS) | set(REACHABILITY_PASS)
    assert LIVE_CONTROLS - passing - set(NO_PASSING_STATE_IN_MOTO) == set()
    assert LIVE_CONTROLS - failing - set(NO_PASSING_STATE_IN_MOTO) == set()


def test_controls_moto_cannot_hold_are_exactly_those_without_a_passing_resource(mixed):
    """The list is not stale: these controls have no passing resource here, and moto still answers
    UNKNOWN for them (a moto release that implements the API makes this fail: move the control to PASS)."""
    assert LIVE_CONTROLS - set(PASS) - set(APP_PASS) - set(REACHABILITY_PASS) == set(NO_PASSING_STATE_IN_MOTO)
    for control_id in NO_PASSING_STATE_IN_MOTO:
        verdicts = {f.verdict for f in mixed.findings if f.control_id == control_id}
        assert Verdict.UNKNOWN in verdicts and Verdict.PASS not in verdicts, (control_id, verdicts)


def test_controls_moto_cannot_hold_are_proven_with_stubs():
    proven = stubbed_verdicts()
    not_proven = {c: sorted(v.value for v in {Verdict.PASS, Verdict.FAIL} - proven.get(c, set()))
                  for c in NO_PASSING_STATE_IN_MOTO if not {Verdict.PASS, Verdict.FAIL} <= proven.get(c, set())}
    assert not_proven == {}


def test_unknown_only_where_moto_lacks_an_api(mixed):
    unknown = {f.control_id for f in mixed.findings if f.verdict is Verdict.UNKNOWN}
    gap_apis = {"backup:GetBackupVaultAccessPolicy", "backup:ListBackupSelections", "securityhub:GetEnabledStandards",
                *MOTO_CANNOT_READ_TAGS.values()}
    assert {e.api for e in mixed.collector_errors} <= gap_apis
    assert unknown <= set(NO_PASSING_STATE_IN_MOTO) | {"aws-iam-resourcepolicy-disallow-wildcard-grants",
                                                      "aws-iam-resourcepolicy-require-confused-deputy-conditions",
                                                      "stack-bank-data-require-walled-off-readers"}  # vault policies
