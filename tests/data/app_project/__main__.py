"""An application team's stack as teams write it: plain pulumi_aws resources, no baseline
components, the platform team's KMS key by ARN. Every resource is set up the way the pack asks,
so the stack has no finding but those the tests introduce."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
account = config.require("accountId")
key_arn = config.require("dataKeyArn")
unencrypted_queue = config.get_bool("unencryptedQueue") or False

queue = aws.sqs.Queue(
    "orders", **({"sqs_managed_sse_enabled": False} if unencrypted_queue else {"kms_master_key_id": key_arn}))

bucket = aws.s3.Bucket("receipts")
aws.s3.BucketPublicAccessBlock("receipts", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
                               ignore_public_acls=True, restrict_public_buckets=True)
aws.s3.BucketServerSideEncryptionConfiguration("receipts", bucket=bucket.id, rules=[{
    "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key_arn},
    "bucket_key_enabled": True}])
aws.s3.BucketVersioning("receipts", bucket=bucket.id, versioning_configuration={"status": "Enabled"})
aws.s3.BucketPolicy("receipts", bucket=bucket.id, policy=bucket.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                   "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})))

table = aws.dynamodb.Table(
    "orders", billing_mode="PAY_PER_REQUEST", hash_key="orderId", attributes=[{"name": "orderId", "type": "S"}],
    server_side_encryption={"enabled": True, "kms_key_arn": key_arn}, point_in_time_recovery={"enabled": True},
    deletion_protection_enabled=True)

role = aws.iam.Role("orders-handler", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
                   "Condition": {"StringEquals": {"aws:SourceAccount": account}}}]}))
aws.iam.RolePolicy("orders-handler", role=role.id, policy=pulumi.Output.all(queue.arn, table.arn).apply(
    lambda arns: json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": arns[0]},
        {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"], "Resource": arns[1]}]})))
function = aws.lambda_.Function(
    "orders-handler", runtime="python3.12", handler="app.handler", role=role.arn,
    code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(event, context):\n    return {}\n")}),
    environment={"variables": {"QUEUE_URL": queue.url, "TABLE": table.name}})

logs = aws.cloudwatch.LogGroup("orders-api", retention_in_days=365, kms_key_id=key_arn)
# Reached only through the platform's load balancer and its WAF: an HTTP API cannot carry a web ACL.
api = aws.apigatewayv2.Api("orders", protocol_type="HTTP", disable_execute_api_endpoint=True)
integration = aws.apigatewayv2.Integration("orders", api_id=api.id, integration_type="AWS_PROXY",
                                           integration_uri=function.invoke_arn, payload_format_version="2.0")
aws.apigatewayv2.Route("orders", api_id=api.id, route_key="POST /orders", authorization_type="AWS_IAM",
                       target=integration.id.apply(lambda i: f"integrations/{i}"))
stage = aws.apigatewayv2.Stage("orders", api_id=api.id, name="$default", auto_deploy=True, access_log_settings={
    "destination_arn": logs.arn, "format": json.dumps({"requestId": "$context.requestId"})})
aws.lambda_.Permission("orders-api", action="lambda:InvokeFunction", function=function.name,
                       principal="apigateway.amazonaws.com",
                       source_arn=api.id.apply(lambda i: f"arn:aws:execute-api:eu-west-1:{account}:{i}/*/*"))

pulumi.export("queueUrl", queue.url)
