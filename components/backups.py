"""AWS Backup with a locked primary vault and an equally fortified copy vault in a second region (DB-3).

Both vaults are built by one function, so "equally fortified" is true by construction: same
kind of customer-managed key, same compliance-mode lock, same deny-delete access policy. The
lock is compliance mode (``changeable_for_days`` set): after the grace period nobody, root
included, can shorten retention or remove the lock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import arns
from components.iam import service_trust_policy
from components.validation import require, require_account_and_region

MIN_RETENTION_DAYS = 7
MIN_PROD_RETENTION_DAYS = 14
MAX_CONTINUOUS_RETENTION_DAYS = 35
MIN_LOCK_GRACE_DAYS = 3
PROTECTED_RECOVERY_POINT_ACTIONS = [
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:DeleteBackupVault",
]
NOTIFIED_EVENTS = ["BACKUP_JOB_FAILED", "COPY_JOB_FAILED", "RESTORE_JOB_COMPLETED", "RECOVERY_POINT_MODIFIED"]
BACKUP_SERVICE_POLICIES = [
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
]


@dataclass
class BackupsArgs:
    region: str
    account_id: str
    copy_region: str
    key_arn: pulumi.Input[str]
    copy_key_arn: pulumi.Input[str]
    """A customer-managed key in ``copy_region`` (KMS keys are regional)."""
    notification_key_arn: pulumi.Input[str]
    resource_arns: list[pulumi.Input[str]]
    """Every data store to protect; the stack policy checks that none is left out."""
    production: bool
    retention_days: int | None = None
    """Defaults to 35 in production and 14 elsewhere."""
    lock_grace_days: int = MIN_LOCK_GRACE_DAYS
    """Days during which the compliance lock can still be removed; afterwards it is immutable."""
    continuous_backup: bool | None = None
    """Point-in-time recovery for RDS through AWS Backup; defaults to ``production``."""
    schedule: str = "cron(0 3 * * ? *)"

    def __post_init__(self) -> None:
        require_account_and_region(self.account_id, self.region)
        minimum = MIN_PROD_RETENTION_DAYS if self.production else MIN_RETENTION_DAYS
        if self.retention_days is None:
            self.retention_days = 35 if self.production else 14
        if self.continuous_backup is None:
            self.continuous_backup = self.production
        require(self.retention_days >= minimum, "retention_days",
                f"{self.retention_days} days is below the minimum of {minimum}" + (" for production" if self.production else ""),
                f"keep recovery points at least {minimum} days")
        require(self.copy_region != self.region, "copy_region", f"{self.copy_region!r} is the primary region",
                "choose a second region so a regional outage or compromise cannot take both copies")
        require(self.lock_grace_days >= MIN_LOCK_GRACE_DAYS, "lock_grace_days",
                f"{self.lock_grace_days} is below AWS's minimum of {MIN_LOCK_GRACE_DAYS}", "use 3 or more")
        require(len(self.resource_arns) > 0, "resource_arns", "no data stores to back up",
                "pass the ARN of every database and table")
        require(self.schedule.startswith("cron(") and self.schedule.endswith(")"), "schedule",
                f"{self.schedule!r} is not a cron expression", "write it like 'cron(0 3 * * ? *)'")

    @property
    def continuous_retention_days(self) -> int:
        return min(self.retention_days, MAX_CONTINUOUS_RETENTION_DAYS)


class Backups(pulumi.ComponentResource):
    """Daily (and in prod continuous) backups of every data store, copied to a locked vault in another region."""

    vault_arn: pulumi.Output[str]
    copy_vault_arn: pulumi.Output[str]
    topic_arn: pulumi.Output[str]
    plan_id: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    """With ``plan_id``, lets a service added later join the plan with its own aws.backup.Selection."""

    def __init__(self, name: str, args: BackupsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("security-baseline:backups:Backups", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self._name, self._args, self._child = name, args, child

        vault = self._fortified_vault(f"{name}-vault", args.region, args.key_arn)
        copy_vault = self._fortified_vault(f"{name}-copy-vault", args.copy_region, args.copy_key_arn)
        self.vault_arn, self.copy_vault_arn = vault.arn, copy_vault.arn

        lifecycle = aws.backup.PlanRuleLifecycleArgs(delete_after=args.retention_days)
        # The copy vault's ARN from config, not copy_vault.arn: a first preview then shows which
        # vault the copies go to (the plan's rules depend on both vaults).
        copy_vault_arn = _vault_arn(args.copy_region, args.account_id, f"{name}-copy-vault")
        copy = aws.backup.PlanRuleCopyActionArgs(destination_vault_arn=copy_vault_arn, lifecycle=lifecycle)
        rules = [aws.backup.PlanRuleArgs(rule_name="daily", target_vault_name=vault.name, schedule=args.schedule,
                                         lifecycle=lifecycle, copy_actions=[copy], start_window=60,
                                         completion_window=360)]
        if args.continuous_backup:
            continuous = aws.backup.PlanRuleLifecycleArgs(delete_after=args.continuous_retention_days)
            rules.append(aws.backup.PlanRuleArgs(
                rule_name="continuous", target_vault_name=vault.name, schedule="cron(0 * * * ? *)",
                enable_continuous_backup=True, lifecycle=continuous,
                copy_actions=[aws.backup.PlanRuleCopyActionArgs(destination_vault_arn=copy_vault_arn,
                                                                lifecycle=continuous)],
            ))
        # The copy vault must exist before the plan names it by ARN.
        plan = aws.backup.Plan(f"{name}-plan", name=f"{name}-plan", rules=rules,
                               opts=pulumi.ResourceOptions(parent=self, depends_on=[copy_vault]))

        role = aws.iam.Role(f"{name}-role", assume_role_policy=service_trust_policy("backup.amazonaws.com",
                                                                                    args.account_id), opts=child)
        for i, policy_arn in enumerate(BACKUP_SERVICE_POLICIES):
            aws.iam.RolePolicyAttachment(f"{name}-role-policy-{i}", role=role.name, policy_arn=policy_arn, opts=child)
        aws.backup.Selection(f"{name}-selection", name=f"{name}-all-data-stores", plan_id=plan.id,
                             iam_role_arn=role.arn, resources=args.resource_arns, opts=child)

        topic = aws.sns.Topic(f"{name}-events", name=f"{name}-events", kms_master_key_id=args.notification_key_arn,
                              opts=child)
        events_topic_arn = arns.topic(args.region, args.account_id, f"{name}-events")
        aws.sns.TopicPolicy(f"{name}-events-policy", arn=topic.arn,
                            policy=json.dumps(_events_topic_policy(events_topic_arn)), opts=child)
        aws.backup.VaultNotifications(f"{name}-notifications", backup_vault_name=vault.name, sns_topic_arn=topic.arn,
                                      backup_vault_events=NOTIFIED_EVENTS, opts=child)
        self.topic_arn = topic.arn
        self.plan_id, self.role_arn = plan.id, role.arn
        self.register_outputs({"vault_arn": self.vault_arn, "copy_vault_arn": self.copy_vault_arn,
                               "topic_arn": self.topic_arn})

    def _fortified_vault(self, name: str, region: str, key_arn: pulumi.Input[str]) -> aws.backup.Vault:
        """Vault + compliance lock + deny-delete policy: the one definition both regions use."""
        args, child = self._args, self._child
        vault = aws.backup.Vault(name, name=name, kms_key_arn=key_arn, region=region, force_destroy=False, opts=child)
        aws.backup.VaultLockConfiguration(
            f"{name}-lock", backup_vault_name=vault.name, region=region,
            min_retention_days=min(args.retention_days, args.continuous_retention_days) if args.continuous_backup
            else args.retention_days,
            max_retention_days=max(args.retention_days, 365),
            changeable_for_days=args.lock_grace_days,
            opts=child,
        )
        # Resource "*": AWS authorises DeleteRecoveryPoint against the recovery point's ARN, not the
        # vault's, so a deny scoped to the vault ARN would never match. The policy does not also deny
        # changing itself: that would lock out the pipeline that deploys it, and the compliance-mode
        # lock already makes retention unshortenable.
        aws.backup.VaultPolicy(
            f"{name}-policy", backup_vault_name=vault.name, region=region,
            policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Sid": "DenyDeletingRecoveryPoints", "Effect": "Deny", "Principal": {"AWS": "*"},
                "Action": PROTECTED_RECOVERY_POINT_ACTIONS, "Resource": "*",
            }]}),
            opts=child,
        )
        return vault


def _vault_arn(region: str, account_id: str, name: str) -> str:
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    return f"arn:{partition}:backup:{region}:{account_id}:backup-vault:{name}"


def _events_topic_policy(topic_arn: str) -> dict:
    """AWS Backup may publish for this account's vaults only, and nobody may publish without TLS.

    The account is read from the topic's own ARN: the vaults that notify it live in the same
    account, and without ``aws:SourceAccount`` any customer's vault could publish here
    (confused deputy)."""
    account_id = topic_arn.split(":")[4]
    return {"Version": "2012-10-17", "Statement": [
        {
            "Sid": "BackupPublishes", "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"},
            "Action": "sns:Publish", "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        },
        {
            "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
            "Resource": topic_arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]}
