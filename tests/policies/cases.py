"""Every control's cases: the compliant baseline and single changes to it, named by outcome.

``pass_*``: after the change nothing fails anywhere and the control passes at least once.
``fail_*``: exactly the listed controls fail (one misconfiguration, one violation; a few changes
are genuinely two misconfigurations and say so). ``unknown_*``: the control answers UNKNOWN and
nothing fails.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass, field

from posture.resources import REDACTED, UNKNOWN
from tests.policies.helpers import (
    DELETE,
    Change,
    add,
    append,
    chain,
    change,
    drop,
    edit_policy,
    find,
    identity,
    paths,
)

ACCOUNT = "111122223333"
_PGAUDIT = ({"name": "shared_preload_libraries", "value": "pgaudit"}, {"name": "pgaudit.log", "value": "read,write,ddl,role"})
ANY_V4, ANY_V6 = "0.0.0.0/0", "::/0"


@dataclass(frozen=True)
class Case:
    control: str
    name: str
    change: Change
    also: frozenset[str] = field(default_factory=frozenset)
    """Other controls the change legitimately breaks too (a fail case that is two misconfigurations)."""

    @property
    def kind(self) -> str:
        return self.name.split("_", 1)[0]

    @property
    def id(self) -> str:
        return f"{self.control}:{self.name}"


CASES: list[Case] = []


def cases(control: str, *entries: tuple, baseline_passes: bool = True) -> None:
    """Register ``(name, change[, also])`` entries for one control, after the baseline pass."""
    if baseline_passes:
        CASES.append(Case(control, "pass_baseline", identity))
    for entry in entries:
        name, fn, *rest = entry
        CASES.append(Case(control, name, fn, frozenset(rest[0]) if rest else frozenset()))


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _ingress_rule(name: str, group: str, **props) -> Change:
    return add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name,
               {"securityGroupId": group, **props})


def cases_without_baseline(control: str, *entries: tuple) -> None:
    """Cases for a control whose resources the baseline does not declare (tests/policies/app_cases.py)."""
    cases(control, *entries, baseline_passes=False)


def _edit_props(name: str, edit) -> Change:
    """Change one resource's props through a function of (a deep copy of) the current props."""
    def apply(resources):
        target = find(resources, name)
        new = copy.deepcopy(target.props)
        edit(new)
        replaced = dataclasses.replace(target, props=new)
        return [replaced if r is target else r for r in resources]

    return apply


def _admin_actions(update) -> Change:
    """Edit the account-root administration statement of a DomainKey policy."""
    return edit_policy("database-key", lambda d: d["Statement"][0].update(Action=update(d["Statement"][0]["Action"])))


def _blocklist_statement(wrap) -> Change:
    """Wrap the web ACL's blocklist statement: the blocklist must still block."""
    return _edit_props("fx-web-acl", lambda p: p["rules"][0].update(statement=wrap(p["rules"][0]["statement"])))


def _rotation(rules: dict) -> Change:
    """The bank token rotated on a schedule instead of exempted: the schedule is read, not just present."""
    return chain(change("data-bank-token", tags={}), add(
        "aws:secretsmanager/secretRotation:SecretRotation", "fx-token-rotation", {
            "secretId": "data-bank-token-id", "rotationLambdaArn": "arn:aws:lambda:eu-west-1:1:function:r",
            "rotationRules": rules}))


_RECOVERY_POINTS = f"arn:aws:backup:eu-west-1:{ACCOUNT}:recovery-point:*"
_GLOBAL = "ledger-global"
"""A global database: its writer keeps its own backups and managed password."""
_COMMON_RULES = sorted({"NoUserAgent_HEADER", "UserAgent_BadBots_HEADER", "SizeRestrictions_QUERYSTRING",
                        "SizeRestrictions_Cookie_HEADER", "SizeRestrictions_BODY", "SizeRestrictions_URIPATH",
                        "EC2MetaDataSSRF_BODY", "EC2MetaDataSSRF_COOKIE", "EC2MetaDataSSRF_URIPATH",
                        "EC2MetaDataSSRF_QUERYARGUMENTS", "GenericLFI_QUERYARGUMENTS", "GenericLFI_URIPATH",
                        "GenericLFI_BODY", "RestrictedExtensions_URIPATH", "RestrictedExtensions_QUERYARGUMENTS",
                        "GenericRFI_QUERYARGUMENTS", "GenericRFI_BODY", "GenericRFI_URIPATH",
                        "CrossSiteScripting_COOKIE", "CrossSiteScripting_QUERYARGUMENTS", "CrossSiteScripting_BODY",
                        "CrossSiteScripting_URIPATH"})
"""The common rule set's rules; counting every one of them leaves the group enforcing nothing."""


# --- database -----------------------------------------------------------------------------------

cases("aws-rds-instance-disallow-public-access",
      ("fail_instance_public", change("database-instance", publiclyAccessible=True)),
      ("fail_aurora_instance_public", change("fx-ledger-1", publiclyAccessible=True)),
      ("pass_flag_omitted", change("database-instance", publiclyAccessible=DELETE)),
      ("unknown_public", change("database-instance", publiclyAccessible=UNKNOWN)))
cases("aws-rds-cluster-disallow-public-access",
      ("fail_cluster_public", change("fx-ledger", publiclyAccessible=True)),
      ("pass_multi_az_cluster_in_subnet_group", change("fx-ledger", engine="postgres")),
      ("fail_multi_az_cluster_without_subnet_group", change("fx-ledger", engine="postgres",
                                                              dbSubnetGroupName=DELETE),
       {"stack-data-tier-nacl-require-app-tier-sources"}),
      baseline_passes=False)  # the baseline cluster is Aurora: public access is each instance's flag


def _snapshot(type_: str = "aws:rds/snapshot:Snapshot", **props):
    return add(type_, "fx-snapshot", {"dbInstanceIdentifier": "security-baseline-db",
                                      "dbSnapshotIdentifier": "before-migration", **props})


cases("aws-rds-snapshot-disallow-sharing",
      ("pass_private_snapshot", _snapshot()),
      ("pass_empty_share_list", _snapshot(sharedAccounts=[])),
      ("fail_public_snapshot", _snapshot(sharedAccounts=["all"])),
      ("fail_shared_with_another_account", _snapshot(sharedAccounts=["444455556666"])),
      ("fail_public_cluster_snapshot_copy", _snapshot("aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy",
                                                      sharedAccounts=["444455556666", "all"])),
      ("unknown_share_list", _snapshot(sharedAccounts=UNKNOWN)),
      baseline_passes=False)  # the baseline takes no manual snapshot: AWS Backup keeps its recovery points
cases("aws-rds-instance-require-cmk-encryption",
      ("fail_unencrypted", change("database-instance", storageEncrypted=False)),
      ("fail_aws_managed_key", change("database-instance", kmsKeyId="alias/aws/rds")),
      ("fail_no_key", change("database-instance", kmsKeyId=DELETE)),
      ("fail_performance_insights_under_aws_key", change("database-instance", performanceInsightsKmsKeyId=DELETE)))
cases("aws-rds-cluster-require-cmk-encryption",
      ("fail_unencrypted", change("fx-ledger", storageEncrypted=DELETE)),
      ("fail_aws_managed_key", change("fx-ledger", kmsKeyId="arn:aws:kms:eu-west-1:111122223333:alias/aws/rds")))
cases("aws-rds-instance-enable-iam-authentication",
      ("fail_disabled", change("database-instance", iamDatabaseAuthenticationEnabled=False)))
cases("aws-rds-cluster-enable-iam-authentication",
      ("fail_omitted", change("fx-ledger", iamDatabaseAuthenticationEnabled=DELETE)))
cases("aws-rds-instance-enable-deletion-protection",
      ("fail_disabled", change("database-instance", deletionProtection=False)))
cases("aws-rds-cluster-enable-deletion-protection",
      ("fail_disabled", change("fx-ledger", deletionProtection=False)))
cases("aws-rds-instance-require-backup-retention",
      ("fail_one_day", change("database-instance", backupRetentionPeriod=1.0)),
      ("fail_omitted", change("database-instance", backupRetentionPeriod=DELETE)),
      ("pass_seven_days_as_string", change("database-instance", backupRetentionPeriod="7")),
      ("unknown_retention", change("database-instance", backupRetentionPeriod=UNKNOWN)))
cases("aws-rds-cluster-require-backup-retention",
      ("fail_six_days", change("fx-ledger", backupRetentionPeriod=6.0)),
      ("fail_global_writer_without_retention", change("fx-ledger", globalClusterIdentifier=_GLOBAL,
                                                      backupRetentionPeriod=DELETE)))
cases("aws-rds-instance-require-final-snapshot",
      ("fail_skip", change("database-instance", skipFinalSnapshot=True)),
      ("fail_no_identifier", change("database-instance", finalSnapshotIdentifier=DELETE)),
      ("fail_automated_backups_deleted", change("database-instance", deleteAutomatedBackups=DELETE)))
cases("aws-rds-cluster-require-final-snapshot",
      ("fail_skip", change("fx-ledger", skipFinalSnapshot=True)))
cases("aws-rds-instance-require-managed-master-password",
      ("fail_plaintext_password", change("database-instance", password="correct-horse-battery")),
      ("fail_secret_password", change("database-instance", password=REDACTED)),
      ("fail_write_only_password", change("database-instance", passwordWo="correct-horse-battery")),
      ("fail_not_managed", change("database-instance", manageMasterUserPassword=DELETE)),
      ("fail_secret_under_aws_key", change("database-instance", masterUserSecretKmsKeyId=DELETE)))
cases("aws-rds-cluster-require-managed-master-password",
      ("fail_master_password", change("fx-ledger", masterPassword="correct-horse-battery")),
      ("fail_master_password_wo", change("fx-ledger", masterPasswordWo=REDACTED)),
      ("fail_global_writer_unmanaged", change("fx-ledger", globalClusterIdentifier=_GLOBAL,
                                              manageMasterUserPassword=DELETE)))
cases("aws-rds-instance-enable-auto-minor-version-upgrade",
      ("fail_disabled", change("database-instance", autoMinorVersionUpgrade=False)),
      ("fail_aurora_instance_disabled", change("fx-ledger-1", autoMinorVersionUpgrade=False)),
      ("pass_default", change("database-instance", autoMinorVersionUpgrade=DELETE)))
cases("aws-rds-cluster-enable-auto-minor-version-upgrade",
      ("fail_disabled", change("fx-ledger", autoMinorVersionUpgrade=False)),
      ("pass_enabled", change("fx-ledger", autoMinorVersionUpgrade=True)))
cases("aws-rds-instance-require-current-ca-certificate",
      ("fail_expired_ca", change("database-instance", caCertIdentifier="rds-ca-2019")),
      ("fail_account_default", change("fx-ledger-1", caCertIdentifier=DELETE)))
cases("stack-database-require-forced-tls",
      ("fail_force_ssl_off", paths("database-params", {"parameters[0].value": "0"})),
      ("fail_default_parameter_group", change("database-instance", parameterGroupName=DELETE)),
      ("fail_group_outside_stack", change("database-instance", parameterGroupName="default.postgres16")),
      ("fail_cluster_group_without_force_ssl", change("fx-ledger-params", parameters=[
          {"name": "log_connections", "value": "1"}, {"name": "log_disconnections", "value": "1"}, *_PGAUDIT])),
      ("pass_mysql_require_secure_transport", chain(
          change("database-instance", engine="mysql"),
          change("database-params", parameters=[{"name": "require_secure_transport", "value": "ON"}]))),
      ("unknown_parameter_group", change("database-instance", parameterGroupName=UNKNOWN)))
cases("stack-database-require-connection-logging",
      ("fail_log_connections_off", paths("database-params", {"parameters[2].value": "0"})),
      ("fail_log_disconnections_missing", paths("database-params", {"parameters[3]": DELETE})),
      ("fail_cluster_group_without_logging", change("fx-ledger-params", parameters=[
          {"name": "rds.force_ssl", "value": "1"}, *_PGAUDIT])),
      ("fail_log_not_exported", change("database-instance", enabledCloudwatchLogsExports=["upgrade"])),
      ("fail_cluster_log_not_exported", change("fx-ledger", enabledCloudwatchLogsExports=DELETE)),
      ("pass_on_spelled_out", paths("database-params", {"parameters[2].value": "on", "parameters[3].value": "ON"})),
      ("pass_mysql_instance_not_applicable", chain(
          change("database-instance", engine="mysql"),
          change("database-params", parameters=[{"name": "require_secure_transport", "value": "ON"}]))),
      ("unknown_parameters", change("database-params", parameters=UNKNOWN)))

# --- network ------------------------------------------------------------------------------------

cases("aws-ec2-securitygroup-disallow-remote-admin-ingress",
      ("fail_ssh_inline_from_vpc", change("network-app-sg", ingress=[
          {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["10.10.0.0/16"]}])),
      ("fail_rdp_from_anywhere_vpc_rule", _ingress_rule("fx-rdp", "network-endpoints-sg-id", ipProtocol="tcp",
                                                        fromPort=3389.0, toPort=3389.0, cidrIpv4=ANY_V4)),
      ("fail_ssh_range_sg_rule", add("aws:ec2/securityGroupRule:SecurityGroupRule", "fx-ssh-range", {
          "type": "ingress", "securityGroupId": "network-endpoints-sg-id", "protocol": "6", "fromPort": 20.0,
          "toPort": 25.0, "ipv6CidrBlocks": [ANY_V6]})),
      ("fail_ssh_from_bastion_group", _ingress_rule("fx-ssh-bastion", "network-endpoints-sg-id", ipProtocol="tcp",
                                                    fromPort=22.0, toPort=22.0,
                                                    referencedSecurityGroupId="network-app-sg-id")),
      ("pass_egress_rule_on_22", add("aws:ec2/securityGroupRule:SecurityGroupRule", "fx-ssh-out", {
          "type": "egress", "securityGroupId": "network-app-sg-id", "protocol": "tcp", "fromPort": 22.0,
          "toPort": 22.0, "cidrBlocks": ["10.10.0.0/16"]})),
      ("unknown_port", _ingress_rule("fx-unknown-port", "network-endpoints-sg-id", ipProtocol="tcp",
                                     fromPort=UNKNOWN, toPort=UNKNOWN, cidrIpv4="10.10.0.0/16")))
cases("aws-ec2-securitygroup-disallow-all-ports-ingress",
      ("fail_all_protocols_vpc_rule", _ingress_rule("fx-all", "network-endpoints-sg-id", ipProtocol="-1",
                                                    cidrIpv4="10.10.0.0/16")),
      ("fail_full_tcp_range_inline_self", change("network-app-sg", ingress=[
          {"protocol": "tcp", "fromPort": 0.0, "toPort": 65535.0, "self": True}])),
      ("fail_all_from_anywhere_sg_rule", add("aws:ec2/securityGroupRule:SecurityGroupRule", "fx-all-any", {
          "type": "ingress", "securityGroupId": "fx-alb-sg-id", "protocol": "all", "fromPort": 0.0, "toPort": 0.0,
          "cidrBlocks": [ANY_V4]})))
cases("stack-security-group-disallow-internet-ingress",
      ("fail_https_to_app_tier", _ingress_rule("fx-app-https", "network-app-sg-id", ipProtocol="tcp",
                                               fromPort=443.0, toPort=443.0, cidrIpv4=ANY_V4)),
      ("fail_other_port_on_alb", change("fx-alb-443-in", fromPort=8443.0, toPort=8443.0)),
      ("fail_internal_load_balancer", change("fx-alb", internal=True)),
      ("fail_inline_https_on_database_group", change("database-sg", ingress=[
          {"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "ipv6CidrBlocks": [ANY_V6]}]),
       {"stack-database-reachable-only-from-app-tier"}),
      ("pass_https_on_alb_sg_rule_form", add("aws:ec2/securityGroupRule:SecurityGroupRule", "fx-alb-sgr", {
          "type": "ingress", "securityGroupId": "fx-alb-sg-id", "protocol": "tcp", "fromPort": 443.0,
          "toPort": 443.0, "cidrBlocks": [ANY_V4]})),
      ("unknown_load_balancer_groups", change("fx-alb", securityGroups=UNKNOWN)),
      # E. the internet is not only 0.0.0.0/0,
      ("fail_https_to_app_from_half_the_internet", chain(
          _ingress_rule("fx-app-https-low", "network-app-sg-id", ipProtocol="tcp", fromPort=443.0, toPort=443.0,
                        cidrIpv4="0.0.0.0/1"),
          _ingress_rule("fx-app-https-high", "network-app-sg-id", ipProtocol="tcp", fromPort=443.0, toPort=443.0,
                        cidrIpv4="128.0.0.0/1"))),
      ("fail_ipv6_global_unicast", _ingress_rule("fx-app-https-v6", "network-app-sg-id", ipProtocol="tcp",
                                                 fromPort=443.0, toPort=443.0, cidrIpv6="2000::/3")),
      ("pass_aggregator_sized_source", _ingress_rule("fx-app-partner", "network-app-sg-id", ipProtocol="tcp",
                                                     fromPort=8443.0, toPort=8443.0, cidrIpv4="198.51.100.16/28")),
      ("pass_private_slash_8", _ingress_rule("fx-app-corp", "network-app-sg-id", ipProtocol="tcp",
                                             fromPort=8443.0, toPort=8443.0, cidrIpv4="10.0.0.0/8")))
cases("aws-ec2-defaultsecuritygroup-disallow-rules",
      ("fail_self_ingress", change("network-default-sg", ingress=[
          {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "self": True}])),
      ("fail_egress", change("network-default-sg", egress=[
          {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": [ANY_V4]}])),
      ("pass_rules_omitted", change("network-default-sg", ingress=DELETE, egress=DELETE)))
cases("stack-vpc-require-locked-default-security-group",
      ("fail_default_group_not_adopted", drop("network-default-sg")),
      ("fail_adopted_for_another_vpc", change("network-default-sg", vpcId="vpc-0other")))
cases("aws-ec2-subnet-disallow-public-ip-on-launch",
      ("fail_public_ipv4", change("network-public-0", mapPublicIpOnLaunch=True)),
      ("fail_ipv6_on_creation", change("network-data-1", assignIpv6AddressOnCreation=True)),
      ("unknown_map_public_ip", change("network-app-0", mapPublicIpOnLaunch=UNKNOWN)))
cases("aws-ec2-flowlog-require-all-traffic",
      ("fail_rejected_only", change("network-flow-log", trafficType="REJECT")))
cases("stack-vpc-require-flow-logs",
      ("fail_no_flow_log", drop("network-flow-log")),
      ("fail_flow_log_for_subnet_only", change("network-flow-log", vpcId=DELETE, subnetId="network-data-0-id")))
cases("stack-vpc-require-service-endpoints",
      ("fail_no_kms_endpoint", drop("network-kms-endpoint")),
      ("fail_no_s3_endpoint", drop("network-s3-endpoint")),
      ("fail_no_ssm_endpoint", drop("network-ssm-endpoint")),
      ("fail_private_dns_off", change("network-kms-endpoint", privateDnsEnabled=False)))
cases("stack-data-tier-disallow-internet-routes",
      ("fail_nat_route_inline", change("network-data-rt", routes=[
          {"cidrBlock": ANY_V4, "natGatewayId": "network-nat-0-id"}])),
      ("fail_igw_route_standalone", add("aws:ec2/route:Route", "fx-data-igw", {
          "routeTableId": "network-data-rt-id", "destinationCidrBlock": "203.0.113.0/24",
          "gatewayId": "network-igw-id"})),
      ("fail_data_subnet_on_public_table", change("network-data-rta-0", routeTableId="network-public-rt-id")),
      ("fail_untagged_subnet_in_db_subnet_group", chain(
          paths("network-data-2", {"tags.tier": DELETE}),
          change("network-data-rta-2", routeTableId="network-app-rt-2-id"))),
      ("pass_private_peering_route", add("aws:ec2/route:Route", "fx-data-peer", {
          "routeTableId": "network-data-rt-id", "destinationCidrBlock": "10.99.0.0/16",
          "vpcPeeringConnectionId": "pcx-0123"})),
      ("unknown_routes", change("network-data-rt", routes=UNKNOWN)),
      ("fail_half_the_internet_over_peering", add("aws:ec2/route:Route", "fx-data-half", {
          "routeTableId": "network-data-rt-id", "destinationCidrBlock": "0.0.0.0/1",
          "vpcPeeringConnectionId": "pcx-0123"})))
cases("stack-database-reachable-only-from-app-tier",
      ("fail_cidr_source", change("database-from-app", referencedSecurityGroupId=DELETE, cidrIpv4="10.10.0.0/16")),
      ("fail_other_tier_source", change("database-from-app", referencedSecurityGroupId="network-endpoints-sg-id")),
      ("fail_wider_port_range", change("database-from-app", fromPort=5000.0, toPort=6000.0)),
      ("fail_inline_rule_from_alb", change("database-sg", ingress=[
          {"protocol": "tcp", "fromPort": 5432.0, "toPort": 5432.0, "securityGroups": ["fx-alb-sg-id"]}])),
      ("fail_sg_rule_from_prefix_list", add("aws:ec2/securityGroupRule:SecurityGroupRule", "fx-db-pl", {
          "type": "ingress", "securityGroupId": "database-sg-id", "protocol": "tcp", "fromPort": 5432.0,
          "toPort": 5432.0, "prefixListIds": ["pl-0123"]})),
      ("fail_default_security_group", change("database-instance", vpcSecurityGroupIds=DELETE)),
      ("fail_group_outside_stack", change("fx-ledger", vpcSecurityGroupIds=["sg-0elsewhere"])),
      ("unknown_source_group", change("database-from-app", referencedSecurityGroupId=UNKNOWN)))
cases("stack-data-tier-nacl-require-app-tier-sources",
      ("fail_whole_vpc", change("network-data-nacl", ingress=[
          {"protocol": "tcp", "fromPort": 5432.0, "toPort": 5432.0, "cidrBlock": "10.10.0.0/16", "ruleNo": 100.0,
           "action": "allow"}])),
      ("fail_other_port", change("network-data-nacl", ingress=[
          {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlock": "10.10.64.0/20", "ruleNo": 100.0,
           "action": "allow"}])),
      ("fail_all_protocols", change("network-data-nacl", ingress=[
          {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlock": "10.10.64.0/20", "ruleNo": 100.0,
           "action": "allow"}])),
      ("fail_standalone_rule_from_anywhere", add("aws:ec2/networkAclRule:NetworkAclRule", "fx-data-any", {
          "networkAclId": "network-data-nacl-id", "ruleNumber": 90.0, "egress": False, "protocol": "tcp",
          "ruleAction": "allow", "cidrBlock": ANY_V4, "fromPort": 5432.0, "toPort": 5432.0})),
      ("pass_extra_deny_entry", paths("network-data-nacl", {"ingress[4]": {
          "protocol": "-1", "ruleNo": 1.0, "action": "deny", "cidrBlock": "198.51.100.0/24", "fromPort": 0.0,
          "toPort": 0.0}})))
cases("stack-subnet-require-network-acl",
      # The prod VPC's default ACL is adopted with no rules, so a subnet that falls back on it is cut off
      # (an outage, not an exposure); on AWS's own allow-all default it is open.
      ("pass_public_subnets_on_the_adopted_deny_all_default", drop("network-public-nacl")),
      ("fail_public_subnets_on_aws_default_acl", chain(drop("network-public-nacl"), drop("network-default-nacl")),
       {"stack-vpc-require-locked-default-network-acl"}),
      ("fail_app_subnet_left_out_on_aws_default_acl", chain(
          paths("network-app-nacl", {"subnetIds[2]": DELETE}), drop("network-default-nacl")),
       {"stack-vpc-require-locked-default-network-acl"}),
      ("pass_data_subnets_detached_onto_the_deny_all_default", change("network-data-nacl", subnetIds=[])),
      ("pass_association_resource", chain(
          paths("network-app-nacl", {"subnetIds[2]": DELETE}),
          add("aws:ec2/networkAclAssociation:NetworkAclAssociation", "fx-app-2-acl", {
              "networkAclId": "network-app-nacl-id", "subnetId": "network-app-2-id"}))))
cases("aws-ec2-managedprefixlist-disallow-anywhere",
      ("fail_inline_anywhere", paths("fx-admin-allowlist", {"entries[0].cidr": ANY_V4})),
      ("fail_standalone_entry", add("aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry", "fx-allow-all-v6", {
          "prefixListId": "fx-admin-allowlist-id", "cidr": ANY_V6})),
      ("fail_inline_half_the_internet", paths("fx-admin-allowlist", {"entries[0].cidr": "128.0.0.0/1"})),
      ("fail_standalone_public_slash_4", add("aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry", "fx-wide", {
          "prefixListId": "fx-admin-allowlist-id", "cidr": "64.0.0.0/4"})),
      ("pass_private_range", paths("fx-admin-allowlist", {"entries[0].cidr": "10.0.0.0/8"})))
cases("aws-ec2-networkacl-disallow-all-traffic-from-internet",
      ("fail_inline_allow_all", append("network-app-nacl", "ingress", {
          "protocol": "-1", "ruleNo": 90.0, "action": "allow", "cidrBlock": ANY_V4, "fromPort": 0.0, "toPort": 0.0})),
      ("fail_standalone_rule_ipv6", add("aws:ec2/networkAclRule:NetworkAclRule", "fx-public-all-v6", {
          "networkAclId": "network-public-nacl-id", "ruleNumber": 95.0, "egress": False, "protocol": "all",
          "ruleAction": "allow", "ipv6CidrBlock": ANY_V6})),
      ("pass_deny_all_from_internet", append("network-app-nacl", "ingress", {
          "protocol": "-1", "ruleNo": 5.0, "action": "deny", "cidrBlock": "203.0.113.0/24", "fromPort": 0.0,
          "toPort": 0.0})),
      ("pass_egress_rule", add("aws:ec2/networkAclRule:NetworkAclRule", "fx-public-out", {
          "networkAclId": "network-public-nacl-id", "ruleNumber": 95.0, "egress": True, "protocol": "-1",
          "ruleAction": "allow", "cidrBlock": "10.10.0.0/16"})),
      ("fail_inline_allow_all_from_half_the_internet", append("network-app-nacl", "ingress", {
          "protocol": "-1", "ruleNo": 91.0, "action": "allow", "cidrBlock": "0.0.0.0/1", "fromPort": 0.0,
          "toPort": 0.0})))
cases("aws-cloudwatch-loggroup-require-cmk-encryption",
      ("fail_no_key", change("network-flow-logs", kmsKeyId=DELETE)))
cases("aws-cloudwatch-loggroup-require-retention",
      ("fail_thirty_days", change("network-flow-logs", retentionInDays=30.0)),
      ("pass_kept_forever", change("network-flow-logs", retentionInDays=DELETE)))

# --- edge ---------------------------------------------------------------------------------------

cases("aws-lb-listener-require-tls",
      ("fail_default_policy", change("fx-https", sslPolicy=DELETE)),
      ("fail_tls13_policy_allowing_tls10", change("fx-https", sslPolicy="ELBSecurityPolicy-TLS13-1-0-2021-06")),
      ("fail_http_forward", paths("fx-http", {"defaultActions[0]": {"type": "forward", "targetGroupArn": "tg"}}),
       {"stack-entry-point-require-tls-and-waf"}),
      ("fail_alb_token_plain_tcp", paths("fx-http", {"protocol": "TCP"}, type="aws:alb/listener:Listener")),
      ("pass_alb_token", paths("fx-https", {}, type="aws:alb/listener:Listener")),
      ("pass_tls13_only", change("fx-https", sslPolicy="ELBSecurityPolicy-TLS13-1-3-2021-06")),
      ("unknown_policy", change("fx-https", sslPolicy=UNKNOWN)),
      # F. one TLS allow-list: the component's,
      ("fail_legacy_cipher_ext1_policy", change("fx-https", sslPolicy="ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06")),
      ("fail_legacy_cipher_ext0_fips_policy", change("fx-https",
                                                     sslPolicy="ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04")))
cases("aws-lb-targetgroup-require-tls",
      ("fail_plain_http", change("fx-app", protocol="HTTP")),
      ("fail_alb_token_default_protocol", paths("fx-app", {"protocol": DELETE}, type="aws:alb/targetGroup:TargetGroup")),
      ("pass_lambda_target_not_applicable", add("aws:lb/targetGroup:TargetGroup", "fx-fn", {"targetType": "lambda"})))
cases("aws-lb-listener-require-hsts-header",
      ("fail_no_header", change("fx-https", routingHttpResponseStrictTransportSecurityHeaderValue=DELETE)),
      ("fail_short_max_age", change("fx-https", routingHttpResponseStrictTransportSecurityHeaderValue="max-age=300")))
cases("aws-lb-loadbalancer-enable-drop-invalid-headers",
      ("fail_disabled", change("fx-alb", dropInvalidHeaderFields=False)),
      ("fail_alb_token_omitted", paths("fx-alb", {"dropInvalidHeaderFields": DELETE},
                                       type="aws:alb/loadBalancer:LoadBalancer")))
cases("aws-lb-loadbalancer-configure-strictest-desync-mitigation",
      ("fail_defensive", change("fx-alb", desyncMitigationMode="defensive")),
      ("fail_default", change("fx-alb", desyncMitigationMode=DELETE)))
cases("aws-lb-loadbalancer-enable-deletion-protection",
      ("fail_disabled", change("fx-alb", enableDeletionProtection=False)))
cases("aws-lb-loadbalancer-enable-access-logs",
      ("fail_disabled", paths("fx-alb", {"accessLogs.enabled": False})),
      ("fail_removed", change("fx-alb", accessLogs=DELETE), {"stack-s3-bucket-require-cmk-encryption"}))
cases("stack-load-balancer-require-waf",
      ("fail_no_association", drop("fx-web-acl-alb")),
      ("fail_web_acl_outside_stack", change("fx-web-acl-alb",
                                            webAclArn=f"arn:aws:wafv2:eu-west-1:{ACCOUNT}:regional/webacl/other/1")),
      ("fail_waf_fails_open", change("fx-alb", enableWafFailOpen=True)),
      ("fail_association_to_other_resource", change("fx-web-acl-alb", resourceArn="arn:aws:apigateway:stage")),
      ("unknown_association_target", change("fx-web-acl-alb", resourceArn=UNKNOWN)))
cases("stack-load-balancer-require-public-tier-subnets",
      ("fail_intranet_internet_facing", change("intranet-alb", internal=False)),
      ("fail_internal_flag_omitted", change("intranet-alb", internal=DELETE)),
      ("fail_public_alb_in_data_subnet", paths("fx-alb", {"subnets[2]": "network-data-2-id"})),
      ("fail_subnet_mapping_outside_stack", change("web-alb", subnets=DELETE,
                                                   subnetMappings=[{"subnetId": "subnet-0elsewhere"}])),
      ("pass_subnet_mappings", change("web-alb", subnets=DELETE, subnetMappings=[
          {"subnetId": "network-public-0-id", "allocationId": "eipalloc-0a"}, {"subnetId": "network-public-1-id"}])),
      ("pass_network_load_balancer_in_public_tier", add("aws:lb/loadBalancer:LoadBalancer", "fx-nlb", {
          "loadBalancerType": "network", "internal": False, "enableDeletionProtection": True,
          "subnets": ["network-public-0-id", "network-public-1-id"]})),
      ("unknown_subnets", change("web-alb", subnets=UNKNOWN)))
cases("stack-web-acl-require-baseline-rules",
      ("fail_no_sqli_group", paths("fx-web-acl", {"rules[4]": DELETE})),
      ("fail_common_group_in_count_mode", paths("fx-web-acl", {"rules[2].overrideAction": {"count": {}}})),
      ("fail_blocklist_counts_only", paths("fx-web-acl", {"rules[0].action": {"count": {}}})),
      ("fail_no_rate_limit", paths("fx-web-acl", {"rules[1]": DELETE})),
      ("fail_blocklist_ip_set_not_declared", drop("fx-blocklist")),
      ("pass_standalone_rule_group_association", chain(
          paths("fx-web-acl", {"rules[4]": DELETE}),
          add("aws:wafv2/webAclRuleGroupAssociation:WebAclRuleGroupAssociation", "fx-sqli", {
              "webAclArn": f"arn:aws:wafv2:eu-west-1:{ACCOUNT}:webacl/fx-web-acl", "priority": 12.0,
              "ruleName": "sqli", "managedRuleGroup": {"name": "AWSManagedRulesSQLiRuleSet", "vendorName": "AWS"},
              "overrideAction": "none"}))),
      ("pass_rule_json", chain(paths("fx-web-acl", {"rules[4]": DELETE}), paths("fx-web-acl", {
          "ruleJson": json.dumps([{"Name": "sqli", "Priority": 12, "OverrideAction": {"None": {}},
                                   "Statement": {"ManagedRuleGroupStatement": {
                                       "VendorName": "AWS", "Name": "AWSManagedRulesSQLiRuleSet"}}}])}))),
      ("fail_blocklist_under_not_statement", _blocklist_statement(lambda s: {"notStatement": {"statement": s}})),
      ("fail_blocklist_under_and_statement", _blocklist_statement(lambda s: {"andStatement": {"statements": [
          s, {"byteMatchStatement": {"searchString": "/admin", "positionalConstraint": "STARTS_WITH",
                                     "fieldToMatch": {"uriPath": {}}, "textTransformations": [
                                         {"priority": 0, "type": "NONE"}]}}]}})),
      ("fail_every_common_rule_counted", paths("fx-web-acl", {
          "rules[2].statement.managedRuleGroupStatement.ruleActionOverrides": [
              {"name": r, "actionToUse": {"count": {}}} for r in _COMMON_RULES]})),
      ("fail_sqli_rules_excluded_in_rule_json", chain(paths("fx-web-acl", {"rules[4]": DELETE}), paths("fx-web-acl", {
          "ruleJson": json.dumps([{"Name": "sqli", "Priority": 12, "OverrideAction": {"None": {}},
                                   "Statement": {"ManagedRuleGroupStatement": {
                                       "VendorName": "AWS", "Name": "AWSManagedRulesSQLiRuleSet",
                                       "ExcludedRules": [{"Name": n} for n in (
                                           "SQLi_QUERYARGUMENTS", "SQLiExtendedPatterns_QUERYARGUMENTS", "SQLi_BODY",
                                           "SQLiExtendedPatterns_BODY", "SQLi_COOKIE", "SQLi_URIPATH")]}}}])}))),
      ("pass_blocklist_in_or_statement", _blocklist_statement(lambda s: {"orStatement": {"statements": [
          s, {"ipSetReferenceStatement": {"arn": s["ipSetReferenceStatement"]["arn"]}}]}})),
      ("pass_one_noisy_rule_counted", paths("fx-web-acl", {
          "rules[2].statement.managedRuleGroupStatement.ruleActionOverrides": [
              {"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]})))

# --- backups ------------------------------------------------------------------------------------

cases("aws-backup-vault-require-cmk-encryption",
      ("fail_copy_vault_default_key", change("backups-copy-vault", kmsKeyArn=DELETE)),
      ("fail_air_gapped_vault_without_key", add("aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
                                                "fx-air-gapped", {"name": "air-gapped", "minRetentionDays": 35.0,
                                                                  "maxRetentionDays": 365.0})))
cases("aws-backup-vaultlockconfiguration-require-compliance-mode",
      ("fail_governance_mode", change("backups-vault-lock", changeableForDays=DELETE)),
      ("fail_one_day_minimum", change("backups-vault-lock", minRetentionDays=1.0)))
cases("aws-backup-vaultpolicy-require-deny-delete",
      ("fail_allow_instead_of_deny", change("backups-vault-policy", policy=_policy({
          "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": ["backup:DeleteRecoveryPoint"],
          "Resource": "*"}))),
      ("fail_conditional_deny", change("backups-copy-vault-policy", policy=_policy({
          "Effect": "Deny", "Principal": "*", "Action": "backup:*", "Resource": "*",
          "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}}))),
      ("fail_lifecycle_not_denied", change("backups-vault-policy", policy=_policy({
          "Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}))),
      ("pass_wildcard_deny_as_object", change("backups-vault-policy", policy={
          "Version": "2012-10-17", "Statement": {"Effect": "Deny", "Principal": {"AWS": ["*"]},
                                                 "Action": "backup:*", "Resource": "*"}})),
      ("unknown_policy", change("backups-vault-policy", policy=UNKNOWN)),
      ("fail_deny_on_the_vault_arn_only", edit_policy("backups-vault-policy", lambda d: d["Statement"][0].update(
          Resource=f"arn:aws:backup:eu-west-1:{ACCOUNT}:backup-vault:backups-vault"))),
      ("fail_deny_not_resource", edit_policy("backups-copy-vault-policy", lambda d: d["Statement"][0].update(
          NotResource=_RECOVERY_POINTS, Resource=None))),
      ("pass_recovery_point_pattern", edit_policy("backups-vault-policy", lambda d: d["Statement"][0].update(
          Resource=_RECOVERY_POINTS))),
      ("pass_actions_in_any_case", edit_policy("backups-copy-vault-policy", lambda d: d["Statement"][0].update(
          Action=["backup:deleteRecoveryPoint", "backup:UpdateRecoveryPoint*"]))))
cases("aws-backup-plan-require-retention",
      ("fail_one_day", paths("backups-plan", {"rules[0].lifecycle.deleteAfter": 1.0})),
      ("fail_short_copies", paths("backups-plan", {"rules[0].copyActions[0].lifecycle.deleteAfter": 3.0}),
       {"stack-backup-copy-require-equally-fortified-vault"}))
cases("stack-backup-vault-require-lock-and-policy",
      ("fail_copy_vault_unlocked", drop("backups-copy-vault-lock")),
      ("fail_no_access_policy", drop("backups-vault-policy")))
cases("stack-backup-copy-require-equally-fortified-vault",
      ("fail_no_copy", paths("backups-plan", {"rules[0].copyActions": []}), {"stack-data-store-require-backup-plan"}),
      ("fail_copy_in_same_region", change("backups-copy-vault", region="eu-west-1")),
      ("fail_target_vault_outside_stack", paths("backups-plan", {"rules[0].targetVaultName": "vault-elsewhere"})),
      ("fail_weaker_copy_lock", change("backups-copy-vault-lock", minRetentionDays=14.0)),
      ("fail_copy_outside_stack", paths("backups-plan", {
          "rules[1].copyActions[0].destinationVaultArn": "arn:aws:backup:eu-central-1:999999999999:vault/x"})),
      ("unknown_destination", paths("backups-plan", {"rules[0].copyActions[0].destinationVaultArn": UNKNOWN})),
      # J. copies as fortified as the primary; selections honour their tag conditions,
      ("fail_primary_kept_forever_copies_expire", paths("backups-plan", {"rules[0].lifecycle": DELETE})),
      ("pass_both_kept_forever", paths("backups-plan", {"rules[0].lifecycle": DELETE,
                                                        "rules[0].copyActions[0].lifecycle": DELETE})))
cases("stack-data-store-require-backup-plan",
      ("fail_cluster_not_selected", drop("fx-ledger-selection")),
      ("fail_nothing_selected", change("backups-selection", resources=[])),
      ("fail_instance_not_selected", paths("backups-selection", {"resources[0]": DELETE})),
      ("fail_excluded", change("backups-selection", notResources=["arn:aws:rds:*:*:db:*"])),
      ("fail_selection_of_unknown_plan", change("fx-ledger-selection", planId="plan-elsewhere")),
      ("pass_wildcard", paths("backups-selection", {"resources[0]": "arn:aws:rds:*:*:db:*"})),
      ("pass_tag_selection", chain(
          paths("backups-selection", {"resources[0]": DELETE, "selectionTags": [
              {"type": "STRINGEQUALS", "key": "backup", "value": "daily"}]}),
          paths("database-instance", {"tags": {"backup": "daily"}}))),
      ("unknown_selection", change("backups-selection", resources=UNKNOWN)),
      ("fail_condition_no_store_meets", change("backups-selection", conditions=[
          {"stringEquals": [{"key": "aws:ResourceTag/backup", "value": "daily"}]}])),
      ("fail_condition_excludes_the_data_tier", change("backups-selection", conditions=[
          {"stringNotEquals": [{"key": "aws:ResourceTag/tier", "value": "data"}]}])),
      ("pass_condition_every_store_meets", change("backups-selection", conditions=[
          {"stringNotEquals": [{"key": "aws:ResourceTag/backup", "value": "never"}]}])))

# --- keys ---------------------------------------------------------------------------------------

def _aws_managed_key(**more) -> dict:
    """An AWS-managed key as the live audit reports it: AWS rotates it, owns its policy, and it cannot be deleted."""
    return {"keyId": "fx-aws-rds-id", "arn": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/fx-aws-rds-id", "keyManager": "AWS",
            "keyState": "Enabled", "enableKeyRotation": False, "deletionWindowInDays": 7.0, "policy": _policy(
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:Decrypt",
                 "Resource": "*"}), **more}


def _doomed_key(**more) -> dict:
    """A customer key scheduled for deletion: KMS refuses its use and no longer rotates it, but its policy still
    decides who may cancel the deletion."""
    return {"keyId": "fx-doomed-id", "arn": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/fx-doomed-id", "keyManager": "CUSTOMER",
            "keyState": "PendingDeletion", "enableKeyRotation": False, "deletionWindowInDays": 30.0, "policy": _policy(
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}, "Action": "kms:Decrypt",
                 "Resource": "*"}), **more}


_ACCOUNT_WIDE_DECRYPT = _policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                 "Action": "kms:Decrypt", "Resource": "*"})


cases("aws-kms-key-enable-rotation",
      ("fail_rotation_off", change("database-key", enableKeyRotation=False)),
      ("fail_two_year_period", change("backups-copy-key", rotationPeriodInDays=730.0)),
      ("pass_asymmetric_key_not_applicable", add("aws:kms/key:Key", "fx-signing-key", {
          "customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"})),
      ("pass_aws_managed_key_not_applicable", add("aws:kms/key:Key", "fx-aws-rds", _aws_managed_key())),
      ("pass_key_scheduled_for_deletion_not_applicable", add("aws:kms/key:Key", "fx-doomed", _doomed_key())))
cases("aws-kms-key-require-30-day-deletion-window",
      ("fail_seven_days", change("backups-key", deletionWindowInDays=7.0)),
      ("fail_replica_key_twenty_nine_days", add("aws:kms/replicaKey:ReplicaKey", "fx-replica-key", {
          "primaryKeyArn": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/backups-key", "deletionWindowInDays": 29.0})),
      ("pass_window_left_to_aws", change("logs-key", deletionWindowInDays=DELETE)),
      ("pass_aws_managed_key_not_applicable", add("aws:kms/key:Key", "fx-aws-rds", _aws_managed_key())),
      ("fail_scheduled_with_seven_days", add("aws:kms/key:Key", "fx-doomed", _doomed_key(deletionWindowInDays=7.0))),
      ("unknown_window", change("database-key", deletionWindowInDays=UNKNOWN)))
cases("stack-data-store-require-rotating-key",
      ("fail_key_outside_stack", paths("data-sessions", {
          "serverSideEncryption.kmsKeyArn": "arn:aws:kms:eu-west-1:999999999999:key/foreign"})),
      ("fail_imported_key_material", chain(
          add("aws:kms/externalKey:ExternalKey", "fx-imported", {"description": "imported"}),
          change("data-bank-token", kmsKeyId="fx-imported-id"))),
      ("fail_alias_of_undeclared_key", change("database-instance", kmsKeyId="alias/someone-else")),
      ("fail_log_group_key_outside_stack", change("network-flow-logs",
                                                  kmsKeyId="arn:aws:kms:eu-west-1:999999999999:key/foreign")),
      ("fail_key_scheduled_for_deletion", chain(add("aws:kms/key:Key", "fx-doomed", _doomed_key()),
                                                change("database-instance", kmsKeyId="fx-doomed-id"))),
      ("pass_alias_name", change("database-instance", kmsKeyId="alias/security-baseline/database")),
      ("pass_alias_arn", change("fx-ledger", kmsKeyId=f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/security-baseline/"
                                                      "database")))

cases("aws-kms-key-require-conditioned-use",
      ("fail_account_wide_use", edit_policy("database-key", lambda d: d["Statement"][1].pop("Condition"))),
      ("fail_service_for_any_account", edit_policy("logs-key", lambda d: d["Statement"][1].pop("Condition"))),
      ("pass_named_role", edit_policy("database-key", lambda d: d["Statement"].append({
          "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}, "Action": "kms:Decrypt",
          "Resource": "*"}))),
      ("pass_standalone_key_policy_not_applicable", change("sessions-key", policy=DELETE)),
      ("pass_aws_managed_key_not_applicable", add("aws:kms/key:Key", "fx-aws-rds", _aws_managed_key())),
      # a key scheduled for deletion keeps its policy: whoever it admits can cancel the deletion and decrypt
      ("fail_key_scheduled_for_deletion_still_judged", add("aws:kms/key:Key", "fx-doomed",
                                                           _doomed_key(policy=_ACCOUNT_WIDE_DECRYPT))),
      # A. key use matched like IAM does: case-insensitive, wildcards, the full use list,
      ("fail_admin_decrypt_wildcard", _admin_actions(lambda a: [*a, "kms:Decrypt*"])),
      ("fail_admin_lowercase_decrypt", _admin_actions(lambda a: [*a, "kms:decrypt"])),
      ("fail_admin_create_wildcard_includes_create_grant", _admin_actions(
          lambda a: ["kms:Create*", *(x for x in a if x != "kms:CreateAlias")])),
      ("fail_admin_reencrypt_wildcard", _admin_actions(lambda a: [*a, "kms:ReEncrypt*"])),
      # B. only a positive test with concrete values narrows a use grant,
      ("fail_via_service_wildcard", edit_policy("database-key", lambda d: d["Statement"][1].update(
          Condition={"StringLike": {"kms:ViaService": "*"}}))),
      ("fail_via_service_if_exists", edit_policy("database-key", lambda d: d["Statement"][1].update(
          Condition={"StringEqualsIfExists": {"kms:ViaService": "rds.eu-west-1.amazonaws.com"}}))),
      ("fail_caller_account_only", edit_policy("database-key", lambda d: d["Statement"][1].update(
          Condition={"StringEquals": {"kms:CallerAccount": ACCOUNT}}))),
      ("fail_service_source_negated", edit_policy("logs-key", lambda d: d["Statement"][1].update(
          Condition={"StringNotEquals": {"aws:SourceAccount": "999999999999"}}))),
      ("fail_everyone_in_the_account", edit_policy("database-key", lambda d: d["Statement"].append(
          {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
           "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}}))),
      ("pass_everyone_in_the_account_through_rds", edit_policy("database-key", lambda d: d["Statement"].append(
          {"Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt", "kms:CreateGrant"], "Resource": "*",
           "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT,
                                          "kms:ViaService": "rds.eu-west-1.amazonaws.com"}}}))),
      ("pass_logs_encryption_context", edit_policy("logs-key", lambda d: d["Statement"][1].update(Condition={
          "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:*"}}))))

# --- storage ------------------------------------------------------------------------------------

cases("aws-s3-bucketpublicaccessblock-enable-all-flags",
      *((f"fail_{flag}_off", change("monitoring-audit-trail-public-access-block", **{flag: False}))
        for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")),
      ("fail_flag_omitted", change("fx-alb-logs-public-access-block", restrictPublicBuckets=DELETE)))
cases("aws-s3-bucketversioning-enable-versioning",
      ("fail_suspended", paths("monitoring-audit-trail-versioning", {"versioningConfiguration.status": "Suspended"})),
      ("fail_v2_twin_suspended", paths("monitoring-config-history-versioning", {"versioningConfiguration.status": "Suspended"},
                                       type="aws:s3/bucketVersioningV2:BucketVersioningV2")))
cases("aws-s3-bucketpolicy-require-tls",
      ("fail_no_secure_transport_condition", change("monitoring-audit-trail-policy", policy=_policy({
          "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}))),
      ("fail_objects_not_covered", change("monitoring-config-history-policy", policy=_policy({
          "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b",
          "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))),
      # Issue 12's sound alternative: the same deny split into a bucket and an objects statement.
      ("pass_deny_split_per_resource", change("fx-alb-logs-policy", policy=_policy(*(
          {"Sid": f"DenyInsecure{i}", "Effect": "Deny", "Principal": "*", "Action": "S3:*", "Resource": resource,
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
          for i, resource in enumerate(("arn:aws:s3:::b", "arn:aws:s3:::b/*")))))),
      ("fail_split_deny_where_one_half_still_allows_http", change("fx-alb-logs-policy", policy=_policy(
          {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b",
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
          {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
           "Condition": {"Bool": {"aws:SecureTransport": "true"}}}))),
      ("fail_invalid_json", change("fx-alb-logs-policy", policy="{not json"),
       {"aws-iam-resourcepolicy-disallow-wildcard-grants",  # every control reading the document errors
        "aws-iam-resourcepolicy-require-confused-deputy-conditions", "stack-bank-data-require-walled-off-readers"}))
cases("stack-s3-bucket-require-cmk-encryption",
      ("fail_trail_bucket_sse_s3", paths("monitoring-audit-trail-encryption", {
          "rules[0].applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}})),
      ("fail_aws_managed_key", paths("monitoring-config-history-encryption", {
          "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId": "alias/aws/s3"})),
      ("fail_log_bucket_also_receives_trail", change("monitoring-trail", s3BucketName="fx-alb-logs-bucket-bucket"),
       # the log bucket is not locked, access-logged or given an audit retention either
       {"stack-cloudtrail-bucket-require-object-lock", "stack-cloudtrail-bucket-require-access-logging",
        "stack-audit-bucket-require-lifecycle-retention"}),
      ("pass_v2_twin", paths("monitoring-audit-trail-encryption", {}, type="aws:s3/bucketServerSideEncryptionConfigurationV2:"
                                                                   "BucketServerSideEncryptionConfigurationV2")))
cases("stack-s3-bucket-require-protective-settings",
      ("fail_no_public_access_block", drop("monitoring-audit-trail-public-access-block")),
      ("fail_no_encryption", drop("fx-alb-logs-encryption")),
      ("fail_no_versioning", drop("monitoring-config-history-versioning")),
      ("fail_no_policy", drop("monitoring-audit-trail-policy")),
      ("fail_bucket_v2_without_settings", add("aws:s3/bucketV2:BucketV2", "fx-bare", {"bucketPrefix": "bare-"})))

# --- monitoring ---------------------------------------------------------------------------------

cases("aws-cloudtrail-trail-enable-multi-region",
      ("fail_single_region", change("monitoring-trail", isMultiRegionTrail=False)),
      ("fail_no_global_events", change("monitoring-trail", includeGlobalServiceEvents=False)),
      ("fail_logging_off", change("monitoring-trail", enableLogging=False),
       {"stack-account-require-cis-alarms", "stack-bank-token-require-change-alarm"}))
cases("aws-cloudtrail-trail-enable-log-file-validation",
      ("fail_disabled", change("monitoring-trail", enableLogFileValidation=DELETE)))
cases("aws-cloudtrail-trail-require-cmk-encryption",
      ("fail_no_key", change("monitoring-trail", kmsKeyId=DELETE)))
cases("stack-cloudtrail-bucket-require-object-lock",
      ("fail_bucket_without_object_lock", change("monitoring-audit-trail-bucket", objectLockEnabled=False)),
      ("fail_no_lock_configuration", drop("monitoring-audit-trail-object-lock")),
      ("fail_governance_mode", paths("monitoring-audit-trail-object-lock", {"rule.defaultRetention.mode": "GOVERNANCE"})),
      ("fail_thirty_days", paths("monitoring-audit-trail-object-lock", {"rule.defaultRetention.days": 30.0})),
      ("fail_bucket_outside_stack", change("monitoring-trail", s3BucketName="someone-elses-bucket")),
      ("pass_retention_in_years", paths("monitoring-audit-trail-object-lock", {
          "rule.defaultRetention.days": DELETE, "rule.defaultRetention.years": 7.0})))
cases("aws-sns-topic-require-cmk-encryption",
      ("fail_no_key", change("backups-events", kmsMasterKeyId=DELETE)),
      ("fail_aws_managed_key", change("monitoring-alarms", kmsMasterKeyId="alias/aws/sns")))
_TLS_DENY = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
             "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
cases("stack-sns-topic-require-tls-only-policy",
      ("fail_deny_removed", edit_policy("backups-events-policy", lambda d: d["Statement"].pop(1))),
      ("fail_no_topic_policy", drop("monitoring-alarms-policy")),
      ("fail_deny_narrowed_to_one_account", edit_policy("monitoring-alarms-policy", lambda d: d["Statement"][1][
          "Condition"].update(StringEquals={"aws:PrincipalAccount": ACCOUNT}))),
      ("fail_deny_on_subscribe_only", edit_policy("backups-events-policy", lambda d: d["Statement"][1].update(
          Action="sns:Subscribe"))),
      ("fail_deny_when_secure", edit_policy("monitoring-alarms-policy", lambda d: d["Statement"][1].update(
          Condition={"Bool": {"aws:SecureTransport": "true"}}))),
      ("pass_inline_topic_policy", chain(drop("backups-events-policy"), change("backups-events", policy=_policy(
          {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sns:Publish",
           "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}, _TLS_DENY)))),
      ("pass_deny_every_sns_action_to_star", edit_policy("backups-events-policy", lambda d: d["Statement"][1].update(
          Principal="*", Action="sns:*"))),
      ("unknown_policy", change("backups-events-policy", policy=UNKNOWN)))


def _bank_pattern(secret: str = "", events: tuple[str, ...] = (
        "PutSecretValue", "UpdateSecret", "DeleteSecret", "PutResourcePolicy")) -> str:
    names = " || ".join(f'($.eventName = "{e}")' for e in events)
    selector = f' && ($.requestParameters.secretId = "*{secret}*")' if secret else ""
    return f'{{ ($.eventSource = "secretsmanager.amazonaws.com") && ({names}){selector} }}'


cases("stack-bank-token-require-change-alarm",
      ("fail_no_alarm", drop("monitoring-bank-token-changes-alarm")),
      ("fail_no_filter", drop("monitoring-bank-token-changes")),
      ("fail_alarm_actions_disabled", change("monitoring-bank-token-changes-alarm", actionsEnabled=False)),
      ("fail_filter_for_another_secret", change("monitoring-bank-token-changes", pattern=_bank_pattern(
          "security-baseline/app/session-signing"))),
      ("fail_deletion_not_watched", change("monitoring-bank-token-changes", pattern=_bank_pattern(
          "security-baseline/bank/aggregator-token", ("PutSecretValue", "UpdateSecret", "PutResourcePolicy")))),
      ("fail_untagged_token_found_by_name", chain(
          change("data-bank-token", tags={"rotation": "aggregator-managed"}),
          change("monitoring-bank-token-changes", pattern=_bank_pattern("security-baseline/other")))),
      ("pass_named_filter", change("monitoring-bank-token-changes", pattern=_bank_pattern(
          "security-baseline/bank/aggregator-token"))),
      ("pass_filter_on_every_secret", change("monitoring-bank-token-changes", pattern=_bank_pattern())),
      ("unknown_pattern", change("monitoring-bank-token-changes", pattern=UNKNOWN)))
cases("stack-account-require-cloudtrail",
      ("fail_no_trail", drop("monitoring-trail"),
       {"stack-account-require-cis-alarms", "stack-bank-token-require-change-alarm"}))
cases("stack-account-require-guardduty",
      ("fail_no_detector", drop("monitoring-guardduty", "monitoring-guardduty-rds-login-events")),
      ("fail_no_rds_protection", drop("monitoring-guardduty-rds-login-events")),
      ("fail_rds_protection_disabled", change("monitoring-guardduty-rds-login-events", status="DISABLED")),
      ("fail_detector_disabled", change("monitoring-guardduty", enable=False)))
cases("stack-account-require-security-hub",
      ("fail_no_hub", drop("monitoring-securityhub")),
      ("fail_no_cis", drop("monitoring-standard-cis")),
      ("pass_default_standards", chain(drop("monitoring-standard-cis", "monitoring-standard-fsbp"),
                                       change("monitoring-securityhub", enableDefaultStandards=DELETE))))
cases("stack-account-require-config-recording",
      ("fail_no_recorder", drop("monitoring-config-recorder", "monitoring-config-recorder-status")),
      ("fail_recorder_stopped", change("monitoring-config-recorder-status", isEnabled=False)),
      ("fail_no_status", drop("monitoring-config-recorder-status")),
      ("fail_no_delivery_channel", drop("monitoring-config-delivery-channel")),
      ("fail_records_nothing", change("monitoring-config-recorder", recordingGroup={"allSupported": False})),
      ("fail_default_recording_group", change("monitoring-config-recorder", recordingGroup=DELETE)),
      ("fail_global_resources_not_recorded", paths("monitoring-config-recorder", {
          "recordingGroup.includeGlobalResourceTypes": False})))
_QUIET_FINDINGS = {"action": "ARCHIVE", "detectorId": "detector-id", "name": "quiet", "rank": 1.0}
cases("stack-findings-disallow-broad-suppression",
      ("fail_archive_everything", add("aws:guardduty/filter:Filter", "quiet-findings", {
          **_QUIET_FINDINGS, "findingCriteria": {"criterions": [{"field": "severity", "greaterThanOrEqual": "1"}]}})),
      ("fail_suppress_every_finding", add("aws:securityhub/automationRule:AutomationRule", "quiet-hub", {
          "ruleName": "quiet", "ruleOrder": 1.0, "ruleStatus": "ENABLED", "description": "x", "criteria": {},
          "actions": [{"type": "FINDING_FIELDS_UPDATE", "findingFieldsUpdate": {"workflow": {
              "status": "SUPPRESSED"}}}]})))
cases("stack-account-require-inspector",
      ("fail_no_enabler", drop("monitoring-inspector")),
      ("fail_no_resource_types", change("monitoring-inspector", resourceTypes=[])))
cases("stack-account-require-cis-alarms",
      ("fail_root_alarm_missing", drop("monitoring-root-account-use-alarm")),
      ("fail_alarm_without_action", change("monitoring-vpc-changes-alarm", alarmActions=[])),
      ("fail_pattern_misses_events", change("monitoring-route-table-changes", pattern="{ $.eventName = CreateRoute }")),
      ("fail_organizations_pattern_misses_cancel_handshake",
       lambda resources: change("monitoring-organizations-changes", pattern=find(
           resources, "monitoring-organizations-changes").props["pattern"].replace(
           ' || ($.eventName = "CancelHandshake")', ""))(resources)),
      # CreateOrganizationalUnit still names CreateOrganization as text: only whole eventName terms count.
      ("fail_organizations_pattern_names_only_organizational_unit_creation",
       lambda resources: change("monitoring-organizations-changes", pattern=find(
           resources, "monitoring-organizations-changes").props["pattern"].replace(
           '($.eventName = "CreateOrganization") || ', ""))(resources)))

# --- data stores --------------------------------------------------------------------------------

cases("aws-dynamodb-table-require-cmk-encryption",
      ("fail_aws_owned_key", change("data-sessions", serverSideEncryption=DELETE)),
      ("fail_aws_managed_key", paths("data-transactions", {"serverSideEncryption.kmsKeyArn": DELETE})))
cases("aws-dynamodb-table-enable-point-in-time-recovery",
      ("fail_disabled", paths("data-oauth-tokens", {"pointInTimeRecovery.enabled": False})),
      ("fail_omitted", change("data-transactions", pointInTimeRecovery=DELETE)))
cases("aws-dynamodb-table-enable-ttl-for-expiring-data",
      ("fail_ttl_disabled", paths("data-sessions", {"ttl.enabled": False})),
      ("fail_untagged_token_table", change("data-oauth-tokens", ttl=DELETE, tags={})),
      ("fail_tagged_table", chain(paths("data-transactions", {"tags": {"data-lifecycle": "expiring"}}))))
cases("aws-dynamodb-table-enable-deletion-protection",
      ("fail_disabled", change("data-transactions", deletionProtectionEnabled=False)))
cases("aws-secretsmanager-secret-require-cmk-encryption",
      ("fail_default_key", change("data-bank-token", kmsKeyId=DELETE)),
      ("fail_aws_managed_key", change("data-bank-token", kmsKeyId="alias/aws/secretsmanager")))
cases("aws-secretsmanager-secretversion-disallow-stored-value",
      ("fail_plaintext_value", add("aws:secretsmanager/secretVersion:SecretVersion", "fx-token-value", {
          "secretId": "data-bank-token-id", "secretString": "tok_live_123"})),
      ("fail_secret_marked_value", add("aws:secretsmanager/secretVersion:SecretVersion", "fx-token-value", {
          "secretId": "data-bank-token-id", "secretString": REDACTED})),
      ("fail_binary_value", add("aws:secretsmanager/secretVersion:SecretVersion", "fx-token-value", {
          "secretId": "data-bank-token-id", "secretBinary": "dG9r"})),
      ("pass_write_only_value", add("aws:secretsmanager/secretVersion:SecretVersion", "fx-token-value", {
          "secretId": "data-bank-token-id", "secretStringWo": REDACTED, "secretStringWoVersion": 1.0})),
      baseline_passes=False)  # the baseline writes no secret value at all
cases("stack-secret-require-rotation-or-exemption",
      ("fail_no_rotation_no_reason", change("data-bank-token", tags={})),
      ("fail_token_reason", change("data-bank-token", tags={"rotation-exempt-reason": "n/a"})),
      ("fail_rotation_tag_without_rotation", change("data-bank-token", tags={"rotation": "secrets-manager-lambda"})),
      ("pass_exemption_reason", change("data-bank-token", tags={
          "rotation-exempt-reason": "the aggregator issues and rotates its own access tokens"})),
      ("pass_rotation", chain(change("data-bank-token", tags={}), add(
          "aws:secretsmanager/secretRotation:SecretRotation", "fx-token-rotation", {
              "secretId": "data-bank-token-id", "rotationLambdaArn": "arn:aws:lambda:eu-west-1:1:function:r",
              "rotationRules": {"automaticallyAfterDays": 30.0}}))),
      ("fail_yearly_rotation", chain(change("data-bank-token", tags={}), add(
          "aws:secretsmanager/secretRotation:SecretRotation", "fx-token-rotation", {
              "secretId": "data-bank-token-id", "rotationRules": {"automaticallyAfterDays": 365.0}}))),
      ("fail_yearly_rate", _rotation({"scheduleExpression": "rate(365 days)"})),
      ("fail_quarterly_cron", _rotation({"scheduleExpression": "cron(0 4 1 */3 ? *)"})),
      ("fail_cron_that_never_runs", _rotation({"scheduleExpression": "cron(0 4 30 2 ? *)"})),
      ("pass_monthly_cron", _rotation({"scheduleExpression": "cron(0 4 1 * ? *)"})),
      ("pass_every_four_hours", _rotation({"scheduleExpression": "rate(4 hours)"})),
      ("pass_first_monday", _rotation({"scheduleExpression": "cron(0 4 ? * MON#1 *)"})))

WALL = {"stack-bank-data-require-walled-off-readers"}
"""Opening the bank token or the transaction store also lets principals read bank data."""
cases("stack-dynamodb-table-require-deny-policy",
      ("fail_no_policy", drop("data-transactions-policy"), WALL),
      ("fail_deny_removed", edit_policy("data-sessions-policy", lambda d: d.update(Statement=[]))),
      ("fail_deny_exempting_by_ip", edit_policy("data-oauth-tokens-policy", lambda d: d["Statement"][0].update(
          Condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))),
      # Issue 12's sound alternative: with one VPC, "only from our VPC" admits what "only through its endpoint" does.
      ("pass_deny_keyed_on_the_source_vpc", edit_policy("data-oauth-tokens-policy", lambda d: d["Statement"][0].update(
          Condition={"StringNotEquals": {"aws:SourceVpc": "network-vpc-id"}}))),
      ("fail_deny_keyed_on_every_vpc", edit_policy("data-oauth-tokens-policy", lambda d: d["Statement"][0].update(
          Condition={"StringNotLike": {"aws:SourceVpc": "*"}}))),
      ("fail_transactions_open_to_every_role", edit_policy("data-transactions-policy",
                                                           lambda d: d["Statement"].pop(0)), WALL),
      ("fail_transactions_outside_endpoint", edit_policy("data-transactions-policy",
                                                         lambda d: d["Statement"].pop(1))),
      ("unknown_policy", change("data-sessions-policy", policy=UNKNOWN)),
      # D. the table and secret denies: exempting operator, every item action, the resource itself,
      ("fail_deny_only_through_the_endpoint", edit_policy("data-sessions-policy", lambda d: d["Statement"][0].update(
          Condition={"StringEquals": {"aws:SourceVpce": "network-dynamodb-endpoint-id"}}))),
      ("fail_deny_on_get_item_only", edit_policy("data-oauth-tokens-policy", lambda d: d["Statement"][0].update(
          Action="dynamodb:GetItem"))),
      ("fail_scan_left_open", edit_policy("data-sessions-policy", lambda d: d["Statement"][0].update(
          Action=[a for a in d["Statement"][0]["Action"] if a != "dynamodb:Scan"]))),
      ("fail_deny_on_another_table", edit_policy("data-oauth-tokens-policy", lambda d: d["Statement"][0].update(
          Resource=f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/elsewhere"))),
      ("fail_transactions_exempt_every_role", edit_policy("data-transactions-policy", lambda d: d["Statement"][
          0].update(Condition={"StringNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"}})), WALL),
      ("pass_deny_every_dynamodb_action", edit_policy("data-sessions-policy", lambda d: d["Statement"][0].update(
          Action="dynamodb:*", Resource="*"))),
      ("pass_actions_split_over_two_denies", edit_policy("data-oauth-tokens-policy", lambda d: d.update(Statement=[
          {**d["Statement"][0], "Action": d["Statement"][0]["Action"][:7]},
          {**d["Statement"][0], "Action": d["Statement"][0]["Action"][7:]}]))),
      ("pass_arn_not_equals_on_principal", edit_policy("data-transactions-policy", lambda d: d["Statement"][0].update(
          Condition={"ArnNotEquals": {"aws:PrincipalArn": d["Statement"][0]["Condition"]["StringNotEquals"][
              "aws:PrincipalArn"]}}))))
cases("stack-secret-require-reader-allowlist-policy",
      ("fail_no_policy", drop("data-bank-token-policy"), WALL),
      ("fail_public_policies_allowed", change("data-bank-token-policy", blockPublicPolicy=False)),
      ("fail_deny_on_describe_only", edit_policy("data-bank-token-policy", lambda d: d["Statement"][0].update(
          Action="secretsmanager:DescribeSecret")), WALL),
      ("pass_deny_for_everyone", edit_policy("data-bank-token-policy", lambda d: d["Statement"][0].pop("Condition"))),
      ("fail_deny_only_for_the_reader", edit_policy("data-bank-token-policy", lambda d: d["Statement"][0].update(
          Condition={"StringEquals": {"aws:PrincipalArn": d["Statement"][0]["Condition"]["StringNotEquals"][
              "aws:PrincipalArn"]}})), WALL),
      ("fail_deny_on_another_secret", edit_policy("data-bank-token-policy", lambda d: d["Statement"][0].update(
          Resource=f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret/other")), WALL),
      ("pass_resource_star", edit_policy("data-bank-token-policy", lambda d: d["Statement"][0].update(Resource="*"))))

# --- who can read (tests/policies/test_who_can_read.py holds the adversarial round) ----------------
cases("stack-bank-data-require-walled-off-readers",
      ("fail_managed_policy_on_bank_sync", add("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "fx-attach", {
          "role": "security-baseline-bank-sync", "policyArn": "arn:aws:iam::aws:policy/SecretsManagerReadWrite"})),
      ("pass_secret_reader_policy_on_another_role", add("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                                                         "fx-attach", {"role": "network-flow-logs-role",
                                                                       "policyArn": "arn:aws:iam::aws:policy/SecretsManagerReadWrite"})))

# --- identity -----------------------------------------------------------------------------------

_TOKEN = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret/data-bank-token"
cases("aws-iam-policy-disallow-wildcard-actions",
      ("fail_star", change("data-bank-sync-policy", policy=_policy(
          {"Effect": "Allow", "Action": "*", "Resource": _TOKEN}))),
      ("fail_service_wildcard", change("data-bank-sync-policy", policy=_policy(
          {"Effect": "Allow", "Action": ["secretsmanager:Get*", "secretsmanager:Describe*"], "Resource": _TOKEN}))),
      ("fail_not_action", change("network-flow-logs-write", policy=_policy(
          {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))),
      ("fail_inline_role_policy", change("bank-sync-role", inlinePolicies=[
          {"name": "all", "policy": _policy({"Effect": "Allow", "Action": "kms:*", "Resource": _TOKEN})}])),
      ("fail_admin_attachment", change("backups-role-policy-0",
                                       policyArn="arn:aws:iam::aws:policy/AdministratorAccess")),
      ("pass_deny_star", change("data-bank-sync-policy", policy=_policy(
          {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": _TOKEN},
          {"Effect": "Deny", "Action": "*", "Resource": "*"}))),
      ("unknown_policy", change("data-bank-sync-policy", policy=UNKNOWN)))
cases("aws-iam-policy-disallow-wildcard-resources-on-secrets-and-keys",
      ("fail_every_secret", change("data-bank-sync-policy", policy=_policy(
          {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))),
      ("fail_every_key", change("data-bank-sync-policy", policy=_policy(
          {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"}))),
      ("pass_kms_via_service", change("data-bank-sync-policy", policy=_policy(
          {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
           "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}}))))
ROLE = "aws:iam/role:Role"


def _service_linked_role(**more) -> dict:
    """A service-linked role as the live audit reports it (path and trust policy as AWS writes them)."""
    return {"name": "AWSServiceRoleForRDS", "arn": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/rds.amazonaws.com/"
            "AWSServiceRoleForRDS", "path": "/aws-service-role/rds.amazonaws.com/", "assumeRolePolicy": _policy(
                {"Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com"}, "Action": "sts:AssumeRole"}), **more}


cases("aws-iam-resourcepolicy-disallow-wildcard-grants",
      ("fail_bucket_policy_service_wildcard", edit_policy("monitoring-audit-trail-policy", lambda d: d["Statement"].append(
          {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:*",
           "Resource": "*"}))),
      ("fail_public_topic", edit_policy("monitoring-alarms-policy", lambda d: d["Statement"].append(
          {"Effect": "Allow", "Principal": "*", "Action": "sns:Subscribe", "Resource": "*"}))),
      ("fail_key_administration_wildcard", edit_policy("database-key", lambda d: d["Statement"][0].update(
          Action="kms:*"))),
      ("fail_not_action", edit_policy("backups-events-policy", lambda d: d["Statement"][0].update(
          NotAction="sns:Publish", Action=None))),
      ("pass_conditional_everyone", edit_policy("monitoring-alarms-policy", lambda d: d["Statement"].append(
          {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": "*",
           "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}))),
      ("unknown_policy", change("monitoring-config-history-policy", policy=UNKNOWN)),
      # B. Principal "*" needs a condition pinning an account, organization, principal or source,
      ("fail_everyone_via_any_service", edit_policy("monitoring-alarms-policy", lambda d: d["Statement"].append(
          {"Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": "*",
           "Condition": {"StringLike": {"kms:ViaService": "*"}}}))),
      ("fail_everyone_over_tls", edit_policy("monitoring-config-history-policy", lambda d: d["Statement"].append(
          {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "*",
           "Condition": {"Bool": {"aws:SecureTransport": "true"}}})), {"stack-bank-data-require-walled-off-readers"}),
      ("fail_everyone_in_any_org", edit_policy("monitoring-alarms-policy", lambda d: d["Statement"].append(
          {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": "*",
           "Condition": {"StringLike": {"aws:PrincipalOrgID": "o-*"}}}))),
      ("fail_everyone_if_account_present", edit_policy("monitoring-alarms-policy", lambda d: d["Statement"].append(
          {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": "*",
           "Condition": {"StringEqualsIfExists": {"aws:PrincipalAccount": ACCOUNT}}}))),
      ("pass_everyone_through_our_endpoint", edit_policy("monitoring-config-history-policy", lambda d: d[
          "Statement"].append({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
                               "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d"}}}))),
      # K. role trust policies are resource policies,
      ("fail_role_assumable_by_every_account", edit_policy("backups-role", lambda d: d["Statement"].append(
          {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}), key="assumeRolePolicy")),
      ("fail_role_trust_every_sts_action", edit_policy("bank-sync-role", lambda d: d["Statement"][0].update(
          Action="sts:*"), key="assumeRolePolicy")),
      ("pass_role_assumable_within_the_organization", edit_policy("backups-role", lambda d: d["Statement"].append(
          {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
           "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}), key="assumeRolePolicy")),
      ("pass_aws_managed_key_not_applicable", add("aws:kms/key:Key", "fx-aws-rds", _aws_managed_key(policy=_policy(
          {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"})))),
      # the reserved service-linked path hides nothing: a role there that trusts anyone but a service is ours,
      ("fail_open_trust_on_service_linked_path", add(ROLE, "fx-fake-service-linked", _service_linked_role(
          assumeRolePolicy=_policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})))))

_TRAIL_ARN = f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/security-baseline"
cases("aws-iam-resourcepolicy-require-confused-deputy-conditions",
      # AWS writes a service-linked role's trust policy (one service, no source condition), no one can change it,
      ("pass_service_linked_role_not_applicable", add(ROLE, "AWSServiceRoleForRDS", _service_linked_role())),
      ("fail_elb_log_delivery_for_any_account", edit_policy("web-access-logs-policy",
                                                            lambda d: d["Statement"][1].pop("Condition"))),
      ("fail_backup_publishing_for_any_account", edit_policy("backups-events-policy",
                                                             lambda d: d["Statement"][0].pop("Condition"))),
      ("fail_source_only_if_present", edit_policy("monitoring-audit-trail-policy", lambda d: d["Statement"][1].update(
          Condition={"StringEqualsIfExists": {"aws:SourceArn": _TRAIL_ARN}}))),
      ("fail_acl_condition_only", edit_policy("monitoring-audit-trail-policy", lambda d: d["Statement"][2].update(
          Condition={"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}))),
      ("fail_wildcard_source_account", edit_policy("monitoring-config-history-policy", lambda d: d["Statement"][
          1].update(Condition={"StringLike": {"aws:SourceAccount": "*"}}))),
      ("fail_source_arn_in_any_account", edit_policy("monitoring-alarms-policy", lambda d: d["Statement"][0].update(
          Condition={"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:*:alarm:*"}}))),
      ("fail_every_account_but_one", edit_policy("monitoring-alarms-policy", lambda d: d["Statement"][0].update(
          Condition={"StringNotEquals": {"aws:SourceAccount": "999999999999"}}))),
      ("fail_waf_log_delivery_for_any_account", edit_policy(
          "web-waf-log-delivery", lambda d: d["Statement"][0].pop("Condition"), key="policyDocument")),
      ("fail_lambda_permission_for_any_bucket", add("aws:lambda/permission:Permission", "fx-invoke", {
          "action": "lambda:InvokeFunction", "function": "fx-fn", "principal": "s3.amazonaws.com"})),
      ("pass_lambda_permission_for_our_bucket", add("aws:lambda/permission:Permission", "fx-invoke", {
          "action": "lambda:InvokeFunction", "function": "fx-fn", "principal": "s3.amazonaws.com",
          "sourceArn": "arn:aws:s3:::fx-uploads", "sourceAccount": ACCOUNT})),
      ("pass_source_org_id", edit_policy("monitoring-audit-trail-policy", lambda d: d["Statement"][1].update(
          Condition={"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}))),
      ("pass_source_arn_list", edit_policy("monitoring-alarms-policy", lambda d: d["Statement"][0].update(
          Condition={"ArnLike": {"aws:SourceArn": [f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT}:alarm:*",
                                                   f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/*"]}}))),
      ("unknown_policy", change("backups-events-policy", policy=UNKNOWN)),
      # K. a service assuming a role must be pinned to our account or resource,
      ("fail_role_trust_for_any_account", edit_policy("bank-sync-role", lambda d: d["Statement"][0].pop("Condition"),
                                                      key="assumeRolePolicy")),
      ("fail_role_trust_source_wildcard", edit_policy("network-flow-logs-role", lambda d: d["Statement"][0].update(
          Condition={"StringLike": {"aws:SourceAccount": "*"}}), key="assumeRolePolicy")),
      ("pass_role_trust_source_arn", edit_policy("monitoring-trail-logs-role", lambda d: d["Statement"][0].update(
          Condition={"ArnLike": {"aws:SourceArn": _TRAIL_ARN}}), key="assumeRolePolicy")))


import tests.policies.app_cases  # noqa: E402,F401 - registers the application-resource cases

# --- perimeter (what Prowler found) --------------------------------------------------------------


def _endpoint_statement(name: str, **statement: object) -> Change:
    def edit(document: dict) -> None:
        document["Statement"][0].update(statement)
        for key in [k for k, v in statement.items() if v is DELETE]:
            del document["Statement"][0][key]

    return edit_policy(name, edit)


cases("aws-ec2-vpcendpoint-require-restrictive-policy",
      ("fail_default_policy", change("network-kms-endpoint", policy=DELETE)),
      ("fail_every_action", _endpoint_statement("network-s3-endpoint", Action="s3:*")),
      ("fail_any_account", _endpoint_statement("network-sts-endpoint", Condition=DELETE)),
      ("fail_other_account", _endpoint_statement("network-logs-endpoint", Condition={
          "StringEquals": {"aws:PrincipalAccount": "444455556666"}})),
      ("fail_other_account_principal", _endpoint_statement("network-ssm-endpoint", Condition=DELETE, Principal={
          "AWS": "arn:aws:iam::444455556666:root"})),
      ("pass_organization", _endpoint_statement("network-dynamodb-endpoint", Condition={
          "StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}})),
      ("pass_own_role", _endpoint_statement("network-secretsmanager-endpoint", Condition=DELETE, Principal={
          "AWS": f"arn:aws:iam::{ACCOUNT}:role/app"})))
cases("stack-vpc-require-locked-default-network-acl",
      ("fail_not_adopted", drop("network-default-nacl")),
      ("fail_adopted_for_another_vpc", change("network-default-nacl", defaultNetworkAclId="acl-0other")),
      ("fail_a_rule_kept", change("network-default-nacl", egress=[
          {"ruleNo": 100.0, "action": "allow", "protocol": "tcp", "fromPort": 443.0, "toPort": 443.0,
           "cidrBlock": "10.0.0.0/8"}])),
      ("unknown_default_acl_id", change("network-default-nacl", defaultNetworkAclId=UNKNOWN)))
cases("stack-account-require-s3-public-access-block",
      ("fail_missing", drop("account-public-access-block")),
      ("fail_policy_flag_off", change("account-public-access-block", blockPublicPolicy=False)),
      ("fail_flag_omitted", change("account-public-access-block", restrictPublicBuckets=DELETE)))

# --- what the audit record holds and for how long (issue 13) ------------------------------------

def _without_parameter(name: str) -> Change:
    return _edit_props("database-params", lambda p: p.update(parameters=[
        x for x in p["parameters"] if x["name"] != name]))


cases("aws-rds-instance-enable-enhanced-monitoring",
      ("fail_interval_zero", change("database-instance", monitoringInterval=0.0)),
      ("fail_no_role", change("database-instance", monitoringRoleArn=DELETE)),
      ("pass_every_second", change("database-instance", monitoringInterval=1.0)))
cases("stack-database-require-audit-logging",
      ("fail_pgaudit_not_loaded", _without_parameter("shared_preload_libraries")),
      ("fail_reads_not_audited", _edit_props("database-params", lambda p: p.update(parameters=[
          {**x, "value": "write,ddl,role"} if x["name"] == "pgaudit.log" else x for x in p["parameters"]]))),
      ("pass_log_statement_all", _edit_props("database-params", lambda p: p.update(parameters=[
          {**x, "value": "all"} if x["name"] == "log_statement" else x for x in p["parameters"]
          if x["name"] != "shared_preload_libraries"]))))
cases("stack-cloudtrail-bucket-require-access-logging",
      ("fail_no_access_logging", drop("monitoring-audit-trail-access-logging"),
       {"stack-s3-bucket-require-cmk-encryption"}),
      ("fail_logs_deletable", edit_policy("monitoring-trail-access-logs-policy", lambda d: d["Statement"].pop())),
      ("fail_logs_into_the_trail_bucket", change("monitoring-audit-trail-access-logging",
                                                 targetBucket="monitoring-audit-trail-bucket-bucket"),
       {"stack-s3-bucket-require-cmk-encryption"}))
cases("stack-audit-bucket-require-lifecycle-retention",
      ("fail_no_lifecycle_on_config_bucket", drop("monitoring-config-history-lifecycle")),
      ("fail_trail_logs_expire_in_30_days", paths("monitoring-audit-trail-lifecycle", {
          "rules[0].expiration.days": 30.0})),
      ("fail_old_versions_expire_early", paths("monitoring-trail-access-logs-lifecycle", {
          "rules[0].noncurrentVersionExpiration.noncurrentDays": 90.0})),
      ("pass_ten_years", paths("monitoring-audit-trail-lifecycle", {"rules[0].expiration.days": 3653.0})))
