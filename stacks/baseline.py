"""Composes the components into one baseline from a validated StackConfig."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import pulumi

from components.backups import Backups, BackupsArgs
from components.database import Database, DatabaseArgs
from components.keys import DomainKey, DomainKeyArgs
from components.validation import InvalidInput
from components.vpc import Vpc, VpcArgs
from stacks.config import PROJECT, ConfigError, StackConfig

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
        raise ConfigError(cfg.stack, f"{PROJECT}:{config_keys[root]}{detail}", err.problem, err.fix) from None


def build_baseline(cfg: StackConfig) -> None:
    def key(domain: str, region: str = cfg.region, **kwargs) -> DomainKey:
        return DomainKey(domain, DomainKeyArgs(domain=domain, account_id=cfg.account_id, region=region, **kwargs))

    logs_key = key("logs", service_principals=[f"logs.{cfg.region}.amazonaws.com"])
    database_key = key("database", via_services=["rds", "secretsmanager"])
    backups_key = key("backups", via_services=["backup"])
    backups_copy_key = key("backups-copy", region=cfg.backup_copy_region, via_services=["backup"])
    notifications_key = key("notifications", via_services=["sns"],
                            service_principals=["backup.amazonaws.com", "cloudwatch.amazonaws.com"])

    vpc = Vpc("network", _args(cfg, lambda: VpcArgs(
        cidr=cfg.vpc_cidr, availability_zones=cfg.availability_zones, region=cfg.region,
        flow_log_key_arn=logs_key.arn, nat_gateway_per_az=cfg.production,
    ), {"cidr": "vpcCidr", "availability_zones": "availabilityZones"}))

    database = Database("database", _args(cfg, lambda: DatabaseArgs(
        vpc_id=vpc.vpc_id, subnet_ids=vpc.subnet_ids["data"], client_security_group_id=vpc.app_security_group_id,
        storage_key_arn=database_key.arn, production=cfg.production, instance_class=cfg.database_instance_class,
        backup_retention_days=cfg.database_backup_retention_days,
    ), {"backup_retention_days": "databaseBackupRetentionDays", "instance_class": "databaseInstanceClass"}))

    backups = Backups("backups", _args(cfg, lambda: BackupsArgs(
        region=cfg.region, copy_region=cfg.backup_copy_region, key_arn=backups_key.arn,
        copy_key_arn=backups_copy_key.arn, notification_key_arn=notifications_key.arn,
        resource_arns=[database.arn], production=cfg.production, retention_days=cfg.backup_retention_days,
    ), {"retention_days": "backupRetentionDays", "copy_region": "backupCopyRegion"}))

    pulumi.export("vpcId", vpc.vpc_id)
    pulumi.export("databaseEndpoint", database.endpoint)
    pulumi.export("backupVaultArn", backups.vault_arn)
    pulumi.export("backupCopyVaultArn", backups.copy_vault_arn)
