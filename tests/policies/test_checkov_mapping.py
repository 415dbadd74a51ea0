"""checkov 3.3.30's four checks that failed on the prod stack (issue 13), with each condition as
its source states it (read from the 3.3.30 wheel; checkov itself needs a Terraform plan, which this
environment cannot make), applied to the prod program as deployed.

- CKV_AWS_18 (graph S3BucketLogging.json): the aws_s3_bucket has ``logging`` or a connected
  aws_s3_bucket_logging.
- CKV_AWS_118 (RDSEnhancedMonitorEnabled.py): ``monitoring_interval`` in [1, 5, 10, 15, 30, 60].
- CKV2_AWS_30 (PostgresDBHasQueryLoggingEnabled.json): the postgres aws_db_instance's connected
  aws_db_parameter_group has parameters named log_statement and log_min_duration_statement.
- CKV2_AWS_61 (S3BucketLifecycle.json): the aws_s3_bucket has ``lifecycle_rule`` or a connected
  aws_s3_bucket_lifecycle_configuration.
"""

from __future__ import annotations

from posture.rules.tokens import BUCKET_LIFECYCLE, BUCKET_LOGGING

TRAIL_BUCKET, CONFIG_BUCKET = "monitoring-audit-trail-bucket", "monitoring-config-history-bucket"


def _connected(stack, types, bucket_name: str) -> list:
    bucket = stack.one("aws:s3/bucket:Bucket", bucket_name)
    return [r for t in types for r in stack.of_type(t) if r.props.get("bucket") == bucket.props["id"]]


def test_ckv_aws_18_the_trail_bucket_has_access_logging(prod_stack) -> None:
    assert _connected(prod_stack, BUCKET_LOGGING, TRAIL_BUCKET)


def test_ckv_aws_118_the_database_has_enhanced_monitoring(prod_stack) -> None:
    instance = prod_stack.one("aws:rds/instance:Instance").props
    assert instance["monitoringInterval"] in [1, 5, 10, 15, 30, 60]


def test_ckv2_aws_30_the_database_parameter_group_logs_statements(prod_stack) -> None:
    instance = prod_stack.one("aws:rds/instance:Instance").props
    assert instance["engine"] == "postgres"
    [group] = [g for g in prod_stack.of_type("aws:rds/parameterGroup:ParameterGroup")
               if g.props["name"] == instance["parameterGroupName"]]
    names = {p["name"] for p in group.props["parameters"]}
    assert {"log_statement", "log_min_duration_statement"} <= names


def test_ckv2_aws_61_the_trail_and_config_buckets_have_lifecycle_rules(prod_stack) -> None:
    for bucket in (TRAIL_BUCKET, CONFIG_BUCKET):
        assert _connected(prod_stack, BUCKET_LIFECYCLE, bucket), bucket
