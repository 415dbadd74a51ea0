"""API Gateway: REST APIs (v1) with their endpoint types and stages with their access logs, and
HTTP/WebSocket APIs (v2) with their execute-api endpoint setting, stages and routes with their
access logs and authorization. Which web ACL protects a REST stage is read by ``posture.live.waf``."""

from __future__ import annotations

from typing import Any

from posture.live.base import Context, sub_urn, tags_of
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.API_GATEWAY_REST_API, tok.API_GATEWAY_STAGE, tok.API_GATEWAY_V2_API, tok.API_GATEWAY_V2_STAGE,
         tok.API_GATEWAY_V2_ROUTE)


def _access_logs(settings: dict | None, key: str) -> dict | None:
    return {"destinationArn": settings.get(key), "format": settings.get("format") or settings.get("Format")} \
        if settings and settings.get(key) else None


def rest_api_arn(ctx: Context, api_id: str) -> str:
    return f"arn:{ctx.partition}:apigateway:{ctx.region}::/restapis/{api_id}"


def rest_apis(ctx: Context) -> list[dict[str, Any]]:
    return ctx.items("apigateway", "get_rest_apis", "items", types=TYPES)


def rest_stages(ctx: Context, api: dict[str, Any]) -> list[dict[str, Any]]:
    return ctx.items("apigateway", "get_stages", "item", types=TYPES, restApiId=api["id"])


def collect(ctx: Context) -> list[ResourceView]:
    views = []
    for api in rest_apis(ctx):
        api_arn = rest_api_arn(ctx, api["id"])
        views.append(ctx.view(tok.API_GATEWAY_REST_API, api_arn, api["name"], {
            "id": api["id"], "arn": api_arn, "name": api["name"],
            "endpointConfiguration": {"types": (api.get("endpointConfiguration") or {}).get("types") or [],
                                      "vpcEndpointIds": (api.get("endpointConfiguration") or {}).get(
                                          "vpcEndpointIds") or []},
            "disableExecuteApiEndpoint": api.get("disableExecuteApiEndpoint"), "tags": tags_of(api.get("tags"))}))
        for stage in rest_stages(ctx, api):
            arn = f"{api_arn}/stages/{stage['stageName']}"
            views.append(ctx.view(tok.API_GATEWAY_STAGE, arn, f"{api['name']}/{stage['stageName']}", {
                "arn": arn, "restApi": api["id"], "stageName": stage["stageName"],
                "accessLogSettings": _access_logs(stage.get("accessLogSettings"), "destinationArn"),
                "tags": tags_of(stage.get("tags"))}))
    for api in ctx.items("apigatewayv2", "get_apis", "Items", types=TYPES):
        api_arn = f"arn:{ctx.partition}:apigateway:{ctx.region}::/apis/{api['ApiId']}"
        views.append(ctx.view(tok.API_GATEWAY_V2_API, api_arn, api["Name"], {
            "id": api["ApiId"], "arn": api_arn, "name": api["Name"], "protocolType": api.get("ProtocolType"),
            "disableExecuteApiEndpoint": bool(api.get("DisableExecuteApiEndpoint")), "tags": tags_of(api.get("Tags"))}))
        for stage in ctx.items("apigatewayv2", "get_stages", "Items", types=TYPES, ApiId=api["ApiId"]):
            arn = f"{api_arn}/stages/{stage['StageName']}"
            views.append(ctx.view(tok.API_GATEWAY_V2_STAGE, arn, f"{api['Name']}/{stage['StageName']}", {
                "arn": arn, "apiId": api["ApiId"], "name": stage["StageName"],
                "accessLogSettings": _access_logs(stage.get("AccessLogSettings"), "DestinationArn"),
                "tags": tags_of(stage.get("Tags"))}))
        for route in ctx.items("apigatewayv2", "get_routes", "Items", types=TYPES, ApiId=api["ApiId"]):
            urn = sub_urn(api_arn, "route", route["RouteId"])
            views.append(ctx.view(tok.API_GATEWAY_V2_ROUTE, urn, f"{api['Name']} {route['RouteKey']}", {
                "apiId": api["ApiId"], "routeKey": route["RouteKey"],
                "authorizationType": route.get("AuthorizationType"), "authorizerId": route.get("AuthorizerId")}))
    return views
