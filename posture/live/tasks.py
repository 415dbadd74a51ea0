"""ECS: the latest active revision of every task definition family (what a service or RunTask
starts by family name) and every service with its public-IP setting."""

from __future__ import annotations

from posture.live.base import Context
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.ECS_TASK_DEFINITION, tok.ECS_SERVICE)
_BATCH = 10
"""DescribeServices takes at most ten services per call."""


def collect(ctx: Context) -> list[ResourceView]:
    views = []
    for family in ctx.items("ecs", "list_task_definition_families", "families", types=TYPES, status="ACTIVE"):
        described = ctx.call("ecs", "describe_task_definition", types=TYPES, taskDefinition=family)
        if not described:
            continue
        task = described["taskDefinition"]
        views.append(ctx.view(tok.ECS_TASK_DEFINITION, task["taskDefinitionArn"], family, {
            "arn": task["taskDefinitionArn"], "family": family, "networkMode": task.get("networkMode"),
            "containerDefinitions": task.get("containerDefinitions") or []}))
    for cluster in ctx.items("ecs", "list_clusters", "clusterArns", types=TYPES):
        arns = ctx.items("ecs", "list_services", "serviceArns", types=TYPES, cluster=cluster)
        for start in range(0, len(arns), _BATCH):
            for service in ctx.items("ecs", "describe_services", "services", types=TYPES, cluster=cluster,
                                     services=arns[start:start + _BATCH]):
                awsvpc = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration")
                network = {"subnets": awsvpc.get("subnets"), "securityGroups": awsvpc.get("securityGroups"),
                           "assignPublicIp": awsvpc.get("assignPublicIp") == "ENABLED"} if awsvpc else None
                views.append(ctx.view(tok.ECS_SERVICE, service["serviceArn"], service["serviceName"], {
                    "arn": service["serviceArn"], "name": service["serviceName"], "cluster": cluster,
                    "networkConfiguration": network}))
    return views
