"""Account-wide detection and audit trail (BANK-4, APP-4).

CloudTrail records every management event in every region, read and write, plus item-level data
events on the stores given in ``data_event_table_arns`` (the transaction store at least). The
bank token secret needs no data-event selector: Secrets Manager has no data events, and
``GetSecretValue`` is a management *read* event, which the management selector records because it
does not filter on ``readOnly``; each read also leaves a KMS ``Decrypt`` event whose encryption
context names the secret. Log files are validated (digest chain), encrypted with the audit key and
written to a compliance-locked bucket, so nobody, root included, can rewrite the record.

CloudTrail also delivers to a KMS-encrypted CloudWatch Logs group: the CIS metric filters run
there, and each filter's alarm publishes to an encrypted SNS topic. GuardDuty, Security Hub (FSBP
and CIS standards), AWS Config and Inspector supply the findings; with ``notify_findings`` the high
and critical ones reach the same topic, so "monitored" means someone is told.

AWS Config's bucket has no object lock: Config cannot deliver to a bucket with object lock enabled.
Its history is versioned and TLS-only like every bucket, and its source of truth stays in Config.

Every read and write of the trail bucket is itself recorded (S3 server access logging, CIS 3.6)
into a separate bucket whose policy denies deleting any object or version to everyone. That bucket
cannot carry object lock's default retention: S3 refuses to deliver access logs to a bucket that
has one. All three audit buckets expire objects by lifecycle after ``audit_retention_days``, never
sooner than the trail's object lock.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import arns
from components.buckets import SecureBucket, SecureBucketArgs
from components.iam import log_writer_role, service_trust_policy
from components.validation import SECRET_NAME, refuse_duplicates, require, require_account_and_region, require_key_arn
from posture.facts import AWS_REGION_NAME, ORGANIZATIONS_CHANGE_EVENTS  # the rule checks the list the component writes

MIN_AUDIT_RETENTION_DAYS = 365
LOG_RETENTION_VALUES = (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
"""CloudWatch Logs' accepted retention periods of a year or more."""
INSPECTOR_RESOURCE_TYPES = ["EC2", "ECR", "LAMBDA"]
CONFIG_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
METRIC_NAMESPACE = "SecurityBaseline/CloudTrail"


@dataclass(frozen=True)
class GuardDutyFeature:
    name: str
    agent_management: tuple[str, ...] = ()


GUARDDUTY_FEATURES = (
    GuardDutyFeature("S3_DATA_EVENTS"),
    GuardDutyFeature("RDS_LOGIN_EVENTS"),
    GuardDutyFeature("EBS_MALWARE_PROTECTION"),
    GuardDutyFeature("LAMBDA_NETWORK_LOGS"),
    GuardDutyFeature("RUNTIME_MONITORING", ("ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT")),
)
"""RDS protection (login anomalies), S3 data-event analysis, malware scans of EBS volumes, Lambda
network activity and runtime monitoring of the ECS/EC2 workloads. EKS features are left out:
the baseline runs no Kubernetes."""


@dataclass(frozen=True)
class CisAlarm:
    slug: str
    reference: str
    """The CIS AWS Foundations Benchmark (v1.4-v3.0) section and Security Hub control it satisfies."""
    title: str
    pattern: str


def _any_event(*names: str) -> str:
    return " || ".join(f'($.eventName = "{n}")' for n in names)


CIS_ALARMS = (
    CisAlarm("unauthorized-api-calls", "CIS 4.1 / CloudWatch.2", "Unauthorized API calls",
             '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'),
    CisAlarm("console-signin-without-mfa", "CIS 4.2 / CloudWatch.3", "Console sign-in without MFA",
             '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
             '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }'),
    CisAlarm("root-account-use", "CIS 4.3 / CloudWatch.1", "Root account use",
             '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
             '$.eventType != "AwsServiceEvent" }'),
    CisAlarm("iam-policy-changes", "CIS 4.4 / CloudWatch.4", "IAM policy changes",
             "{ " + _any_event("DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy",
                               "PutRolePolicy", "PutUserPolicy", "CreatePolicy", "DeletePolicy",
                               "CreatePolicyVersion", "DeletePolicyVersion", "AttachRolePolicy",
                               "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
                               "DetachGroupPolicy") + " }"),
    CisAlarm("cloudtrail-config-changes", "CIS 4.5 / CloudWatch.5", "CloudTrail configuration changes",
             "{ " + _any_event("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging") + " }"),
    CisAlarm("console-auth-failures", "CIS 4.6 / CloudWatch.6", "Console authentication failures",
             '{ ($.eventName = "ConsoleLogin") && ($.errorMessage = "Failed authentication") }'),
    CisAlarm("kms-cmk-disable-or-deletion", "CIS 4.7 / CloudWatch.7", "KMS CMK disabled or scheduled for deletion",
             '{ ($.eventSource = "kms.amazonaws.com") && (' + _any_event("DisableKey", "ScheduleKeyDeletion") + ") }"),
    CisAlarm("s3-bucket-policy-changes", "CIS 4.8 / CloudWatch.8", "S3 bucket policy changes",
             '{ ($.eventSource = "s3.amazonaws.com") && (' + _any_event(
                 "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
                 "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication")
             + ") }"),
    CisAlarm("config-changes", "CIS 4.9 / CloudWatch.9", "AWS Config configuration changes",
             '{ ($.eventSource = "config.amazonaws.com") && (' + _any_event(
                 "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel",
                 "PutConfigurationRecorder") + ") }"),
    CisAlarm("security-group-changes", "CIS 4.10 / CloudWatch.10", "Security group changes",
             "{ " + _any_event("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
                               "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateSecurityGroup",
                               "DeleteSecurityGroup") + " }"),
    CisAlarm("nacl-changes", "CIS 4.11 / CloudWatch.11", "Network ACL changes",
             "{ " + _any_event("CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl",
                               "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation")
             + " }"),
    CisAlarm("network-gateway-changes", "CIS 4.12 / CloudWatch.12", "Network gateway changes",
             "{ " + _any_event("CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway",
                               "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway") + " }"),
    CisAlarm("route-table-changes", "CIS 4.13 / CloudWatch.13", "Route table changes",
             '{ ($.eventSource = "ec2.amazonaws.com") && (' + _any_event(
                 "CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation",
                 "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable") + ") }"),
    CisAlarm("vpc-changes", "CIS 4.14 / CloudWatch.14", "VPC changes",
             "{ " + _any_event("CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
                               "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection",
                               "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
                               "DisableVpcClassicLink", "EnableVpcClassicLink") + " }"),
    CisAlarm("organizations-changes", "CIS 4.15", "AWS Organizations changes",
             '{ ($.eventSource = "organizations.amazonaws.com") && (' + _any_event(*ORGANIZATIONS_CHANGE_EVENTS)
             + ") }"),
)
BANK_TOKEN_CHANGE_EVENTS = (
    "PutSecretValue", "UpdateSecret", "UpdateSecretVersionStage", "DeleteSecret", "RestoreSecret",
    "RotateSecret", "CancelRotateSecret", "PutResourcePolicy", "DeleteResourcePolicy", "ReplicateSecretToRegions",
)

_TABLE_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:dynamodb:[a-z0-9-]+:\d{12}:table/[A-Za-z0-9_.-]{3,255}$")
_TRAIL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class MonitoringArgs:
    account_id: str
    region: str
    audit_key_arn: pulumi.Input[str]
    """Encrypts CloudTrail log files, the trail's log group and both audit buckets. Its policy
    must admit the service principals cloudtrail.amazonaws.com and logs.<region>.amazonaws.com,
    and use through S3 (``via_services=["s3"]``) for the AWS Config role's deliveries."""
    alarm_topic_key_arn: pulumi.Input[str]
    """Encrypts the alarm topic; its policy must admit cloudwatch.amazonaws.com (and
    events.amazonaws.com when ``notify_findings`` is on)."""
    data_event_table_arns: list[pulumi.Input[str]]
    """DynamoDB tables whose item-level reads and writes are recorded (the transaction store)."""
    trail_name: str = "security-baseline"
    log_retention_days: int = MIN_AUDIT_RETENTION_DAYS
    trail_object_lock_days: int = MIN_AUDIT_RETENTION_DAYS
    audit_retention_days: int = 2557
    """How long the trail, access-log and Config buckets keep objects (7 years by default)."""
    bank_token_secret_name: str | None = None
    """When given, any change to this secret's value, policy or lifecycle raises an alarm."""
    alarm_emails: list[str] = field(default_factory=list)
    """Subscribers of the alarm topic; Security Hub's CloudWatch.x controls want at least one."""
    notify_findings: bool = True
    """Send new HIGH and CRITICAL Security Hub findings (GuardDuty, Inspector, Config, standards)
    to the alarm topic."""

    def __post_init__(self) -> None:
        require_account_and_region(self.account_id, self.region)
        for key_field in ("audit_key_arn", "alarm_topic_key_arn"):
            require_key_arn(getattr(self, key_field), key_field, self.region)
        require(len(self.data_event_table_arns) > 0, "data_event_table_arns", "no tables to record data events for",
                "pass the transaction store's ARN so every read and write of it is recorded (BANK-4)")
        for i, arn in enumerate(self.data_event_table_arns):
            require(not isinstance(arn, str) or bool(_TABLE_ARN.match(arn)), f"data_event_table_arns[{i}]",
                    f"{arn!r} is not a DynamoDB table ARN",
                    "pass the table's ARN, e.g. data_stores.transaction_table_arn")
        require(bool(_TRAIL_NAME.match(self.trail_name)), "trail_name",
                f"{self.trail_name!r} is not a valid trail name",
                "use 3-128 letters, digits, '.', '_' or '-', starting with a letter or digit")
        require(self.log_retention_days >= MIN_AUDIT_RETENTION_DAYS, "log_retention_days",
                f"{self.log_retention_days} days is too short for audit logs",
                f"keep them at least {MIN_AUDIT_RETENTION_DAYS} days")
        require(self.log_retention_days in LOG_RETENTION_VALUES, "log_retention_days",
                f"{self.log_retention_days} is not a retention CloudWatch Logs accepts",
                f"use one of {', '.join(map(str, LOG_RETENTION_VALUES))}")
        require(self.trail_object_lock_days >= MIN_AUDIT_RETENTION_DAYS, "trail_object_lock_days",
                f"{self.trail_object_lock_days} days leaves audit logs deletable too soon",
                f"lock them at least {MIN_AUDIT_RETENTION_DAYS} days")
        require(self.audit_retention_days >= max(MIN_AUDIT_RETENTION_DAYS, self.trail_object_lock_days),
                "audit_retention_days", f"{self.audit_retention_days} days expires audit logs too soon",
                f"keep them at least {max(MIN_AUDIT_RETENTION_DAYS, self.trail_object_lock_days)} days (and no "
                "shorter than trail_object_lock_days)")
        require(self.bank_token_secret_name is None or bool(SECRET_NAME.match(self.bank_token_secret_name)),
                "bank_token_secret_name", f"{self.bank_token_secret_name!r} is not a valid secret name",
                "pass data_stores' bank_token_secret_name")
        refuse_duplicates(self.alarm_emails, "alarm_emails")
        for i, email in enumerate(self.alarm_emails):
            require(bool(_EMAIL.match(email)), f"alarm_emails[{i}]", f"{email!r} is not an email address",
                    "write it like security@example.com")

    @property
    def partition(self) -> str:
        match = AWS_REGION_NAME.match(self.region)
        if match and match.group("prefix") == "cn":
            return "aws-cn"
        return "aws-us-gov" if match and match.group("gov") else "aws"

    @property
    def trail_arn(self) -> str:
        """Known before the trail exists, so the bucket policy can name it (aws:SourceArn)."""
        return f"arn:{self.partition}:cloudtrail:{self.region}:{self.account_id}:trail/{self.trail_name}"

    @property
    def standards_arns(self) -> dict[str, str]:
        prefix = f"arn:{self.partition}:securityhub:{self.region}::standards"
        return {
            "fsbp": f"{prefix}/aws-foundational-security-best-practices/v/1.0.0",
            "cis": f"{prefix}/cis-aws-foundations-benchmark/v/3.0.0",
        }


class Monitoring(pulumi.ComponentResource):
    """CloudTrail, GuardDuty, Security Hub, AWS Config, Inspector and the CIS alarms."""

    trail_arn: pulumi.Output[str]
    trail_bucket_name: pulumi.Output[str]
    trail_log_group_name: pulumi.Output[str]
    alarm_topic_arn: pulumi.Output[str]
    detector_id: pulumi.Output[str]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("security-baseline:monitoring:Monitoring", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)

        topic = self._alarm_topic()
        trail, log_group = self._trail()
        self._cis_alarms(log_group, topic)
        self.detector_id = self._guardduty()
        self._security_hub(topic)
        self._config()
        aws.inspector2.Enabler(f"{name}-inspector", account_ids=[args.account_id],
                               resource_types=INSPECTOR_RESOURCE_TYPES, opts=self._child)

        self.trail_arn = trail.arn
        self.trail_log_group_name = log_group.name
        self.alarm_topic_arn = topic.arn
        self.register_outputs({"trail_arn": self.trail_arn, "trail_bucket_name": self.trail_bucket_name,
                               "alarm_topic_arn": self.alarm_topic_arn, "detector_id": self.detector_id})

    def _alarm_topic(self) -> aws.sns.Topic:
        name, args, child = self._name, self._args, self._child
        topic = aws.sns.Topic(f"{name}-alarms", name=f"{name}-alarms", kms_master_key_id=args.alarm_topic_key_arn,
                              opts=child)
        topic_arn = pulumi.Output.from_input(arns.topic(args.region, args.account_id, f"{name}-alarms"))
        publishers = ["cloudwatch.amazonaws.com"] + (["events.amazonaws.com"] if args.notify_findings else [])
        aws.sns.TopicPolicy(
            f"{name}-alarms-policy", arn=topic.arn,
            policy=topic_arn.apply(lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [
                {
                    "Sid": "AccountServicesPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": publishers},
                    "Action": "sns:Publish",
                    "Resource": arn,
                    "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": "sns:Publish",
                    "Resource": arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ]})),
            opts=child,
        )
        for i, email in enumerate(args.alarm_emails):
            aws.sns.TopicSubscription(f"{name}-alarms-email-{i}", topic=topic.arn, protocol="email",
                                      endpoint=email, opts=child)
        return topic

    def _trail(self) -> tuple[aws.cloudtrail.Trail, aws.cloudwatch.LogGroup]:
        name, args, child = self._name, self._args, self._child
        bucket = SecureBucket(f"{name}-audit-trail", SecureBucketArgs(
            kms_key_arn=args.audit_key_arn,
            bucket_name=f"{name}-audit-trail-{args.account_id}-{args.region}",
            object_lock_days=args.trail_object_lock_days,
            expire_after_days=args.audit_retention_days,
            grants=lambda bucket_arn: _cloudtrail_grants(bucket_arn, args.account_id, args.trail_arn),
        ), opts=child)
        self.trail_bucket_name = bucket.name
        self._access_logging(bucket)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-trail-logs", name=f"/security-baseline/{name}/cloudtrail", kms_key_id=args.audit_key_arn,
            retention_in_days=args.log_retention_days, opts=child)
        role = log_writer_role(f"{name}-trail-logs", "cloudtrail.amazonaws.com", args.account_id, args.region, log_group,
                               ["logs:CreateLogStream", "logs:PutLogEvents"], lambda arn: f"{arn}:log-stream:*", child)
        selectors = [
            aws.cloudtrail.TrailAdvancedEventSelectorArgs(
                name="All management events, read and write",
                field_selectors=[_field("eventCategory", ["Management"])],
            ),
            aws.cloudtrail.TrailAdvancedEventSelectorArgs(
                name="Item-level access to the bank and data stores",
                field_selectors=[
                    _field("eventCategory", ["Data"]),
                    _field("resources.type", ["AWS::DynamoDB::Table"]),
                    _field("resources.ARN", args.data_event_table_arns),
                ],
            ),
        ]
        trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=args.trail_name,
            s3_bucket_name=bucket.name,
            is_multi_region_trail=True,
            include_global_service_events=True,
            is_organization_trail=False,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=args.audit_key_arn,
            cloud_watch_logs_group_arn=log_group.arn.apply(lambda arn: f"{arn}:*"),
            cloud_watch_logs_role_arn=role.arn,
            advanced_event_selectors=selectors,
            # CloudTrail checks the bucket policy when the trail is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket]),
        )
        return trail, log_group

    def _access_logging(self, trail_bucket: SecureBucket) -> None:
        """Server access logs of the trail bucket, kept in a bucket nobody may delete from."""
        name, args, child = self._name, self._args, self._child
        access_logs = SecureBucket(f"{name}-trail-access-logs", SecureBucketArgs(
            kms_key_arn=None,
            sse_s3_reason="S3 server access logging delivers only to buckets whose default encryption is SSE-S3",
            bucket_name=f"{name}-trail-access-logs-{args.account_id}-{args.region}",
            expire_after_days=args.audit_retention_days,
            grants=lambda bucket_arn: _access_log_grants(bucket_arn, args.account_id),
        ), opts=child)
        aws.s3.BucketLogging(f"{name}-audit-trail-access-logging", bucket=trail_bucket.bucket.id,
                             target_bucket=access_logs.bucket.id, target_prefix="audit-trail/", opts=child)

    def _cis_alarms(self, log_group: aws.cloudwatch.LogGroup, topic: aws.sns.Topic) -> None:
        alarms = list(CIS_ALARMS)
        secret = self._args.bank_token_secret_name
        if secret:
            alarms.append(CisAlarm(
                "bank-token-changes", "BANK-4: the bank channel is supervised", "Bank token secret changed",
                '{ ($.eventSource = "secretsmanager.amazonaws.com") && ('
                + _any_event(*BANK_TOKEN_CHANGE_EVENTS) + f') && ($.requestParameters.secretId = "*{secret}*") }}'))
        for alarm in alarms:
            metric = "".join(part.capitalize() for part in alarm.slug.split("-"))
            aws.cloudwatch.LogMetricFilter(
                f"{self._name}-{alarm.slug}",
                log_group_name=log_group.name,
                pattern=alarm.pattern,
                metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                    name=metric, namespace=METRIC_NAMESPACE, value="1"),
                opts=self._child,
            )
            aws.cloudwatch.MetricAlarm(
                f"{self._name}-{alarm.slug}-alarm",
                name=f"{self._name}-{alarm.slug}",
                alarm_description=f"{alarm.title} ({alarm.reference})",
                namespace=METRIC_NAMESPACE,
                metric_name=metric,
                statistic="Sum",
                period=300,
                evaluation_periods=1,
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=[topic.arn],
                opts=self._child,
            )

    def _guardduty(self) -> pulumi.Output[str]:
        detector = aws.guardduty.Detector(f"{self._name}-guardduty", enable=True,
                                          finding_publishing_frequency="FIFTEEN_MINUTES", opts=self._child)
        for feature in GUARDDUTY_FEATURES:
            aws.guardduty.DetectorFeature(
                f"{self._name}-guardduty-{feature.name.lower().replace('_', '-')}",
                detector_id=detector.id, name=feature.name, status="ENABLED",
                additional_configurations=[
                    aws.guardduty.DetectorFeatureAdditionalConfigurationArgs(name=extra, status="ENABLED")
                    for extra in feature.agent_management
                ] or None,
                opts=self._child,
            )
        return detector.id

    def _security_hub(self, topic: aws.sns.Topic) -> None:
        name, args = self._name, self._args
        account = aws.securityhub.Account(
            f"{name}-securityhub", enable_default_standards=False, auto_enable_controls=True,
            control_finding_generator="SECURITY_CONTROL", opts=self._child)
        after_account = pulumi.ResourceOptions(parent=self, depends_on=[account])
        for key, standard_arn in args.standards_arns.items():
            aws.securityhub.StandardsSubscription(f"{name}-standard-{key}", standards_arn=standard_arn,
                                                  opts=after_account)
        if args.notify_findings:
            rule = aws.cloudwatch.EventRule(
                f"{name}-high-findings",
                description="New HIGH or CRITICAL Security Hub findings",
                event_pattern=json.dumps({
                    "source": ["aws.securityhub"],
                    "detail-type": ["Security Hub Findings - Imported"],
                    "detail": {"findings": {
                        "Severity": {"Label": ["HIGH", "CRITICAL"]},
                        "Workflow": {"Status": ["NEW"]},
                        "RecordState": ["ACTIVE"],
                    }},
                }),
                opts=after_account,
            )
            aws.cloudwatch.EventTarget(f"{name}-high-findings-to-topic", rule=rule.name, arn=topic.arn,
                                       opts=self._child)

    def _config(self) -> None:
        name, args, child = self._name, self._args, self._child
        bucket = SecureBucket(f"{name}-config-history", SecureBucketArgs(
            kms_key_arn=args.audit_key_arn, bucket_name=f"{name}-config-history-{args.account_id}-{args.region}",
            expire_after_days=args.audit_retention_days,
            grants=lambda bucket_arn: _config_grants(bucket_arn, args.account_id),
        ), opts=child)
        role = aws.iam.Role(f"{name}-config-role", assume_role_policy=service_trust_policy("config.amazonaws.com",
                                                                                     args.account_id), opts=child)
        aws.iam.RolePolicyAttachment(f"{name}-config-role-policy", role=role.name, policy_arn=CONFIG_ROLE_POLICY,
                                     opts=child)
        aws.iam.RolePolicy(
            f"{name}-config-delivery", role=role.id,
            policy=json.dumps(_config_delivery_policy(arns.bucket(f"{name}-config-history-{args.account_id}-{args.region}"),
                                                      account_id=args.account_id, region=args.region)),
            opts=child,
        )
        recorder = aws.cfg.Recorder(
            f"{name}-config-recorder", name="security-baseline", role_arn=role.arn,
            recording_group=aws.cfg.RecorderRecordingGroupArgs(all_supported=True, include_global_resource_types=True),
            opts=child,
        )
        channel = aws.cfg.DeliveryChannel(
            f"{name}-config-delivery-channel", name="security-baseline", s3_bucket_name=bucket.name,
            s3_kms_key_arn=args.audit_key_arn,
            snapshot_delivery_properties=aws.cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs(
                delivery_frequency="TwentyFour_Hours"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[recorder, bucket]),
        )
        # Without an enabled status the recorder exists but records nothing.
        aws.cfg.RecorderStatus(f"{name}-config-recorder-status", name=recorder.name, is_enabled=True,
                               opts=pulumi.ResourceOptions(parent=self, depends_on=[channel]))


AUDIT_KEY_ALIAS = "alias/security-baseline/audit"
"""The alias DomainKey gives the audit key (domain "audit")."""


def _field(name: str, equals: list) -> aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs:
    return aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs(field=name, equals=equals)


def _cloudtrail_grants(bucket_arn: str, account_id: str, trail_arn: str) -> list[dict]:
    """CloudTrail may check the ACL and write its own prefix, for this trail only."""
    service = {"Service": "cloudtrail.amazonaws.com"}
    return [
        {
            "Sid": "CloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": service,
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
        },
        {
            "Sid": "CloudTrailWrite",
            "Effect": "Allow",
            "Principal": service,
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/AWSLogs/{account_id}/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}},
        },
    ]


ACCESS_LOG_DELETES = ["s3:DeleteObject", "s3:DeleteObjectVersion"]


def _access_log_grants(bucket_arn: str, account_id: str) -> list[dict]:
    """S3 log delivery may write for this account's buckets; nobody may delete a log (lifecycle
    expiry is S3's own action and is not subject to the bucket policy)."""
    return [
        {"Sid": "S3ServerAccessLogDelivery", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"{bucket_arn}/*",
         "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}},
        {"Sid": "DenyDeletingAccessLogs", "Effect": "Deny", "Principal": "*", "Action": ACCESS_LOG_DELETES,
         "Resource": f"{bucket_arn}/*"},
    ]


def _config_grants(bucket_arn: str, account_id: str) -> list[dict]:
    """AWS Config may check the bucket and write its own prefix, for this account only."""
    service = {"Service": "config.amazonaws.com"}
    same_account = {"StringEquals": {"aws:SourceAccount": account_id}}
    return [
        {"Sid": "ConfigAclCheck", "Effect": "Allow", "Principal": service, "Action": "s3:GetBucketAcl",
         "Resource": bucket_arn, "Condition": same_account},
        {"Sid": "ConfigExistenceCheck", "Effect": "Allow", "Principal": service, "Action": "s3:ListBucket",
         "Resource": bucket_arn, "Condition": same_account},
        {"Sid": "ConfigWrite", "Effect": "Allow", "Principal": service, "Action": "s3:PutObject",
         "Resource": f"{bucket_arn}/AWSLogs/{account_id}/Config/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                        "aws:SourceAccount": account_id}}},
    ]


def _config_delivery_policy(bucket_arn: str, account_id: str, region: str) -> dict:
    """AWS Config delivers with its role when the bucket is in the same account. The audit key is
    named by its alias (``kms:ResourceAliases``), not its ARN, whose key id is random until deploy."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "CheckBucket", "Effect": "Allow", "Action": "s3:GetBucketAcl", "Resource": bucket_arn},
        {"Sid": "WriteConfigPrefix", "Effect": "Allow", "Action": "s3:PutObject",
         "Resource": f"{bucket_arn}/AWSLogs/{account_id}/Config/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
        {"Sid": "EncryptThroughS3", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
         "Resource": f"arn:aws:kms:{region}:{account_id}:key/*",
         "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                       "ForAnyValue:StringEquals": {"kms:ResourceAliases": AUDIT_KEY_ALIAS}}},
    ]}
