"""PostgreSQL on RDS (single instance, Multi-AZ in prod) in the data tier.

Why RDS rather than Aurora: one instance resource carries every protection the promises need
(DB-1..DB-4) and maps one-to-one onto the AWS FSBP RDS controls, Multi-AZ gives the standby,
and staging can run a small single-AZ copy of the same shape. Aurora adds a cluster, cluster
instances and a second parameter-group kind for no extra promise.

The only way in is the app tier's security group on the database port (no CIDR sources), the
master password is generated and kept by Secrets Manager, and TLS is forced by the parameter
group rather than trusted to clients.

Every statement that reads or changes data is recorded (BANK-4): the parameter group loads
pgaudit and sets ``pgaudit.log = read,write,ddl,role``. pgaudit rather than ``log_statement=all``
because its records are classified (READ/WRITE/DDL/ROLE), name the object, and log the statement
once with its parameters even inside functions and dynamic SQL, where log_statement sees only the
outer call. ``log_statement=ddl`` stays as the floor that holds even if the library is not loaded
yet (it loads on the next reboot), and ``log_min_duration_statement`` records slow statements.
The log is exported to CloudWatch Logs. Enhanced monitoring (OS metrics every 60 s) uses its own
role, which only RDS monitoring may assume for this account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.iam import service_trust_policy
from components.validation import ACCOUNT_ID, require

MIN_BACKUP_RETENTION_DAYS = 7
MIN_PROD_BACKUP_RETENTION_DAYS = 14
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
POSTGRES_PORT = 5432
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
MONITORING_INTERVALS = (1, 5, 10, 15, 30, 60)
"""The intervals (seconds) RDS enhanced monitoring accepts; 0 turns it off."""
ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
AUDIT_PARAMETERS = (
    ("shared_preload_libraries", "pgaudit", "pending-reboot"),
    ("pgaudit.log", "read,write,ddl,role", "immediate"),
    ("pgaudit.log_parameter", "1", "immediate"),
    ("log_statement", "ddl", "immediate"),
    ("log_min_duration_statement", "1000", "immediate"),
)
_INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9-]+\.[a-z0-9]+$")


@dataclass
class DatabaseArgs:
    vpc_id: pulumi.Input[str]
    subnet_ids: list[pulumi.Input[str]]
    """Data-tier subnets only: the subnet group is the database's whole network footprint."""
    client_security_group_id: pulumi.Input[str]
    """The app tier's security group: the one source admitted on the database port."""
    storage_key_arn: pulumi.Input[str]
    production: bool
    identifier: str = "app-db"
    engine_version: str = "16"
    instance_class: str = "db.t4g.medium"
    allocated_storage_gb: int = 50
    max_allocated_storage_gb: int = 200
    backup_retention_days: int | None = None
    """Defaults to 14 in production and 7 elsewhere; lower values are refused."""
    multi_az: bool | None = None
    """Defaults to the value of ``production``."""
    username: str = "app_admin"
    log_exports: list[str] = field(default_factory=lambda: ["postgresql", "upgrade", "iam-db-auth-error"])
    account_id: str = ""
    """Pins the enhanced-monitoring role's trust to this account (confused deputy)."""
    monitoring_interval_seconds: int = 60

    def __post_init__(self) -> None:
        minimum = MIN_PROD_BACKUP_RETENTION_DAYS if self.production else MIN_BACKUP_RETENTION_DAYS
        if self.backup_retention_days is None:
            self.backup_retention_days = minimum
        if self.multi_az is None:
            self.multi_az = self.production
        require(minimum <= self.backup_retention_days <= 35, "backup_retention_days",
                f"{self.backup_retention_days} days is outside {minimum}..35"
                + (" for production" if self.production else ""), f"keep backups {minimum} to 35 days")
        require(len(self.subnet_ids) >= 2, "subnet_ids", f"{len(self.subnet_ids)} subnet(s) given",
                "give data-tier subnets in at least two availability zones")
        require(self.multi_az or not self.production, "multi_az", "a production database without a standby",
                "leave multi_az on in production")
        require(isinstance(self.instance_class, str) and bool(_INSTANCE_CLASS.match(self.instance_class)),
                "instance_class", f"{self.instance_class!r} is not an RDS instance class",
                "use a class such as db.r6g.large")
        require(bool(_IDENTIFIER.match(self.identifier)), "identifier", f"{self.identifier!r} is not a valid RDS identifier",
                "use lowercase letters, digits and hyphens, starting with a letter")
        require(self.engine_version.split(".")[0].isdigit() and int(self.engine_version.split(".")[0]) >= 14,
                "engine_version", f"PostgreSQL {self.engine_version} is out of standard support", "use 14 or later")
        require(20 <= self.allocated_storage_gb <= self.max_allocated_storage_gb, "allocated_storage_gb",
                f"{self.allocated_storage_gb} GB with a ceiling of {self.max_allocated_storage_gb} GB",
                "give at least 20 GB and no more than max_allocated_storage_gb")
        require(bool(ACCOUNT_ID.match(self.account_id)), "account_id", f"{self.account_id!r} is not a 12-digit "
                "account id", "pass the stack's account id")
        require(self.monitoring_interval_seconds in MONITORING_INTERVALS, "monitoring_interval_seconds",
                f"{self.monitoring_interval_seconds} is not an enhanced-monitoring interval",
                f"use one of {', '.join(map(str, MONITORING_INTERVALS))}")
        require(self.username not in ("postgres", "admin", "root"), "username", f"{self.username!r} is a guessable name",
                "pick an application-specific admin name")


class Database(pulumi.ComponentResource):
    """An encrypted, TLS-only PostgreSQL instance reachable only from the app tier's security group."""

    instance: aws.rds.Instance
    arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("security-baseline:database:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        major = args.engine_version.split(".")[0]

        subnet_group = aws.rds.SubnetGroup(f"{name}-subnets", subnet_ids=args.subnet_ids,
                                           description="Data tier only", opts=child)
        sg = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id=args.vpc_id,
                                   description="Database: PostgreSQL from the app tier's security group only",
                                   tags={"Name": f"{name}-db", "tier": "data"}, opts=child)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-app", security_group_id=sg.id, ip_protocol="tcp", from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT, referenced_security_group_id=args.client_security_group_id,
            description="PostgreSQL from the app tier", opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-app-to-db", security_group_id=args.client_security_group_id, ip_protocol="tcp",
            from_port=POSTGRES_PORT, to_port=POSTGRES_PORT, referenced_security_group_id=sg.id,
            description="App tier to PostgreSQL", opts=child,
        )
        params = aws.rds.ParameterGroup(
            f"{name}-params", family=f"postgres{major}", description="Forces TLS 1.2+, logs connections and audits statements",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1"),
                aws.rds.ParameterGroupParameterArgs(name="ssl_min_protocol_version", value="TLSv1.2"),
                aws.rds.ParameterGroupParameterArgs(name="log_connections", value="1"),
                aws.rds.ParameterGroupParameterArgs(name="log_disconnections", value="1"),
                *(aws.rds.ParameterGroupParameterArgs(name=n, value=v, apply_method=m) for n, v, m in AUDIT_PARAMETERS),
            ],
            opts=child,
        )
        monitoring_role = aws.iam.Role(f"{name}-monitoring-role", assume_role_policy=service_trust_policy(
            "monitoring.rds.amazonaws.com", args.account_id), opts=child)
        aws.iam.RolePolicyAttachment(f"{name}-monitoring-role-policy", role=monitoring_role.name,
                                     policy_arn=ENHANCED_MONITORING_POLICY, opts=child)
        self.instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=args.identifier,
            engine="postgres",
            engine_version=args.engine_version,
            instance_class=args.instance_class,
            allocated_storage=args.allocated_storage_gb,
            max_allocated_storage=args.max_allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.storage_key_arn,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[sg.id],
            publicly_accessible=False,
            port=POSTGRES_PORT,
            parameter_group_name=params.name,
            ca_cert_identifier=CA_CERTIFICATE,
            iam_database_authentication_enabled=True,
            username=args.username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.storage_key_arn,
            multi_az=args.multi_az,
            backup_retention_period=args.backup_retention_days,
            backup_window="02:00-03:00",
            maintenance_window="sun:04:00-sun:05:00",
            copy_tags_to_snapshot=True,
            deletion_protection=True,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{args.identifier}-final",
            delete_automated_backups=False,
            enabled_cloudwatch_logs_exports=args.log_exports,
            monitoring_interval=args.monitoring_interval_seconds,
            monitoring_role_arn=monitoring_role.arn,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=args.storage_key_arn,
            auto_minor_version_upgrade=True,
            opts=child,
        )
        self.arn = self.instance.arn
        self.security_group_id = sg.id
        self.endpoint = self.instance.endpoint
        self.register_outputs({"arn": self.arn, "security_group_id": self.security_group_id})
