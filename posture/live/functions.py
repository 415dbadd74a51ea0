"""Lambda: each function's runtime and package type, as ``aws:lambda/function`` declares them."""

from __future__ import annotations

from posture.live.base import Context
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.LAMBDA_FUNCTION,)


def collect(ctx: Context) -> list[ResourceView]:
    return [ctx.view(tok.LAMBDA_FUNCTION, f["FunctionArn"], f["FunctionName"], {
        "arn": f["FunctionArn"], "name": f["FunctionName"], "runtime": f.get("Runtime"),
        "packageType": f.get("PackageType") or "Zip", "role": f.get("Role")})
        for f in ctx.items("lambda", "list_functions", "Functions", types=TYPES)]
