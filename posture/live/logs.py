"""CloudWatch: log groups (key, retention), their metric filters, the account's log resource policies,
and metric alarms."""

from __future__ import annotations

from posture.live.base import Context, sub_urn
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.LOG_GROUP, tok.LOG_METRIC_FILTER, tok.LOG_RESOURCE_POLICY, tok.METRIC_ALARM)


def collect(ctx: Context) -> list[ResourceView]:
    views: list[ResourceView] = []
    arns: dict[str, str] = {}
    for group in ctx.items("logs", "describe_log_groups", "logGroups", types=(tok.LOG_GROUP,)):
        name = group["logGroupName"]
        arn = arns[name] = group.get("logGroupArn") or str(group.get("arn", "")).removesuffix(":*") \
            or ctx.arn("logs", f"log-group:{name}")
        views.append(ctx.view(tok.LOG_GROUP, arn, name, {
            "id": name, "arn": arn, "name": name, "kmsKeyId": group.get("kmsKeyId"),
            "retentionInDays": group.get("retentionInDays"), "logGroupClass": group.get("logGroupClass"),
        }))
    for metric_filter in ctx.items("logs", "describe_metric_filters", "metricFilters", types=(tok.LOG_METRIC_FILTER,)):
        group_name, name = metric_filter.get("logGroupName"), metric_filter["filterName"]
        parent = arns.get(group_name) or ctx.arn("logs", f"log-group:{group_name}")
        transform = next(iter(metric_filter.get("metricTransformations") or []), {})
        views.append(ctx.view(tok.LOG_METRIC_FILTER, sub_urn(parent, "metric-filter", name), name, {
            "id": name, "name": name, "logGroupName": group_name, "pattern": metric_filter.get("filterPattern"),
            "metricTransformation": {k: v for k, v in {
                "name": transform.get("metricName"), "namespace": transform.get("metricNamespace"),
                "value": transform.get("metricValue"), "defaultValue": transform.get("defaultValue"),
            }.items() if v is not None},
        }))
    for policy in ctx.items("logs", "describe_resource_policies", "resourcePolicies", types=(tok.LOG_RESOURCE_POLICY,)):
        name = policy["policyName"]
        arn = ctx.arn("logs", f"resource-policy:{name}")
        views.append(ctx.view(tok.LOG_RESOURCE_POLICY, arn, name, {
            "id": name, "policyName": name, "policyDocument": policy.get("policyDocument")}))
    for alarm in ctx.items("cloudwatch", "describe_alarms", "MetricAlarms", types=(tok.METRIC_ALARM,),
                           AlarmTypes=["MetricAlarm"]):
        arn = alarm.get("AlarmArn") or ctx.arn("cloudwatch", f"alarm:{alarm['AlarmName']}")
        views.append(ctx.view(tok.METRIC_ALARM, arn, alarm["AlarmName"], {
            "id": alarm["AlarmName"], "arn": arn, "name": alarm["AlarmName"], "namespace": alarm.get("Namespace"),
            "metricName": alarm.get("MetricName"), "alarmActions": alarm.get("AlarmActions") or [],
            "actionsEnabled": alarm.get("ActionsEnabled"), "comparisonOperator": alarm.get("ComparisonOperator"),
            "threshold": alarm.get("Threshold"), "evaluationPeriods": alarm.get("EvaluationPeriods"),
            "period": alarm.get("Period"), "statistic": alarm.get("Statistic"),
            "treatMissingData": alarm.get("TreatMissingData"),
            "dimensions": {d["Name"]: d["Value"] for d in alarm.get("Dimensions") or []},
        }))
    return views
