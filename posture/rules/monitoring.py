"""Detection: CloudTrail, GuardDuty, Security Hub, AWS Config, Inspector, CIS alarms, the bank-token
change alarm, log protection and the notification topics (APP-4, BANK-4).

The account-level services are existence checks over the whole graph: a stack that declares
none of them fails, because the promise is that they run, not that they are configured well
when present. Their settings are checked by the resource rules.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from posture.facts import ORGANIZATIONS_CHANGE_EVENTS
from posture.findings import Verdict
from posture.resources import ResourceView
from posture.rules.chains import alarm_chains, judge
from posture.rules.graph import graph
from posture.rules.policy_documents import fnmatch_any, policy_document
from posture.rules.results import RuleResult, each, failed, not_applicable, passed, scope, stack_failed, stack_passed
from posture.rules.tokens import (
    BUCKET_OBJECT_LOCK,
    BUCKETS,
    CONFIG_DELIVERY_CHANNEL,
    CONFIG_RECORDER,
    CONFIG_RECORDER_STATUS,
    GUARDDUTY_DETECTOR,
    GUARDDUTY_DETECTOR_FEATURE,
    INSPECTOR_ENABLER,
    SECRET,
    SECURITY_HUB_ACCOUNT,
    SECURITY_HUB_ACCOUNTS,
    SECURITY_HUB_STANDARD,
    SNS_TOPIC,
    SNS_TOPIC_POLICY,
    TRAIL,
)
from posture.rules.values import as_bool, as_int, as_list, customer_key, is_aws_managed_key, plain, props, tags

MIN_LOG_RETENTION_DAYS = 365
REQUIRED_STANDARDS = {"AWS FSBP": "aws-foundational-security-best-practices",
                      "CIS AWS Foundations": "cis-aws-foundations-benchmark"}
ACTIVE_STANDARD_STATES = (None, "PENDING", "READY", "INCOMPLETE")
"""A planned subscription has no status; a live one whose enabling FAILED or that is DELETING runs no checks."""
CIS_FILTER_TERMS: dict[str, tuple[str, ...]] = {
    # CIS AWS Foundations v3.0 section 4: a metric filter whose pattern names these events, and
    # an alarm on its metric with somewhere to send it.
    "4.1 unauthorized API calls": ("UnauthorizedOperation", "AccessDenied"),
    "4.2 console sign-in without MFA": ("ConsoleLogin", "MFAUsed"),
    "4.3 root account usage": ("userIdentity.type", "Root"),
    "4.4 IAM policy changes": ("PutRolePolicy", "AttachRolePolicy"),
    "4.5 CloudTrail configuration changes": ("StopLogging", "DeleteTrail"),
    "4.6 console authentication failures": ("ConsoleLogin", "Failed authentication"),
    "4.7 disabling or deleting CMKs": ("DisableKey", "ScheduleKeyDeletion"),
    "4.8 S3 bucket policy changes": ("PutBucketPolicy",),
    "4.9 AWS Config changes": ("StopConfigurationRecorder",),
    "4.10 security group changes": ("AuthorizeSecurityGroupIngress",),
    "4.11 network ACL changes": ("CreateNetworkAclEntry",),
    "4.12 network gateway changes": ("AttachInternetGateway",),
    "4.13 route table changes": ("CreateRoute", "ReplaceRoute"),
    "4.14 VPC changes": ("CreateVpc", "DeleteVpc"),
    "4.15 AWS Organizations changes": ("organizations.amazonaws.com", *ORGANIZATIONS_CHANGE_EVENTS),
}
BANK_TOKEN_TAG = ("domain", "bank-data")
BANK_TOKEN_NAME = re.compile(r"(bank|aggregator).*token|token.*(bank|aggregator)", re.IGNORECASE)
BANK_TOKEN_CHANGES = ("PutSecretValue", "UpdateSecret", "DeleteSecret", "PutResourcePolicy")
"""A new value, a new key or description, deletion, and a new list of readers: each must be seen."""


# --- trail settings ----------------------------------------------------------------------------


def trail_enable_multi_region(resource: ResourceView) -> RuleResult:
    p = props(resource)
    checks = (("isMultiRegionTrail", as_bool(p.get("isMultiRegionTrail")) is True, "API calls in other regions go "
               "unrecorded", "true"),
              ("includeGlobalServiceEvents", as_bool(p.get("includeGlobalServiceEvents")) is not False,
               "IAM and STS calls go unrecorded", "true"),
              ("enableLogging", as_bool(p.get("enableLogging")) is not False, "the trail records nothing", "true"))
    for key, ok, problem, expected in checks:
        if not ok:
            return failed(resource, key, p.get(key), problem, expected)
    return passed(resource, "records every region and global service")


def trail_enable_log_file_validation(resource: ResourceView) -> RuleResult:
    value = as_bool(props(resource).get("enableLogFileValidation"))
    if not value:
        return failed(resource, "enableLogFileValidation", value, "a tampered or deleted log file goes unnoticed", "true")
    return passed(resource, "log file validation on")


def _require_cmk(key_prop: str, problem: str, expected: str):
    def rule(resource: ResourceView) -> RuleResult:
        key = customer_key(props(resource), key_prop)
        if not key or is_aws_managed_key(key):
            return failed(resource, key_prop, key, problem, expected)
        return passed(resource, f"encrypted with {key}")

    return rule


trail_require_cmk_encryption = _require_cmk(
    "kmsKeyId", "logs are readable by anyone who can read the bucket", "a customer-managed key")
topic_require_cmk_encryption = _require_cmk(
    "kmsMasterKeyId", "alarm and backup notifications are stored unencrypted or under the AWS-managed key",
    "a customer-managed key")
loggroup_require_cmk_encryption = _require_cmk(
    "kmsKeyId", "log events (flow logs, trails) are encrypted with a key we do not control",
    "the logs customer-managed key")


def loggroup_require_retention(resource: ResourceView) -> RuleResult:
    days = as_int(props(resource).get("retentionInDays"))
    if days is not None and days != 0 and days < MIN_LOG_RETENTION_DAYS:
        return failed(resource, "retentionInDays", days, "evidence is gone before an investigation needs it",
                      f"at least {MIN_LOG_RETENTION_DAYS} days (0 or unset keeps logs forever)")
    return passed(resource, f"kept {days or 'forever'} days" if days else "kept forever")


def cloudtrail_bucket_require_object_lock(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    locks = g.attached_to(BUCKET_OBJECT_LOCK, "bucket", *BUCKETS)

    def check(trail: ResourceView) -> RuleResult:
        ref = props(trail).ref("s3BucketName")
        bucket = g.resolve(ref, *BUCKETS) if ref is not None else None
        if bucket is None:
            return failed(trail, "s3BucketName", ref and ref.value, f"the trail's bucket is not {scope().declared}, so its lock "
                          "cannot be proven", f"a bucket {scope().declared}")
        if not as_bool(props(bucket).get("objectLockEnabled")):
            return failed(bucket, "objectLockEnabled", props(bucket).get("objectLockEnabled"), "trail logs can be "
                          "deleted or overwritten", "true")
        lock = locks.get(bucket.urn)
        retention = props(lock).get("rule") if lock is not None else None
        retention = retention.get("defaultRetention") if retention is not None else None
        mode = retention.get("mode") if retention is not None else None
        days = (as_int(retention.get("days")) or 365 * (as_int(retention.get("years")) or 0)) if retention else 0
        if mode != "COMPLIANCE" or days < MIN_LOG_RETENTION_DAYS:
            return failed(lock or bucket, "rule.defaultRetention", retention, "trail logs are not locked in compliance "
                          f"mode for {MIN_LOG_RETENTION_DAYS} days", f'mode "COMPLIANCE" and at least '
                          f"{MIN_LOG_RETENTION_DAYS} days")
        return passed(trail, f"logs locked in {bucket.name} ({mode}, {days} days)")

    return each(g.of_type(TRAIL), check)


# --- account-level services --------------------------------------------------------------------


def account_require_cloudtrail(resources: Sequence[ResourceView]) -> list[RuleResult]:
    trails = graph(resources).of_type(TRAIL)
    if not trails:
        return [stack_failed("no CloudTrail trail: API activity is not recorded")]
    return [stack_passed(f"trail {trails[0].name} records API activity")]


def account_require_guardduty(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    detectors = g.of_type(GUARDDUTY_DETECTOR)
    if not detectors:
        return [stack_failed("no GuardDuty detector: threats go undetected")]

    def check(detector: ResourceView) -> RuleResult:
        enabled = as_bool(props(detector).get("enable"))
        if enabled is False:
            return failed(detector, "enable", enabled, "GuardDuty is off", "true")
        for feature in g.of_type(GUARDDUTY_DETECTOR_FEATURE):
            p = props(feature)
            if p.get("name") == "RDS_LOGIN_EVENTS" and p.get("status") == "ENABLED" and \
                    g.resolve(p.ref("detectorId"), GUARDDUTY_DETECTOR) is detector:
                return passed(detector, "enabled with RDS protection")
        return failed(detector, "features", None, "RDS Protection is off: suspicious database logins go unnoticed",
                      'a detector feature RDS_LOGIN_EVENTS with status "ENABLED"')

    return each(detectors, check)


def account_require_security_hub(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    hubs = g.of_type(*SECURITY_HUB_ACCOUNTS)
    if not hubs:
        return [stack_failed("no Security Hub account: findings are not aggregated or scored")]
    arns = [str(props(s).get("standardsArn")) for s in g.of_type(SECURITY_HUB_STANDARD)
            if props(s).get("status") in ACTIVE_STANDARD_STATES]
    defaults = any(h.type == SECURITY_HUB_ACCOUNT and as_bool(props(h).get("enableDefaultStandards")) is not False
                   for h in hubs)
    missing = [name for name, marker in REQUIRED_STANDARDS.items()
               if not any(marker in arn for arn in arns) and not defaults]
    if missing:
        return [failed(hubs[0], "standardsSubscriptions", arns, f"{' and '.join(missing)} are not evaluated",
                       f"active subscriptions to {' and '.join(missing)} (or enableDefaultStandards "
                       "not false)")]
    return [passed(hubs[0], "FSBP and CIS standards enabled")]


CONFIG_REQUIRED_TYPES = (
    "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::User", "AWS::KMS::Key", "AWS::S3::Bucket",
    "AWS::EC2::SecurityGroup", "AWS::EC2::NetworkAcl", "AWS::EC2::RouteTable", "AWS::EC2::VPC",
    "AWS::RDS::DBInstance", "AWS::DynamoDB::Table", "AWS::SecretsManager::Secret", "AWS::CloudTrail::Trail",
    "AWS::Backup::BackupPlan", "AWS::Backup::BackupVault", "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::WAFv2::WebACL",
)
"""The resource types whose configuration history the promises rest on: who may act (IAM, keys),
where data lives (buckets, the database, tables, secrets), the network walls, the trail, the
backups and the edge."""


def _unrecorded_types(group) -> list[str]:
    """Required types a recording group leaves out: a list that omits them, or an exclusion that names them."""
    strategy = group.get("recordingStrategy")
    use_only = str((strategy.get("useOnly") if strategy is not None else None) or "")
    if use_only == "EXCLUSION_BY_RESOURCE_TYPES":
        exclusion = group.get("exclusionByResourceTypes")
        excluded = {str(t) for t in plain(exclusion.get("resourceTypes") or [])} if exclusion is not None else set()
        return [t for t in CONFIG_REQUIRED_TYPES if t in excluded]
    if as_bool(group.get("allSupported")) is not False and use_only in ("", "ALL_SUPPORTED_RESOURCE_TYPES"):
        return []
    listed = {str(t) for t in plain(group.get("resourceTypes") or [])}
    return [t for t in CONFIG_REQUIRED_TYPES if t not in listed]


def account_require_config_recording(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    recorders = g.of_type(CONFIG_RECORDER)
    if not recorders:
        return [stack_failed("no AWS Config recorder: configuration history is not kept")]
    if not g.of_type(CONFIG_DELIVERY_CHANNEL):
        return [failed(recorders[0], "deliveryChannel", None, "the recorder has nowhere to deliver",
                       "an AWS Config delivery channel")]

    def check(recorder: ResourceView) -> RuleResult:
        p = props(recorder)
        group = p.get("recordingGroup")
        if group is None:
            return failed(recorder, "recordingGroup", None, "the default recording group leaves out global resources "
                          "(IAM users, roles and policies)", "allSupported true and includeGlobalResourceTypes true")
        missing = _unrecorded_types(group)
        if missing:
            return failed(recorder, "recordingGroup", group, f"changes to {', '.join(missing)} are not recorded, "
                          "and the promises depend on their history", "allSupported true, or resourceTypes "
                          "including " + ", ".join(CONFIG_REQUIRED_TYPES) + " (and none of them excluded)")
        if as_bool(group.get("allSupported")) is not False and \
                as_bool(group.get("includeGlobalResourceTypes")) is False:
            return failed(recorder, "recordingGroup.includeGlobalResourceTypes", False, "changes to IAM users, roles "
                          "and policies are not recorded", "true")
        for status in g.of_type(CONFIG_RECORDER_STATUS):
            s = props(status)
            if s.get("name") == p.get("name") and as_bool(s.get("isEnabled")):
                return passed(recorder, "recording, with a delivery channel")
        return failed(recorder, "recorderStatus", None, "the recorder exists but is stopped: AWS Config records "
                      "nothing until a RecorderStatus enables it",
                      "a recorder status for this recorder with isEnabled true")

    return each(recorders, check)


def account_require_inspector(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    enablers = [e for e in g.of_type(INSPECTOR_ENABLER) if len(props(e).get("resourceTypes") or [])]
    if not enablers:
        return [stack_failed("no Amazon Inspector enabler: workloads are not scanned for vulnerabilities")]
    return [passed(enablers[0], f"scanning {', '.join(props(enablers[0]).get('resourceTypes'))}")]


_EVENT_NAME_TERM = re.compile(r'\$\.eventname\s*=\s*"?([a-z0-9]+)"?')
"""An ``$.eventName = "X"`` term of a (lowercased) metric filter pattern."""
EXACT_EVENT_NAMES = {"4.15 AWS Organizations changes"}
"""Items whose event names are matched as whole ``eventName`` terms: CreateOrganization is a prefix of
CreateOrganizationalUnit, so a text search would count a pattern without it as complete."""


def _names_events(pattern: str, needles: Sequence[str], exact: bool) -> bool:
    if not exact:
        return all(n.lower() in pattern for n in needles)
    named = set(_EVENT_NAME_TERM.findall(pattern))
    sources = [n for n in needles if n.endswith(".amazonaws.com")]
    return (all(s in pattern for s in sources)
            and all(n.lower() in named for n in needles if n not in sources))


def account_require_cis_alarms(resources: Sequence[ResourceView]) -> list[RuleResult]:
    chains = alarm_chains(resources)
    expected = "a metric filter on the trail's log group and an alarm with actions to a subscribed topic"
    return [judge(chains, f"CIS {item}", lambda pattern, needles=needles, exact=item in EXACT_EVENT_NAMES:
                  _names_events(pattern, needles, exact), expected) for item, needles in CIS_FILTER_TERMS.items()]


# --- the bank token's change alarm (BANK-4) ----------------------------------------------------


def _is_bank_token(secret: ResourceView) -> bool:
    """Tagged as bank-channel data (components.data_stores tags ``domain=bank-data``) or named like
    the aggregator token, so an untagged copy cannot escape."""
    key, value = BANK_TOKEN_TAG
    name = f"{props(secret).get('name') or props(secret).get('namePrefix') or ''} {secret.name}"
    return tags(secret).get(key) == value or bool(BANK_TOKEN_NAME.search(name))


def _watches(pattern: str, secret_names: list[str]) -> bool:
    """The pattern names every change event and either this secret or no particular secret at all."""
    if not all(event.lower() in pattern for event in BANK_TOKEN_CHANGES):
        return False
    if "secretsmanager" not in pattern and "eventsource" in pattern:
        return False
    return "requestparameters" not in pattern or any(n.lower() in pattern for n in secret_names if n)


def bank_token_require_change_alarm(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    chains = alarm_chains(g) if g.of_type(SECRET) else None

    def check(secret: ResourceView) -> RuleResult:
        if not _is_bank_token(secret):
            return not_applicable(secret, f"not tagged {BANK_TOKEN_TAG[0]}={BANK_TOKEN_TAG[1]} and not named like "
                                          "a bank or aggregator token")
        p = props(secret)
        names = [str(v) for v in (p.get("name"), p.get("namePrefix"), p.get("arn")) if isinstance(v, str)]
        expected = (f"a metric filter on the trail's log group matching {', '.join(BANK_TOKEN_CHANGES)} for this "
                    "secret, and an alarm with actions")
        verdict = judge(chains, f"changes to {secret.name}", lambda pattern: _watches(pattern, names), expected)
        if verdict.verdict is Verdict.FAIL and verdict.urn is None:
            return dataclasses.replace(failed(secret, "changeAlarm", None, "a new token value, key, policy or a "
                                              "deletion goes unnoticed on the supervised bank channel", expected),
                                       evidence=verdict.evidence)
        if verdict.verdict is Verdict.PASS:
            return dataclasses.replace(passed(secret, "changes to the bank token raise an alarm that reaches a "
                                              "subscriber"), evidence=verdict.evidence)
        return verdict

    return each(g.of_type(SECRET), check)


# --- notification topics refuse plain HTTP -----------------------------------------------------


def _denies_plain_publish(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    everyone = principal == "*" or (isinstance(principal, dict) and "*" in [str(a) for a in as_list(
        principal.get("AWS"))])
    if statement.get("Effect") != "Deny" or not everyone:
        return False
    if not fnmatch_any("sns:Publish", [str(a) for a in as_list(statement.get("Action"))]):
        return False
    conditions = statement.get("Condition") or {}
    keys = {(str(op).lower(), str(k).lower()): v for op, entries in conditions.items() if isinstance(entries, dict)
            for k, v in entries.items()}
    return list(keys) == [("bool", "aws:securetransport")] and \
        [str(v).lower() for v in as_list(keys[("bool", "aws:securetransport")])] == ["false"]


def sns_topic_require_tls_only_policy(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    policies = g.attached_to((SNS_TOPIC_POLICY,), "arn", SNS_TOPIC)

    def check(topic: ResourceView) -> RuleResult:
        # A standalone TopicPolicy replaces the topic's inline policy.
        holder = policies.get(topic.urn, topic)
        value = props(holder).get("policy")
        if value is None:
            return failed(topic, "policy", None, "the default topic policy accepts publish requests over plain HTTP",
                          'a Deny of sns:Publish for Principal * when "aws:SecureTransport" is "false"')
        document = policy_document(value)
        if not any(_denies_plain_publish(s) for s in document["Statement"]):
            return failed(holder, "policy", document, "notifications may be published over plain HTTP",
                          'a Deny of sns:Publish for Principal * whose only condition is Bool '
                          '"aws:SecureTransport" = "false"')
        return passed(topic, f"publishing requires TLS ({holder.name})")

    return each(g.of_type(SNS_TOPIC), check)
