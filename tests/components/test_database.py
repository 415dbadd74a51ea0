"""The database's reachability, encryption, TLS, credentials and backups, and its input validation."""

import json

import pytest

from components.database import CA_CERTIFICATE, Database, DatabaseArgs
from components.validation import InvalidInput
from tests.conftest import run_under_mocks

KEY = "arn:aws:kms:eu-west-1:111122223333:key/database"


def db_args(**overrides) -> DatabaseArgs:
    return DatabaseArgs(**{"vpc_id": "vpc-1", "subnet_ids": ["data-a", "data-b"], "client_security_group_id": "sg-app",
                           "storage_key_arn": KEY, "production": True, "account_id": "111122223333", **overrides})


@pytest.fixture(scope="module")
def database():
    return run_under_mocks(lambda: Database("db", db_args()))


def test_only_the_app_security_group_may_connect(database):
    sg = database.one("aws:ec2/securityGroup:SecurityGroup")
    assert "ingress" not in sg.props and "egress" not in sg.props
    ingress = database.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert len(ingress) == 1
    rule = ingress[0].props
    assert rule["securityGroupId"] == "db-sg-id"
    assert rule["referencedSecurityGroupId"] == "sg-app"
    assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 5432, 5432)
    assert not {"cidrIpv4", "cidrIpv6", "prefixListId"} & set(rule)
    instance = database.one("aws:rds/instance:Instance").props
    assert instance["vpcSecurityGroupIds"] == ["db-sg-id"]


def test_lives_in_the_given_data_subnets_and_is_not_public(database):
    assert database.one("aws:rds/subnetGroup:SubnetGroup").props["subnetIds"] == ["data-a", "data-b"]
    instance = database.one("aws:rds/instance:Instance").props
    assert instance["publiclyAccessible"] is False
    assert instance["dbSubnetGroupName"] == "db-subnets"


def test_encrypted_with_the_customer_key_and_tls_forced(database):
    instance = database.one("aws:rds/instance:Instance").props
    assert instance["storageEncrypted"] is True
    assert instance["kmsKeyId"] == KEY and instance["performanceInsightsKmsKeyId"] == KEY
    assert instance["caCertIdentifier"] == CA_CERTIFICATE
    params = database.one("aws:rds/parameterGroup:ParameterGroup").props
    assert instance["parameterGroupName"] == "db-params"
    assert {p["name"]: p["value"] for p in params["parameters"]}["rds.force_ssl"] == "1"
    assert params["family"] == "postgres16"


def test_password_is_managed_by_secrets_manager_never_given(database):
    instance = database.one("aws:rds/instance:Instance").props
    assert instance["manageMasterUserPassword"] is True
    assert instance["masterUserSecretKmsKeyId"] == KEY
    assert not {"password", "passwordWo"} & set(instance)
    assert instance["iamDatabaseAuthenticationEnabled"] is True


def test_production_keeps_backups_snapshots_and_a_standby(database):
    instance = database.one("aws:rds/instance:Instance").props
    assert instance["backupRetentionPeriod"] == 14
    assert instance["deletionProtection"] is True
    assert instance["skipFinalSnapshot"] is False and instance["finalSnapshotIdentifier"]
    assert instance["multiAz"] is True
    assert instance["autoMinorVersionUpgrade"] is True
    assert set(instance["enabledCloudwatchLogsExports"]) >= {"postgresql", "upgrade"}


def test_non_production_defaults_to_seven_days_single_az():
    instance = run_under_mocks(lambda: Database("db", db_args(production=False))).one("aws:rds/instance:Instance")
    assert instance.props["backupRetentionPeriod"] == 7 and instance.props["multiAz"] is False


@pytest.mark.parametrize(("overrides", "field"), [
    ({"backup_retention_days": 7}, "backup_retention_days"),
    ({"backup_retention_days": 3, "production": False}, "backup_retention_days"),
    ({"backup_retention_days": 40}, "backup_retention_days"),
    ({"subnet_ids": ["data-a"]}, "subnet_ids"),
    ({"multi_az": False}, "multi_az"),
    ({"identifier": "App_DB"}, "identifier"),
    ({"engine_version": "12"}, "engine_version"),
    ({"allocated_storage_gb": 10}, "allocated_storage_gb"),
    ({"username": "postgres"}, "username"),
    ({"instance_class": "m5.large"}, "instance_class"),
])
def test_insecure_or_broken_input_is_refused_naming_the_field(overrides, field):
    with pytest.raises(InvalidInput) as err:
        db_args(**overrides)
    assert err.value.field == field


def test_enhanced_monitoring_runs_with_its_own_account_pinned_role(database):
    instance = database.one("aws:rds/instance:Instance").props
    assert instance["monitoringInterval"] == 60
    role = database.one("aws:iam/role:Role", "db-monitoring-role")
    assert instance["monitoringRoleArn"] == role.props["arn"]
    trust = json.loads(role.props["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}
    attachment = database.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").props
    assert attachment["policyArn"].endswith("/AmazonRDSEnhancedMonitoringRole")


def test_statements_are_audited_by_pgaudit(database):
    params = {p["name"]: p for p in database.one("aws:rds/parameterGroup:ParameterGroup").props["parameters"]}
    assert params["shared_preload_libraries"]["value"] == "pgaudit"
    assert params["shared_preload_libraries"]["applyMethod"] == "pending-reboot"
    assert set(params["pgaudit.log"]["value"].split(",")) >= {"read", "write", "ddl", "role"}
    # checkov CKV2_AWS_30 looks for both names on the instance's parameter group.
    assert {"log_statement", "log_min_duration_statement"} <= set(params)


@pytest.mark.parametrize(("field", "value"), [("monitoring_interval_seconds", 0), ("monitoring_interval_seconds", 7),
                                              ("account_id", "12345")])
def test_refuses_bad_monitoring_input(field, value):
    with pytest.raises(InvalidInput, match=field):
        db_args(**{field: value})
