"""API Gateway: REST API stages (v1) with their access logs, and HTTP/WebSocket API stages and
routes (v2) with their access logs and authorization."""

from __future__ import annotations

from posture.live.base import Context, sub_urn
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.API_GATEWAY_STAGE, tok.API_GATEWAY_V2_STAGE, tok.API_GATEWAY_V2_ROUTE)


def _access_logs(settings: dict | None, key: str) -> dict | None:
    return {"destinationArn": settings.get(key), "format": settings.get("format") or settings.get("Format")} \
        if settings and settings.get(key) else None


def collect(ctx: Context) -> list[ResourceView]:
    views = []
    for api in ctx.items("apigateway", "get_rest_apis", "items", types=TYPES):
        api_arn = f"arn:{ctx.partition}:apigateway:{ctx.region}::/restapis/{api['id']}"
        for stage in ctx.items("apigateway", "get_stages", "item", types=TYPES, restApiId=api["id"]):
            arn = f"{api_arn}/stages/{stage['stageName']}"
            views.append(ctx.view(tok.API_GATEWAY_STAGE, arn, f"{api['name']}/{stage['stageName']}", {
                "arn": arn, "restApi": api["id"], "stageName": stage["stageName"],
                "accessLogSettings": _access_logs(stage.get("accessLogSettings"), "destinationArn")}))
    for api in ctx.items("apigatewayv2", "get_apis", "Items", types=TYPES):
        api_arn = f"arn:{ctx.partition}:apigateway:{ctx.region}::/apis/{api['ApiId']}"
        for stage in ctx.items("apigatewayv2", "get_stages", "Items", types=TYPES, ApiId=api["ApiId"]):
            arn = f"{api_arn}/stages/{stage['StageName']}"
            views.append(ctx.view(tok.API_GATEWAY_V2_STAGE, arn, f"{api['Name']}/{stage['StageName']}", {
                "arn": arn, "apiId": api["ApiId"], "name": stage["StageName"],
                "accessLogSettings": _access_logs(stage.get("AccessLogSettings"), "DestinationArn")}))
        for route in ctx.items("apigatewayv2", "get_routes", "Items", types=TYPES, ApiId=api["ApiId"]):
            urn = sub_urn(api_arn, "route", route["RouteId"])
            views.append(ctx.view(tok.API_GATEWAY_V2_ROUTE, urn, f"{api['Name']} {route['RouteKey']}", {
                "apiId": api["ApiId"], "routeKey": route["RouteKey"],
                "authorizationType": route.get("AuthorizationType"), "authorizerId": route.get("AuthorizerId")}))
    return views
