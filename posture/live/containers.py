"""ECR: repositories with their scan-on-push and tag-mutability settings."""

from __future__ import annotations

from posture.live.base import Context, wire
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.ECR_REPOSITORY,)


def collect(ctx: Context) -> list[ResourceView]:
    return [ctx.view(tok.ECR_REPOSITORY, r["repositoryArn"], r["repositoryName"], {
        "arn": r["repositoryArn"], "name": r["repositoryName"], "imageTagMutability": r.get("imageTagMutability"),
        "imageScanningConfiguration": wire(r.get("imageScanningConfiguration"))})
        for r in ctx.items("ecr", "describe_repositories", "repositories", types=TYPES)]
