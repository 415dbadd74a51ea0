"""Lambda: each function's runtime and package type, as ``aws:lambda/function`` declares them, and
its function URL (``aws:lambda/functionUrl``), a door to the function of its own.

The URL is read with ``GetFunctionUrlConfig`` for the unqualified function: a URL on an alias or
version (``Qualifier``) is not read (``ListFunctionUrlConfigs`` lists those, and moto does not
implement it, so that path could not be tested).
"""

from __future__ import annotations

from typing import Any

from posture.live.base import Context
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.LAMBDA_FUNCTION, tok.LAMBDA_FUNCTION_URL)


def collect(ctx: Context) -> list[ResourceView]:
    views = []
    for f in ctx.items("lambda", "list_functions", "Functions", types=TYPES):
        views.append(ctx.view(tok.LAMBDA_FUNCTION, f["FunctionArn"], f["FunctionName"], {
            "arn": f["FunctionArn"], "name": f["FunctionName"], "runtime": f.get("Runtime"),
            "packageType": f.get("PackageType") or "Zip", "role": f.get("Role")}))
        url = ctx.call("lambda", "get_function_url_config", types=(tok.LAMBDA_FUNCTION_URL,), resource=f["FunctionArn"],
                       absent=("ResourceNotFoundException",), FunctionName=f["FunctionName"])
        if url:
            views.append(_url(ctx, f, url))
    return views


def _url(ctx: Context, function: dict[str, Any], url: dict[str, Any]) -> ResourceView:
    arn = url.get("FunctionArn") or function["FunctionArn"]
    return ctx.view(tok.LAMBDA_FUNCTION_URL, f"{arn}?url", f"{function['FunctionName']} URL", {
        "functionName": function["FunctionName"], "functionArn": arn, "functionUrl": url.get("FunctionUrl"),
        "authorizationType": url.get("AuthType"), "invokeMode": url.get("InvokeMode")})
