"""Pulumi type tokens the rules read, with every current spelling of each resource.

``aws:lb/*`` and ``aws:alb/*`` are the same schema under two names; the S3 ``...V2`` settings
are deprecated twins of the current resources; ``aws:elasticloadbalancingv2/*`` is the old
name a stack may still carry in state. A rule that listed only one spelling could be bypassed
by using the other.
"""

from __future__ import annotations

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
RDS_CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
RDS_SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
INGRESS_TYPES = (SECURITY_GROUP, SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE)
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
MAIN_ROUTE_TABLE_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
NETWORK_ACL = "aws:ec2/networkAcl:NetworkAcl"
DEFAULT_NETWORK_ACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
NETWORK_ACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule"
NETWORK_ACL_ASSOCIATION = "aws:ec2/networkAclAssociation:NetworkAclAssociation"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
MANAGED_PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
MANAGED_PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer",
                  "aws:elasticloadbalancingv2/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener",
             "aws:elasticloadbalancingv2/listener:Listener")
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup",
                 "aws:elasticloadbalancingv2/targetGroup:TargetGroup")
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
IP_SET = "aws:wafv2/ipSet:IpSet"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WEB_ACL_RULE = "aws:wafv2/webAclRule:WebAclRule"
WEB_ACL_RULE_GROUP_ASSOCIATION = "aws:wafv2/webAclRuleGroupAssociation:WebAclRuleGroupAssociation"

BACKUP_VAULT = "aws:backup/vault:Vault"
BACKUP_AIR_GAPPED_VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
BACKUP_VAULTS = (BACKUP_VAULT, BACKUP_AIR_GAPPED_VAULT)
BACKUP_VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
BACKUP_VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"
BACKUP_PLAN = "aws:backup/plan:Plan"
BACKUP_SELECTION = "aws:backup/selection:Selection"

KMS_KEY = "aws:kms/key:Key"
KMS_EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey"
KMS_REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
KMS_ALIAS = "aws:kms/alias:Alias"
KMS_KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
KMS_GRANT = "aws:kms/grant:Grant"

BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
BUCKET_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_ENCRYPTION = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                     "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
BUCKET_VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
BUCKET_LOGGING = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
BUCKET_LIFECYCLE = ("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
BUCKET_OBJECT_LOCK = ("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                      "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2")

TRAIL = "aws:cloudtrail/trail:Trail"
GUARDDUTY_DETECTOR = "aws:guardduty/detector:Detector"
GUARDDUTY_DETECTOR_FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"
GUARDDUTY_FILTER = "aws:guardduty/filter:Filter"
SECURITY_HUB_AUTOMATION_RULE = "aws:securityhub/automationRule:AutomationRule"
SECURITY_HUB_ACCOUNTS = ("aws:securityhub/account:Account", "aws:securityhub/accountV2:AccountV2")
SECURITY_HUB_ACCOUNT = SECURITY_HUB_ACCOUNTS[0]
SECURITY_HUB_STANDARD = "aws:securityhub/standardsSubscription:StandardsSubscription"
CONFIG_RECORDER = "aws:cfg/recorder:Recorder"
CONFIG_RECORDER_STATUS = "aws:cfg/recorderStatus:RecorderStatus"
CONFIG_DELIVERY_CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel"
INSPECTOR_ENABLER = "aws:inspector2/enabler:Enabler"
LOG_METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SNS_TOPIC = "aws:sns/topic:Topic"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SNS_TOPIC_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"

DYNAMODB_TABLE = "aws:dynamodb/table:Table"
DYNAMODB_RESOURCE_POLICY = "aws:dynamodb/resourcePolicy:ResourcePolicy"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
SQS_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
LOG_RESOURCE_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"

IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
IAM_POLICY_DOCUMENTS = (IAM_ROLE, IAM_ROLE_POLICY, IAM_POLICY,
                        "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy")
IAM_POLICY_ATTACHMENTS = (IAM_ROLE_POLICY_ATTACHMENT,
                          "aws:iam/userPolicyAttachment:UserPolicyAttachment",
                          "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
                          "aws:iam/policyAttachment:PolicyAttachment")

DATA_STORES = (RDS_INSTANCE, RDS_CLUSTER, DYNAMODB_TABLE)
RESOURCE_POLICIES = (BUCKET_POLICY, SNS_TOPIC_POLICY, SECRET_POLICY, DYNAMODB_RESOURCE_POLICY,
                     "aws:backup/vaultPolicy:VaultPolicy", KMS_KEY, KMS_KEY_POLICY, SQS_QUEUE_POLICY, IAM_ROLE)
"""Resources that carry a policy saying who may act on them; a role's is its trust policy."""
SERVICE_GRANTS = (BUCKET_POLICY, SNS_TOPIC_POLICY, SNS_TOPIC, SECRET_POLICY, DYNAMODB_RESOURCE_POLICY,
                  BACKUP_VAULT_POLICY, SQS_QUEUE_POLICY, LOG_RESOURCE_POLICY, LAMBDA_PERMISSION, IAM_ROLE)
"""Where a resource grants an AWS service access on someone's behalf: resource policies (KMS key
policies excepted: aws-kms-key-require-conditioned-use owns those), a topic's inline policy,
Lambda invoke permissions and role trust policies (a service assuming the role)."""

# --- application resources (resources app teams add to their own stacks) ---
SQS_QUEUE = "aws:sqs/queue:Queue"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
LAMBDA_FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
API_GATEWAY_STAGE = "aws:apigateway/stage:Stage"
API_GATEWAY_V2_STAGE = "aws:apigatewayv2/stage:Stage"
ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
ECR_REPOSITORY = "aws:ecr/repository:Repository"
ELASTICACHE_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
EFS_FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
OPENSEARCH_DOMAIN = "aws:opensearch/domain:Domain"
ELASTICSEARCH_DOMAIN = "aws:elasticsearch/domain:Domain"
SEARCH_DOMAINS = (OPENSEARCH_DOMAIN, ELASTICSEARCH_DOMAIN)
KINESIS_STREAM = "aws:kinesis/stream:Stream"
CLOUDFRONT_DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
SFN_STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
EVENT_BUS = "aws:cloudwatch/eventBus:EventBus"
CLOUDFRONT_DISTRIBUTIONS = (CLOUDFRONT_DISTRIBUTION, "aws:cloudfront/multitenantDistribution:MultitenantDistribution")
# --- reachability and the edge path (issue 11) ---
SECURITY_GROUP_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule",
                  "aws:elasticloadbalancingv2/listenerRule:ListenerRule")
WAF_RULE_GROUP = "aws:wafv2/ruleGroup:RuleGroup"
API_GATEWAY_REST_API = "aws:apigateway/restApi:RestApi"
API_GATEWAY_METHOD = "aws:apigateway/method:Method"
API_GATEWAY_V2_API = "aws:apigatewayv2/api:Api"
API_GATEWAY_V2_ROUTE = "aws:apigatewayv2/route:Route"
RDS_PROXY = "aws:rds/proxy:Proxy"
RDS_SNAPSHOTS = ("aws:rds/snapshot:Snapshot", "aws:rds/snapshotCopy:SnapshotCopy",
                 "aws:rds/clusterSnapshot:ClusterSnapshot", "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy")
"""Manual DB and cluster snapshots and their copies: each takes ``sharedAccounts``."""
ELASTICACHE_SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache"
EIP = "aws:ec2/eip:Eip"
EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation"
INSTANCE = "aws:ec2/instance:Instance"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
TARGET_GROUP_ATTACHMENTS = ("aws:lb/targetGroupAttachment:TargetGroupAttachment",
                            "aws:alb/targetGroupAttachment:TargetGroupAttachment",
                            "aws:elasticloadbalancingv2/targetGroupAttachment:TargetGroupAttachment")
