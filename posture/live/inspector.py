"""Amazon Inspector: which resource types this account has Inspector scanning in the region.

The account's scan status is one ``aws:inspector2/enabler`` listing the enabled resource types;
an account that scans nothing has none, as a stack without an Enabler.
"""

from __future__ import annotations

from posture.live.base import Context
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.INSPECTOR_ENABLER,)
_RESOURCE_TYPES = {"ec2": "EC2", "ecr": "ECR", "lambda": "LAMBDA", "lambdaCode": "LAMBDA_CODE"}


def collect(ctx: Context) -> list[ResourceView]:
    response = ctx.call("inspector2", "batch_get_account_status", types=TYPES, accountIds=[ctx.account_id])
    views = []
    for account in (response or {}).get("accounts") or []:
        state = account.get("resourceState") or {}
        enabled = [name for key, name in _RESOURCE_TYPES.items() if (state.get(key) or {}).get("status") == "ENABLED"]
        if enabled:
            arn = ctx.arn("inspector2", f"enabler/{account['accountId']}")
            views.append(ctx.view(tok.INSPECTOR_ENABLER, arn, f"Inspector ({ctx.region})", {
                "id": account["accountId"], "accountIds": [account["accountId"]], "resourceTypes": enabled}))
    return views
