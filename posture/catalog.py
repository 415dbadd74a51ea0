"""The control catalog: the single source of truth for ids, titles, severities, promises,
framework references and remediation. The policy pack, the offline check, the live audit,
the reports and docs/controls.md all read it; nothing here is repeated elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from posture.facts import ALLOWED_TLS_POLICIES
from posture.findings import Severity
from posture.rules import application as app
from posture.rules import tokens as tok
from posture.scope import BASELINE_STACKS_SETTING

PACK_NAME = "security-baseline"
"""The CrossGuard policy pack's name, as `pulumi preview` reports it in its event log."""


@dataclass(frozen=True)
class Promise:
    id: str
    text: str
    application_responsibility: str | None = None
    """What infrastructure cannot prove about this promise; reported as application
    responsibility, never as passed."""
    title: str = ""
    """A few words for narrow places (the console's promise table)."""


@dataclass(frozen=True)
class Control:
    id: str
    """``aws-<service>-<resource>-<verb-phrase>`` or ``stack-<subject>-<verb-phrase>``."""
    title: str
    description: str
    severity: Severity
    promises: tuple[str, ...]
    frameworks: dict[str, tuple[str, ...]]
    """Framework name ("AWS FSBP", "CIS AWS", "NIST 800-53", "PCI DSS") to its control ids."""
    remediation: str
    """What to change, ending with the project code that does it (``satisfied_by``), so a report
    names the component argument to set."""
    resource_types: tuple[str, ...]
    """Pulumi type tokens the rule reads: for resource controls, the types it runs on; for stack
    controls, the types it follows through the graph (informational)."""
    enforcers: tuple[str, ...] = ("policy", "offline")
    """Where the control is enforced: ``policy`` (CrossGuard), ``offline`` (posture check),
    ``live`` (posture audit)."""
    references: tuple[str, ...] = field(default_factory=tuple)
    scope: str = "any"
    """``any``: every stack that declares what the control reads; ``baseline``: baseline stacks only
    (posture/scope.py), because the control requires the stack itself to declare something."""
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Thresholds the control takes from the pack config: a JSON Schema per property, with its default."""
    satisfied_by: tuple[str, ...] = ()
    """Dotted names of the project code that satisfies the control: a component
    (``components.database.Database``, secure by default) or the argument to set
    (``components.database.DatabaseArgs.backup_retention_days``). Empty when no component declares
    the resource. tests/policies/test_catalog.py imports each name, so the text cannot drift from the code."""

    @property
    def is_stack_control(self) -> bool:
        return self.id.startswith("stack-")

    @property
    def config_schema(self) -> dict[str, dict[str, Any]]:
        """The properties of the control's CrossGuard ``configSchema``: its settings, and for a
        baseline-scoped control the stacks it applies to."""
        return {**self.settings, **(BASELINE_STACKS_SETTING if self.scope == "baseline" else {})}

    def resolve_config(self, given: Any = None) -> dict[str, Any]:
        """The schema defaults with the given pack config on top (as the Pulumi CLI fills them in)."""
        defaults = {key: schema["default"] for key, schema in self.config_schema.items()}
        extra = {k: v for k, v in dict(given or {}).items() if k in defaults and v is not None}
        return {**defaults, **extra}


PROMISES: tuple[Promise, ...] = (
    Promise("DB-1", "The database has few entry points, and a firewall sits on each one.",
            title="Few database entry points, each firewalled"),
    Promise("DB-2", "Nothing outside the application can reach the database: it lives in a private network, "
                    "reads and writes come only from our own service.",
            title="The database is reachable only from our service"),
    Promise("DB-3", "Backups run on a schedule and are kept somewhere protected as strongly as the database itself.",
            title="Scheduled backups, protected like the database"),
    Promise("DB-4", "Data moving between the app and the database is encrypted.",
            title="App-to-database traffic is encrypted"),
    Promise("BANK-1", "Bank and card credentials are never seen or stored; bank access goes through a tokenized "
                      "access point.",
            application_responsibility="The application never asks for or stores bank or card credentials.",
            title="Bank credentials never seen; tokenized access"),
    Promise("BANK-2", "Connections to financial institutions are strictly read-only; stolen credentials or servers "
                      "cannot move money.",
            application_responsibility="The aggregator token is requested with read-only scopes.",
            title="Read-only bank connections"),
    Promise("BANK-3", "Transaction data travels encrypted and is stored in walled-off systems.",
            title="Transaction data encrypted and walled off"),
    Promise("BANK-4", "The bank channel is supervised (FFIEC-style): every access is recorded and reviewable.",
            title="Every bank-channel access is recorded"),
    Promise("SOC-1", "Social accounts connect by OAuth only; tokens expire regularly and a user can cut the "
                     "connection at any time.",
            application_responsibility="Login uses OAuth only and the disconnect button deletes the token item.",
            title="OAuth only; tokens expire and can be revoked"),
    Promise("APP-1", "Sessions live in the database, never in cookies; session data is destroyed at logout.",
            application_responsibility="No session data in cookies; the session item is deleted at logout.",
            title="Sessions server-side, destroyed at logout"),
    Promise("APP-2", "The whole site is served over TLS, which protects against session hijacking.",
            title="The whole site over TLS"),
    Promise("APP-3", "Requests carry an anti-forgery token; cross-site request forgery and XSS are blocked; "
                     "input is sanitized.",
            application_responsibility="Anti-forgery tokens on every state-changing request; output encoding.",
            title="Anti-forgery tokens; CSRF, XSS and injection blocked"),
    Promise("APP-4", "The application is continuously monitored and scanned; weaknesses are patched immediately.",
            title="Continuously monitored, scanned and patched"),
    Promise("ADM-1", "Firewalls and IP blocklists guard every internal service: intranet, database connections, "
                     "server connections.",
            title="Firewalls and IP blocklists on every internal service"),
)




# --- controls -----------------------------------------------------------------------------------

FRAMEWORK_VERSIONS: dict[str, str] = {
    "AWS FSBP": "v1.0.0",
    "CIS AWS": "v3.0.0",
    "NIST 800-53": "rev5",
    "PCI DSS": "v4.0.1",
}
"""The edition each framework reference in ``Control.frameworks`` points into."""

CONTROL_ID = re.compile(r"^aws-[a-z0-9]+-[a-z0-9]+-(disallow|enable|configure|require)(-[a-z0-9]+)+$")
STACK_CONTROL_ID = re.compile(r"^stack-[a-z0-9]+(-[a-z0-9]+)*-(disallow|enable|configure|require|reachable)"
                              r"(-[a-z0-9]+)+$")


def _frameworks(fsbp: str = "", cis: str = "", nist: str = "", pci: str = "") -> dict[str, tuple[str, ...]]:
    refs = {"AWS FSBP": fsbp, "CIS AWS": cis, "NIST 800-53": nist, "PCI DSS": pci}
    return {name: tuple(ids.split()) for name, ids in refs.items() if ids}


def _fsbp_url(control: str) -> str:
    service, number = control.lower().split(".")
    return f"https://docs.aws.amazon.com/securityhub/latest/userguide/{service}-controls.html#{service}-{number}"


OFFLINE_ONLY: dict[str, str] = {
    **{control: "not read live yet: the live collectors and the moto replay do not cover this setting (issue 13 "
                "follow-up)" for control in ("aws-rds-instance-enable-enhanced-monitoring",
                                             "stack-database-require-audit-logging",
                                             "stack-cloudtrail-bucket-require-access-logging",
                                             "stack-audit-bucket-require-lifecycle-retention")},
    "stack-findings-disallow-broad-suppression":
        "not read live yet: no collector for GuardDuty filters and Security Hub automation rules (issue 13 "
        "follow-up)",
    "aws-rds-instance-require-final-snapshot":
        "skip_final_snapshot, final_snapshot_identifier and delete_automated_backups are arguments of the delete "
        "call Pulumi makes, not properties of a running instance",
    "aws-rds-cluster-require-final-snapshot":
        "skip_final_snapshot and final_snapshot_identifier are arguments of the delete call, not cluster properties",
    "aws-secretsmanager-secretversion-disallow-stored-value":
        "whether a secret value passed through Pulumi state is a property of the program; every live secret has "
        "a value",
    "stack-secret-require-reader-allowlist-policy":
        "block_public_policy is an argument of the call that sets a secret's policy; AWS keeps no trace of it, so "
        "a live pass cannot be proven (the policy's grants are checked by the resource-policy controls)",
    "stack-vpc-require-locked-default-security-group":
        "adoption by the stack is a property of the program; live, every VPC has its default group, whose rules "
        "aws-ec2-defaultsecuritygroup-disallow-rules checks",
    "aws-kms-key-require-30-day-deletion-window":
        "deletion_window_in_days is an argument of the ScheduleKeyDeletion call; AWS keeps no trace of it on a key "
        "that is not pending deletion",
}
"""Controls the audit cannot check against a running account, with the reason."""

_TABLE_POLICY_WAITS = ("the DynamoDB gateway endpoint's id (vpce-...), which the table resource policies' "
                       "aws:SourceVpce condition names: the whole policy document is unknown until the endpoint "
                       "exists, on the three tables")
DECIDED_AT_DEPLOY: dict[str, str] = {
    "aws-iam-resourcepolicy-disallow-wildcard-grants": _TABLE_POLICY_WAITS,
    "aws-iam-resourcepolicy-require-confused-deputy-conditions": _TABLE_POLICY_WAITS,
    "stack-dynamodb-table-require-deny-policy": _TABLE_POLICY_WAITS,
    "stack-bank-data-require-walled-off-readers": _TABLE_POLICY_WAITS,
}
"""Controls that stay "cannot verify during preview" on the first preview of the baseline, with the value
only AWS computes that they wait for; ``pulumi up`` decides them. Every other control decides on the
first preview (tests/policies/test_first_preview.py holds both to this list)."""


BASELINE_ONLY: dict[str, str] = {
    **dict.fromkeys(("stack-account-require-cloudtrail", "stack-account-require-guardduty",
                     "stack-account-require-security-hub", "stack-account-require-config-recording",
                     "stack-account-require-inspector", "stack-account-require-cis-alarms",
                     "stack-account-require-s3-public-access-block"),
                    "an account-wide setting the baseline stack provides once for every application"),
    "stack-data-store-require-backup-plan":
        "the backup plan and its selections belong to the baseline stack; an application stack cannot declare "
        "the data stores of other stacks into it",
    "stack-data-store-require-rotating-key":
        "it requires the key to be declared in the same stack; application stacks use the baseline's keys by ARN, "
        "whose rotation the baseline stack proves",
    "stack-dynamodb-table-require-deny-policy":
        "the deny policy names the baseline's DynamoDB VPC endpoint and bank-sync role",
}
"""Controls that require the stack itself to declare something, with the reason they apply only
to baseline stacks (``Control.scope``)."""


def _list_setting(default: tuple[str, ...], description: str) -> dict[str, dict[str, Any]]:
    return {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "default": list(default),
            "description": description}


def _accounts_setting(description: str) -> dict[str, Any]:
    """A list of AWS account ids, none by default: every account a control admits is named in config."""
    return {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{12}$"}, "uniqueItems": True, "default": [],
            "description": description}


_RETENTION = {"minimumRetentionDays": {
    "type": "integer", "minimum": 1, "maximum": 35, "default": 7,
    "description": "Fewest days automated backups are kept (RDS allows 1 to 35)."}}
SETTINGS: dict[str, dict[str, dict[str, Any]]] = {
    "aws-rds-instance-require-backup-retention": _RETENTION,
    "aws-rds-cluster-require-backup-retention": _RETENTION,
    "aws-lb-listener-require-tls": {"allowedSslPolicies": _list_setting(
        tuple(sorted(ALLOWED_TLS_POLICIES)),
        "ELB security policies an HTTPS or TLS listener may use.")},
    "aws-lambda-function-require-supported-runtime": {"supportedRuntimes": _list_setting(
        app.SUPPORTED_LAMBDA_RUNTIMES, "Lambda runtimes still supported by AWS; anything else fails (FSBP Lambda.2).")},
    "aws-opensearch-domain-require-tls-endpoint": {"allowedTlsPolicies": _list_setting(
        app.OPENSEARCH_TLS_POLICIES, "Domain endpoint TLS security policies allowed.")},
    "aws-cloudfront-distribution-require-minimum-viewer-tls": {"allowedMinimumProtocolVersions": _list_setting(
        app.CLOUDFRONT_MINIMUM_PROTOCOLS, "Viewer security policies (minimum_protocol_version) allowed.")},
    "aws-rds-snapshot-disallow-sharing": {"allowedAccounts": _accounts_setting(
        "Accounts a DB snapshot may be shared with (a disaster-recovery account); never all.")},
    "stack-bank-data-require-walled-off-readers": {"trustedAccounts": _accounts_setting(
        "Accounts besides the stack's own whose principals may read the log buckets (trails, access logs, Config "
        "history): a log-archive or security-tooling account. Keys, secrets, tables and backup vaults still admit "
        "the stack's own account only, and bank data the walled-off role only.")},
}
"""Thresholds an organization sets in the pack config instead of the code (``Control.settings``)."""


NOT_COLLECTED_LIVE: dict[str, str] = {
    "aws-lambda-permission-disallow-public-invoke":
        "no live collector reads this resource yet; the control is checked before deploy (docs/pack-coverage.md)",
    **dict.fromkeys((
        "aws-cloudfront-distribution-require-https-to-viewers", "aws-cloudfront-distribution-require-https-to-origins",
        "aws-cloudfront-distribution-require-minimum-viewer-tls",
    ), "the distributions collector reads web ACLs and the default behavior, not every origin and cache behavior "
       "yet, and has no moto case for these settings; checked before deploy (docs/pack-coverage.md)"),
}
"""Controls the audit could check but has no collector for yet: unlike OFFLINE_ONLY, a gap, not a limit."""


def _control(*, id: str, title: str, severity: Severity, promises: str, frameworks: dict[str, tuple[str, ...]],
             resource_types: tuple[str, ...], description: str, remediation: str, satisfied_by: str = "") -> Control:
    """One catalog entry; ``promises`` and ``satisfied_by`` are space-separated lists."""
    offline = id in OFFLINE_ONLY or id in NOT_COLLECTED_LIVE
    enforcers = ("policy", "offline") if offline else ("policy", "offline", "live")
    satisfiers = tuple(satisfied_by.split())
    if satisfiers:
        remediation = f"{remediation} In this project: {', '.join(satisfiers)}."
    return Control(id=id, title=title, description=description, severity=severity, promises=tuple(promises.split()),
                   frameworks=frameworks, remediation=remediation, resource_types=resource_types, enforcers=enforcers,
                   references=tuple(_fsbp_url(c) for c in frameworks.get("AWS FSBP", ())),
                   scope="baseline" if id in BASELINE_ONLY else "any", settings=SETTINGS.get(id, {}),
                   satisfied_by=satisfiers)


CRITICAL, HIGH, MEDIUM, LOW = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW
_INSTANCE = (tok.RDS_INSTANCE,)
_INSTANCES = (tok.RDS_INSTANCE, tok.RDS_CLUSTER_INSTANCE)
_CLUSTER = (tok.RDS_CLUSTER,)

CONTROLS: tuple[Control, ...] = (
    # --- database (DB-1..DB-4) ---
    _control(
        id="aws-rds-instance-disallow-public-access",
        title="RDS DB instances are not publicly accessible",
        severity=CRITICAL,
        promises="DB-2 BANK-3",
        frameworks=_frameworks(fsbp="RDS.2", cis="2.3.3", nist="AC-3 AC-4 SC-7", pci="1.4.4"),
        resource_types=_INSTANCES,
        description=(
            "A publicly accessible instance gets a public DNS name and address; only its security group then stands between the "
            "internet and the database."
        ),
        remediation="Set publicly_accessible=False on aws.rds.Instance and aws.rds.ClusterInstance.",
        satisfied_by="components.database.Database",
    ),
    _control(
        id="aws-rds-cluster-disallow-public-access",
        title="RDS DB clusters are not publicly accessible",
        severity=CRITICAL,
        promises="DB-2 BANK-3",
        frameworks=_frameworks(nist="AC-3 AC-4 SC-7", pci="1.4.4"),
        resource_types=_CLUSTER,
        description="Multi-AZ DB clusters default to publicly accessible when no DB subnet group is set.",
        remediation="Set publicly_accessible=False and db_subnet_group_name to the data-tier subnet group.",
    ),
    _control(
        id="aws-rds-snapshot-disallow-sharing",
        title="RDS snapshots are shared with no other account, and never publicly",
        severity=CRITICAL,
        promises="DB-2 DB-3 BANK-3",
        frameworks=_frameworks(fsbp="RDS.1", nist="AC-3 AC-21 SC-7", pci="7.2.1"),
        resource_types=tok.RDS_SNAPSHOTS,
        description=(
            "A snapshot holds the whole database. Shared with `all`, any AWS account can copy it and restore it; "
            "shared with one account, that account's people can, whatever our security groups and key policies say "
            "about the running database."
        ),
        remediation=(
            "Leave shared_accounts unset on aws.rds.Snapshot, SnapshotCopy, ClusterSnapshot and ClusterSnapshotCopy; "
            "list a disaster-recovery account in the control's allowedAccounts setting instead of sharing ad hoc, "
            "and never share with all."
        ),
    ),
    _control(
        id="aws-rds-instance-require-cmk-encryption",
        title="RDS DB instances encrypt storage with a customer-managed key",
        severity=HIGH,
        promises="DB-3 BANK-3",
        frameworks=_frameworks(fsbp="RDS.3", cis="2.3.1", nist="SC-12 SC-28 SC-28(1)", pci="3.5.1"),
        resource_types=_INSTANCE,
        description=(
            "Storage, automated backups, replicas and snapshots inherit the instance's encryption; with our own key, the key policy "
            "decides who can ever read them."
        ),
        remediation=("Set storage_encrypted=True and kms_key_id to the database DomainKey's ARN; with Performance Insights on, "
                     "performance_insights_kms_key_id to the same key."),
        satisfied_by="components.database.DatabaseArgs.storage_key_arn",
    ),
    _control(
        id="aws-rds-cluster-require-cmk-encryption",
        title="RDS DB clusters encrypt storage with a customer-managed key",
        severity=HIGH,
        promises="DB-3 BANK-3",
        frameworks=_frameworks(fsbp="RDS.27", nist="SC-12 SC-28 SC-28(1)", pci="3.5.1"),
        resource_types=_CLUSTER,
        description="Aurora clusters are unencrypted unless storage_encrypted is set, and the choice cannot be changed after creation.",
        remediation=("Set storage_encrypted=True and kms_key_id to the database DomainKey's ARN; with Performance Insights on, "
                     "performance_insights_kms_key_id to the same key."),
    ),
    _control(
        id="aws-rds-instance-enable-iam-authentication",
        title="RDS DB instances accept IAM authentication",
        severity=MEDIUM,
        promises="DB-4",
        frameworks=_frameworks(fsbp="RDS.10", nist="AC-2 AC-3 IA-2 IA-5"),
        resource_types=_INSTANCE,
        description="IAM database authentication lets the app connect with short-lived tokens over TLS instead of a long-lived password.",
        remediation="Set iam_database_authentication_enabled=True.",
        satisfied_by="components.database.Database",
    ),
    _control(
        id="aws-rds-cluster-enable-iam-authentication",
        title="RDS DB clusters accept IAM authentication",
        severity=MEDIUM,
        promises="DB-4",
        frameworks=_frameworks(fsbp="RDS.12", nist="AC-2 AC-3 IA-2 IA-5"),
        resource_types=_CLUSTER,
        description="IAM database authentication lets the app connect with short-lived tokens over TLS instead of a long-lived password.",
        remediation="Set iam_database_authentication_enabled=True.",
    ),
    _control(
        id="aws-rds-instance-enable-deletion-protection",
        title="RDS DB instances have deletion protection",
        severity=MEDIUM,
        promises="DB-3",
        frameworks=_frameworks(fsbp="RDS.8", nist="CM-3 SC-5(2)"),
        resource_types=_INSTANCE,
        description="Without it, a replacement in a Pulumi update or one API call deletes the database.",
        remediation="Set deletion_protection=True.",
        satisfied_by="components.database.Database",
    ),
    _control(
        id="aws-rds-cluster-enable-deletion-protection",
        title="RDS DB clusters have deletion protection",
        severity=MEDIUM,
        promises="DB-3",
        frameworks=_frameworks(fsbp="RDS.7", nist="CM-3 SC-5(2)"),
        resource_types=_CLUSTER,
        description="Without it, a replacement in a Pulumi update or one API call deletes the cluster.",
        remediation="Set deletion_protection=True.",
    ),
    _control(
        id="aws-rds-instance-require-backup-retention",
        title="RDS DB instances keep automated backups at least 7 days",
        severity=HIGH,
        promises="DB-3",
        frameworks=_frameworks(fsbp="RDS.11", nist="CP-9 CP-10 SI-12"),
        resource_types=_INSTANCE,
        description="Automated backups give point-in-time restore; AWS keeps them 1 day unless told otherwise.",
        remediation="Set backup_retention_period to 7 or more (14 in production).",
        satisfied_by="components.database.DatabaseArgs.backup_retention_days",
    ),
    _control(
        id="aws-rds-cluster-require-backup-retention",
        title="RDS DB clusters keep automated backups at least 7 days",
        severity=HIGH,
        promises="DB-3",
        frameworks=_frameworks(nist="CP-9 CP-10 SI-12"),
        resource_types=_CLUSTER,
        description=(
            "Automated backups give point-in-time restore; AWS keeps them 1 day unless told otherwise. Only replicas, restores and "
            "global-database secondaries (no master username of their own) may leave it to their source: a global database's writer "
            "keeps its own."
        ),
        remediation="Set backup_retention_period to 7 or more (14 in production).",
    ),
    _control(
        id="aws-rds-instance-require-final-snapshot",
        title="RDS DB instances keep a final snapshot and their automated backups when deleted",
        severity=MEDIUM,
        promises="DB-3",
        frameworks=_frameworks(nist="CP-9 SI-12"),
        resource_types=_INSTANCE,
        description="If the instance is ever deleted, the final snapshot and retained automated backups are the last copies of the data.",
        remediation="Set skip_final_snapshot=False, a final_snapshot_identifier and delete_automated_backups=False.",
        satisfied_by="components.database.Database",
    ),
    _control(
        id="aws-rds-cluster-require-final-snapshot",
        title="RDS DB clusters keep a final snapshot when deleted",
        severity=MEDIUM,
        promises="DB-3",
        frameworks=_frameworks(nist="CP-9 SI-12"),
        resource_types=_CLUSTER,
        description="If the cluster is ever deleted, the final snapshot is the last copy of the data.",
        remediation="Set skip_final_snapshot=False and a final_snapshot_identifier.",
    ),
    _control(
        id="aws-rds-instance-require-managed-master-password",
        title="RDS DB instances have their master password generated and kept by Secrets Manager",
        severity=HIGH,
        promises="DB-2",
        frameworks=_frameworks(nist="IA-5 IA-5(7) SC-28", pci="8.3.2 8.6.2"),
        resource_types=_INSTANCE,
        description=(
            "A password in the program (password or the write-only password_wo) lives in config, history and, for password, state; a "
            "managed password is generated, rotated and encrypted with our key."
        ),
        remediation="Remove password/password_wo; set manage_master_user_password=True and master_user_secret_kms_key_id.",
        satisfied_by="components.database.Database",
    ),
    _control(
        id="aws-rds-cluster-require-managed-master-password",
        title="RDS DB clusters have their master password generated and kept by Secrets Manager",
        severity=HIGH,
        promises="DB-2",
        frameworks=_frameworks(nist="IA-5 IA-5(7) SC-28", pci="8.3.2 8.6.2"),
        resource_types=_CLUSTER,
        description=(
            "A password in the program (master_password or master_password_wo) lives in config, history and state; a managed password "
            "is generated, rotated and encrypted with our key. A global database's writer is checked like any cluster; only its "
            "secondaries inherit its credentials."
        ),
        remediation="Remove master_password/master_password_wo; set manage_master_user_password=True and master_user_secret_kms_key_id.",
    ),
    _control(
        id="aws-rds-instance-enable-auto-minor-version-upgrade",
        title="RDS DB instances apply minor engine upgrades automatically",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(fsbp="RDS.13", cis="2.3.2", nist="SI-2 SI-2(2) SI-2(4) SI-2(5)", pci="6.3.3"),
        resource_types=_INSTANCES,
        description=(
            "Minor versions carry security fixes; with automatic upgrades they land in the next maintenance window instead of waiting "
            "for someone to notice."
        ),
        remediation="Leave auto_minor_version_upgrade at True (the default); never set it to False.",
        satisfied_by="components.database.Database",
    ),
    _control(
        id="aws-rds-cluster-enable-auto-minor-version-upgrade",
        title="RDS DB clusters apply minor engine upgrades automatically",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(fsbp="RDS.35", nist="SI-2 SI-2(2) SI-2(4) SI-2(5)", pci="6.3.3"),
        resource_types=_CLUSTER,
        description="Minor versions carry security fixes; with automatic upgrades they land in the next maintenance window.",
        remediation="Leave auto_minor_version_upgrade at True (the default).",
    ),
    _control(
        id="aws-rds-instance-require-current-ca-certificate",
        title="RDS DB instances present a certificate from a current CA",
        severity=MEDIUM,
        promises="DB-4",
        frameworks=_frameworks(nist="SC-8 SC-12 SC-17"),
        resource_types=_INSTANCES,
        description=(
            "Clients can only verify the server (and so resist interception) if it presents a certificate from a CA they trust and that "
            "is not expiring."
        ),
        remediation="Set ca_cert_identifier to rds-ca-rsa2048-g1, rds-ca-rsa4096-g1 or rds-ca-ecc384-g1.",
        satisfied_by="components.database.Database",
    ),
    _control(
        id="stack-database-require-forced-tls",
        title="Databases refuse unencrypted connections (parameter group)",
        severity=HIGH,
        promises="DB-4 BANK-3",
        frameworks=_frameworks(nist="SC-8 SC-8(1) SC-13", pci="4.2.1"),
        resource_types=(tok.RDS_INSTANCE, tok.RDS_CLUSTER, tok.RDS_PARAMETER_GROUP, tok.RDS_CLUSTER_PARAMETER_GROUP),
        description=(
            "TLS is only guaranteed when the server refuses plaintext: PostgreSQL and SQL Server through rds.force_ssl=1, MySQL and "
            "MariaDB through require_secure_transport=1, set in the parameter group the database actually uses."
        ),
        remediation="Attach a parameter group declared in the stack with rds.force_ssl=1 (or require_secure_transport=1).",
        satisfied_by="components.database.Database",
    ),
    _control(
        id="stack-database-require-connection-logging",
        title="PostgreSQL databases log every connection and export the log",
        severity=MEDIUM,
        promises="DB-1 BANK-4",
        frameworks=_frameworks(nist="AU-2 AU-3 AU-12", pci="10.2.1 10.2.2"),
        resource_types=(tok.RDS_INSTANCE, tok.RDS_CLUSTER, tok.RDS_PARAMETER_GROUP, tok.RDS_CLUSTER_PARAMETER_GROUP),
        description=(
            "The parameter group the database actually uses sets log_connections=1 and log_disconnections=1, and the postgresql log is "
            "exported to CloudWatch Logs, so every entry point is on record (who connected, from where, for how long) and reviewable "
            "after the instance's own log files rotate away. A database on the default or an undeclared group is "
            "stack-database-require-forced-tls's finding."
        ),
        remediation=(
            'Set log_connections=1 and log_disconnections=1 in the parameter group and add "postgresql" to '
            "enabled_cloudwatch_logs_exports."
        ),
        satisfied_by="components.database.DatabaseArgs.log_exports",
    ),
    # --- network (DB-1, DB-2, ADM-1) ---
    _control(
        id="aws-ec2-securitygroup-disallow-remote-admin-ingress",
        title="No security group admits SSH or RDP",
        severity=CRITICAL,
        promises="ADM-1 DB-1",
        frameworks=_frameworks(fsbp="EC2.13 EC2.14 EC2.53 EC2.54", cis="5.2 5.3", nist="AC-17 CM-7 SC-7", pci="1.3.1 1.4.2"),
        resource_types=tok.INGRESS_TYPES,
        description=(
            "Admin access goes through SSM Session Manager, which is logged and needs no open port; an open SSH/RDP port is an entry "
            "point for credential stuffing and exploits."
        ),
        remediation=(
            "Remove ingress rules that cover port 22 or 3389 (in every form: inline ingress, ec2.SecurityGroupRule, "
            "vpc.SecurityGroupIngressRule) and use `aws ssm start-session`."
        ),
        satisfied_by="components.vpc.Vpc components.load_balancer.LoadBalancer",
    ),
    _control(
        id="aws-ec2-securitygroup-disallow-all-ports-ingress",
        title="No security group admits all ports",
        severity=HIGH,
        promises="ADM-1 DB-1",
        frameworks=_frameworks(fsbp="EC2.18 EC2.19", nist="AC-4 CM-7 SC-7", pci="1.3.1"),
        resource_types=tok.INGRESS_TYPES,
        description="An all-ports or all-protocols rule exposes every service on the target, including ones nobody meant to publish.",
        remediation="Replace protocol -1 and 0-65535 ranges with the specific ports the service listens on.",
        satisfied_by="components.vpc.Vpc components.load_balancer.LoadBalancer",
    ),
    _control(
        id="stack-security-group-disallow-internet-ingress",
        title="Only public load balancers accept internet traffic, and only on 80/443",
        severity=HIGH,
        promises="ADM-1 DB-2",
        frameworks=_frameworks(fsbp="EC2.18", nist="AC-4 SC-7 SC-7(5)", pci="1.3.1 1.4.2"),
        resource_types=(*tok.INGRESS_TYPES, *tok.LOAD_BALANCERS),
        description=(
            "Internet ingress (0.0.0.0/0, ::/0, or any public range broader than /8 IPv4 or /16 IPv6, such as 0.0.0.0/1 + 128.0.0.0/1) "
            "is allowed only on ports 80/443 of a security group attached to an internet-facing load balancer (followed through the "
            "load balancer's security_groups, not a tag); every other internal service is reached by security-group reference or "
            "managed prefix list."
        ),
        remediation=(
            "Replace internet CIDRs with a security-group reference or an allowlist prefix list; open 80/443 only on the public load "
            "balancer's group."
        ),
        satisfied_by="components.load_balancer.LoadBalancerArgs.allowed_prefix_list_ids components.vpc.Vpc",
    ),
    _control(
        id="aws-ec2-defaultsecuritygroup-disallow-rules",
        title="The VPC default security group has no rules",
        severity=HIGH,
        promises="DB-2",
        frameworks=_frameworks(fsbp="EC2.2", cis="5.4", nist="AC-4 SC-7 SC-7(5)", pci="1.2.1"),
        resource_types=(tok.DEFAULT_SECURITY_GROUP,),
        description=(
            "Anything launched without a security group lands in the default group; with no rules it can neither receive nor send "
            "traffic."
        ),
        remediation="Declare aws.ec2.DefaultSecurityGroup with ingress=[] and egress=[].",
        satisfied_by="components.vpc.Vpc",
    ),
    _control(
        id="stack-vpc-require-locked-default-security-group",
        title="Every VPC's default security group is adopted and emptied",
        severity=HIGH,
        promises="DB-2",
        frameworks=_frameworks(fsbp="EC2.2", cis="5.4", nist="AC-4 SC-7 SC-7(5)", pci="1.2.1"),
        resource_types=(tok.VPC, tok.DEFAULT_SECURITY_GROUP),
        description="AWS creates each VPC's default group with allow-all rules; unless the stack adopts it, those rules stay.",
        remediation="Declare aws.ec2.DefaultSecurityGroup(vpc_id=vpc.id, ingress=[], egress=[]) for every VPC.",
        satisfied_by="components.vpc.Vpc",
    ),
    _control(
        id="aws-ec2-subnet-disallow-public-ip-on-launch",
        title="Subnets do not assign public IPs on launch",
        severity=MEDIUM,
        promises="DB-2",
        frameworks=_frameworks(fsbp="EC2.15", nist="AC-4 SC-7", pci="1.4.4"),
        resource_types=(tok.SUBNET,),
        description="An instance launched by mistake in a subnet that maps public IPs is reachable from the internet.",
        remediation=("Set map_public_ip_on_launch=False and assign_ipv6_address_on_creation=False; give load balancers and "
                     "NAT gateways their addresses explicitly."),
        satisfied_by="components.vpc.Vpc",
    ),
    _control(
        id="aws-ec2-flowlog-require-all-traffic",
        title="VPC flow logs record all traffic",
        severity=MEDIUM,
        promises="DB-2 BANK-4",
        frameworks=_frameworks(fsbp="EC2.6", cis="3.7", nist="AU-2 AU-12 SI-4", pci="10.2.1"),
        resource_types=(tok.FLOW_LOG,),
        description="Recording only accepted or only rejected traffic leaves half of an investigation blank.",
        remediation='Set traffic_type="ALL".',
        satisfied_by="components.vpc.Vpc",
    ),
    _control(
        id="stack-vpc-require-flow-logs",
        title="Every VPC has a flow log",
        severity=MEDIUM,
        promises="DB-2 BANK-4",
        frameworks=_frameworks(fsbp="EC2.6", cis="3.7", nist="AU-2 AU-12 SI-4", pci="10.2.1"),
        resource_types=(tok.VPC, tok.FLOW_LOG),
        description="Flow logs are the record of who talked to the database network; a VPC without one is invisible.",
        remediation='Add aws.ec2.FlowLog(vpc_id=..., traffic_type="ALL") to a KMS-encrypted log group.',
        satisfied_by="components.vpc.VpcArgs.flow_log_key_arn",
    ),
    _control(
        id="stack-vpc-require-service-endpoints",
        title="AWS APIs are reached through VPC endpoints",
        severity=MEDIUM,
        promises="DB-2 APP-1",
        frameworks=_frameworks(nist="AC-4 SC-7 SC-7(4)"),
        resource_types=(tok.VPC, tok.VPC_ENDPOINT),
        description=(
            "Calls to S3, DynamoDB, Secrets Manager, KMS, CloudWatch Logs and STS stay on the AWS network and can be restricted by "
            "endpoint policy instead of crossing the NAT gateway."
        ),
        remediation=(
            "Add gateway endpoints for s3 and dynamodb and interface endpoints, with private DNS on, for secretsmanager, kms, "
            "logs, sts, ssm, ssmmessages and ec2messages."
        ),
        satisfied_by="components.vpc.Vpc",
    ),
    _control(
        id="stack-data-tier-disallow-internet-routes",
        title="The data tier has no route to the internet",
        severity=CRITICAL,
        promises="DB-2 BANK-3",
        frameworks=_frameworks(nist="AC-4 SC-7 SC-7(4)", pci="1.3.1 1.4.4"),
        resource_types=(tok.SUBNET, tok.RDS_SUBNET_GROUP, tok.ROUTE_TABLE, tok.ROUTE, tok.ROUTE_TABLE_ASSOCIATION,
            tok.DEFAULT_ROUTE_TABLE, tok.MAIN_ROUTE_TABLE_ASSOCIATION),
        description=(
            "Data-tier subnets are those tagged tier=data plus every subnet of a database subnet group. Each is judged on the table AWS "
            "uses for it: its explicit association, else the VPC's main table (a MainRouteTableAssociation, an adopted "
            "DefaultRouteTable, or the implicit one that standalone aws.ec2.Route resources can still fill), plus every table tagged "
            "tier=data. No route may lead to an internet, NAT, egress-only or carrier gateway, nor to a destination not provably "
            "private (a public range, or a prefix list other than one in the same stack or audited account that holds only private "
            "ranges) over a transit gateway, peering connection, network interface or any other target; gateway-endpoint routes stay."
        ),
        remediation=("Remove the route, or associate the data subnets with the data tier's own route table; the data tier "
                     "keeps only the local route and gateway-endpoint prefix lists."),
        satisfied_by="components.vpc.Vpc",
    ),
    _control(
        id="stack-database-reachable-only-from-app-tier",
        title="The database admits only the app tier's security group, on its port",
        severity=CRITICAL,
        promises="DB-1 DB-2 ADM-1",
        frameworks=_frameworks(nist="AC-3 AC-4 SC-7 SC-7(5)", pci="1.3.1 1.4.4"),
        resource_types=(tok.RDS_INSTANCE, tok.RDS_CLUSTER, *tok.INGRESS_TYPES),
        description=(
            "Follows each database's vpc_security_group_ids to every ingress rule in all three forms; each must be a security-group "
            "reference to a group tagged tier=app, on the database port only. CIDRs, prefix lists, self-references and undeclared "
            "groups fail."
        ),
        remediation=(
            "Admit only the app tier's security group on the database port, with "
            "aws.vpc.SecurityGroupIngressRule(referenced_security_group_id=app_sg.id)."
        ),
        satisfied_by="components.database.DatabaseArgs.client_security_group_id",
    ),
    _control(
        id="stack-data-tier-nacl-require-app-tier-sources",
        title="The database subnets' network ACL admits only the app subnets on the database port",
        severity=HIGH,
        promises="DB-1 ADM-1",
        frameworks=_frameworks(fsbp="EC2.21", cis="5.1", nist="AC-4 SC-7", pci="1.3.1"),
        resource_types=(tok.RDS_INSTANCE, tok.RDS_CLUSTER, tok.RDS_SUBNET_GROUP, tok.SUBNET, tok.NETWORK_ACL, tok.NETWORK_ACL_RULE,
            tok.NETWORK_ACL_ASSOCIATION, tok.DEFAULT_NETWORK_ACL),
        description=(
            "A second, stateless boundary under the security group: every allow entry on the database subnets' ACL must be tcp on the "
            "database port from inside an app-tier subnet CIDR (a subnet with no ACL at all is stack-subnet-require-network-acl's "
            "finding)."
        ),
        remediation="Allow only tcp <db port> from each app subnet CIDR on the data tier's network ACL.",
        satisfied_by="components.vpc.VpcArgs.database_port",
    ),
    _control(
        id="stack-subnet-require-network-acl",
        title="Every subnet has its tier's network ACL",
        severity=MEDIUM,
        promises="ADM-1 DB-1",
        frameworks=_frameworks(nist="AC-4 SC-7"),
        resource_types=(tok.SUBNET, tok.NETWORK_ACL, tok.NETWORK_ACL_ASSOCIATION, tok.DEFAULT_NETWORK_ACL),
        description=(
            "A subnet without an explicit network ACL uses the VPC's default ACL, which admits all traffic in and out: the second "
            "firewall layer (and the IP blocklist's deny entries) would be missing there."
        ),
        remediation="Attach the tier's aws.ec2.NetworkAcl to the subnet.",
        satisfied_by="components.vpc.Vpc",
    ),
    _control(
        id="aws-ec2-managedprefixlist-disallow-anywhere",
        title="Allowlist prefix lists never contain the internet",
        severity=HIGH,
        promises="ADM-1",
        frameworks=_frameworks(nist="AC-4 SC-7"),
        resource_types=(tok.MANAGED_PREFIX_LIST, tok.MANAGED_PREFIX_LIST_ENTRY),
        description=(
            "A prefix list is an allowlist; an entry for the whole internet (0.0.0.0/0, ::/0, or any public range broader than /8 IPv4 "
            "or /16 IPv6) silently turns every rule that uses it into an open door."
        ),
        remediation="List the specific networks (office, VPN, partner ranges).",
        satisfied_by="components.allowlists.AllowlistsArgs.allowlists",
    ),
    _control(
        id="aws-ec2-networkacl-disallow-all-traffic-from-internet",
        title="Network ACLs never admit all traffic from the internet",
        severity=HIGH,
        promises="ADM-1 DB-1",
        frameworks=_frameworks(fsbp="EC2.21", cis="5.1", nist="AC-4 SC-7", pci="1.3.1"),
        resource_types=(tok.NETWORK_ACL, tok.NETWORK_ACL_RULE, tok.DEFAULT_NETWORK_ACL),
        description=(
            "The network ACL is the second firewall layer; an allow-all entry from the internet (0.0.0.0/0, ::/0, or any public range "
            "broader than /8 IPv4 or /16 IPv6) leaves only the security groups in place."
        ),
        remediation="Allow only the ports the tier serves (443, 80 on the public tier) and ephemeral return ports.",
        satisfied_by="components.vpc.Vpc",
    ),
    _control(
        id="aws-cloudwatch-loggroup-require-cmk-encryption",
        title="Log groups are encrypted with a customer-managed key",
        severity=MEDIUM,
        promises="BANK-4",
        frameworks=_frameworks(nist="AU-9 SC-28"),
        resource_types=(tok.LOG_GROUP,),
        description=(
            "Flow logs and trail events reveal the network and who did what; with our key, reading them needs the key policy's consent."
        ),
        remediation="Set kms_key_id to the logs DomainKey's ARN.",
        satisfied_by=("components.vpc.VpcArgs.flow_log_key_arn "
                      "components.monitoring.MonitoringArgs.audit_key_arn components.load_balancer.LoadBalancerArgs.waf_log_key_arn"),
    ),
    _control(
        id="aws-cloudwatch-loggroup-require-retention",
        title="Log groups keep events at least a year",
        severity=LOW,
        promises="BANK-4",
        frameworks=_frameworks(nist="AU-11", pci="10.5.1"),
        resource_types=(tok.LOG_GROUP,),
        description="Investigations and audits look back months; PCI DSS asks for 12 months of audit history.",
        remediation="Set retention_in_days to 365 or more (or leave it unset to keep logs forever).",
        satisfied_by=("components.vpc.VpcArgs.flow_log_retention_days components.monitoring.MonitoringArgs.log_retention_days "
                      "components.load_balancer.LoadBalancerArgs.log_retention_days"),
    ),
    # --- edge (APP-2, APP-3) ---
    _control(
        id="aws-lb-listener-require-tls",
        title="Listeners serve HTTPS with a TLS 1.2+ policy, or only redirect to HTTPS",
        severity=HIGH,
        promises="APP-2 BANK-3",
        frameworks=_frameworks(fsbp="ELB.1 ELB.17", nist="SC-8 SC-8(1) SC-13 SC-23", pci="4.2.1"),
        resource_types=tok.LISTENERS,
        description=(
            "HTTPS/TLS listeners must name a policy from an explicit allow-list, the one components.load_balancer also enforces (TLS "
            "1.3 policies with a TLS 1.2 floor and forward-secret suites; the TLS13-1-0 and TLS13-1-1 policies are refused despite "
            "their names, and so are the Ext0/Ext1/Ext2 legacy-cipher variants); HTTP listeners may only redirect to HTTPS."
        ),
        remediation=(
            'Set ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06", or make every HTTP default action a redirect to protocol "HTTPS".'
        ),
        satisfied_by="components.load_balancer.LoadBalancerArgs.ssl_policy",
    ),
    _control(
        id="aws-lb-listener-require-hsts-header",
        title="HTTPS listeners send HSTS for at least a year",
        severity=MEDIUM,
        promises="APP-2",
        frameworks=_frameworks(nist="SC-8 SC-23"),
        resource_types=tok.LISTENERS,
        description=(
            "Strict-Transport-Security stops browsers from ever trying plain HTTP, which would expose session cookies to hijacking."
        ),
        remediation='Set routing_http_response_strict_transport_security_header_value="max-age=31536000; includeSubDomains".',
        satisfied_by="components.load_balancer.LoadBalancer",
    ),
    _control(
        id="aws-lb-targetgroup-require-tls",
        title="Load balancers reach the app over TLS",
        severity=MEDIUM,
        promises="APP-2 BANK-3",
        frameworks=_frameworks(nist="SC-8 SC-8(1)"),
        resource_types=tok.TARGET_GROUPS,
        description=(
            "TLS ends at the load balancer unless the target group speaks HTTPS too; with it, request bodies and session cookies stay "
            "encrypted inside the VPC as well."
        ),
        remediation='Set protocol="HTTPS" on the target group and serve TLS on the app port.',
        satisfied_by="components.load_balancer.LoadBalancerArgs.app_port",
    ),
    _control(
        id="aws-lb-loadbalancer-enable-drop-invalid-headers",
        title="Application load balancers drop invalid headers",
        severity=MEDIUM,
        promises="APP-2 APP-3",
        frameworks=_frameworks(fsbp="ELB.4", nist="SC-8 SI-10"),
        resource_types=tok.LOAD_BALANCERS,
        description="Malformed header fields are a vehicle for request smuggling against the application.",
        remediation="Set drop_invalid_header_fields=True.",
        satisfied_by="components.load_balancer.LoadBalancer",
    ),
    _control(
        id="aws-lb-loadbalancer-configure-strictest-desync-mitigation",
        title="Application load balancers use the strictest desync mitigation",
        severity=MEDIUM,
        promises="APP-2 APP-3",
        frameworks=_frameworks(fsbp="ELB.12", nist="SC-8 SI-10"),
        resource_types=tok.LOAD_BALANCERS,
        description="Strictest mode rejects every request that is not RFC 7230 compliant, closing HTTP desync attacks.",
        remediation='Set desync_mitigation_mode="strictest".',
        satisfied_by="components.load_balancer.LoadBalancer",
    ),
    _control(
        id="aws-lb-loadbalancer-enable-deletion-protection",
        title="Load balancers have deletion protection",
        severity=LOW,
        promises="APP-2",
        frameworks=_frameworks(fsbp="ELB.6", nist="CM-3 SC-5(2)"),
        resource_types=tok.LOAD_BALANCERS,
        description="A replacement or a stray delete would take the site offline and free its DNS name.",
        remediation="Set enable_deletion_protection=True.",
        satisfied_by="components.load_balancer.LoadBalancer",
    ),
    _control(
        id="aws-lb-loadbalancer-enable-access-logs",
        title="Application load balancers write access logs",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(fsbp="ELB.5", nist="AU-2 AU-12 SI-4", pci="10.2.1"),
        resource_types=tok.LOAD_BALANCERS,
        description="Access logs are the record of every request to the site, needed to investigate an attack.",
        remediation="Set access_logs={'bucket': <log bucket>, 'enabled': True}.",
        satisfied_by="components.load_balancer.LoadBalancer",
    ),
    _control(
        id="stack-load-balancer-require-waf",
        title="Every internet-facing load balancer has a WAF web ACL, failing closed",
        severity=HIGH,
        promises="APP-3 ADM-1",
        frameworks=_frameworks(fsbp="ELB.16", nist="SC-7 SI-4 SI-10", pci="6.4.2"),
        resource_types=(*tok.LOAD_BALANCERS, tok.WEB_ACL_ASSOCIATION, tok.WEB_ACL),
        description=(
            "The WAF blocks common exploits, SQL injection, known bad inputs and blocklisted addresses before they reach the "
            "application; with enable_waf_fail_open the load balancer would skip it whenever the WAF cannot be reached. Every "
            "application load balancer needs one, internal ones too (the intranet's allowlist says who may connect; the WAF still stops "
            "exploits from inside those networks)."
        ),
        remediation="Add aws.wafv2.WebAclAssociation(resource_arn=<alb arn>, web_acl_arn=<baseline web ACL arn>).",
        satisfied_by="components.load_balancer.LoadBalancer",
    ),
    _control(
        id="stack-load-balancer-require-public-tier-subnets",
        title="Internet-facing load balancers sit only in public-tier subnets",
        severity=HIGH,
        promises="ADM-1 DB-2",
        frameworks=_frameworks(nist="AC-4 SC-7 SC-7(5)", pci="1.4.1 1.4.2"),
        resource_types=(*tok.LOAD_BALANCERS, tok.SUBNET),
        description=(
            "The scheme must match the tier: a load balancer with internal=False gets public addresses, so every subnet it names (subnets "
            "or subnet_mappings) must be a subnet tagged tier=public in the same stack or audited account. An intranet or admin load "
            "balancer in the app tier that is flipped to internet-facing fails, even while its security group still admits only the "
            "allowlist."
        ),
        remediation=(
            "Set internal=True on load balancers for internal services; put only deliberately public ones in the tier=public subnets."
        ),
        satisfied_by="components.load_balancer.LoadBalancerArgs.internal",
    ),
    _control(
        id="stack-web-acl-require-baseline-rules",
        title="Web ACLs block common exploits, SQL injection, known bad inputs, floods and blocklisted IPs",
        severity=HIGH,
        promises="APP-3 ADM-1",
        frameworks=_frameworks(fsbp="WAF.10", nist="SC-5 SC-7 SI-10", pci="6.4.2"),
        resource_types=(tok.WEB_ACL, tok.WEB_ACL_RULE, tok.WEB_ACL_RULE_GROUP_ASSOCIATION, tok.IP_SET),
        description=(
            "Walks the rules as AWS does, by priority, following rule groups the ACL references: the blocking IP-set rule (the blocklist: "
            "the rule's statement is the IP-set reference or an orStatement directly listing it, never under a not/and statement; every IP "
            "set it lists is in the same stack or audited account), the AWS managed Common, KnownBadInputs, SQLi and "
            "AmazonIpReputationList groups and a blocking rate-based rule (100..20,000 requests per client per 5 minutes) must all run "
            "before any Allow rule, which ends evaluation. A group overridden to Count, limited by a scope-down statement, or with half or "
            "more of its rules overridden to Count or Allow only watches; a scoped-down rate rule limits only what its scope-down matches. "
            "Inline rules, rule_json and standalone rules are read together."
        ),
        remediation=("Add the missing rules in Block mode, without scope-down statements and ahead of any Allow rule; "
                     "override single noisy rules, never a whole group."),
        satisfied_by="components.load_balancer.LoadBalancerArgs.blocklist_ip_set_arns",
    ),
    # --- reachability and the edge path (DB-2, DB-4, ADM-1, APP-2, APP-3) ---
    _control(
        id="stack-entry-point-require-tls-and-waf",
        title="Every internet entry point reaches the app only through TLS and the web ACL",
        severity=CRITICAL,
        promises="APP-2 APP-3 ADM-1",
        frameworks=_frameworks(nist="SC-7 SC-8 SI-10", pci="1.4.1 4.2.1 6.4.2"),
        resource_types=(*tok.LOAD_BALANCERS, *tok.LISTENERS, *tok.LISTENER_RULES, *tok.TARGET_GROUPS, tok.LAMBDA_FUNCTION_URL,
            tok.API_GATEWAY_REST_API, tok.API_GATEWAY_V2_API, tok.CLOUDFRONT_DISTRIBUTION, tok.EIP, tok.INSTANCE),
        description=(
            "Follows each internet-facing load balancer listener by listener, its listener rules in priority order and then its default "
            "action: on plain HTTP every action must redirect to HTTPS or answer a non-2xx fixed response; a network load balancer may "
            "only pass traffic to an application load balancer that has a web ACL. Lambda function URLs need AWS_IAM auth, REST APIs "
            "are private or behind a web ACL, HTTP/WebSocket APIs (which cannot carry a WAF) have the execute-api endpoint disabled, "
            "CloudFront has a web ACL and no allow-all viewer protocol, and no Elastic IP or instance gives a host a public address. A "
            "failure lists the path hop by hop."
        ),
        remediation=(
            "Serve the app only through the HTTPS listener of a load balancer with the baseline web ACL; redirect or refuse plain HTTP; "
            "keep other doors private or IAM-authenticated."
        ),
        satisfied_by="components.load_balancer.LoadBalancer",
    ),
    _control(
        id="stack-network-acl-require-denies-first",
        title="Network ACL denies come before the allows they overlap",
        severity=HIGH,
        promises="ADM-1 DB-1",
        frameworks=_frameworks(fsbp="EC2.21", nist="AC-4 SC-7", pci="1.3.1"),
        resource_types=(tok.NETWORK_ACL, tok.NETWORK_ACL_RULE, tok.DEFAULT_NETWORK_ACL),
        description=(
            "AWS evaluates network-ACL entries lowest rule number first and stops at the first match, so a deny (the IP blocklist) "
            "numbered after an allow that matches the same traffic never applies. Inline entries and aws.ec2.NetworkAclRule are read "
            "together, ingress and egress separately."
        ),
        remediation="Number every deny below every allow it overlaps (components.vpc.Vpc uses 1..10 for the blocklist).",
        satisfied_by="components.vpc.VpcArgs.blocked_cidrs",
    ),
    _control(
        id="stack-walled-off-group-disallow-internet-egress",
        title="Data-tier and bank-sync security groups send nothing to the internet",
        severity=HIGH,
        promises="DB-2 BANK-2",
        frameworks=_frameworks(nist="AC-4 SC-7 SC-7(5)", pci="1.3.2"),
        resource_types=(tok.SECURITY_GROUP, tok.SECURITY_GROUP_RULE, tok.SECURITY_GROUP_EGRESS_RULE, tok.RDS_INSTANCE, tok.RDS_CLUSTER,
            tok.RDS_PROXY, tok.ELASTICACHE_REPLICATION_GROUP),
        description=(
            "Walled-off groups are those a database, RDS Proxy or cache uses and those tagged tier=data or egress=allowlist (bank "
            "sync). Their egress, in every form (inline, ec2.SecurityGroupRule, vpc.SecurityGroupEgressRule), may name security groups, "
            "prefix lists and narrow ranges such as the aggregator's, never an internet-wide range, and never all traffic to a public "
            "range."
        ),
        remediation="Allow egress only to the security groups, prefix lists and aggregator ranges the workload needs.",
        satisfied_by="components.data_stores.DataStoresArgs.aggregator_cidrs",
    ),
    _control(
        id="aws-rds-proxy-require-tls",
        title="RDS proxies refuse unencrypted connections",
        severity=HIGH,
        promises="DB-4 DB-1",
        frameworks=_frameworks(nist="SC-8 SC-8(1)", pci="4.2.1"),
        resource_types=(tok.RDS_PROXY,),
        description=(
            "A proxy is a second door to the database; with require_tls off it accepts plain connections even when the database itself "
            "forces TLS."
        ),
        remediation="Set require_tls=True.",
    ),
    # --- backups (DB-3) ---
    _control(
        id="aws-backup-vault-require-cmk-encryption",
        title="Backup vaults encrypt recovery points with a customer key",
        severity=HIGH,
        promises="DB-3",
        frameworks=_frameworks(fsbp="Backup.1", nist="CP-9(8) SC-12 SC-28"),
        resource_types=tok.BACKUP_VAULTS,
        description="Recovery points hold all the data; our key's policy decides who can restore them.",
        remediation="Set kms_key_arn (encryption_key_arn for logically air-gapped vaults) to the backups DomainKey.",
        satisfied_by="components.backups.BackupsArgs.key_arn",
    ),
    _control(
        id="aws-backup-vaultlockconfiguration-require-compliance-mode",
        title="Backup vault locks are in compliance mode with at least 7 days minimum retention",
        severity=HIGH,
        promises="DB-3",
        frameworks=_frameworks(nist="CP-9 SI-12 AU-9"),
        resource_types=(tok.BACKUP_VAULT_LOCK,),
        description=(
            "Without changeable_for_days the lock is governance mode and can be removed; compliance mode binds even the root user once "
            "the grace period ends."
        ),
        remediation="Set changeable_for_days (>= 3) and min_retention_days (>= 7).",
        satisfied_by="components.backups.BackupsArgs.lock_grace_days",
    ),
    _control(
        id="aws-backup-vaultpolicy-require-deny-delete",
        title="Backup vault policies deny deleting recovery points",
        severity=HIGH,
        promises="DB-3",
        frameworks=_frameworks(nist="AC-3 CP-9 SI-12"),
        resource_types=(tok.BACKUP_VAULT_POLICY,),
        description=(
            "An unconditional Deny for every principal stops a stolen administrator credential from deleting backups before it attacks "
            "the database. AWS Backup authorises these actions against the recovery point's ARN, so the Deny's Resource must be \"*\" "
            "or a ...:recovery-point:* pattern; the vault's own ARN denies nothing."
        ),
        remediation=(
            'Deny backup:DeleteRecoveryPoint and backup:UpdateRecoveryPointLifecycle to Principal * with Resource "*" (or '
            "arn:aws:backup:<region>:<account>:recovery-point:*), without a condition: a Resource of only the vault ARN does "
            "not reach the recovery points."
        ),
        satisfied_by="components.backups.Backups",
    ),
    _control(
        id="aws-backup-plan-require-retention",
        title="Backup plans keep recovery points at least 7 days",
        severity=MEDIUM,
        promises="DB-3",
        frameworks=_frameworks(nist="CP-9 SI-12"),
        resource_types=(tok.BACKUP_PLAN,),
        description="Ransomware and slow data corruption are often found days later; short-lived recovery points are gone by then.",
        remediation=("Set lifecycle.delete_after (and the copy actions') to 7 days or more; the component requires 14 in "
                     "production and defaults to 35 there."),
        satisfied_by="components.backups.BackupsArgs.retention_days",
    ),
    _control(
        id="stack-backup-vault-require-lock-and-policy",
        title="Every backup vault is locked and has a deny-delete policy",
        severity=HIGH,
        promises="DB-3",
        frameworks=_frameworks(nist="CP-9 SI-12 AU-9"),
        resource_types=(tok.BACKUP_VAULT, tok.BACKUP_VAULT_LOCK, tok.BACKUP_VAULT_POLICY),
        description="The lock and the policy are separate resources; a vault without them is protected by nothing.",
        remediation="Add a vault lock configuration in compliance mode and a vault policy that denies deletion.",
        satisfied_by="components.backups.Backups",
    ),
    _control(
        id="stack-backup-copy-require-equally-fortified-vault",
        title="Every backup is copied to an equally protected vault in another region",
        severity=HIGH,
        promises="DB-3",
        frameworks=_frameworks(nist="CP-6 CP-6(1) CP-9 CP-9(8)"),
        resource_types=(tok.BACKUP_PLAN, *tok.BACKUP_VAULTS, tok.BACKUP_VAULT_LOCK),
        description=(
            "Every plan rule copies its recovery points to a vault in the same stack or audited account, in another region, whose lock "
            "keeps them at least as long as the primary's and whose copies live at least as long (forever, when the primary never "
            "expires). Its key, lock mode and deny-delete policy are checked like every vault's."
        ),
        remediation=(
            "Add a copy action to the vault in the second region with the same lifecycle, and lock that vault for at least as long."
        ),
        satisfied_by="components.backups.BackupsArgs.copy_region",
    ),
    _control(
        id="stack-data-store-require-backup-plan",
        title="Every data store is in an AWS Backup plan whose rule runs at least daily and copies",
        severity=HIGH,
        promises="DB-3",
        frameworks=_frameworks(fsbp="RDS.26 DynamoDB.4", nist="CP-9 CP-10"),
        resource_types=(tok.RDS_INSTANCE, tok.RDS_CLUSTER, tok.DYNAMODB_TABLE, tok.BACKUP_SELECTION, tok.BACKUP_PLAN),
        description=(
            "RDS instances and clusters and DynamoDB tables must be matched by a selection (by ARN, wildcard or tag) of a plan in the same "
            "stack or audited account, and that plan must have a rule whose schedule fires at least once a day (cron() and rate() read as "
            "AWS Backup does, year field included: cron(0 3 1 1 ? 2099) never runs before 2099) and that copies to the second region. A "
            "failure names each rule's next run. A selection's tag conditions must hold for the store too; a condition on anything but "
            "aws:ResourceTag/... cannot be evaluated and leaves the store UNKNOWN."
        ),
        remediation=(
            "Add the store's ARN to the baseline's aws.backup.Selection resources, with a daily rule (cron(0 3 * * ? *)) and a copy "
            "action."
        ),
        satisfied_by="components.backups.BackupsArgs.resource_arns",
    ),
    # --- keys ---
    _control(
        id="aws-kms-key-enable-rotation",
        title="Customer-managed keys rotate yearly",
        severity=MEDIUM,
        promises="BANK-3",
        frameworks=_frameworks(fsbp="KMS.4", cis="3.6", nist="SC-12 SC-12(2)", pci="3.7.4"),
        resource_types=(tok.KMS_KEY,),
        description="Rotation limits how much data one key version protects and how long a leaked version is useful.",
        remediation="Set enable_key_rotation=True (rotation_period_in_days <= 365).",
        satisfied_by="components.keys.DomainKey",
    ),
    _control(
        id="stack-data-store-require-rotating-key",
        title="Every key a data store uses is a rotating key in the same stack or audited account",
        severity=MEDIUM,
        promises="BANK-3 DB-3",
        frameworks=_frameworks(fsbp="KMS.4", cis="3.6", nist="SC-12 SC-12(2)", pci="3.7.4"),
        resource_types=(tok.RDS_INSTANCE, tok.RDS_CLUSTER, tok.DYNAMODB_TABLE, *tok.BACKUP_VAULTS, tok.SECRET, *tok.BUCKET_ENCRYPTION,
            tok.KMS_KEY, tok.KMS_ALIAS),
        description=(
            "Keys named by databases, tables, vaults, secrets and buckets (by ARN, id or alias) must resolve to a KMS-generated key "
            "in the same stack or audited account, so their rotation and key policy are enforced too."
        ),
        remediation=("Use a DomainKey declared in the same stack as the store (for a replica key, declare its primary key "
                     "there too); never imported key material or keys managed elsewhere."),
        satisfied_by="components.keys.DomainKey",
    ),
    _control(
        id="aws-kms-key-require-conditioned-use",
        title="Key policies grant use only to named roles or through named services",
        severity=HIGH,
        promises="BANK-3",
        frameworks=_frameworks(nist="AC-3 AC-6 SC-12"),
        resource_types=(tok.KMS_KEY, tok.KMS_KEY_POLICY),
        description=(
            "A use grant (Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, CreateGrant; actions matched like IAM does, so kms:Decrypt*, "
            "kms:decrypt and kms:Create* count) to the whole account, or to Principal * pinned only to an account or organization, "
            "needs a kms:ViaService (named services) or aws:PrincipalArn condition; to a service principal, an "
            "aws:SourceAccount/SourceArn (or kms:CallerAccount, or the service's own kms:EncryptionContext ARN) condition. Only a "
            "positive operator (StringEquals, StringLike, ArnEquals, ArnLike; no IfExists) with concrete values counts. Otherwise any "
            "principal of the account (or any account's use of the service) can decrypt the data."
        ),
        remediation=(
            "Keep the conditions components.keys.DomainKey writes (a StringEquals kms:ViaService condition naming the services; "
            "for a service principal, aws:SourceAccount), list administration actions one by one (kms:Create* includes "
            "CreateGrant), or name the roles in Principal."
        ),
        satisfied_by="components.keys.DomainKeyArgs.via_services",
    ),
    _control(
        id="aws-kms-key-require-30-day-deletion-window",
        title="Customer-managed keys wait 30 days before deletion",
        severity=MEDIUM,
        promises="DB-3",
        frameworks=_frameworks(nist="SC-12 CP-9"),
        resource_types=(tok.KMS_KEY, tok.KMS_REPLICA_KEY, tok.KMS_EXTERNAL_KEY),
        description=(
            "Deleting a key makes everything it encrypts unreadable for good: the database, its snapshots and every "
            "backup copy. The deletion waits deletion_window_in_days (7 to 30; 30 when unset), the time there is to "
            "notice a mistaken or malicious ScheduleKeyDeletion and cancel it. Complements FSBP KMS.3, which flags "
            "keys already scheduled for deletion."
        ),
        remediation="Set deletion_window_in_days=30, or leave it unset.",
        satisfied_by="components.keys.DomainKeyArgs.deletion_window_days",
    ),
    # --- storage ---
    _control(
        id="aws-s3-bucketpublicaccessblock-enable-all-flags",
        title="S3 public access blocks set all four flags",
        severity=HIGH,
        promises="BANK-4",
        frameworks=_frameworks(fsbp="S3.8", cis="2.1.4", nist="AC-3 AC-4 AC-21 SC-7", pci="1.4.4"),
        resource_types=(tok.BUCKET_PUBLIC_ACCESS_BLOCK,),
        description=(
            "Each flag closes a different way to make objects public (new ACLs, existing ACLs, new policies, cross-account access under "
            "a public policy)."
        ),
        remediation="Set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets to True.",
        satisfied_by="components.buckets.SecureBucket",
    ),
    _control(
        id="aws-s3-bucketversioning-enable-versioning",
        title="S3 buckets keep object versions",
        severity=MEDIUM,
        promises="BANK-4",
        frameworks=_frameworks(fsbp="S3.14", nist="CP-9 SI-12"),
        resource_types=tok.BUCKET_VERSIONING,
        description="Versioning keeps overwritten and deleted objects, so audit logs cannot be silently replaced.",
        remediation='Set versioning_configuration.status="Enabled".',
        satisfied_by="components.buckets.SecureBucket",
    ),
    _control(
        id="aws-s3-bucketpolicy-require-tls",
        title="S3 bucket policies deny requests without TLS",
        severity=MEDIUM,
        promises="BANK-4",
        frameworks=_frameworks(fsbp="S3.5", cis="2.1.1", nist="AC-17(2) SC-8 SC-8(1)", pci="4.2.1"),
        resource_types=(tok.BUCKET_POLICY,),
        description="S3 accepts plain HTTP unless a policy denies it with aws:SecureTransport.",
        remediation='Deny "s3:*" to Principal "*" on the bucket and its objects when aws:SecureTransport is "false".',
        satisfied_by="components.buckets.SecureBucket",
    ),
    _control(
        id="stack-s3-bucket-require-cmk-encryption",
        title="S3 buckets encrypt with a customer-managed key",
        severity=MEDIUM,
        promises="BANK-4",
        frameworks=_frameworks(fsbp="S3.17", nist="SC-12 SC-28 SC-28(1)", pci="3.5.1"),
        resource_types=(*tok.BUCKET_ENCRYPTION, *tok.BUCKETS, *tok.LOAD_BALANCERS, tok.TRAIL, tok.CONFIG_DELIVERY_CHANNEL),
        description=(
            "SSE-KMS with our key is required; SSE-S3 is accepted only for a bucket that a load balancer writes access logs to (ELB "
            "supports nothing else) and that receives no trail or Config delivery."
        ),
        remediation='Set sse_algorithm="aws:kms" and kms_master_key_id to a DomainKey.',
        satisfied_by="components.buckets.SecureBucketArgs.kms_key_arn",
    ),
    _control(
        id="stack-s3-bucket-require-protective-settings",
        title="Every S3 bucket has a public access block, encryption, versioning and a TLS-only policy",
        severity=HIGH,
        promises="BANK-4",
        frameworks=_frameworks(fsbp="S3.8 S3.5", cis="2.1.1 2.1.4", nist="AC-3 SC-8 SC-28"),
        resource_types=(*tok.BUCKETS, tok.BUCKET_PUBLIC_ACCESS_BLOCK, *tok.BUCKET_ENCRYPTION, *tok.BUCKET_VERSIONING, tok.BUCKET_POLICY),
        description="Bucket settings are standalone resources; a bucket missing one of them is missing that protection entirely.",
        remediation=(
            "Declare a BucketPublicAccessBlock, BucketServerSideEncryptionConfiguration, BucketVersioning and BucketPolicy for "
            "the bucket."
        ),
        satisfied_by="components.buckets.SecureBucket",
    ),
    # --- monitoring (APP-4, BANK-4) ---
    _control(
        id="aws-cloudtrail-trail-enable-multi-region",
        title="CloudTrail trails record every region and global service",
        severity=HIGH,
        promises="BANK-4 APP-4",
        frameworks=_frameworks(fsbp="CloudTrail.1", cis="3.1", nist="AU-2 AU-12 AU-3", pci="10.2.1"),
        resource_types=(tok.TRAIL,),
        description="An attacker works in the region nobody watches; a single-region trail misses it.",
        remediation="Set is_multi_region_trail=True, include_global_service_events=True and keep enable_logging on.",
        satisfied_by="components.monitoring.Monitoring",
    ),
    _control(
        id="aws-cloudtrail-trail-enable-log-file-validation",
        title="CloudTrail log file validation is on",
        severity=MEDIUM,
        promises="BANK-4",
        frameworks=_frameworks(fsbp="CloudTrail.4", cis="3.2", nist="AU-9 SI-7 SI-7(1)", pci="10.3.2"),
        resource_types=(tok.TRAIL,),
        description="Digest files prove that no log file was modified or deleted after delivery.",
        remediation="Set enable_log_file_validation=True.",
        satisfied_by="components.monitoring.Monitoring",
    ),
    _control(
        id="aws-cloudtrail-trail-require-cmk-encryption",
        title="CloudTrail logs are encrypted with a customer key",
        severity=MEDIUM,
        promises="BANK-4",
        frameworks=_frameworks(fsbp="CloudTrail.2", cis="3.5", nist="AU-9 SC-28", pci="10.3.2"),
        resource_types=(tok.TRAIL,),
        description="With our key, reading the audit trail needs the key policy's consent, not just bucket access.",
        remediation="Set kms_key_id to the trail DomainKey's ARN.",
        satisfied_by="components.monitoring.MonitoringArgs.audit_key_arn",
    ),
    _control(
        id="stack-cloudtrail-bucket-require-object-lock",
        title="CloudTrail logs land in a compliance-locked bucket for a year",
        severity=HIGH,
        promises="BANK-4",
        frameworks=_frameworks(nist="AU-9 AU-11", pci="10.3.2 10.5.1"),
        resource_types=(tok.TRAIL, *tok.BUCKETS, *tok.BUCKET_OBJECT_LOCK),
        description=(
            "The record of every access must survive an attacker with administrator rights: object lock in compliance mode keeps each "
            "log file immutable for its retention, root included."
        ),
        remediation="Deliver the trail to a SecureBucket with object_lock_days=365 (or more).",
        satisfied_by="components.monitoring.MonitoringArgs.trail_object_lock_days",
    ),
    _control(
        id="aws-sns-topic-require-cmk-encryption",
        title="SNS topics are encrypted with a customer-managed key",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(fsbp="SNS.1", nist="SC-28"),
        resource_types=(tok.SNS_TOPIC,),
        description=(
            "Alarm and backup notifications describe incidents, and application topics carry application data; they are stored "
            "encrypted under our key (stricter than SNS.1, which accepts the AWS-managed key)."
        ),
        remediation="Set kms_master_key_id to the notifications DomainKey's ARN.",
        satisfied_by="components.monitoring.MonitoringArgs.alarm_topic_key_arn components.backups.BackupsArgs.notification_key_arn",
    ),
    _control(
        id="stack-sns-topic-require-tls-only-policy",
        title="SNS topics refuse publishing without TLS",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(nist="SC-8 SC-8(1)", pci="4.2.1"),
        resource_types=(tok.SNS_TOPIC, tok.SNS_TOPIC_POLICY),
        description=(
            "Each topic's policy (a standalone aws.sns.TopicPolicy, or else the topic's inline policy) holds a Deny on sns:Publish for "
            "every principal whose only condition is aws:SecureTransport=false; without it SNS accepts alarm and backup notifications "
            "over plain HTTP."
        ),
        remediation=(
            'Add a statement {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": <topic arn>, '
            '"Condition": {"Bool": {"aws:SecureTransport": "false"}}} to the topic policy.'
        ),
        satisfied_by="components.monitoring.Monitoring components.backups.Backups",
    ),
    _control(
        id="stack-bank-token-require-change-alarm",
        title="Changes to the bank token secret raise an alarm",
        severity=MEDIUM,
        promises="BANK-4 BANK-1",
        frameworks=_frameworks(nist="AU-6 SI-4 SI-4(5)", pci="10.2.1 10.4.1"),
        resource_types=(tok.SECRET, tok.LOG_METRIC_FILTER, tok.METRIC_ALARM),
        description=(
            "For every bank-channel secret (tagged domain=bank-data, or named like a bank or aggregator token) a metric filter whose "
            "pattern names PutSecretValue, UpdateSecret, DeleteSecret and PutResourcePolicy and that secret (or no particular secret) "
            "feeds an alarm with actions, so a replaced token, a new key, a widened reader list or a deletion is seen within minutes."
        ),
        remediation="Add a metric filter on the trail's log group for changes to the bank token and an alarm on it.",
        satisfied_by="components.monitoring.MonitoringArgs.bank_token_secret_name",
    ),
    _control(
        id="stack-account-require-cloudtrail",
        title="A CloudTrail trail records API activity",
        severity=HIGH,
        promises="BANK-4 APP-4",
        frameworks=_frameworks(fsbp="CloudTrail.1 CloudTrail.3", cis="3.1", nist="AU-2 AU-12", pci="10.2.1"),
        resource_types=(tok.TRAIL,),
        description="Every access to the bank channel must be recorded and reviewable; no trail, no record.",
        remediation="Declare the monitoring component's multi-region trail.",
        satisfied_by="components.monitoring.Monitoring",
    ),
    _control(
        id="stack-account-require-guardduty",
        title="GuardDuty runs with RDS Protection",
        severity=HIGH,
        promises="APP-4",
        frameworks=_frameworks(fsbp="GuardDuty.1 GuardDuty.9", nist="SI-4 SI-4(4) RA-5", pci="11.5.1"),
        resource_types=(tok.GUARDDUTY_DETECTOR, tok.GUARDDUTY_DETECTOR_FEATURE),
        description="GuardDuty watches API, DNS and flow activity for threats; RDS Protection flags suspicious database logins.",
        remediation='Add aws.guardduty.Detector(enable=True) and DetectorFeature(name="RDS_LOGIN_EVENTS", status="ENABLED").',
        satisfied_by="components.monitoring.Monitoring",
    ),
    _control(
        id="stack-account-require-security-hub",
        title="Security Hub evaluates the FSBP and CIS standards",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(fsbp="SecurityHub.1", cis="4.16", nist="CA-7 SI-4"),
        resource_types=(*tok.SECURITY_HUB_ACCOUNTS, tok.SECURITY_HUB_STANDARD),
        description="Security Hub keeps checking the live account against the same frameworks this catalog cites.",
        remediation="Add aws.securityhub.Account and StandardsSubscription for FSBP and CIS AWS Foundations.",
        satisfied_by="components.monitoring.Monitoring",
    ),
    _control(
        id="stack-account-require-config-recording",
        title="AWS Config records configuration changes",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(fsbp="Config.1", cis="3.3", nist="CM-3 CM-8 CA-7", pci="10.2.1"),
        resource_types=(tok.CONFIG_RECORDER, tok.CONFIG_DELIVERY_CHANNEL, tok.CONFIG_RECORDER_STATUS),
        description=(
            "AWS Config records nothing until a recorder, a delivery channel and an enabled RecorderStatus all exist, and it records "
            "only what its recording group names: all supported types, or at least the types the promises depend on (IAM, KMS, S3, EC2 "
            "network walls, RDS, DynamoDB, Secrets Manager, CloudTrail, Backup, ELBv2, WAFv2); a list or an exclusion that leaves one "
            "out fails, naming it."
        ),
        remediation=("Add aws.cfg.Recorder with recording_group={'all_supported': True, 'include_global_resource_types': "
                     "True}, aws.cfg.DeliveryChannel and aws.cfg.RecorderStatus(is_enabled=True)."),
        satisfied_by="components.monitoring.Monitoring",
    ),
    _control(
        id="stack-account-require-inspector",
        title="Amazon Inspector scans the workloads",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(nist="RA-5 SI-2", pci="11.3.1"),
        resource_types=(tok.INSPECTOR_ENABLER,),
        description="Continuous vulnerability scanning is what lets weaknesses be patched immediately.",
        remediation="Add aws.inspector2.Enabler with the resource types the application runs on.",
        satisfied_by="components.monitoring.Monitoring",
    ),
    _control(
        id="stack-account-require-cis-alarms",
        title="Every CIS 4.x event reaches a subscriber through an alarm that can fire",
        severity=MEDIUM,
        promises="APP-4 BANK-4",
        frameworks=_frameworks(fsbp=" ".join(f"CloudWatch.{i}" for i in range(1, 15)),
                               cis=" ".join(f"4.{i}" for i in range(1, 16)), nist="AU-6 SI-4 SI-4(5)", pci="10.4.1"),
        resource_types=(tok.TRAIL, tok.LOG_GROUP, tok.LOG_METRIC_FILTER, tok.METRIC_ALARM, tok.SNS_TOPIC, tok.SNS_TOPIC_SUBSCRIPTION),
        description=(
            "For each CIS monitoring item the whole chain holds: a trail records every management event (no selector narrowing) and "
            "delivers to a log group; a metric filter on that group names the events; an alarm on the filter's metric fires on one "
            "matching event (statistic, comparison, threshold, one datapoint, no stray dimension or unit, actions enabled); and it "
            "notifies a topic with a subscriber. A failure names the first broken link hop by hop."
        ),
        remediation=(
            "Repair the named link: the trail's selectors or log group, the filter's log group, the alarm's "
            "threshold/statistic/actions, or subscribe someone to the topic."
        ),
        satisfied_by="components.monitoring.MonitoringArgs.alarm_emails",
    ),
    # --- what the audit record holds and for how long (issue 13; checkov's four gaps) ---
    _control(
        id="aws-rds-instance-enable-enhanced-monitoring",
        title="RDS instances run enhanced monitoring",
        severity=LOW,
        promises="APP-4",
        frameworks=_frameworks(fsbp="RDS.6", nist="SI-4"),
        resource_types=(tok.RDS_INSTANCE,),
        description=(
            "monitoring_interval is one of 1, 5, 10, 15, 30, 60 seconds and monitoring_role_arn is set, so OS-level metrics (CPU steal, "
            "memory, processes) are published (checkov CKV_AWS_118)."
        ),
        remediation="Set monitoring_interval=60 and monitoring_role_arn to a role with AmazonRDSEnhancedMonitoringRole.",
        satisfied_by="components.database.DatabaseArgs.monitoring_interval_seconds",
    ),
    _control(
        id="stack-database-require-audit-logging",
        title="PostgreSQL databases audit every read and write",
        severity=MEDIUM,
        promises="BANK-4",
        frameworks=_frameworks(nist="AU-2 AU-3 AU-12", pci="10.2.1"),
        resource_types=(tok.RDS_INSTANCE, tok.RDS_CLUSTER, tok.RDS_PARAMETER_GROUP, tok.RDS_CLUSTER_PARAMETER_GROUP),
        description=(
            "The database's parameter group loads pgaudit (shared_preload_libraries) with pgaudit.log covering read, write, ddl and "
            "role, or sets log_statement=all, so every access is recorded (BANK-4). pgaudit is preferred: classified, per-object "
            "records that also see statements inside functions (checkov CKV2_AWS_30 asks for log_statement and "
            "log_min_duration_statement, which the component also sets)."
        ),
        remediation="Set shared_preload_libraries=pgaudit and pgaudit.log=read,write,ddl,role (or log_statement=all).",
        satisfied_by="components.database.Database",
    ),
    _control(
        id="stack-cloudtrail-bucket-require-access-logging",
        title="Access to the CloudTrail bucket is logged to a separate delete-denying bucket",
        severity=MEDIUM,
        promises="BANK-4",
        frameworks=_frameworks(cis="3.6", nist="AU-9", pci="10.3.3"),
        resource_types=(tok.TRAIL, *tok.BUCKETS, *tok.BUCKET_LOGGING, tok.BUCKET_POLICY),
        description=(
            "The trail's bucket has S3 server access logging to another bucket in the same stack or audited account whose policy denies "
            "s3:DeleteObject and s3:DeleteObjectVersion to everyone, so who read or tried to remove trail logs is itself on record "
            "(checkov CKV_AWS_18)."
        ),
        remediation="Add aws.s3.BucketLogging to a separate bucket with a deny-delete policy.",
        satisfied_by="components.monitoring.Monitoring",
    ),
    _control(
        id="stack-audit-bucket-require-lifecycle-retention",
        title="Audit buckets state their retention and keep logs at least a year",
        severity=LOW,
        promises="BANK-4",
        frameworks=_frameworks(nist="AU-11", pci="10.5.1"),
        resource_types=(tok.TRAIL, tok.CONFIG_DELIVERY_CHANNEL, *tok.BUCKETS, *tok.BUCKET_LIFECYCLE, *tok.BUCKET_OBJECT_LOCK),
        description=(
            "The trail's bucket, its access-log bucket and the AWS Config bucket each have an enabled lifecycle rule, and no rule "
            "expires current or noncurrent objects sooner than 365 days or the bucket's object lock (checkov CKV2_AWS_61)."
        ),
        remediation="Add an enabled lifecycle rule that expires no current or noncurrent object sooner than 365 days or the object lock.",
        satisfied_by="components.monitoring.MonitoringArgs.audit_retention_days",
    ),
    # --- findings stay visible (issue 13) ---
    _control(
        id="stack-findings-disallow-broad-suppression",
        title="No GuardDuty filter or Security Hub automation rule silences findings broadly",
        severity=HIGH,
        promises="APP-4",
        frameworks=_frameworks(nist="SI-4 IR-4", pci="10.4.1"),
        resource_types=(tok.GUARDDUTY_FILTER, tok.SECURITY_HUB_AUTOMATION_RULE),
        description=(
            "A GuardDuty filter with action ARCHIVE must name the findings it archives (an equals criterion on the finding type or a "
            "resource); a Security Hub automation rule that suppresses, resolves or lowers severity to LOW/INFORMATIONAL must name them "
            "with EQUALS on generator, resource, type, title, id, control or account. Otherwise whole classes of findings disappear "
            "before anyone reads them."
        ),
        remediation="Narrow the filter or rule to the known false positive, or remove it.",
    ),
    # --- data stores (APP-1, SOC-1, BANK-1, BANK-3) ---
    _control(
        id="aws-dynamodb-table-require-cmk-encryption",
        title="DynamoDB tables are encrypted with a customer key",
        severity=HIGH,
        promises="BANK-3",
        frameworks=_frameworks(nist="SC-12 SC-28 SC-28(1)", pci="3.5.1"),
        resource_types=(tok.DYNAMODB_TABLE,),
        description=(
            "Sessions, OAuth tokens and transactions are encrypted under a key whose policy admits only the services that need them."
        ),
        remediation="Set server_side_encryption={'enabled': True, 'kms_key_arn': <store DomainKey arn>}.",
        satisfied_by=("components.data_stores.DataStoresArgs.session_key_arn "
                      "components.data_stores.DataStoresArgs.oauth_key_arn components.data_stores.DataStoresArgs.bank_key_arn"),
    ),
    _control(
        id="aws-dynamodb-table-enable-point-in-time-recovery",
        title="DynamoDB tables have point-in-time recovery",
        severity=MEDIUM,
        promises="DB-3",
        frameworks=_frameworks(fsbp="DynamoDB.2", nist="CP-9 CP-10 SI-12"),
        resource_types=(tok.DYNAMODB_TABLE,),
        description="A bad deploy or a malicious delete can be rolled back to any second of the last 35 days.",
        remediation="Set point_in_time_recovery={'enabled': True}.",
        satisfied_by="components.data_stores.DataStores",
    ),
    _control(
        id="aws-dynamodb-table-enable-ttl-for-expiring-data",
        title="Session and token tables expire items with TTL",
        severity=MEDIUM,
        promises="APP-1 SOC-1",
        frameworks=_frameworks(nist="AC-12 SI-12"),
        resource_types=(tok.DYNAMODB_TABLE,),
        description=(
            "Tables tagged data-lifecycle=expiring, or whose name or store tag says sessions/tokens, must delete expired items so a "
            "stolen old token or session is useless."
        ),
        remediation="Set ttl={'enabled': True, 'attribute_name': 'expires_at'} and tag data-lifecycle=expiring.",
        satisfied_by=("components.data_stores.DataStoresArgs.session_ttl_attribute "
                      "components.data_stores.DataStoresArgs.oauth_ttl_attribute"),
    ),
    _control(
        id="aws-dynamodb-table-enable-deletion-protection",
        title="DynamoDB tables have deletion protection",
        severity=MEDIUM,
        promises="DB-3",
        frameworks=_frameworks(fsbp="DynamoDB.6", nist="CM-3 SC-5(2)"),
        resource_types=(tok.DYNAMODB_TABLE,),
        description="A replacement in a Pulumi update or one API call would delete the table with its data.",
        remediation="Set deletion_protection_enabled=True.",
        satisfied_by="components.data_stores.DataStores",
    ),
    _control(
        id="aws-secretsmanager-secret-require-cmk-encryption",
        title="Secrets are encrypted with a customer key",
        severity=HIGH,
        promises="BANK-1",
        frameworks=_frameworks(nist="SC-12 SC-28 IA-5(7)", pci="3.5.1 3.6.1"),
        resource_types=(tok.SECRET,),
        description=(
            "The AWS-managed secretsmanager key can be used by any principal with Secrets Manager access; the bank token's key admits "
            "only the bank-sync role."
        ),
        remediation="Set kms_key_id to the domain's DomainKey.",
        satisfied_by="components.data_stores.DataStoresArgs.bank_key_arn",
    ),
    _control(
        id="aws-secretsmanager-secretversion-disallow-stored-value",
        title="No secret value passes through Pulumi",
        severity=CRITICAL,
        promises="BANK-1",
        frameworks=_frameworks(nist="IA-5(7) SC-28", pci="8.6.2"),
        resource_types=(tok.SECRET_VERSION,),
        description=(
            "secret_string and secret_binary are kept in Pulumi state and reach policies in clear; values are written by their owner "
            "(the application or the issuing service), or with the write-only secret_string_wo."
        ),
        remediation="Remove the SecretVersion (or switch to secret_string_wo fed from a secure: config value).",
    ),
    _control(
        id="stack-secret-require-rotation-or-exemption",
        title="Secrets rotate, or record who rotates them",
        severity=MEDIUM,
        promises="BANK-1 SOC-1",
        frameworks=_frameworks(fsbp="SecretsManager.1", nist="IA-5(1) SC-12"),
        resource_types=(tok.SECRET, tok.SECRET_ROTATION),
        description=(
            "A secret rotates through an aws.secretsmanager.SecretRotation (at most every 90 days: automatically_after_days, or a "
            "rate()/cron() schedule whose longest gap between runs is read from the expression; one this check cannot read is UNKNOWN, "
            "never a pass) or names who rotates it instead: tag rotation=<party>-managed (the aggregator token is aggregator-managed) "
            "or rotation-exempt-reason=<explanation>; the exemption shows in every report."
        ),
        remediation="Add a SecretRotation, or tag rotation=<party>-managed / rotation-exempt-reason with a real explanation.",
        satisfied_by="components.data_stores.DataStoresArgs.rotation_lambda_arn",
    ),
    _control(
        id="stack-dynamodb-table-require-deny-policy",
        title="DynamoDB tables deny item access outside the VPC endpoint (and the transaction store to all but bank sync)",
        severity=HIGH,
        promises="APP-1 BANK-3 SOC-1",
        frameworks=_frameworks(nist="AC-3 AC-4 SC-7"),
        resource_types=(tok.DYNAMODB_TABLE, tok.DYNAMODB_RESOURCE_POLICY),
        description=(
            "Each table's resource policy holds an explicit Deny for everyone, on the table (its ARN or \"*\"), of every item action "
            "(components.data_stores.TABLE_DATA_ACTIONS: reads, writes, PartiQL, export; dynamodb:* covers them) unless the request "
            "comes through the VPC's DynamoDB endpoint (StringNotEquals aws:SourceVpce), so a leaked credential used from outside "
            "reaches nothing; the transaction store (tag store=transactions) also denies every principal but the bank-sync role "
            "(StringNotEquals or ArnNotEquals aws:PrincipalArn). A StringEquals there would deny only the endpoint's own traffic."
        ),
        remediation=("Add an aws.dynamodb.ResourcePolicy that denies every item action except through the endpoint "
                     "(StringNotEquals aws:SourceVpce) and, on the transaction table, to every principal but the bank-sync "
                     "role (StringNotEquals aws:PrincipalArn)."),
        satisfied_by="components.data_stores.DataStoresArgs.dynamodb_endpoint_id",
    ),
    _control(
        id="stack-secret-require-reader-allowlist-policy",
        title="Secrets deny reading to everyone but their named readers",
        severity=HIGH,
        promises="BANK-1 BANK-2",
        frameworks=_frameworks(nist="AC-3 AC-6", pci="7.2.1"),
        resource_types=(tok.SECRET, tok.SECRET_POLICY),
        description=(
            "The secret's own policy denies GetSecretValue on the secret to every principal not on its allowlist (StringNotEquals "
            "aws:PrincipalArn) and blocks public policies, so an over-broad IAM policy elsewhere cannot read the bank token."
        ),
        remediation=("Add an aws.secretsmanager.SecretPolicy with block_public_policy=True that denies "
                     "secretsmanager:GetSecretValue to Principal * unless aws:PrincipalArn is a named reader "
                     "(StringNotEquals)."),
        satisfied_by="components.data_stores.DataStoresArgs.bank_sync_role",
    ),
    # --- identity (BANK-2) ---
    _control(
        id="aws-iam-policy-disallow-wildcard-actions",
        title="IAM policies grant no wildcard actions on sensitive services",
        severity=HIGH,
        promises="BANK-2",
        frameworks=_frameworks(fsbp="IAM.1 IAM.21", cis="1.16", nist="AC-2 AC-3 AC-6", pci="7.2.1 7.2.2"),
        resource_types=(*tok.IAM_POLICY_DOCUMENTS, *tok.IAM_POLICY_ATTACHMENTS),
        description=(
            "'*', service wildcards such as secretsmanager:* or secretsmanager:Put*, NotAction allows and admin/FullAccess managed "
            "policies turn a stolen credential into control of the service."
        ),
        remediation="List the exact actions; the bank-sync role needs secretsmanager:GetSecretValue on its token only.",
        satisfied_by="components.data_stores.BankSyncRole components.database.Database components.monitoring.Monitoring",
    ),
    _control(
        id="aws-iam-policy-disallow-wildcard-resources-on-secrets-and-keys",
        title="IAM policies name the secrets and keys they reach",
        severity=HIGH,
        promises="BANK-2 BANK-1",
        frameworks=_frameworks(fsbp="IAM.1", nist="AC-3 AC-6", pci="7.2.1 7.2.2"),
        resource_types=tok.IAM_POLICY_DOCUMENTS,
        description=(
            "Secrets Manager and KMS actions on Resource '*' reach every secret and key in the account (kms with a kms:ViaService "
            "condition excepted)."
        ),
        remediation="Name the secret or key ARN in Resource.",
        satisfied_by="components.data_stores.BankSyncRole",
    ),
    _control(
        id="aws-iam-resourcepolicy-disallow-wildcard-grants",
        title="Resource policies grant no whole service and nothing to everyone unconditionally",
        severity=HIGH,
        promises="BANK-2 BANK-3",
        frameworks=_frameworks(fsbp="S3.2 S3.3", nist="AC-3 AC-6 AC-21", pci="7.2.1"),
        resource_types=tok.RESOURCE_POLICIES,
        description=(
            "Bucket, topic, secret, table, vault, queue and key policies and role trust policies may not Allow '*', '<service>:*' or "
            "NotAction, nor Allow Principal '*' unless a positive condition (StringEquals, StringLike, ArnEquals, ArnLike; no IfExists) "
            "pins aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn, aws:SourceAccount, aws:SourceArn, aws:SourceVpce or "
            "kms:CallerAccount to concrete values. aws:SecureTransport or a bare wildcard narrows nothing."
        ),
        remediation=(
            "Grant the specific actions to the specific principals (service principals with aws:SourceAccount or aws:SourceArn); pin "
            "Principal * with StringEquals aws:PrincipalOrgID or aws:PrincipalAccount."
        ),
        satisfied_by="components.keys.DomainKey components.buckets.SecureBucket",
    ),
    _control(
        id="aws-iam-resourcepolicy-require-confused-deputy-conditions",
        title="Service grants in resource policies are pinned to our account",
        severity=MEDIUM,
        promises="BANK-4 APP-4 DB-3",
        frameworks=_frameworks(nist="AC-3 AC-6", pci="7.2.1"),
        resource_types=tok.SERVICE_GRANTS,
        description=(
            "An Allow for an AWS service principal (CloudTrail, Config, ELB log delivery, AWS Backup, ...) in a bucket, topic, queue, "
            "secret, table, vault, log-resource or role trust policy, and a Lambda permission for a service, needs a "
            "StringEquals/ArnLike aws:SourceAccount, aws:SourceArn or aws:SourceOrgID condition naming our account, organization or "
            "resource; otherwise the service acts for any customer who points it at us (confused deputy). Key policies are "
            "aws-kms-key-require-conditioned-use's; a grant already reported as a wildcard grant is left to that control."
        ),
        remediation=(
            'Add "Condition": {"StringEquals": {"aws:SourceAccount": "<account id>"}} (or ArnLike aws:SourceArn <the calling resource>) '
            "to each service grant; on a Lambda permission set source_account or source_arn."
        ),
        satisfied_by="components.iam.service_trust_policy",
    ),
    # --- application resources: what app teams add to their own stacks (issue 14) ---
    _control(
        id="aws-sqs-queue-require-encryption",
        title="SQS queues encrypt messages at rest",
        severity=HIGH,
        promises="BANK-3",
        frameworks=_frameworks(fsbp="SQS.1", nist="SC-12 SC-28", pci="3.5.1"),
        resource_types=(tok.SQS_QUEUE,),
        description=(
            "Messages wait in the queue, sometimes for days; with SSE they are encrypted with SQS-owned keys, with kms_master_key_id "
            "under a key whose policy we write. A queue that declares neither depends on account defaults the program does not control, "
            "so it fails too."
        ),
        remediation="Set kms_master_key_id to a customer-managed key (or at least sqs_managed_sse_enabled=True).",
    ),
    _control(
        id="aws-lambda-function-require-supported-runtime",
        title="Lambda functions run on a supported runtime",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(fsbp="Lambda.2", nist="SI-2 SI-2(2)", pci="6.3.3"),
        resource_types=(tok.LAMBDA_FUNCTION,),
        description=(
            "A deprecated runtime gets no security patches. The supported list is the control's supportedRuntimes setting, which the "
            "organization keeps current in the pack config; container-image functions bring their own runtime and are not applicable."
        ),
        remediation="Move the function to a runtime on the supportedRuntimes list.",
    ),
    _control(
        id="aws-lambda-permission-disallow-public-invoke",
        title="Lambda functions cannot be invoked by everyone",
        severity=CRITICAL,
        promises="BANK-3 ADM-1",
        frameworks=_frameworks(fsbp="Lambda.1", nist="AC-3 AC-21 SC-7", pci="7.2.1"),
        resource_types=(tok.LAMBDA_PERMISSION,),
        description=(
            "A permission for principal '*' with no source_arn, source_account or principal_org_id lets every AWS account invoke the "
            "function; function_url_auth_type NONE opens its URL to the internet unsigned."
        ),
        remediation=(
            "Name the calling service or account as principal and pin it with source_arn, source_account or principal_org_id; use "
            'function_url_auth_type="AWS_IAM".'
        ),
    ),
    _control(
        id="aws-lambda-functionurl-require-iam-auth",
        title="Lambda function URLs require IAM authentication",
        severity=HIGH,
        promises="BANK-3 ADM-1",
        frameworks=_frameworks(fsbp="Lambda.1", nist="AC-3 IA-2 SC-7"),
        resource_types=(tok.LAMBDA_FUNCTION_URL,),
        description=(
            "A function URL with authorization_type NONE is a public HTTPS endpoint with no authentication, no WAF and no throttling of "
            "its own."
        ),
        remediation='Set authorization_type="AWS_IAM"; put API Gateway or CloudFront in front for public traffic.',
    ),
    _control(
        id="aws-apigateway-stage-enable-access-logs",
        title="API Gateway REST API stages write access logs",
        severity=MEDIUM,
        promises="APP-4 BANK-4",
        frameworks=_frameworks(nist="AU-2 AU-3 AU-12", pci="10.2.1"),
        resource_types=(tok.API_GATEWAY_STAGE,),
        description=(
            "Access logs record who called which route from where and with what result: the trail an investigation of an API starts "
            "from."
        ),
        remediation="Set access_log_settings with destination_arn (a CloudWatch log group) and a format.",
    ),
    _control(
        id="aws-apigatewayv2-stage-enable-access-logs",
        title="API Gateway HTTP and WebSocket stages write access logs",
        severity=MEDIUM,
        promises="APP-4 BANK-4",
        frameworks=_frameworks(fsbp="APIGateway.9", nist="AU-2 AU-3 AU-12", pci="10.2.1"),
        resource_types=(tok.API_GATEWAY_V2_STAGE,),
        description="Access logs record who called which route from where and with what result.",
        remediation="Set access_log_settings with destination_arn (a CloudWatch log group) and a format.",
    ),
    _control(
        id="aws-apigatewayv2-route-require-authorization",
        title="API Gateway HTTP and WebSocket routes require authorization",
        severity=HIGH,
        promises="BANK-3 APP-3",
        frameworks=_frameworks(fsbp="APIGateway.8", nist="AC-3 IA-2"),
        resource_types=(tok.API_GATEWAY_V2_ROUTE,),
        description=(
            "A route's authorization_type defaults to NONE: anyone who finds the URL calls the integration. A route that must be public "
            "(a webhook with its own signature check) is waived with a reason."
        ),
        remediation='Set authorization_type to "AWS_IAM", "JWT" or "CUSTOM" (with authorizer_id).',
    ),
    _control(
        id="aws-ecs-taskdefinition-disallow-privileged-containers",
        title="ECS containers do not run privileged",
        severity=HIGH,
        promises="ADM-1 APP-4",
        frameworks=_frameworks(fsbp="ECS.4", nist="AC-6 CM-7"),
        resource_types=(tok.ECS_TASK_DEFINITION,),
        description="A privileged container has root access to the host and every other task on it.",
        remediation='Remove "privileged": true from the container definitions; add only the capabilities needed.',
    ),
    _control(
        id="aws-ecs-taskdefinition-require-read-only-root-filesystem",
        title="ECS containers have a read-only root file system",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(fsbp="ECS.5", nist="AC-6 CM-7 SI-7"),
        resource_types=(tok.ECS_TASK_DEFINITION,),
        description=(
            "An attacker in a container with a writable root file system can replace its binaries and configuration; read-only roots "
            "confine writes to declared volumes."
        ),
        remediation='Set "readonlyRootFilesystem": true on every container; mount volumes for the paths it writes.',
    ),
    _control(
        id="aws-ecs-service-disallow-public-ip",
        title="ECS services do not assign public IP addresses",
        severity=HIGH,
        promises="ADM-1",
        frameworks=_frameworks(fsbp="ECS.2", nist="AC-4 SC-7", pci="1.4.4"),
        resource_types=(tok.ECS_SERVICE,),
        description="With assign_public_ip every task is directly reachable from the internet, past the load balancer and its WAF.",
        remediation="Set network_configuration.assign_public_ip=False; reach AWS through NAT or VPC endpoints.",
    ),
    _control(
        id="aws-ecr-repository-enable-scan-on-push",
        title="ECR repositories scan images on push",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(fsbp="ECR.1", nist="RA-5 SI-2", pci="6.3.1 11.3.1"),
        resource_types=(tok.ECR_REPOSITORY,),
        description=(
            "Every pushed image is scanned for known vulnerabilities before it is deployed (or the registry's enhanced scanning does "
            "it; then waive with that reason)."
        ),
        remediation="Set image_scanning_configuration={'scan_on_push': True} (or turn on enhanced scanning for the registry).",
    ),
    _control(
        id="aws-ecr-repository-require-immutable-tags",
        title="ECR repositories have immutable image tags",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(fsbp="ECR.2", nist="CM-2 CM-14 SI-7"),
        resource_types=(tok.ECR_REPOSITORY,),
        description=(
            "With mutable tags (the default) a push can replace the image behind a tag, so what runs is not what was scanned and "
            "approved."
        ),
        remediation='Set image_tag_mutability="IMMUTABLE" (or "IMMUTABLE_WITH_EXCLUSION" for named exceptions).',
    ),
    _control(
        id="aws-elasticache-replicationgroup-require-encryption-at-rest",
        title="ElastiCache replication groups encrypt data at rest",
        severity=HIGH,
        promises="BANK-3",
        frameworks=_frameworks(fsbp="ElastiCache.4", nist="SC-12 SC-28", pci="3.5.1"),
        resource_types=(tok.ELASTICACHE_REPLICATION_GROUP,),
        description=(
            "Cached data, backups and swap are stored unencrypted unless at_rest_encryption_enabled is set; it cannot be turned on "
            "later."
        ),
        remediation="Set at_rest_encryption_enabled=True and kms_key_id to a customer-managed key.",
    ),
    _control(
        id="aws-elasticache-replicationgroup-require-encryption-in-transit",
        title="ElastiCache replication groups require TLS",
        severity=HIGH,
        promises="APP-2 DB-4",
        frameworks=_frameworks(fsbp="ElastiCache.5", nist="SC-8 SC-8(1)", pci="4.2.1"),
        resource_types=(tok.ELASTICACHE_REPLICATION_GROUP,),
        description="Without transit encryption (or in 'preferred' mode) clients and replicas exchange data and AUTH tokens in plain text.",
        remediation='Set transit_encryption_enabled=True and transit_encryption_mode="required".',
    ),
    _control(
        id="aws-efs-filesystem-require-encryption",
        title="EFS file systems are encrypted at rest",
        severity=HIGH,
        promises="BANK-3",
        frameworks=_frameworks(fsbp="EFS.1", nist="SC-12 SC-28", pci="3.5.1"),
        resource_types=(tok.EFS_FILE_SYSTEM,),
        description="Encryption is chosen when the file system is created and cannot be added later.",
        remediation="Set encrypted=True and kms_key_id to a customer-managed key.",
    ),
    _control(
        id="aws-opensearch-domain-require-encryption-at-rest",
        title="OpenSearch domains encrypt data at rest",
        severity=HIGH,
        promises="BANK-3",
        frameworks=_frameworks(fsbp="Opensearch.1", nist="SC-12 SC-28", pci="3.5.1"),
        resource_types=tok.SEARCH_DOMAINS,
        description="Indices, logs, swap and automated snapshots are encrypted only with encrypt_at_rest enabled.",
        remediation="Set encrypt_at_rest={'enabled': True, 'kms_key_id': <customer-managed key>}.",
    ),
    _control(
        id="aws-opensearch-domain-require-node-to-node-encryption",
        title="OpenSearch domains encrypt traffic between nodes",
        severity=MEDIUM,
        promises="APP-2",
        frameworks=_frameworks(fsbp="Opensearch.3", nist="SC-8 SC-8(1)", pci="4.2.1"),
        resource_types=tok.SEARCH_DOMAINS,
        description="Without node-to-node encryption, shards and queries cross the VPC in plain text.",
        remediation="Set node_to_node_encryption={'enabled': True}.",
    ),
    _control(
        id="aws-opensearch-domain-require-tls-endpoint",
        title="OpenSearch domains accept only HTTPS with TLS 1.2+",
        severity=HIGH,
        promises="APP-2",
        frameworks=_frameworks(fsbp="Opensearch.8", nist="SC-8 SC-8(1) SC-13", pci="4.2.1"),
        resource_types=tok.SEARCH_DOMAINS,
        description=(
            "enforce_https and a TLS security policy from the allowedTlsPolicies setting; without a policy AWS applies "
            "Policy-Min-TLS-1-0-2019-07, which accepts TLS 1.0."
        ),
        remediation='Set domain_endpoint_options={"enforce_https": True, "tls_security_policy": "Policy-Min-TLS-1-2-PFS-2023-10"}.',
    ),
    _control(
        id="aws-opensearch-domain-require-vpc",
        title="OpenSearch domains are not publicly reachable",
        severity=CRITICAL,
        promises="BANK-3 ADM-1",
        frameworks=_frameworks(fsbp="Opensearch.2", nist="AC-4 SC-7", pci="1.4.4"),
        resource_types=tok.SEARCH_DOMAINS,
        description="A domain outside a VPC has a public endpoint that only its access policy protects.",
        remediation="Set vpc_options with private subnet_ids and security_group_ids.",
    ),
    _control(
        id="aws-kinesis-stream-require-encryption",
        title="Kinesis data streams encrypt records at rest",
        severity=HIGH,
        promises="BANK-3",
        frameworks=_frameworks(fsbp="Kinesis.1", nist="SC-12 SC-28", pci="3.5.1"),
        resource_types=(tok.KINESIS_STREAM,),
        description="Records are stored unencrypted unless encryption_type is KMS.",
        remediation='Set encryption_type="KMS" and kms_key_id to a customer-managed key (or alias/aws/kinesis).',
    ),
    _control(
        id="aws-cloudfront-distribution-require-https-to-viewers",
        title="CloudFront serves viewers over HTTPS only",
        severity=HIGH,
        promises="APP-2",
        frameworks=_frameworks(fsbp="CloudFront.3", nist="SC-8 SC-8(1)", pci="4.2.1"),
        resource_types=tok.CLOUDFRONT_DISTRIBUTIONS,
        description=(
            "Every cache behavior (default, ordered or multitenant) redirects HTTP to HTTPS or refuses it, so session cookies never "
            "cross the internet in plain text."
        ),
        remediation='Set viewer_protocol_policy="redirect-to-https" (or "https-only") on every cache behavior.',
    ),
    _control(
        id="aws-cloudfront-distribution-require-https-to-origins",
        title="CloudFront reaches custom origins over TLS 1.2",
        severity=HIGH,
        promises="APP-2",
        frameworks=_frameworks(fsbp="CloudFront.9 CloudFront.10", nist="SC-8 SC-8(1) SC-13", pci="4.2.1"),
        resource_types=tok.CLOUDFRONT_DISTRIBUTIONS,
        description=(
            "Every custom origin has origin_protocol_policy https-only and no SSLv3, TLSv1 or TLSv1.1 in origin_ssl_protocols; S3 "
            "origins use HTTPS already."
        ),
        remediation='Set origin_protocol_policy="https-only" and origin_ssl_protocols=["TLSv1.2"].',
    ),
    _control(
        id="aws-cloudfront-distribution-require-minimum-viewer-tls",
        title="CloudFront refuses viewers below TLS 1.2",
        severity=MEDIUM,
        promises="APP-2",
        frameworks=_frameworks(nist="SC-8 SC-13", pci="4.2.1"),
        resource_types=tok.CLOUDFRONT_DISTRIBUTIONS,
        description=(
            "The viewer security policy is on the allowedMinimumProtocolVersions setting. The default *.cloudfront.net certificate "
            "forces TLSv1, so it fails: use an ACM certificate with SNI."
        ),
        remediation='Use acm_certificate_arn with ssl_support_method="sni-only" and minimum_protocol_version="TLSv1.2_2021".',
    ),
    _control(
        id="aws-sfn-statemachine-enable-logging",
        title="Step Functions state machines log executions",
        severity=MEDIUM,
        promises="APP-4",
        frameworks=_frameworks(fsbp="StepFunctions.1", nist="AU-2 AU-12"),
        resource_types=(tok.SFN_STATE_MACHINE,),
        description="With logging OFF (the default) a failed or aborted execution leaves no record beyond the 90-day execution history.",
        remediation='Set logging_configuration={"level": "ERROR" (or "ALL"), "log_destination": "<log group arn>:*"}.',
    ),
    _control(
        id="aws-cloudwatch-eventbus-require-cmk-encryption",
        title="EventBridge event buses encrypt events with a customer-managed key",
        severity=MEDIUM,
        promises="BANK-3",
        frameworks=_frameworks(nist="SC-12 SC-28", pci="3.5.1"),
        resource_types=(tok.EVENT_BUS,),
        description=(
            "Custom buses encrypt with an AWS-owned key unless kms_key_identifier names ours; with our key, the key policy decides "
            "which rules and targets can read the events. Partner event buses are not applicable. No FSBP control covers bus encryption."
        ),
        remediation="Set kms_key_identifier to a customer-managed key whose policy admits events.amazonaws.com.",
    ),
    # --- perimeter: what an independent Prowler run found open (issue 15) ---
    _control(
        id="aws-ec2-vpcendpoint-require-restrictive-policy",
        title="VPC endpoints admit only this account's principals and named actions",
        severity=HIGH,
        promises="BANK-3 ADM-1",
        frameworks=_frameworks(nist="AC-3 AC-4 SC-7", pci="1.4.1"),
        resource_types=(tok.VPC_ENDPOINT,),
        description=(
            "Without a policy an endpoint admits any principal of any account to any action of its service, so a credential stolen "
            "elsewhere can use our private path to reach (or copy data out to) its own resources. Each Allow names actions (no '*', "
            "'<service>:*' or NotAction) and, for Principal '*', pins aws:PrincipalAccount to this account or aws:PrincipalOrgID to the "
            "organization."
        ),
        remediation=(
            "Set the endpoint's policy: Allow the actions the workloads need to Principal '*' with StringEquals "
            "aws:PrincipalAccount (this account) or aws:PrincipalOrgID, per service."
        ),
        satisfied_by="components.vpc.Vpc",
    ),
    _control(
        id="stack-vpc-require-locked-default-network-acl",
        title="Each VPC's default network ACL is adopted and has no rules",
        severity=MEDIUM,
        promises="DB-1 ADM-1",
        frameworks=_frameworks(fsbp="EC2.21", nist="AC-4 SC-7", pci="1.2.1"),
        resource_types=(tok.VPC, tok.DEFAULT_NETWORK_ACL),
        description=(
            "AWS creates every VPC with a default network ACL that allows all traffic both ways; a subnet whose association is removed "
            "falls back on it. Adopted (aws.ec2.DefaultNetworkAcl) with no entries it denies everything instead, as the adopted default "
            "security group does."
        ),
        remediation="Declare aws.ec2.DefaultNetworkAcl(default_network_acl_id=vpc.default_network_acl_id) with no ingress and no egress.",
        satisfied_by="components.vpc.Vpc",
    ),
    _control(
        id="stack-account-require-s3-public-access-block",
        title="S3 Block Public Access is on for the whole account",
        severity=HIGH,
        promises="BANK-3",
        frameworks=_frameworks(fsbp="S3.1", cis="2.1.4", nist="AC-3 AC-21", pci="1.4.4"),
        resource_types=(tok.ACCOUNT_PUBLIC_ACCESS_BLOCK,),
        description=(
            "Bucket-level blocks protect only the buckets that carry them; the account-level block (all four flags) also covers every "
            "bucket created later by hand or by another tool."
        ),
        remediation=(
            "Declare aws.s3.AccountPublicAccessBlock with block_public_acls, block_public_policy, ignore_public_acls and "
            "restrict_public_buckets all true."
        ),
        satisfied_by="stacks.baseline.build_baseline",
    ),
    # --- who can read (BANK-1..3): effective permissions over identity and resource policies and grants ---
    _control(
        id="stack-bank-data-require-walled-off-readers",
        title="Only the bank-sync role can read the bank data; no other account can read any protected data",
        severity=CRITICAL,
        promises="BANK-1 BANK-3",
        frameworks=_frameworks(nist="AC-3 AC-6 SC-28", pci="3.5.1 7.2.1"),
        resource_types=(tok.KMS_KEY, tok.KMS_KEY_POLICY, tok.KMS_GRANT, tok.SECRET, tok.SECRET_POLICY,
                        tok.DYNAMODB_TABLE, tok.DYNAMODB_RESOURCE_POLICY, *tok.BUCKETS, tok.BUCKET_POLICY,
                        tok.BACKUP_VAULT, tok.BACKUP_VAULT_POLICY, *tok.IAM_POLICY_DOCUMENTS,
                        *tok.IAM_POLICY_ATTACHMENTS),
        description=(
            "Evaluates, as AWS does (explicit Deny wins, NotPrincipal/NotAction, wildcards, case-insensitive actions, key policies that "
            "must admit the caller), which principals can read each protected asset: every KMS key, secret, DynamoDB table, S3 bucket and "
            "backup vault. Principals are every role in the same stack or audited account (inline, attached and AWS managed policies, the "
            "latter by their documents), every principal a resource policy names (Principal * and account roots by a stand-in) and KMS "
            "grantees. The bank assets (the key tagged domain=bank-data and the secrets and tables it encrypts) admit only the role tagged "
            "domain=bank-data, which may carry no managed policy; every other asset admits only principals of the home account (the one "
            "the walled-off role's trust policy pins, else the one most role ARNs name), and not the walled-off role. Table replicas of "
            "bank data need their own key. A failure names the principal and the statement that lets it in."
        ),
        remediation=(
            "Deny the other principals in the asset's policy (StringNotEquals aws:PrincipalArn = the bank-sync role), name "
            "only the bank-sync role in the bank-data key policy, scope the bank-sync role to the bank token and the "
            "transaction table, and remove grants, managed policies and statements that admit another account. Give every "
            "replica of a bank-data table a bank-data key in its region."
        ),
        satisfied_by="components.data_stores.BankSyncRole components.data_stores.DataStoresArgs.bank_key_arn",
    ),
)

CONTROLS_BY_ID: dict[str, Control] = {c.id: c for c in CONTROLS}
PROMISES_BY_ID: dict[str, Promise] = {p.id: p for p in PROMISES}


def control(control_id: str) -> Control:
    try:
        return CONTROLS_BY_ID[control_id]
    except KeyError:
        raise KeyError(f"unknown control {control_id!r}; see `posture controls` for the catalog") from None


def promise(promise_id: str) -> Promise:
    return PROMISES_BY_ID[promise_id]


def controls_for_promise(promise_id: str) -> tuple[Control, ...]:
    return tuple(c for c in CONTROLS if promise_id in c.promises)


def controls_for_type(type_token: str) -> tuple[Control, ...]:
    return tuple(c for c in CONTROLS if not c.is_stack_control and type_token in c.resource_types)


def validate_catalog(controls: tuple[Control, ...] = CONTROLS) -> None:
    """Refuse a malformed catalog at import: a bad entry would otherwise surface as a confusing report."""
    seen: set[str] = set()
    for c in controls:
        pattern = STACK_CONTROL_ID if c.is_stack_control else CONTROL_ID
        problems = [
            "id does not match the naming pattern" if not pattern.match(c.id) else "",
            "duplicate id" if c.id in seen else "",
            "empty title, description or remediation" if not (c.title and c.description and c.remediation) else "",
            f"unknown promises {sorted(set(c.promises) - set(PROMISES_BY_ID))}"
            if not c.promises or set(c.promises) - set(PROMISES_BY_ID) else "",
            f"unknown frameworks {sorted(set(c.frameworks) - set(FRAMEWORK_VERSIONS))}"
            if set(c.frameworks) - set(FRAMEWORK_VERSIONS) else "",
            "no resource types" if not c.resource_types else "",
            "severity must be critical/high/medium/low" if c.severity is Severity.INFO else "",
        ]
        problems = [p for p in problems if p]
        if problems:
            raise ValueError(f"control {c.id!r}: {'; '.join(problems)}")
        seen.add(c.id)


validate_catalog()
