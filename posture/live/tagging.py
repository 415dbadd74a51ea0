"""Where each live resource type's tags come from, in one table.

``posture audit --stack`` pairs a live resource with a stack by its tags (``pulumi:stack``,
``pulumi:project``, ``pulumi:logical-name``), so every view of a taggable resource must carry
them. Some describe calls return tags inline (EC2's ``Tags``, RDS's ``TagList``, IAM's and API Gateway's):
the collector puts them in the view's ``tags`` as it reads the rest. For the others ``TAG_CALLS``
names the one list-tags call that reads them; ``Context.view`` makes it for every view of such a
type whose collector gave no ``tags``, so no collector repeats the call or its error handling.
Where the API reads many resources' tags in one call (ELB ``DescribeTags``, CloudTrail
``ListTags``: 20 ARNs each) the collector batches them itself, with the same failure handling.
``NOT_TAGGABLE`` lists what AWS gives no tags (account settings, aliases, subscriptions): the
audit cannot tell whose they are and keeps them with every stack. A setting of a resource (a
``<ARN>?<kind>`` view) belongs to its parent's stack and needs no tags of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from posture.rules import tokens as tok


@dataclass(frozen=True)
class TagCall:
    """One read-only call that returns a resource's tags."""

    service: str
    operation: str
    params: Callable[[str, Mapping[str, Any]], dict[str, Any]]
    """The call's parameters from the view's URN (its ARN) and props."""
    tags: Callable[[Mapping[str, Any]], Any]
    """The tags in the response: a Key/Value list (either case) or a mapping, as ``tags_of`` reads."""


def _arn(param: str) -> Callable[[str, Mapping[str, Any]], dict[str, Any]]:
    return lambda arn, _props: {param: arn}


def _key(key: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda response: response.get(key)


_BACKUP = TagCall("backup", "list_tags", _arn("ResourceArn"), _key("Tags"))
_CLOUDWATCH = TagCall("cloudwatch", "list_tags_for_resource", _arn("ResourceARN"), _key("Tags"))
_RDS = TagCall("rds", "list_tags_for_resource", _arn("ResourceName"), _key("TagList"))
_WAF = TagCall("wafv2", "list_tags_for_resource", _arn("ResourceARN"),
               lambda response: (response.get("TagInfoForResource") or {}).get("TagList"))
_ECS = TagCall("ecs", "list_tags_for_resource", _arn("resourceArn"), _key("tags"))
_SEARCH = {"opensearch": TagCall("opensearch", "list_tags", _arn("ARN"), _key("TagList")),
           "es": TagCall("es", "list_tags", _arn("ARN"), _key("TagList"))}

TAG_CALLS: dict[str, TagCall] = {
    **dict.fromkeys(tok.BACKUP_VAULTS, _BACKUP),
    tok.BACKUP_PLAN: _BACKUP,
    tok.LOG_GROUP: TagCall("logs", "list_tags_for_resource", _arn("resourceArn"), _key("tags")),
    tok.METRIC_ALARM: _CLOUDWATCH,
    **dict.fromkeys((tok.RDS_SUBNET_GROUP, tok.RDS_PARAMETER_GROUP, tok.RDS_CLUSTER_PARAMETER_GROUP, tok.RDS_PROXY),
                    _RDS),
    tok.SNS_TOPIC: TagCall("sns", "list_tags_for_resource", _arn("ResourceArn"), _key("Tags")),
    tok.WEB_ACL: _WAF,
    tok.IP_SET: _WAF,
    tok.SECURITY_HUB_ACCOUNT: TagCall("securityhub", "list_tags_for_resource", _arn("ResourceArn"), _key("Tags")),
    tok.LAMBDA_FUNCTION: TagCall("lambda", "list_tags", _arn("Resource"), _key("Tags")),
    tok.SQS_QUEUE: TagCall("sqs", "list_queue_tags", lambda _, props: {"QueueUrl": props["url"]}, _key("Tags")),
    tok.KINESIS_STREAM: TagCall("kinesis", "list_tags_for_stream",
                                lambda arn, _: {"StreamName": arn.rsplit("/", 1)[-1]}, _key("Tags")),
    tok.SFN_STATE_MACHINE: TagCall("stepfunctions", "list_tags_for_resource", _arn("resourceArn"), _key("tags")),
    tok.OPENSEARCH_DOMAIN: _SEARCH["opensearch"],
    tok.ELASTICSEARCH_DOMAIN: _SEARCH["es"],
    tok.ELASTICACHE_REPLICATION_GROUP: TagCall("elasticache", "list_tags_for_resource", _arn("ResourceName"),
                                               _key("TagList")),
    tok.EVENT_BUS: TagCall("events", "list_tags_for_resource", _arn("ResourceARN"), _key("Tags")),
    tok.ECS_TASK_DEFINITION: _ECS,
    tok.ECS_SERVICE: _ECS,
    tok.ECR_REPOSITORY: TagCall("ecr", "list_tags_for_resource", _arn("resourceArn"), _key("tags")),
    tok.CLOUDFRONT_DISTRIBUTION: TagCall("cloudfront", "list_tags_for_resource", _arn("Resource"),
                                         lambda response: (response.get("Tags") or {}).get("Items")),
    tok.IAM_POLICY_DOCUMENTS[2]: TagCall("iam", "list_policy_tags", _arn("PolicyArn"), _key("Tags")),
}
"""Type token -> the call that reads its tags, for types whose describe response has none."""

NOT_TAGGABLE = frozenset({
    tok.CONFIG_RECORDER, tok.CONFIG_DELIVERY_CHANNEL, tok.CONFIG_RECORDER_STATUS, tok.INSPECTOR_ENABLER,
    tok.KMS_ALIAS, tok.LOG_RESOURCE_POLICY, tok.SNS_TOPIC_SUBSCRIPTION,
    tok.ACCOUNT_PUBLIC_ACCESS_BLOCK, "aws:iam/group:Group",
})
"""Types AWS keeps no tags for: the audit keeps them with every stack (it cannot tell whose they are)."""
