"""Secrets Manager: secrets (their key and tags) and, where rotation is on, their rotation settings.

A secret whose rotation is enabled gets an ``aws:secretsmanager/secretRotation`` with its rules,
the resource the rotation control looks for; rotation owned by a service (RDS's managed master
password) shows the same way. A secret's resource policy becomes an ``aws:secretsmanager/secretPolicy``
(``block_public_policy`` is an argument of the call that set it, not something AWS keeps, so it
is not in the view).
"""

from __future__ import annotations

from posture.live.base import FAILED, UNREADABLE, Context, sub_urn, tags_of
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.SECRET, tok.SECRET_ROTATION, tok.SECRET_POLICY)


def collect(ctx: Context) -> list[ResourceView]:
    views: list[ResourceView] = []
    for secret in ctx.items("secretsmanager", "list_secrets", "SecretList", types=TYPES):
        arn = secret["ARN"]
        views.append(ctx.view(tok.SECRET, arn, secret["Name"], {
            "id": arn, "arn": arn, "name": secret["Name"], "kmsKeyId": secret.get("KmsKeyId"),
            "description": secret.get("Description"), "tags": tags_of(secret.get("Tags")),
            "owningService": secret.get("OwningService"),
        }))
        if secret.get("RotationEnabled"):
            rules = secret.get("RotationRules") or {}
            views.append(ctx.view(tok.SECRET_ROTATION, sub_urn(arn, "rotation"), f"{secret['Name']} rotation", {
                "secretId": arn, "rotationEnabled": True, "rotationLambdaArn": secret.get("RotationLambdaARN"),
                "rotationRules": {k: v for k, v in {
                    "automaticallyAfterDays": rules.get("AutomaticallyAfterDays"),
                    "duration": rules.get("Duration"), "scheduleExpression": rules.get("ScheduleExpression"),
                }.items() if v is not None},
            }))
        policy = ctx.call("secretsmanager", "get_resource_policy", types=(tok.SECRET_POLICY,), resource=arn,
                          SecretId=arn)
        document = UNREADABLE if policy is FAILED else (policy or {}).get("ResourcePolicy")
        if document is not None:
            views.append(ctx.view(tok.SECRET_POLICY, sub_urn(arn, "policy"), f"{secret['Name']} policy",
                                  {"secretArn": arn, "policy": document}))
    return views
