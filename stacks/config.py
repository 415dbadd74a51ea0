"""Typed, validated stack configuration.

Every value is read once, here, from ``Pulumi.<stack>.yaml``; a bad value stops the program with
one line naming the file, the key and the fix. Component Args validate again what they own,
and their errors are re-labelled with the config key that fed them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from components.validation import ACCOUNT_ID
from posture.facts import AWS_REGION_NAME

ENVIRONMENTS = ("prod", "staging")
MIN_PROD_AVAILABILITY_ZONES = 3
_SECRET_LOOKING_KEY = re.compile(r"(password|passwd|secret|token|api[-_]?key|private[-_]?key|credential)", re.IGNORECASE)


class ConfigError(pulumi.RunError):
    """A stack configuration value that is missing, malformed or insecure."""

    def __init__(self, stack: str, key: str, problem: str, fix: str) -> None:
        self.key = key
        super().__init__(f"Pulumi.{stack}.yaml {key}: {problem}; {fix}")


@dataclass(frozen=True)
class StackConfig:
    stack: str
    environment: str
    account_id: str
    region: str
    vpc_cidr: str
    availability_zones: list[str]
    backup_copy_region: str
    database_instance_class: str
    backup_retention_days: int | None
    database_backup_retention_days: int | None
    aggregator_cidrs: list[str]
    alarm_emails: list[str]
    certificate_arn: str
    allowlists: dict[str, Any]
    blocklist: list[Any]

    @property
    def production(self) -> bool:
        return self.environment == "prod"


class _Reader:
    """Reads one stack's config and turns every problem into a ConfigError naming the key."""

    def __init__(self) -> None:
        self.stack = pulumi.get_stack()
        # The running project's own namespace: `pulumi new` from this template may name it anything.
        self.project = pulumi.get_project()
        self.config = pulumi.Config(self.project)

    def fail(self, key: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(self.stack, key, problem, fix)

    def text(self, key: str, default: str | None = None, namespace: str | None = None) -> str:
        namespace = namespace or self.project
        value = pulumi.Config(namespace).get(key)
        if value is None or value == "":
            if default is not None:
                return default
            raise self.fail(f"{namespace}:{key}", "is not set", f"add it with `pulumi config set {key} <value>`")
        return value

    def integer(self, key: str) -> int | None:
        raw = self.config.get(key)
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError:
            raise self.fail(f"{self.project}:{key}", f"{raw!r} is not a whole number", "give a number of days") from None

    def structured(self, key: str, kind: type, default: Any) -> Any:
        """A YAML list or mapping; the shape of its entries is validated by the component that owns it."""
        qualified = f"{self.project}:{key}"
        shape = "list" if kind is list else "mapping"
        try:
            value = self.config.get_object(key)
        except Exception:
            raise self.fail(qualified, "is not valid YAML/JSON", f"write it as a YAML {shape}") from None
        if value is None:
            if default is not None:
                return default
            raise self.fail(qualified, "is not set", f"add it as a YAML {shape}")
        if not isinstance(value, kind):
            raise self.fail(qualified, f"is a {type(value).__name__}, not a {shape}", f"write it as a YAML {shape}")
        return value

    def string_list(self, key: str, required: bool = True) -> list[str]:
        value = self.structured(key, list, None if required else [])
        if not all(isinstance(v, str) for v in value):
            raise self.fail(f"{self.project}:{key}", f"{value!r} is not a list of strings", "write it as a YAML list of strings")
        return value

    def refuse_plaintext_secrets(self) -> None:
        """BANK-1: a config value whose name says it is a secret must be stored with ``--secret``."""
        values: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
        secret_keys = set(runtime_config.get_config_secret_keys_env()) | runtime_config._SECRET_KEYS.get()
        for key in sorted(values):
            if _SECRET_LOOKING_KEY.search(key.split(":", 1)[-1]) and key not in secret_keys:
                raise self.fail(key, "holds a secret in plain text",
                                f"remove it and run `pulumi config set --secret {key.split(':', 1)[-1]} <value>`")


def load_stack_config() -> StackConfig:
    reader = _Reader()
    reader.refuse_plaintext_secrets()
    environment = reader.text("environment")
    if environment not in ENVIRONMENTS:
        raise reader.fail(f"{reader.project}:environment", f"{environment!r} is not a known environment",
                          f"use one of {', '.join(ENVIRONMENTS)}")
    account_id = reader.text("accountId")
    if not ACCOUNT_ID.match(account_id):
        raise reader.fail(f"{reader.project}:accountId", f"{account_id!r} is not a 12-digit AWS account id",
                          "copy it from `aws sts get-caller-identity`")
    region = reader.text("region", namespace="aws")
    copy_region = reader.text("backupCopyRegion")
    for key, value in (("aws:region", region), (f"{reader.project}:backupCopyRegion", copy_region)):
        if not AWS_REGION_NAME.match(value):
            raise reader.fail(key, f"{value!r} is not an AWS region name", "use a name like eu-west-1")
    zones = reader.string_list("availabilityZones")
    if environment == "prod" and len(zones) < MIN_PROD_AVAILABILITY_ZONES:
        raise reader.fail(f"{reader.project}:availabilityZones", f"{len(zones)} zones for prod",
                          f"list at least {MIN_PROD_AVAILABILITY_ZONES} so the database and NAT survive a zone outage")
    for zone in zones:
        if not zone.startswith(region):
            raise reader.fail(f"{reader.project}:availabilityZones", f"{zone!r} is not in {region}",
                              f"use zones of {region}, e.g. {region}a")
    return StackConfig(
        stack=reader.stack,
        environment=environment,
        account_id=account_id,
        region=region,
        vpc_cidr=reader.text("vpcCidr"),
        availability_zones=zones,
        backup_copy_region=copy_region,
        database_instance_class=reader.text("databaseInstanceClass"),  # default declared in Pulumi.yaml
        backup_retention_days=reader.integer("backupRetentionDays"),
        database_backup_retention_days=reader.integer("databaseBackupRetentionDays"),
        aggregator_cidrs=reader.string_list("aggregatorCidrs"),
        alarm_emails=reader.string_list("alarmEmails", required=False),
        certificate_arn=reader.text("certificateArn"),
        allowlists=reader.structured("allowlists", dict, None),
        blocklist=reader.structured("blocklist", list, []),
    )
