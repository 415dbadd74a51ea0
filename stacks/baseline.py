"""Composes the components into one baseline from a validated StackConfig."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pulumi
import pulumi_aws as aws

from components.allowlists import Allowlists, AllowlistsArgs
from components.backups import Backups, BackupsArgs
from components.data_stores import BankSyncRole, BankSyncRoleArgs, DataStores, DataStoresArgs
from components.database import Database, DatabaseArgs
from components.keys import DomainKey, DomainKeyArgs
from components.load_balancer import LoadBalancer, LoadBalancerArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.validation import InvalidInput
from components.vpc import Vpc, VpcArgs
from stacks.config import ConfigError, StackConfig
from stacks.identity_tags import tag_every_resource

A = TypeVar("A")


def _args(cfg: StackConfig, make: Callable[[], A], config_keys: dict[str, str]) -> A:
    """Build a component's Args, re-labelling a validation error with the config key that fed the field."""
    try:
        return make()
    except InvalidInput as err:
        root = re.split(r"[.\[]", err.field, maxsplit=1)[0]
        if root not in config_keys:
            raise
        detail = err.field[len(root):]
        raise ConfigError(cfg.stack, f"{pulumi.get_project()}:{config_keys[root]}{detail}", err.problem, err.fix) from None


@dataclass(frozen=True)
class Baseline:
    """What a team extending the baseline builds on: the network, the per-domain keys and the backup plan."""

    vpc: Vpc
    keys: dict[str, DomainKey]
    backups: Backups


def build_baseline(cfg: StackConfig) -> Baseline:
    tag_every_resource()
    keys: dict[str, DomainKey] = {}

    def key(domain: str, region: str = cfg.region, **kwargs) -> DomainKey:
        keys[domain] = DomainKey(domain, DomainKeyArgs(domain=domain, account_id=cfg.account_id, region=region,
                                                       **kwargs))
        return keys[domain]

    logs_key = key("logs", service_principals=[f"logs.{cfg.region}.amazonaws.com"])
    audit_key = key("audit", via_services=["s3"], service_principals=[
        "cloudtrail.amazonaws.com", f"logs.{cfg.region}.amazonaws.com", "config.amazonaws.com"])
    database_key = key("database", via_services=["rds", "secretsmanager"])
    sessions_key = key("sessions", via_services=["dynamodb"])
    oauth_key = key("oauth-tokens", via_services=["dynamodb"])
    backups_key = key("backups", via_services=["backup"])
    backups_copy_key = key("backups-copy", region=cfg.backup_copy_region, via_services=["backup"])
    notifications_key = key("notifications", via_services=["sns"], service_principals=[
        "backup.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com"])
    # The bank-data key admits the bank-sync role alone (BANK-3), so the role comes first.
    bank_sync_role = BankSyncRole("bank-sync", BankSyncRoleArgs(account_id=cfg.account_id, region=cfg.region))
    bank_key = key("bank-data", via_services=["secretsmanager", "dynamodb"], user_role_arns=[bank_sync_role.arn])

    allowlist_args = _args(cfg, lambda: AllowlistsArgs(allowlists=cfg.allowlists, blocklist=cfg.blocklist),
                           {"allowlists": "allowlists", "blocklist": "blocklist"})
    allowlists = Allowlists("allowlists", allowlist_args)

    vpc = Vpc("network", _args(cfg, lambda: VpcArgs(
        cidr=cfg.vpc_cidr, availability_zones=cfg.availability_zones, region=cfg.region, account_id=cfg.account_id,
        flow_log_key_arn=logs_key.arn, nat_gateway_per_az=cfg.production, blocked_cidrs=allowlist_args.blocked_cidrs,
    ), {"cidr": "vpcCidr", "availability_zones": "availabilityZones"}))

    def load_balancer(name: str, **kwargs) -> LoadBalancer:
        return LoadBalancer(name, _args(cfg, lambda: LoadBalancerArgs(
            vpc_id=vpc.vpc_id, app_security_group_id=vpc.app_security_group_id,
            certificate_arn=cfg.certificate_arn, blocklist_ip_set_arns=allowlists.blocklist_ip_set_arns,
            waf_log_key_arn=logs_key.arn, account_id=cfg.account_id, region=cfg.region,
            production=cfg.production, **kwargs,
        ), {"certificate_arn": "certificateArn"}))

    web = load_balancer("web", subnet_ids=vpc.subnet_ids["public"])
    # Internal services (intranet, admin tools) sit behind an internal ALB in the app tier that
    # admits only the intranet allowlist; one prefix list keeps it inside the SG rule quota.
    load_balancer("intranet", subnet_ids=vpc.subnet_ids["app"], internal=True,
                  allowed_prefix_list_ids=allowlists.prefix_list_ids["intranet"])

    database = Database("database", _args(cfg, lambda: DatabaseArgs(
        vpc_id=vpc.vpc_id, subnet_ids=vpc.subnet_ids["data"], client_security_group_id=vpc.app_security_group_id,
        storage_key_arn=database_key.arn, production=cfg.production, instance_class=cfg.database_instance_class,
        backup_retention_days=cfg.database_backup_retention_days, account_id=cfg.account_id,
    ), {"backup_retention_days": "databaseBackupRetentionDays", "instance_class": "databaseInstanceClass"}))

    stores = DataStores("data", _args(cfg, lambda: DataStoresArgs(
        account_id=cfg.account_id, region=cfg.region, vpc_id=vpc.vpc_id, session_key_arn=sessions_key.arn,
        oauth_key_arn=oauth_key.arn, bank_key_arn=bank_key.arn, bank_sync_role=bank_sync_role,
        aggregator_cidrs=cfg.aggregator_cidrs, dynamodb_endpoint_id=vpc.dynamodb_endpoint_id,
        dynamodb_prefix_list_id=vpc.dynamodb_prefix_list_id,
        endpoints_security_group_id=vpc.endpoints_security_group_id,
    ), {"aggregator_cidrs": "aggregatorCidrs"}))

    backups = Backups("backups", _args(cfg, lambda: BackupsArgs(
        region=cfg.region, account_id=cfg.account_id, copy_region=cfg.backup_copy_region, key_arn=backups_key.arn,
        copy_key_arn=backups_copy_key.arn, notification_key_arn=notifications_key.arn,
        resource_arns=[database.arn, *stores.backup_resource_arns], production=cfg.production,
        retention_days=cfg.backup_retention_days,
    ), {"retention_days": "backupRetentionDays", "copy_region": "backupCopyRegion"}))

    monitoring = Monitoring("monitoring", _args(cfg, lambda: MonitoringArgs(
        account_id=cfg.account_id, region=cfg.region, audit_key_arn=audit_key.arn,
        alarm_topic_key_arn=notifications_key.arn,
        data_event_table_arns=[stores.transaction_table_arn, stores.oauth_token_table_arn],
        bank_token_secret_name=DataStoresArgs.bank_token_secret_name, alarm_emails=cfg.alarm_emails,
    ), {"alarm_emails": "alarmEmails"}))

    # Covers every bucket in the account, also those created later outside this stack.
    aws.s3.AccountPublicAccessBlock("account-public-access-block", account_id=cfg.account_id, block_public_acls=True,
                                    block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)

    pulumi.export("vpcId", vpc.vpc_id)
    pulumi.export("loadBalancerDnsName", web.dns_name)
    pulumi.export("databaseEndpoint", database.endpoint)
    pulumi.export("backupVaultArn", backups.vault_arn)
    pulumi.export("backupCopyVaultArn", backups.copy_vault_arn)
    pulumi.export("oauthTokenTableName", stores.oauth_token_table_name)
    pulumi.export("bankTokenSecretArn", stores.bank_token_secret_arn)
    pulumi.export("alarmTopicArn", monitoring.alarm_topic_arn)
    return Baseline(vpc=vpc, keys=keys, backups=backups)
