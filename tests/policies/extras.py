"""A compliant program for resource kinds the prod stack does not declare (or did not when these
tests were written): an internet-facing ALB with its listeners, WAF and access-log bucket, an
allowlist prefix list, and an Aurora cluster beside the RDS instance.

It declares them the way claims.md specifies, with the real ``SecureBucket`` component, under the
same mock engine as the stacks, so the policy tests read the exact wire form the engine sends.
References into the prod stack use the mock engine's ids (``<logical name>-id``). Fixture names
start with ``fx-`` so they never collide with the stack's own resources.
"""

from __future__ import annotations

import pulumi_aws as aws

from components.buckets import SecureBucket, SecureBucketArgs
from posture.program import StackFiles

ACCOUNT = "111122223333"
REGION = "eu-west-1"
EXTRAS_FILES = StackFiles(project="security-baseline", stack="prod",
                          config={"aws:region": REGION, "security-baseline:accountId": ACCOUNT},
                          secret_keys=[], region=REGION)
PUBLIC_SUBNETS = ["network-public-0-id", "network-public-1-id", "network-public-2-id"]
APP_SG = "network-app-sg-id"
APP_PORT = 8080
CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/fx-site"


def _managed_rule(name: str, priority: int) -> dict:
    return {"name": name, "priority": priority, "override_action": {"none": {}},
            "statement": {"managed_rule_group_statement": {"name": name, "vendor_name": "AWS"}},
            "visibility_config": {"cloudwatch_metrics_enabled": True, "metric_name": name,
                                  "sampled_requests_enabled": True}}


def extras_program() -> None:
    _edge()
    _aurora()
    _findings_exceptions()


def _findings_exceptions() -> None:
    """Silencing one named false positive is allowed; silencing a class is not."""
    aws.guardduty.Filter("fx-known-port-probe", detector_id="monitoring-guardduty-id", name="known-port-probe",
                         action="ARCHIVE", rank=1, finding_criteria=aws.guardduty.FilterFindingCriteriaArgs(
                             criterions=[aws.guardduty.FilterFindingCriteriaCriterionArgs(
                                 field="type", equals=["Recon:EC2/PortProbeUnprotectedPort"])]))


def _edge() -> None:
    logs = SecureBucket("fx-alb-logs", SecureBucketArgs(
        kms_key_arn=None, sse_s3_reason="Elastic Load Balancing writes access logs to SSE-S3 buckets only"))
    alb_sg = aws.ec2.SecurityGroup("fx-alb-sg", vpc_id="network-vpc-id", description="Public ALB",
                                   tags={"tier": "public"})
    for port in (443, 80):
        aws.vpc.SecurityGroupIngressRule(f"fx-alb-{port}-in", security_group_id=alb_sg.id, ip_protocol="tcp",
                                         from_port=port, to_port=port, cidr_ipv4="0.0.0.0/0")
        aws.vpc.SecurityGroupIngressRule(f"fx-alb-{port}-in-v6", security_group_id=alb_sg.id, ip_protocol="tcp",
                                         from_port=port, to_port=port, cidr_ipv6="::/0")
    aws.vpc.SecurityGroupEgressRule("fx-alb-to-app", security_group_id=alb_sg.id, ip_protocol="tcp",
                                    from_port=APP_PORT, to_port=APP_PORT, referenced_security_group_id=APP_SG)
    aws.vpc.SecurityGroupIngressRule("fx-app-from-alb", security_group_id=APP_SG, ip_protocol="tcp",
                                     from_port=APP_PORT, to_port=APP_PORT, referenced_security_group_id=alb_sg.id)
    lb = aws.lb.LoadBalancer(
        "fx-alb", internal=False, load_balancer_type="application", security_groups=[alb_sg.id],
        subnets=PUBLIC_SUBNETS, drop_invalid_header_fields=True, desync_mitigation_mode="strictest",
        enable_deletion_protection=True,
        access_logs={"bucket": logs.name, "enabled": True, "prefix": "alb"})
    aws.lb.Listener(
        "fx-https", load_balancer_arn=lb.arn, port=443, protocol="HTTPS",
        ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06", certificate_arn=CERTIFICATE,
        routing_http_response_strict_transport_security_header_value="max-age=31536000; includeSubDomains",
        default_actions=[{"type": "fixed-response", "fixed_response": {"content_type": "text/plain",
                                                                      "status_code": "404"}}])
    aws.lb.Listener(
        "fx-http", load_balancer_arn=lb.arn, port=80, protocol="HTTP",
        default_actions=[{"type": "redirect",
                          "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}])
    blocklist = aws.wafv2.IpSet("fx-blocklist", scope="REGIONAL", ip_address_version="IPV4",
                                addresses=["198.51.100.0/24"])
    acl = aws.wafv2.WebAcl(
        "fx-web-acl", scope="REGIONAL", default_action={"allow": {}},
        visibility_config={"cloudwatch_metrics_enabled": True, "metric_name": "fx-web-acl",
                           "sampled_requests_enabled": True},
        rules=[
            {"name": "ip-blocklist", "priority": 0, "action": {"block": {}},
             "statement": {"ip_set_reference_statement": {"arn": blocklist.arn}},
             "visibility_config": {"cloudwatch_metrics_enabled": True, "metric_name": "blocklist",
                                   "sampled_requests_enabled": True}},
            {"name": "rate-limit", "priority": 1, "action": {"block": {}},
             "statement": {"rate_based_statement": {"aggregate_key_type": "IP", "limit": 2000}},
             "visibility_config": {"cloudwatch_metrics_enabled": True, "metric_name": "rate-limit",
                                   "sampled_requests_enabled": True}},
            _managed_rule("AWSManagedRulesCommonRuleSet", 10),
            _managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 11),
            _managed_rule("AWSManagedRulesSQLiRuleSet", 12),
            _managed_rule("AWSManagedRulesAmazonIpReputationList", 13),
        ])
    aws.wafv2.WebAclAssociation("fx-web-acl-alb", resource_arn=lb.arn, web_acl_arn=acl.arn)
    aws.lb.TargetGroup("fx-app", vpc_id="network-vpc-id", port=APP_PORT, protocol="HTTPS", target_type="ip")
    aws.ec2.ManagedPrefixList("fx-admin-allowlist", name="admin-allowlist", address_family="IPv4", max_entries=5,
                              entries=[{"cidr": "203.0.113.0/24", "description": "office"}])


DATABASE_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/database-key"
LEDGER_ARN = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster/fx-ledger"


def _aurora() -> None:
    """An Aurora PostgreSQL cluster beside the prod instance, sharing its subnets, security group and key."""
    params = aws.rds.ClusterParameterGroup("fx-ledger-params", family="aurora-postgresql16", parameters=[
        {"name": "rds.force_ssl", "value": "1"}, {"name": "log_connections", "value": "1"},
        {"name": "log_disconnections", "value": "1"},
        {"name": "shared_preload_libraries", "value": "pgaudit", "apply_method": "pending-reboot"},
        {"name": "pgaudit.log", "value": "read,write,ddl,role"}])
    cluster = aws.rds.Cluster(
        "fx-ledger", cluster_identifier="ledger", engine="aurora-postgresql", engine_version="16.4",
        db_subnet_group_name="database-subnets", vpc_security_group_ids=["database-sg-id"],
        db_cluster_parameter_group_name=params.name, storage_encrypted=True, kms_key_id=DATABASE_KEY,
        iam_database_authentication_enabled=True, deletion_protection=True, backup_retention_period=14,
        skip_final_snapshot=False, final_snapshot_identifier="ledger-final", master_username="ledger_admin",
        manage_master_user_password=True, master_user_secret_kms_key_id=DATABASE_KEY,
        enabled_cloudwatch_logs_exports=["postgresql"])
    aws.backup.Selection("fx-ledger-selection", name="fx-ledger", plan_id="backups-plan-id",
                         iam_role_arn=f"arn:aws:iam::{ACCOUNT}:role/backups-role", resources=[LEDGER_ARN])
    aws.rds.ClusterInstance("fx-ledger-1", cluster_identifier=cluster.id, identifier="ledger-1",
                            instance_class="db.r6g.large", engine="aurora-postgresql", publicly_accessible=False,
                            ca_cert_identifier="rds-ca-rsa2048-g1", auto_minor_version_upgrade=True)
