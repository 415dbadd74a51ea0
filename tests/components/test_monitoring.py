"""Monitoring under the mock engine: CloudTrail, GuardDuty, Security Hub, Config, Inspector, CIS alarms."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.monitoring import CIS_ALARMS, GUARDDUTY_FEATURES, Monitoring, MonitoringArgs
from components.validation import InvalidInput
from tests.conftest import ACCOUNT, REGION, Registered, run_under_mocks

AUDIT_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/44444444-4444-4444-4444-444444444444"
TOPIC_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/55555555-5555-5555-5555-555555555555"
TRANSACTIONS = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/data-transactions"
OAUTH_TOKENS = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/data-oauth-tokens"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/security-baseline"
BANK_SECRET = "security-baseline/bank/aggregator-token"

TRAIL = "aws:cloudtrail/trail:Trail"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"
SUBSCRIPTION = "aws:securityhub/standardsSubscription:StandardsSubscription"
TOPIC_ARN = f"arn:aws:sns:{REGION}:123456789012:watch-alarms"
"""What the mock engine computes for the alarm topic."""


def _args(**overrides: Any) -> MonitoringArgs:
    values: dict[str, Any] = dict(account_id=ACCOUNT, region=REGION, audit_key_arn=AUDIT_KEY,
                                  alarm_topic_key_arn=TOPIC_KEY, data_event_table_arns=[TRANSACTIONS])
    values.update(overrides)
    return MonitoringArgs(**values)


def _deploy(**overrides: Any) -> Registered:
    return run_under_mocks(lambda: Monitoring("watch", _args(**overrides)))


@pytest.fixture(scope="module")
def deployed() -> Registered:
    return _deploy()


def _json(resource, key: str = "policy") -> dict:
    return json.loads(resource.props[key])


def _statement(policy: dict, sid: str) -> dict:
    found = [s for s in policy["Statement"] if s.get("Sid") == sid]
    assert len(found) == 1, f"no single statement {sid} in {policy}"
    return found[0]


# --- CloudTrail ---------------------------------------------------------------------------------------------

def test_trail_covers_every_region_and_global_services_with_validated_encrypted_files(deployed):
    trail = deployed.one(TRAIL).props
    assert trail["name"] == "security-baseline"
    assert trail["isMultiRegionTrail"] is True
    assert trail["includeGlobalServiceEvents"] is True
    assert trail["enableLogFileValidation"] is True
    assert trail["enableLogging"] is True
    assert trail["kmsKeyId"] == AUDIT_KEY


def test_trail_writes_to_the_locked_audit_bucket(deployed):
    assert deployed.one(TRAIL).props["s3BucketName"] == f"watch-audit-trail-{ACCOUNT}-{REGION}"
    lock = deployed.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").props
    assert lock["rule"]["defaultRetention"] == {"mode": "COMPLIANCE", "days": 365}
    assert deployed.one("aws:s3/bucket:Bucket", "watch-audit-trail-bucket").props["objectLockEnabled"] is True
    encryption = deployed.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                              "watch-audit-trail-encryption").props
    assert encryption["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == AUDIT_KEY


def test_object_lock_period_is_configurable_upwards():
    registered = _deploy(trail_object_lock_days=2555)
    lock = registered.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").props
    assert lock["rule"]["defaultRetention"]["days"] == 2555


def test_audit_bucket_admits_cloudtrail_for_this_trail_only(deployed):
    policy = _json(deployed.one(BUCKET_POLICY, "watch-audit-trail-policy"))
    bucket_arn = f"arn:aws:s3:::watch-audit-trail-{ACCOUNT}-{REGION}"
    acl = _statement(policy, "CloudTrailAclCheck")
    assert acl["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert (acl["Action"], acl["Resource"]) == ("s3:GetBucketAcl", bucket_arn)
    assert acl["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL_ARN}}
    write = _statement(policy, "CloudTrailWrite")
    assert write["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert (write["Action"], write["Resource"]) == ("s3:PutObject", f"{bucket_arn}/AWSLogs/{ACCOUNT}/*")
    assert write["Condition"] == {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                                   "aws:SourceArn": TRAIL_ARN}}
    assert _statement(policy, "DenyInsecureTransport")["Effect"] == "Deny"


def test_trail_delivers_to_an_encrypted_log_group_kept_a_year(deployed):
    group = deployed.one(LOG_GROUP).props
    assert group["kmsKeyId"] == AUDIT_KEY
    assert group["retentionInDays"] >= 365
    trail = deployed.one(TRAIL).props
    assert trail["cloudWatchLogsGroupArn"].endswith("loggroup/watch-trail-logs:*")
    assert trail["cloudWatchLogsRoleArn"].endswith("role/watch-trail-logs-role")
    trust = _json(deployed.one("aws:iam/role:Role", "watch-trail-logs-role"), "assumeRolePolicy")
    assert trust["Statement"][0]["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    write = _json(deployed.one("aws:iam/rolePolicy:RolePolicy", "watch-trail-logs-write"))
    assert write["Statement"][0]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert write["Statement"][0]["Resource"] == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/security-baseline/watch/cloudtrail:log-stream:*")


def test_trail_records_all_management_events_including_secret_reads(deployed):
    selectors = deployed.one(TRAIL).props["advancedEventSelectors"]
    management = [s for s in selectors if {"field": "eventCategory", "equals": ["Management"]} in s["fieldSelectors"]]
    assert len(management) == 1
    # GetSecretValue is a management *read*: a readOnly filter or an excluded event source would drop it.
    assert [f["field"] for f in management[0]["fieldSelectors"]] == ["eventCategory"]


def test_trail_records_item_level_access_to_the_given_tables():
    registered = _deploy(data_event_table_arns=[TRANSACTIONS, OAUTH_TOKENS])
    selectors = registered.one(TRAIL).props["advancedEventSelectors"]
    data = [s for s in selectors if {"field": "eventCategory", "equals": ["Data"]} in s["fieldSelectors"]]
    assert len(data) == 1
    fields = {f["field"]: f["equals"] for f in data[0]["fieldSelectors"]}
    assert fields == {"eventCategory": ["Data"], "resources.type": ["AWS::DynamoDB::Table"],
                      "resources.ARN": [TRANSACTIONS, OAUTH_TOKENS]}


# --- CIS alarms ---------------------------------------------------------------------------------------------

REQUIRED_ALARMS = {
    "root-account-use": '$.userIdentity.type = "Root"',
    "unauthorized-api-calls": '$.errorCode = "AccessDenied*"',
    "console-signin-without-mfa": '$.additionalEventData.MFAUsed != "Yes"',
    "iam-policy-changes": '$.eventName = "PutRolePolicy"',
    "cloudtrail-config-changes": '$.eventName = "StopLogging"',
    "kms-cmk-disable-or-deletion": '$.eventName = "ScheduleKeyDeletion"',
    "security-group-changes": '$.eventName = "AuthorizeSecurityGroupIngress"',
    "nacl-changes": '$.eventName = "CreateNetworkAclEntry"',
    "network-gateway-changes": '$.eventName = "AttachInternetGateway"',
    "route-table-changes": '$.eventName = "CreateRoute"',
    "vpc-changes": '$.eventName = "ModifyVpcAttribute"',
}


@pytest.mark.parametrize(("slug", "fragment"), sorted(REQUIRED_ALARMS.items()))
def test_cis_metric_filter_watches_the_trail_log_group(deployed, slug, fragment):
    log_group = deployed.one(LOG_GROUP).props["name"]
    metric_filter = deployed.one(FILTER, f"watch-{slug}").props
    assert metric_filter["logGroupName"] == log_group
    assert fragment in metric_filter["pattern"]


@pytest.mark.parametrize("slug", [a.slug for a in CIS_ALARMS])
def test_every_cis_filter_has_an_alarm_wired_to_the_topic(deployed, slug):
    transformation = deployed.one(FILTER, f"watch-{slug}").props["metricTransformation"]
    alarm = deployed.one(ALARM, f"watch-{slug}-alarm").props
    assert (alarm["namespace"], alarm["metricName"]) == (transformation["namespace"], transformation["name"])
    assert transformation["value"] == "1"
    assert alarm["alarmActions"] == [TOPIC_ARN]
    assert (alarm["statistic"], alarm["threshold"], alarm["comparisonOperator"]) == (
        "Sum", 1, "GreaterThanOrEqualToThreshold")
    assert alarm["treatMissingData"] == "notBreaching"


def test_every_metric_filter_has_one_alarm(deployed):
    assert {f"{name}-alarm" for name in deployed.names(FILTER)} == deployed.names(ALARM)
    assert set(REQUIRED_ALARMS) <= {a.slug for a in CIS_ALARMS}


@pytest.mark.parametrize("alarm", CIS_ALARMS, ids=lambda a: a.slug)
def test_filter_patterns_are_well_formed_and_within_the_cloudwatch_limit(alarm):
    assert len(alarm.pattern) <= 1024
    assert alarm.pattern.startswith("{") and alarm.pattern.endswith("}")
    assert alarm.pattern.count("(") == alarm.pattern.count(")")
    assert alarm.pattern.count('"') % 2 == 0


def test_bank_token_changes_raise_an_alarm_when_the_secret_is_named():
    registered = _deploy(bank_token_secret_name=BANK_SECRET)
    pattern = registered.one(FILTER, "watch-bank-token-changes").props["pattern"]
    assert '$.eventSource = "secretsmanager.amazonaws.com"' in pattern
    assert '$.eventName = "PutSecretValue"' in pattern and '$.eventName = "PutResourcePolicy"' in pattern
    assert f'$.requestParameters.secretId = "*{BANK_SECRET}*"' in pattern
    assert len(pattern) <= 1024
    assert registered.one(ALARM, "watch-bank-token-changes-alarm").props["alarmActions"] == [TOPIC_ARN]


def test_no_bank_token_alarm_without_a_secret_name(deployed):
    assert "watch-bank-token-changes" not in deployed.names(FILTER)


# --- alarm topic --------------------------------------------------------------------------------------------

def test_alarm_topic_is_encrypted_with_the_given_key(deployed):
    assert deployed.one(TOPIC).props["kmsMasterKeyId"] == TOPIC_KEY


def test_alarm_topic_admits_cloudwatch_from_this_account_over_tls_only(deployed):
    policy = _json(deployed.one("aws:sns/topicPolicy:TopicPolicy"))
    publish = _statement(policy, "AccountServicesPublish")
    assert "cloudwatch.amazonaws.com" in publish["Principal"]["Service"]
    assert (publish["Action"], publish["Resource"]) == ("sns:Publish", f"arn:aws:sns:{REGION}:{ACCOUNT}:watch-alarms")
    assert publish["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    deny = _statement(policy, "DenyInsecureTransport")
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_alarm_emails_subscribe_to_the_topic():
    registered = _deploy(alarm_emails=["security@example.com", "oncall@example.com"])
    subscriptions = registered.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s.props["endpoint"] for s in subscriptions) == ["oncall@example.com", "security@example.com"]
    assert {(s.props["protocol"], s.props["topic"]) for s in subscriptions} == {("email", TOPIC_ARN)}


def test_high_and_critical_findings_reach_the_topic(deployed):
    rule = deployed.one("aws:cloudwatch/eventRule:EventRule").props
    pattern = json.loads(rule["eventPattern"])
    assert pattern["source"] == ["aws.securityhub"]
    assert pattern["detail"]["findings"]["Severity"]["Label"] == ["HIGH", "CRITICAL"]
    target = deployed.one("aws:cloudwatch/eventTarget:EventTarget").props
    assert (target["rule"], target["arn"]) == ("watch-high-findings", TOPIC_ARN)
    publish = _statement(_json(deployed.one("aws:sns/topicPolicy:TopicPolicy")), "AccountServicesPublish")
    assert "events.amazonaws.com" in publish["Principal"]["Service"]


def test_finding_notifications_can_be_turned_off():
    registered = _deploy(notify_findings=False)
    assert not registered.of_type("aws:cloudwatch/eventRule:EventRule")
    publish = _statement(_json(registered.one("aws:sns/topicPolicy:TopicPolicy")), "AccountServicesPublish")
    assert publish["Principal"]["Service"] == ["cloudwatch.amazonaws.com"]


# --- GuardDuty, Security Hub, Inspector ---------------------------------------------------------------------

def test_guardduty_is_on_and_publishes_every_fifteen_minutes(deployed):
    detector = deployed.one("aws:guardduty/detector:Detector").props
    assert detector["enable"] is True
    assert detector["findingPublishingFrequency"] == "FIFTEEN_MINUTES"


def test_guardduty_protection_plans_are_enabled(deployed):
    features = {r.props["name"]: r.props for r in deployed.of_type(FEATURE)}
    assert {"RDS_LOGIN_EVENTS", "S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION", "RUNTIME_MONITORING"} <= set(features)
    assert set(features) == {f.name for f in GUARDDUTY_FEATURES}
    assert {f["status"] for f in features.values()} == {"ENABLED"}
    assert {f["detectorId"] for f in features.values()} == {"watch-guardduty-id"}
    agents = {(c["name"], c["status"]) for c in features["RUNTIME_MONITORING"]["additionalConfigurations"]}
    assert agents == {("ECS_FARGATE_AGENT_MANAGEMENT", "ENABLED"), ("EC2_AGENT_MANAGEMENT", "ENABLED")}


def test_security_hub_generates_consolidated_findings_without_default_standards(deployed):
    account = deployed.one("aws:securityhub/account:Account").props
    assert account["enableDefaultStandards"] is False
    assert account["controlFindingGenerator"] == "SECURITY_CONTROL"
    assert account["autoEnableControls"] is True


def test_security_hub_runs_fsbp_and_cis(deployed):
    assert {s.props["standardsArn"] for s in deployed.of_type(SUBSCRIPTION)} == {
        f"arn:aws:securityhub:{REGION}::standards/aws-foundational-security-best-practices/v/1.0.0",
        f"arn:aws:securityhub:{REGION}::standards/cis-aws-foundations-benchmark/v/3.0.0",
    }


def test_standards_and_trail_arns_follow_the_partition():
    gov = "us-gov-west-1"
    args = _args(region=gov, audit_key_arn=AUDIT_KEY.replace(f"aws:kms:{REGION}", f"aws-us-gov:kms:{gov}"),
                 alarm_topic_key_arn=TOPIC_KEY.replace(f"aws:kms:{REGION}", f"aws-us-gov:kms:{gov}"),
                 data_event_table_arns=[TRANSACTIONS.replace(f"aws:dynamodb:{REGION}", f"aws-us-gov:dynamodb:{gov}")])
    assert args.standards_arns["cis"] == (
        f"arn:aws-us-gov:securityhub:{gov}::standards/cis-aws-foundations-benchmark/v/3.0.0")
    assert args.trail_arn == f"arn:aws-us-gov:cloudtrail:{gov}:{ACCOUNT}:trail/security-baseline"


def test_inspector_scans_ec2_ecr_and_lambda_in_this_account(deployed):
    enabler = deployed.one("aws:inspector2/enabler:Enabler").props
    assert enabler["accountIds"] == [ACCOUNT]
    assert sorted(enabler["resourceTypes"]) == ["EC2", "ECR", "LAMBDA"]


# --- AWS Config ---------------------------------------------------------------------------------------------

def test_config_records_everything_including_global_resources(deployed):
    recorder = deployed.one("aws:cfg/recorder:Recorder").props
    assert recorder["recordingGroup"] == {"allSupported": True, "includeGlobalResourceTypes": True}
    assert recorder["roleArn"].endswith("role/watch-config-role")
    attachment = deployed.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "watch-config-role-policy").props
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
    trust = _json(deployed.one("aws:iam/role:Role", "watch-config-role"), "assumeRolePolicy")
    assert trust["Statement"][0]["Principal"] == {"Service": "config.amazonaws.com"}
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_config_recorder_is_switched_on(deployed):
    status = deployed.one("aws:cfg/recorderStatus:RecorderStatus").props
    assert status["isEnabled"] is True
    assert status["name"] == deployed.one("aws:cfg/recorder:Recorder").props["name"]


def test_config_delivers_kms_encrypted_to_its_secure_bucket(deployed):
    channel = deployed.one("aws:cfg/deliveryChannel:DeliveryChannel").props
    assert channel["s3BucketName"] == f"watch-config-history-{ACCOUNT}-{REGION}"
    assert channel["s3KmsKeyArn"] == AUDIT_KEY
    encryption = deployed.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                              "watch-config-history-encryption").props
    assert encryption["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == AUDIT_KEY


def test_config_bucket_admits_config_for_this_account_only(deployed):
    policy = _json(deployed.one(BUCKET_POLICY, "watch-config-history-policy"))
    bucket_arn = f"arn:aws:s3:::watch-config-history-{ACCOUNT}-{REGION}"
    for sid, action, resource in (("ConfigAclCheck", "s3:GetBucketAcl", bucket_arn),
                                  ("ConfigExistenceCheck", "s3:ListBucket", bucket_arn),
                                  ("ConfigWrite", "s3:PutObject", f"{bucket_arn}/AWSLogs/{ACCOUNT}/Config/*")):
        statement = _statement(policy, sid)
        assert statement["Principal"] == {"Service": "config.amazonaws.com"}
        assert (statement["Action"], statement["Resource"]) == (action, resource)
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
    assert _statement(policy, "ConfigWrite")["Condition"]["StringEquals"]["s3:x-amz-acl"] == "bucket-owner-full-control"


def test_config_role_may_deliver_only_to_its_prefix(deployed):
    policy = _json(deployed.one("aws:iam/rolePolicy:RolePolicy", "watch-config-delivery"))
    for statement in policy["Statement"]:
        for value in [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]:
            assert "*" not in value
    assert _statement(policy, "WriteConfigPrefix")["Resource"].endswith(f"/AWSLogs/{ACCOUNT}/Config/*")
    encrypt = _statement(policy, "EncryptThroughS3")
    assert encrypt["Resource"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*"  # the audit key, named by its alias
    assert encrypt["Condition"] == {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"},
                                    "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/security-baseline/audit"}}


# --- validation ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "field"), [
    ({"account_id": "12345678901"}, "account_id"),
    ({"region": "EU-WEST-1"}, "region"),
    ({"audit_key_arn": "alias/audit"}, "audit_key_arn"),
    ({"audit_key_arn": AUDIT_KEY.replace(REGION, "eu-central-1")}, "audit_key_arn"),
    ({"alarm_topic_key_arn": "44444444-4444-4444-4444-444444444444"}, "alarm_topic_key_arn"),
    ({"data_event_table_arns": []}, "data_event_table_arns"),
    ({"data_event_table_arns": [TRANSACTIONS, "data-transactions"]}, "data_event_table_arns[1]"),
    ({"trail_name": "my trail"}, "trail_name"),
    ({"log_retention_days": 90}, "log_retention_days"),
    ({"log_retention_days": 500}, "log_retention_days"),
    ({"trail_object_lock_days": 30}, "trail_object_lock_days"),
    ({"bank_token_secret_name": "bank token"}, "bank_token_secret_name"),
    ({"alarm_emails": ["security"]}, "alarm_emails[0]"),
    ({"alarm_emails": ["a@example.com", "a@example.com"]}, "alarm_emails"),
])
def test_invalid_inputs_are_refused_naming_the_field(overrides, field):
    with pytest.raises(InvalidInput) as caught:
        _args(**overrides)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_longer_retention_is_accepted():
    registered = _deploy(log_retention_days=3653)
    assert registered.one(LOG_GROUP).props["retentionInDays"] == 3653


def test_short_audit_retention_is_refused_as_too_short():
    with pytest.raises(InvalidInput) as caught:
        _args(log_retention_days=90)
    assert "too short" in caught.value.problem
