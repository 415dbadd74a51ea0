"""The rule registry: control id -> pure rule function, listed explicitly (no registration by import).

Resource rules take one ``ResourceView`` and return a ``RuleResult`` (or a list); stack rules
take every resource and return a list of results, each naming the resource it is about.
Whether a rule is a resource or a stack rule follows from its control id (``stack-`` prefix).
"""

from __future__ import annotations

from posture.rules import (
    access,
    application,
    backups,
    chains,
    data_stores,
    database,
    edge,
    edge_path,
    identity,
    keys,
    monitoring,
    network,
    perimeter,
    reachability,
    recording,
    storage,
)
from posture.rules.results import ResourceRule, StackRule

RULES: dict[str, ResourceRule | StackRule] = {
    # database
    "aws-rds-instance-disallow-public-access": database.instance_disallow_public_access,
    "aws-rds-cluster-disallow-public-access": database.cluster_disallow_public_access,
    "aws-rds-instance-require-cmk-encryption": database.instance_require_cmk_encryption,
    "aws-rds-cluster-require-cmk-encryption": database.cluster_require_cmk_encryption,
    "aws-rds-instance-enable-iam-authentication": database.instance_enable_iam_authentication,
    "aws-rds-cluster-enable-iam-authentication": database.cluster_enable_iam_authentication,
    "aws-rds-instance-enable-deletion-protection": database.instance_enable_deletion_protection,
    "aws-rds-cluster-enable-deletion-protection": database.cluster_enable_deletion_protection,
    "aws-rds-instance-require-backup-retention": database.instance_require_backup_retention,
    "aws-rds-cluster-require-backup-retention": database.cluster_require_backup_retention,
    "aws-rds-instance-require-final-snapshot": database.instance_require_final_snapshot,
    "aws-rds-cluster-require-final-snapshot": database.cluster_require_final_snapshot,
    "aws-rds-instance-require-managed-master-password": database.instance_require_managed_master_password,
    "aws-rds-cluster-require-managed-master-password": database.cluster_require_managed_master_password,
    "aws-rds-instance-enable-auto-minor-version-upgrade": database.instance_enable_auto_minor_version_upgrade,
    "aws-rds-cluster-enable-auto-minor-version-upgrade": database.cluster_enable_auto_minor_version_upgrade,
    "aws-rds-instance-require-current-ca-certificate": database.instance_require_current_ca_certificate,
    "stack-database-require-forced-tls": database.database_require_forced_tls,
    "stack-database-require-connection-logging": database.database_require_connection_logging,
    # network
    "aws-ec2-securitygroup-disallow-remote-admin-ingress": network.securitygroup_disallow_remote_admin_ingress,
    "aws-ec2-securitygroup-disallow-all-ports-ingress": network.securitygroup_disallow_all_ports_ingress,
    "stack-security-group-disallow-internet-ingress": network.security_group_disallow_internet_ingress,
    "aws-ec2-defaultsecuritygroup-disallow-rules": network.defaultsecuritygroup_disallow_rules,
    "stack-vpc-require-locked-default-security-group": network.vpc_require_locked_default_security_group,
    "aws-ec2-subnet-disallow-public-ip-on-launch": network.subnet_disallow_public_ip_on_launch,
    "aws-ec2-flowlog-require-all-traffic": network.flowlog_require_all_traffic,
    "stack-vpc-require-flow-logs": network.vpc_require_flow_logs,
    "stack-vpc-require-service-endpoints": network.vpc_require_service_endpoints,
    "stack-data-tier-disallow-internet-routes": network.data_tier_disallow_internet_routes,
    "stack-database-reachable-only-from-app-tier": network.database_reachable_only_from_app_tier,
    "stack-data-tier-nacl-require-app-tier-sources": network.data_tier_nacl_require_app_tier_sources,
    "stack-subnet-require-network-acl": network.subnet_require_network_acl,
    "aws-ec2-managedprefixlist-disallow-anywhere": network.managedprefixlist_disallow_anywhere,
    "aws-ec2-networkacl-disallow-all-traffic-from-internet": network.networkacl_disallow_all_traffic_from_internet,
    # edge
    "aws-lb-listener-require-tls": edge.listener_require_tls,
    "aws-lb-listener-require-hsts-header": edge.listener_require_hsts_header,
    "aws-lb-targetgroup-require-tls": edge.targetgroup_require_tls,
    "aws-lb-loadbalancer-enable-drop-invalid-headers": edge.loadbalancer_enable_drop_invalid_headers,
    "aws-lb-loadbalancer-configure-strictest-desync-mitigation":
        edge.loadbalancer_configure_strictest_desync_mitigation,
    "aws-lb-loadbalancer-enable-deletion-protection": edge.loadbalancer_enable_deletion_protection,
    "aws-lb-loadbalancer-enable-access-logs": edge.loadbalancer_enable_access_logs,
    "stack-load-balancer-require-waf": edge.load_balancer_require_waf,
    "stack-web-acl-require-baseline-rules": edge.web_acl_require_baseline_rules,
    "stack-load-balancer-require-public-tier-subnets": edge.load_balancer_require_public_tier_subnets,
    # reachability and the edge path
    "stack-entry-point-require-tls-and-waf": edge_path.entry_point_require_tls_and_waf,
    "stack-network-acl-require-denies-first": reachability.network_acl_require_denies_first,
    "stack-walled-off-group-disallow-internet-egress": reachability.walled_off_group_disallow_internet_egress,
    "aws-rds-proxy-require-tls": reachability.proxy_require_tls,
    # backups
    "aws-backup-vault-require-cmk-encryption": backups.vault_require_cmk_encryption,
    "aws-backup-vaultlockconfiguration-require-compliance-mode": backups.vaultlockconfiguration_require_compliance_mode,
    "aws-backup-vaultpolicy-require-deny-delete": backups.vaultpolicy_require_deny_delete,
    "aws-backup-plan-require-retention": backups.plan_require_retention,
    "stack-backup-vault-require-lock-and-policy": backups.backup_vault_require_lock_and_policy,
    "stack-backup-copy-require-equally-fortified-vault": backups.backup_copy_require_equally_fortified_vault,
    "stack-data-store-require-backup-plan": backups.data_store_require_backup_plan,
    # keys
    "aws-kms-key-enable-rotation": keys.key_enable_rotation,
    "stack-data-store-require-rotating-key": keys.data_store_require_rotating_key,
    "aws-kms-key-require-conditioned-use": keys.key_require_conditioned_use,
    # storage
    "aws-s3-bucketpublicaccessblock-enable-all-flags": storage.bucketpublicaccessblock_enable_all_flags,
    "aws-s3-bucketversioning-enable-versioning": storage.bucketversioning_enable_versioning,
    "aws-s3-bucketpolicy-require-tls": storage.bucketpolicy_require_tls,
    "stack-s3-bucket-require-cmk-encryption": storage.s3_bucket_require_cmk_encryption,
    "stack-s3-bucket-require-protective-settings": storage.s3_bucket_require_protective_settings,
    # monitoring
    "aws-cloudtrail-trail-enable-multi-region": monitoring.trail_enable_multi_region,
    "aws-cloudtrail-trail-enable-log-file-validation": monitoring.trail_enable_log_file_validation,
    "aws-cloudtrail-trail-require-cmk-encryption": monitoring.trail_require_cmk_encryption,
    "aws-cloudwatch-loggroup-require-cmk-encryption": monitoring.loggroup_require_cmk_encryption,
    "aws-cloudwatch-loggroup-require-retention": monitoring.loggroup_require_retention,
    "aws-sns-topic-require-cmk-encryption": monitoring.topic_require_cmk_encryption,
    "stack-account-require-cloudtrail": monitoring.account_require_cloudtrail,
    "stack-cloudtrail-bucket-require-object-lock": monitoring.cloudtrail_bucket_require_object_lock,
    "stack-account-require-guardduty": monitoring.account_require_guardduty,
    "stack-account-require-security-hub": monitoring.account_require_security_hub,
    "stack-account-require-config-recording": monitoring.account_require_config_recording,
    "stack-account-require-inspector": monitoring.account_require_inspector,
    "stack-account-require-cis-alarms": monitoring.account_require_cis_alarms,
    "stack-sns-topic-require-tls-only-policy": monitoring.sns_topic_require_tls_only_policy,
    "stack-bank-token-require-change-alarm": monitoring.bank_token_require_change_alarm,
    "stack-findings-disallow-broad-suppression": chains.findings_disallow_broad_suppression,
    # what the audit record holds and for how long (issue 13: the checkov gaps)
    "aws-rds-instance-enable-enhanced-monitoring": recording.instance_enable_enhanced_monitoring,
    "stack-database-require-audit-logging": recording.database_require_audit_logging,
    "stack-cloudtrail-bucket-require-access-logging": recording.cloudtrail_bucket_require_access_logging,
    "stack-audit-bucket-require-lifecycle-retention": recording.audit_bucket_require_lifecycle_retention,
    # data stores
    "aws-dynamodb-table-require-cmk-encryption": data_stores.table_require_cmk_encryption,
    "aws-dynamodb-table-enable-point-in-time-recovery": data_stores.table_enable_point_in_time_recovery,
    "aws-dynamodb-table-enable-ttl-for-expiring-data": data_stores.table_enable_ttl_for_expiring_data,
    "aws-dynamodb-table-enable-deletion-protection": data_stores.table_enable_deletion_protection,
    "aws-secretsmanager-secret-require-cmk-encryption": data_stores.secret_require_cmk_encryption,
    "aws-secretsmanager-secretversion-disallow-stored-value": data_stores.secretversion_disallow_stored_value,
    "stack-secret-require-rotation-or-exemption": data_stores.secret_require_rotation_or_exemption,
    "stack-secret-require-reader-allowlist-policy": data_stores.secret_require_reader_allowlist_policy,
    "stack-dynamodb-table-require-deny-policy": data_stores.dynamodb_table_require_deny_policy,
    # identity
    "aws-iam-policy-disallow-wildcard-actions": identity.policy_disallow_wildcard_actions,
    "aws-iam-policy-disallow-wildcard-resources-on-secrets-and-keys":
        identity.policy_disallow_wildcard_resources_on_secrets_and_keys,
    "aws-iam-resourcepolicy-disallow-wildcard-grants": identity.resourcepolicy_disallow_wildcard_grants,
    "aws-iam-resourcepolicy-require-confused-deputy-conditions":
        identity.resourcepolicy_require_confused_deputy_conditions,
    # application resources (issue 14)
    "aws-sqs-queue-require-encryption": application.queue_require_encryption,
    "aws-lambda-function-require-supported-runtime": application.function_require_supported_runtime,
    "aws-lambda-permission-disallow-public-invoke": application.permission_disallow_public_invoke,
    "aws-lambda-functionurl-require-iam-auth": application.functionurl_require_iam_auth,
    "aws-apigateway-stage-enable-access-logs": application.stage_enable_access_logs,
    "aws-apigatewayv2-stage-enable-access-logs": application.stage_enable_access_logs,
    "aws-apigatewayv2-route-require-authorization": application.route_require_authorization,
    "aws-ecs-taskdefinition-disallow-privileged-containers": application.taskdefinition_disallow_privileged_containers,
    "aws-ecs-taskdefinition-require-read-only-root-filesystem":
        application.taskdefinition_require_read_only_root_filesystem,
    "aws-ecs-service-disallow-public-ip": application.service_disallow_public_ip,
    "aws-ecr-repository-enable-scan-on-push": application.repository_enable_scan_on_push,
    "aws-ecr-repository-require-immutable-tags": application.repository_require_immutable_tags,
    "aws-elasticache-replicationgroup-require-encryption-at-rest":
        application.replicationgroup_require_encryption_at_rest,
    "aws-elasticache-replicationgroup-require-encryption-in-transit":
        application.replicationgroup_require_encryption_in_transit,
    "aws-efs-filesystem-require-encryption": application.filesystem_require_encryption,
    "aws-opensearch-domain-require-encryption-at-rest": application.domain_require_encryption_at_rest,
    "aws-opensearch-domain-require-node-to-node-encryption": application.domain_require_node_to_node_encryption,
    "aws-opensearch-domain-require-tls-endpoint": application.domain_require_tls_endpoint,
    "aws-opensearch-domain-require-vpc": application.domain_require_vpc,
    "aws-kinesis-stream-require-encryption": application.stream_require_encryption,
    "aws-cloudfront-distribution-require-https-to-viewers": application.distribution_require_https_to_viewers,
    "aws-cloudfront-distribution-require-https-to-origins": application.distribution_require_https_to_origins,
    "aws-cloudfront-distribution-require-minimum-viewer-tls": application.distribution_require_minimum_viewer_tls,
    "aws-sfn-statemachine-enable-logging": application.statemachine_enable_logging,
    "aws-cloudwatch-eventbus-require-cmk-encryption": application.eventbus_require_cmk_encryption,
    # perimeter
    "aws-ec2-vpcendpoint-require-restrictive-policy": perimeter.vpcendpoint_require_restrictive_policy,
    "stack-vpc-require-locked-default-network-acl": perimeter.vpc_require_locked_default_network_acl,
    "stack-account-require-s3-public-access-block": perimeter.account_require_s3_public_access_block,
    # who can read
    "stack-bank-data-require-walled-off-readers": access.bank_data_require_walled_off_readers,
}
