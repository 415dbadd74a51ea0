"""Broken chains in the prod program (issue 13): each attempt breaks one link the way a careless or
hostile engineer would, and must fail naming that link; each secure equivalent must pass.

Built from the prod program as deployed (``prod_stack``) with single changes; the intact chains
must also decide on the first preview (``prod_first_preview``).
"""

from __future__ import annotations

import pytest

from posture.findings import Verdict
from tests.policies.helpers import DELETE, add, chain, change, drop, paths, run

CIS = "stack-account-require-cis-alarms"
BANK = "stack-bank-token-require-change-alarm"
CONFIG = "stack-account-require-config-recording"
FINDINGS = "stack-findings-disallow-broad-suppression"
BACKUP = "stack-data-store-require-backup-plan"
ACCOUNT = "111122223333"
TRAIL, ROOT, ROOT_ALARM = "monitoring-trail", "monitoring-root-account-use", "monitoring-root-account-use-alarm"
BANK_FILTER, BANK_ALARM = "monitoring-bank-token-changes", "monitoring-bank-token-changes-alarm"
CIS_ALARM_SLUGS = ("unauthorized-api-calls", "console-signin-without-mfa", "root-account-use", "iam-policy-changes",
              "cloudtrail-config-changes", "console-auth-failures", "kms-cmk-disable-or-deletion",
              "s3-bucket-policy-changes", "config-changes", "security-group-changes", "nacl-changes",
              "network-gateway-changes", "route-table-changes", "vpc-changes", "organizations-changes")
DATA_SELECTOR = {"name": "data", "fieldSelectors": [{"field": "eventCategory", "equals": ["Data"]},
                                                   {"field": "resources.type", "equals": ["AWS::DynamoDB::Table"]}]}
UNUSED_GROUP = "/security-baseline/unused"


def _every_alarm(**props):
    return chain(*(change(f"monitoring-{slug}-alarm", **props) for slug in CIS_ALARM_SLUGS))


def _guardduty_filter(action: str, *criterions: dict):
    return add("aws:guardduty/filter:Filter", "quiet-findings", {
        "action": action, "detectorId": "detector-id", "name": "quiet", "rank": 1.0,
        "findingCriteria": {"criterions": list(criterions)}})


def _automation_rule(update: dict, criteria: dict):
    return add("aws:securityhub/automationRule:AutomationRule", "quiet-hub", {
        "ruleName": "quiet", "ruleOrder": 1.0, "ruleStatus": "ENABLED", "description": "x", "criteria": criteria,
        "actions": [{"type": "FINDING_FIELDS_UPDATE", "findingFieldsUpdate": update}]})


def _daily_rule(schedule: str):
    return paths("backups-plan", {"rules[0].schedule": schedule})


# (id, change, control, evidence fragment the failure must carry)
BROKEN = [
    ("trail_without_management_events", change(TRAIL, advancedEventSelectors=[DATA_SELECTOR]), CIS,
     "no advanced event selector records management events"),
    ("trail_records_only_writes", paths(TRAIL, {"advancedEventSelectors[0].fieldSelectors[1]": {
        "field": "readOnly", "equals": ["false"]}}), CIS, "keeps only"),
    ("trail_excludes_kms_events", paths(TRAIL, {"advancedEventSelectors[0].fieldSelectors[1]": {
        "field": "eventSource", "notEquals": ["kms.amazonaws.com"]}}), CIS, "eventSource"),
    ("trail_basic_selectors_write_only", change(TRAIL, advancedEventSelectors=DELETE, eventSelectors=[
        {"includeManagementEvents": True, "readWriteType": "WriteOnly"}]), CIS, "read_write_type All"),
    ("trail_logging_off", change(TRAIL, enableLogging=False), CIS, "logging is off"),
    ("trail_delivers_to_another_group", change(TRAIL, cloudWatchLogsGroupArn=(
        "arn:aws:cloudwatch:eu-west-1:111122223333:loggroup/network-flow-logs:*")), CIS,
     "which no trail recording every management event delivers to (the trails deliver to network-flow-logs)"),
    ("trail_delivers_nowhere", change(TRAIL, cloudWatchLogsGroupArn=DELETE), CIS,
     "delivers to no CloudWatch Logs group"),
    ("trail_without_delivery_role", change(TRAIL, cloudWatchLogsRoleArn=DELETE), CIS, "no role"),
    ("filter_moved_to_unused_group", chain(
        add("aws:cloudwatch/logGroup:LogGroup", "unused-logs", {"name": UNUSED_GROUP, "retentionInDays": 365.0}),
        change(ROOT, logGroupName=UNUSED_GROUP)), CIS, f"{ROOT}.logGroupName"),
    ("every_threshold_a_million", _every_alarm(threshold=1_000_000.0), CIS, "never fires"),
    ("comparison_inverted", change(ROOT_ALARM, comparisonOperator="LessThanThreshold"), CIS, "never fires"),
    ("greater_than_one", change(ROOT_ALARM, comparisonOperator="GreaterThanThreshold"), CIS, "never fires"),
    ("minimum_with_default_zero", chain(change(ROOT_ALARM, statistic="Minimum"), paths(ROOT, {
        "metricTransformation.defaultValue": "0"})), CIS, f"{ROOT_ALARM}.statistic"),
    ("three_datapoints_needed", change(ROOT_ALARM, evaluationPeriods=3.0), CIS, "3 breaching periods"),
    ("alarm_on_a_dimension_never_published", change(ROOT_ALARM, dimensions={"Trail": "x"}), CIS, "dimensions"),
    ("alarm_in_another_unit", change(ROOT_ALARM, unit="Seconds"), CIS, "unit"),
    ("alarm_actions_disabled", change(ROOT_ALARM, actionsEnabled=False), CIS, "actions are disabled"),
    ("alarm_metric_renamed", change(ROOT_ALARM, metricName="RootAccountUsage"), CIS, "no alarm watches"),
    ("filter_publishes_event_field", paths(ROOT, {"metricTransformation.value": "$.count"}), CIS,
     "taken from the event"),
    ("topic_without_subscriber", drop("monitoring-alarms-email-0"), CIS, "nobody is subscribed"),
    ("alarm_to_foreign_topic", change(ROOT_ALARM, alarmActions=["arn:aws:sns:eu-west-1:999999999999:x"]), CIS,
     "notifies no topic in this stack"),
    ("bank_filter_on_unused_group", chain(
        add("aws:cloudwatch/logGroup:LogGroup", "unused-logs", {"name": UNUSED_GROUP, "retentionInDays": 365.0}),
        change(BANK_FILTER, logGroupName=UNUSED_GROUP)), BANK, f"{BANK_FILTER}.logGroupName"),
    ("bank_alarm_threshold_a_million", change(BANK_ALARM, threshold=1_000_000.0), BANK, "never fires"),
    ("bank_trail_without_management_events", change(TRAIL, advancedEventSelectors=[DATA_SELECTOR]), BANK,
     "records management events"),
    ("config_records_only_buckets", change("monitoring-config-recorder", recordingGroup={
        "allSupported": False, "resourceTypes": ["AWS::S3::Bucket"]}), CONFIG, "AWS::IAM::Role"),
    ("config_excludes_iam_roles", change("monitoring-config-recorder", recordingGroup={
        "allSupported": False, "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"},
        "exclusionByResourceTypes": {"resourceTypes": ["AWS::IAM::Role"]}}), CONFIG, "AWS::IAM::Role"),
    ("guardduty_archives_everything", _guardduty_filter("ARCHIVE"), FINDINGS, "archives every finding"),
    ("guardduty_archives_by_severity", _guardduty_filter("ARCHIVE", {"field": "severity", "greaterThanOrEqual": "1"}),
     FINDINGS, "severity"),
    ("guardduty_archives_all_but_one_type", _guardduty_filter("ARCHIVE", {
        "field": "type", "notEquals": ["Recon:EC2/PortProbeUnprotectedPort"]}), FINDINGS, "archives every finding"),
    ("hub_suppresses_a_product", _automation_rule({"workflow": {"status": "SUPPRESSED"}}, {
        "productNames": [{"comparison": "EQUALS", "value": "GuardDuty"}]}), FINDINGS, "SUPPRESSED"),
    ("hub_lowers_critical_findings", _automation_rule({"severity": {"label": "LOW"}}, {
        "severityLabels": [{"comparison": "EQUALS", "value": "CRITICAL"}]}), FINDINGS, "lowers severity"),
    ("hub_resolves_with_prefix", _automation_rule({"workflow": {"status": "RESOLVED"}}, {
        "generatorIds": [{"comparison": "PREFIX", "value": "aws-foundational"}]}), FINDINGS, "RESOLVED"),
    ("daily_rule_in_2099", _daily_rule("cron(0 3 1 1 ? 2099)"), BACKUP, "next fires 2099-01-01 03:00 UTC"),
    ("daily_rule_weekly", _daily_rule("cron(0 3 ? * SUN *)"), BACKUP, "up to 7 days apart"),
    ("daily_rule_without_copy", paths("backups-plan", {"rules[0].copyActions": []}), BACKUP, "copies nothing"),
    ("only_continuous_rule_left", paths("backups-plan", {"rules[0]": DELETE}), BACKUP,
     "continuous backup, which AWS Backup does not offer for DynamoDB"),
]

SECURE = [
    ("basic_selectors_all_management", change(TRAIL, advancedEventSelectors=DELETE, eventSelectors=[
        {"includeManagementEvents": True, "readWriteType": "All"}]), CIS),
    ("no_selectors_default", change(TRAIL, advancedEventSelectors=DELETE), CIS),
    ("greater_than_zero", _every_alarm(comparisonOperator="GreaterThanThreshold", threshold=0.0), CIS),
    ("maximum_statistic", change(ROOT_ALARM, statistic="Maximum"), CIS),
    ("sample_count", change(ROOT_ALARM, statistic="SampleCount"), CIS),
    ("two_periods_one_datapoint", change(ROOT_ALARM, evaluationPeriods=2.0, datapointsToAlarm=1.0), CIS),
    ("config_exclusion_of_unrelated_type", change("monitoring-config-recorder", recordingGroup={
        "allSupported": False, "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"},
        "includeGlobalResourceTypes": True,
        "exclusionByResourceTypes": {"resourceTypes": ["AWS::Cloud9::EnvironmentEC2"]}}), CONFIG),
    ("guardduty_archives_one_type", _guardduty_filter("ARCHIVE", {
        "field": "type", "equals": ["Recon:EC2/PortProbeUnprotectedPort"]}), FINDINGS),
    ("guardduty_noop_filter", _guardduty_filter("NOOP"), FINDINGS),
    ("hub_suppresses_one_control", _automation_rule({"workflow": {"status": "SUPPRESSED"}}, {
        "complianceSecurityControlIds": [{"comparison": "EQUALS", "value": "S3.11"}]}), FINDINGS),
    ("hub_raises_severity", _automation_rule({"severity": {"label": "CRITICAL"}}, {}), FINDINGS),
    ("twice_a_day", _daily_rule("cron(0 3,15 * * ? *)"), BACKUP),
]


def _results(resources, control):
    return [f for f in run(resources) if f.control_id == control]


@pytest.mark.parametrize(("change_", "control", "evidence"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_broken_chain_fails_naming_the_broken_link(prod_stack, change_, control, evidence) -> None:
    failures = [f for f in _results(change_(prod_stack), control) if f.verdict is Verdict.FAIL]
    assert failures, f"{control} did not fail"
    told = [" | ".join([f.message, *f.evidence]) for f in failures]
    assert any(evidence in text for text in told), told


@pytest.mark.parametrize(("change_", "control"), [s[1:] for s in SECURE], ids=[s[0] for s in SECURE])
def test_an_equivalent_secure_form_passes(prod_stack, change_, control) -> None:
    results = _results(change_(prod_stack), control)
    assert results and {r.verdict for r in results} == {Verdict.PASS}, [r.message for r in results]


@pytest.mark.parametrize("control", [CIS, BANK, CONFIG, BACKUP])
@pytest.mark.parametrize("view", ["prod_stack", "prod_first_preview"])
def test_the_intact_prod_chains_pass_and_decide_on_the_first_preview(request, view, control) -> None:
    results = _results(request.getfixturevalue(view), control)
    assert results and {r.verdict for r in results} == {Verdict.PASS}, [r.message for r in results]


def test_a_pass_carries_the_chain_hop_by_hop(prod_stack) -> None:
    [root] = [r for r in _results(prod_stack, CIS) if "4.3" in r.message]
    assert [hop.split()[0] for hop in root.evidence] == ["trail", "metric", "alarm", "alarm"]


def test_the_database_keeps_its_continuous_rule_when_the_daily_rule_never_runs(prod_stack) -> None:
    results = _results(_daily_rule("cron(0 3 1 1 ? 2099)")(prod_stack), BACKUP)

    def verdict(store: str) -> set[Verdict]:
        return {r.verdict for r in results if r.message.startswith(f"{store}:") or f" {store} gets " in r.message}

    assert verdict("database-instance") == {Verdict.PASS}
    assert all(verdict(t) == {Verdict.FAIL} for t in ("data-sessions", "data-oauth-tokens", "data-transactions"))
