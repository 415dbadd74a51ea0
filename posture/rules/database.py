"""RDS and Aurora: not public, encrypted with our key, TLS-only, recoverable, passwordless config, connections
on record (DB-1..DB-4, BANK-4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from posture.resources import REDACTED, ResourceView
from posture.rules.graph import Graph, graph
from posture.rules.results import RuleResult, each, failed, not_applicable, passed, require_true, scope
from posture.rules.tokens import (
    RDS_CLUSTER,
    RDS_CLUSTER_PARAMETER_GROUP,
    RDS_INSTANCE,
    RDS_PARAMETER_GROUP,
)
from posture.rules.values import as_bool, as_int, as_list, customer_key, is_aws_managed_key, plain, props

MIN_BACKUP_RETENTION_DAYS = 7
CURRENT_CA_CERTIFICATES = frozenset({"rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"})
_TLS_PARAMETERS = {
    "postgres": ("rds.force_ssl", {"1"}),
    "aurora-postgresql": ("rds.force_ssl", {"1"}),
    "sqlserver": ("rds.force_ssl", {"1"}),
    "mysql": ("require_secure_transport", {"1", "on"}),
    "mariadb": ("require_secure_transport", {"1", "on"}),
    "aurora-mysql": ("require_secure_transport", {"1", "on"}),
}


def _engine_family(engine: str) -> str:
    engine = engine.lower()
    if engine.startswith("sqlserver"):
        return "sqlserver"
    if engine.startswith("oracle"):
        return "oracle"
    return engine


def _created_from_another_database(resource: ResourceView) -> bool:
    """A read replica, a snapshot restore, or a secondary cluster of a global database: each takes
    its credentials (and its source keeps the backups) from another database.

    A global database's *writer* also carries globalClusterIdentifier; it is the source, so it must
    keep its own backups and managed password. Only a member with no master username of its own is
    a secondary."""
    p = props(resource)
    if any(p.get(k) for k in ("replicateSourceDb", "replicationSourceIdentifier", "snapshotIdentifier")):
        return True
    return bool(p.get("globalClusterIdentifier")) and not p.get("masterUsername")


def _is_aurora(resource: ResourceView) -> bool:
    return str(props(resource).get("engine") or "").startswith("aurora")


# --- public access ------------------------------------------------------------------------------


def instance_disallow_public_access(resource: ResourceView) -> RuleResult:
    value = as_bool(props(resource).get("publiclyAccessible"))
    if value:
        return failed(resource, "publiclyAccessible", value, "the database gets a public DNS name and address",
                      "false")
    return passed(resource, "not publicly accessible")


def cluster_disallow_public_access(resource: ResourceView) -> RuleResult:
    p = props(resource)
    value = as_bool(p.get("publiclyAccessible"))
    if value:
        return failed(resource, "publiclyAccessible", value, "the cluster gets public addresses",
                      "false")
    if value is None and _is_aurora(resource):
        return not_applicable(resource, "Aurora sets public access on each cluster instance")
    if value is None and not p.get("dbSubnetGroupName"):
        return failed(resource, "publiclyAccessible", value,
                      "a Multi-AZ DB cluster without a DB subnet group defaults to publicly accessible",
                      "false (or unset with a DB subnet group)")
    return passed(resource, "not publicly accessible")


PUBLIC_SHARE = "all"
"""The ``sharedAccounts`` entry (AWS's ``restore`` attribute value) that makes a snapshot public."""


def snapshot_disallow_sharing(resource: ResourceView, settings: Mapping[str, Any] | None = None) -> RuleResult:
    shared = [str(a) for a in as_list(props(resource).get("sharedAccounts"))]
    allowed = set((settings or {}).get("allowedAccounts") or ())
    expected = "no account" + (f" but {', '.join(sorted(allowed))}" if allowed else "")
    if PUBLIC_SHARE in shared:
        return failed(resource, "sharedAccounts", shared, "any AWS account can copy and restore the whole database",
                      expected)
    others = sorted(set(shared) - allowed)
    if others:
        return failed(resource, "sharedAccounts", shared, f"{', '.join(others)} can copy and restore the whole "
                      "database", expected)
    return passed(resource, f"shared only with {', '.join(shared)}" if shared else "shared with no other account")


# --- encryption at rest --------------------------------------------------------------------------


def _require_cmk_storage(resource: ResourceView) -> RuleResult:
    p = props(resource)
    encrypted = as_bool(p.get("storageEncrypted"))
    if not encrypted:
        return failed(resource, "storageEncrypted", encrypted, "data, logs, backups and snapshots are stored in clear",
                      "true")
    key = customer_key(p, "kmsKeyId")
    if not key or is_aws_managed_key(key):
        return failed(resource, "kmsKeyId", key, "storage uses the AWS-managed key, whose policy we cannot restrict",
                      "the database's customer-managed key")
    if as_bool(p.get("performanceInsightsEnabled")):
        insights_key = customer_key(p, "performanceInsightsKmsKeyId")
        if not insights_key or is_aws_managed_key(insights_key):
            return failed(resource, "performanceInsightsKmsKeyId", insights_key, "Performance Insights keeps query "
                          "text under the AWS-managed key", "the customer-managed key of the storage")
    return passed(resource, f"storage encrypted with {key}")


instance_require_cmk_encryption = _require_cmk_storage
cluster_require_cmk_encryption = _require_cmk_storage


# --- IAM authentication, deletion protection, backups, final snapshot -----------------------------


instance_enable_iam_authentication = require_true(
    "iamDatabaseAuthenticationEnabled", "only long-lived passwords can authenticate",
    "true", "IAM database authentication on")
cluster_enable_iam_authentication = instance_enable_iam_authentication
instance_enable_deletion_protection = require_true(
    "deletionProtection", "one API call or a replaced resource deletes the database",
    "true", "deletion protection on")
cluster_enable_deletion_protection = instance_enable_deletion_protection


def _require_backup_retention(resource: ResourceView, settings: Mapping[str, Any] | None = None) -> RuleResult:
    """``settings["minimumRetentionDays"]`` (pack config) raises or lowers the floor."""
    if _created_from_another_database(resource) and props(resource).get("backupRetentionPeriod") is None:
        return not_applicable(resource, "a replica, restore or global secondary; its source keeps the backups")
    minimum = int((settings or {}).get("minimumRetentionDays") or MIN_BACKUP_RETENTION_DAYS)
    days = as_int(props(resource).get("backupRetentionPeriod"))
    if days is None or days < minimum:
        return failed(resource, "backupRetentionPeriod", days,
                      f"automated backups kept fewer than {minimum} days (AWS defaults to 1)",
                      f"at least {minimum} days (14 in production)")
    return passed(resource, f"automated backups kept {days} days")


instance_require_backup_retention = _require_backup_retention
cluster_require_backup_retention = _require_backup_retention


def _require_final_snapshot(resource: ResourceView) -> RuleResult:
    p = props(resource)
    skip = as_bool(p.get("skipFinalSnapshot"))
    if skip:
        return failed(resource, "skipFinalSnapshot", skip, "deleting the database leaves no snapshot behind",
                      "false")
    if not p.get("finalSnapshotIdentifier"):
        return failed(resource, "finalSnapshotIdentifier", None, "the final snapshot has no name, so deletion fails or "
                      "falls back to skipping it", "a snapshot name")
    if resource.type == RDS_INSTANCE:
        delete_backups = as_bool(p.get("deleteAutomatedBackups"))
        if delete_backups is not False:
            return failed(resource, "deleteAutomatedBackups", delete_backups,
                          "automated backups are deleted with the instance (the provider's default)",
                          "false")
    return passed(resource, "a final snapshot is kept on deletion")


instance_require_final_snapshot = _require_final_snapshot
cluster_require_final_snapshot = _require_final_snapshot


# --- master password ---------------------------------------------------------------------------


def _require_managed_password(password_keys: tuple[str, ...]):
    def rule(resource: ResourceView) -> RuleResult:
        p = props(resource)
        for key in password_keys:
            if p.is_set(key):
                return failed(resource, key, REDACTED, "the master password is written in the program and kept in "
                              "state", "absent (manageMasterUserPassword true instead)")
        if _created_from_another_database(resource) and p.get("manageMasterUserPassword") is None:
            return not_applicable(resource, "a replica, restore or global secondary inherits its source's credentials")
        managed = as_bool(p.get("manageMasterUserPassword"))
        if not managed:
            return failed(resource, "manageMasterUserPassword", managed,
                          "the master password is not generated and rotated by Secrets Manager",
                          "true")
        key = customer_key(p, "masterUserSecretKmsKeyId")
        if not key or is_aws_managed_key(key):
            return failed(resource, "masterUserSecretKmsKeyId", key,
                          "the master password secret is encrypted with the AWS-managed key",
                          "the database's customer-managed key")
        return passed(resource, "master password generated and kept by Secrets Manager")

    return rule


instance_require_managed_master_password = _require_managed_password(("password", "passwordWo"))
cluster_require_managed_master_password = _require_managed_password(("masterPassword", "masterPasswordWo"))


# --- patching and certificates -----------------------------------------------------------------


def _auto_minor_upgrade(resource: ResourceView) -> RuleResult:
    value = as_bool(props(resource).get("autoMinorVersionUpgrade"))
    if value is False:
        return failed(resource, "autoMinorVersionUpgrade", value, "security patches wait for a manual upgrade",
                      "true or absent (AWS defaults to true)")
    return passed(resource, "minor versions upgrade automatically")


instance_enable_auto_minor_version_upgrade = _auto_minor_upgrade
cluster_enable_auto_minor_version_upgrade = _auto_minor_upgrade


def instance_require_current_ca_certificate(resource: ResourceView) -> RuleResult:
    ca = props(resource).get("caCertIdentifier")
    if ca not in CURRENT_CA_CERTIFICATES:
        return failed(resource, "caCertIdentifier", ca,
                      "clients cannot pin a current CA (an unset value takes the account default, which may be "
                      "an expired rds-ca-2019)", f"one of {', '.join(sorted(CURRENT_CA_CERTIFICATES))}")
    return passed(resource, f"server certificate signed by {ca}")


# --- TLS forced by the parameter group (stack) -------------------------------------------------


def _parameter_group_key(db: ResourceView) -> tuple[str, tuple[str, ...]]:
    if db.type == RDS_CLUSTER:
        return "dbClusterParameterGroupName", (RDS_CLUSTER_PARAMETER_GROUP,)
    return "parameterGroupName", (RDS_PARAMETER_GROUP,)


def _parameters(group: ResourceView) -> dict[str, str]:
    return {str(item.get("name")): str(item.get("value")).lower() for item in props(group).get("parameters") or []}


def database_require_forced_tls(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)

    def check(db: ResourceView) -> RuleResult:
        p = props(db)
        family = _engine_family(str(p.get("engine") or ""))
        if family not in _TLS_PARAMETERS:
            return not_applicable(db, f"engine {family or 'unset'} forces TLS through an option group, not a "
                                      "parameter")
        parameter, accepted = _TLS_PARAMETERS[family]
        key, group_types = _parameter_group_key(db)
        ref = p.ref(key)
        if ref is None:
            return failed(db, key, None, f"the default parameter group does not set {parameter}, so clients may "
                          "connect in clear", f"a parameter group with {parameter} = 1")
        group = g.resolve(ref, *group_types)
        if group is None:
            return failed(db, key, ref.value, f"the parameter group is not {scope().declared}, so forced TLS cannot be "
                          "proven", f"a parameter group {scope().declared}")
        value = _parameters(group).get(parameter)
        if value not in accepted:
            return failed(group, "parameters", {parameter: value},
                          f"{db.name} accepts unencrypted connections", f"{parameter} = 1")
        return passed(db, f"TLS forced by {group.name} ({parameter}={value})")

    return each(g.of_type(RDS_INSTANCE, RDS_CLUSTER), check)



# --- connection logging (stack) ----------------------------------------------------------------

_CONNECTION_LOG_PARAMETERS = ("log_connections", "log_disconnections")
_POSTGRES_ON = frozenset({"1", "on", "true"})
_POSTGRES_LOG_EXPORT = "postgresql"


def postgres_parameter_group(g: Graph, db: ResourceView, what: str) -> ResourceView | RuleResult:
    """The parameter group a PostgreSQL database uses, or NOT_APPLICABLE saying why there is none to
    read (another engine does ``what`` through an option group; the default or an undeclared group
    is stack-database-require-forced-tls's finding)."""
    p = props(db)
    family = _engine_family(str(p.get("engine") or ""))
    if family not in ("postgres", "aurora-postgresql"):
        return not_applicable(db, f"engine {family or 'unset'} {what} through an audit plugin in an option group, "
                                  "which this control does not read")
    key, group_types = _parameter_group_key(db)
    ref = p.ref(key)
    group = g.resolve(ref, *group_types) if ref is not None else None
    if group is None:
        return not_applicable(db, f"no parameter group {scope().declared} (see stack-database-require-forced-tls)")
    return group


def database_require_connection_logging(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)

    def check(db: ResourceView) -> RuleResult:
        p = props(db)
        group = postgres_parameter_group(g, db, "logs connections")
        if isinstance(group, RuleResult):
            return group
        values = _parameters(group)
        off = {name: values.get(name) for name in _CONNECTION_LOG_PARAMETERS if values.get(name) not in _POSTGRES_ON}
        if off:
            return failed(group, "parameters", off, f"logins to {db.name} and their sessions leave no record",
                          "log_connections = 1 and log_disconnections = 1")
        exports = [str(e) for e in as_list(plain(p.get("enabledCloudwatchLogsExports")))]
        if _POSTGRES_LOG_EXPORT not in exports:
            return failed(db, "enabledCloudwatchLogsExports", exports or None, "connection records stay in the "
                          "instance's own log files, deleted after a few days and readable by no reviewer",
                          f'a list including "{_POSTGRES_LOG_EXPORT}"')
        return passed(db, f"connections logged by {group.name} and exported to CloudWatch Logs")

    return each(g.of_type(RDS_INSTANCE, RDS_CLUSTER), check)
