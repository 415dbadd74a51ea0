"""WAFv2 (regional scope): web ACLs with their rules, IP sets, and which load balancer or REST API
stage each ACL protects.

Associations are read per application load balancer with ``GetWebACLForResource``: it answers
the question the control asks ("is this load balancer behind a web ACL?") directly, whatever
created the association (this stack, Firewall Manager, the console). Rules come back in the
API's PascalCase and are converted to the wire form (``managedRuleGroupStatement``,
``overrideAction.none``...). Firewall Manager's pre- and post-process rule groups are part of
what the ACL enforces, so they are listed with its rules.
"""

from __future__ import annotations

from typing import Any

from posture.live import apis
from posture.live.base import FAILED, UNREADABLE, Context, sub_urn, wire
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.WEB_ACL, tok.IP_SET, tok.WEB_ACL_ASSOCIATION)
SCOPE = "REGIONAL"


def collect(ctx: Context) -> list[ResourceView]:
    views: list[ResourceView] = []
    for summary in _listing(ctx, "list_web_acls", "WebACLs", (tok.WEB_ACL, tok.WEB_ACL_ASSOCIATION)):
        views.append(_web_acl(ctx, summary))
    for summary in _listing(ctx, "list_ip_sets", "IPSets", (tok.IP_SET,)):
        views.append(_ip_set(ctx, summary))
    views += _associations(ctx)
    return views


def _listing(ctx: Context, operation: str, key: str, types: tuple[str, ...]) -> list[dict[str, Any]]:
    """WAFv2 listings page with ``NextMarker`` and have no botocore paginator."""
    items: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        params: dict[str, Any] = {"Scope": SCOPE, "Limit": 100}
        if marker:
            params["NextMarker"] = marker
        response = ctx.call("wafv2", operation, types=types, **params)
        if not response:
            return items
        items += response.get(key) or []
        marker = response.get("NextMarker")
        if not marker or not response.get(key):
            return items


def _web_acl(ctx: Context, summary: dict[str, Any]) -> ResourceView:
    arn = summary["ARN"]
    response = ctx.call("wafv2", "get_web_acl", types=(tok.WEB_ACL,), resource=arn, Name=summary["Name"],
                        Scope=SCOPE, Id=summary["Id"])
    props: dict[str, Any] = {"id": summary["Id"], "arn": arn, "name": summary["Name"], "scope": SCOPE,
                             "description": summary.get("Description") or None}
    if response:
        acl = response.get("WebACL") or {}
        manager_groups = [*(acl.get("PreProcessFirewallManagerRuleGroups") or []),
                          *(acl.get("PostProcessFirewallManagerRuleGroups") or [])]
        props.update(rules=wire(acl.get("Rules") or []) + [_manager_rule(g) for g in manager_groups],
                     defaultAction=wire(acl.get("DefaultAction")), visibilityConfig=wire(acl.get("VisibilityConfig")))
    else:
        props["rules"] = UNREADABLE
    return ctx.view(tok.WEB_ACL, arn, summary["Name"], props)


def _manager_rule(group: dict[str, Any]) -> dict[str, Any]:
    """A Firewall Manager rule group in the shape of an ACL rule (its statement sits one level down)."""
    statement = (group.get("FirewallManagerStatement") or {})
    return wire({"Name": group.get("Name"), "Priority": group.get("Priority"),
                 "OverrideAction": group.get("OverrideAction"), "Statement": statement})


def _ip_set(ctx: Context, summary: dict[str, Any]) -> ResourceView:
    arn = summary["ARN"]
    response = ctx.call("wafv2", "get_ip_set", types=(tok.IP_SET,), resource=arn, Name=summary["Name"],
                        Scope=SCOPE, Id=summary["Id"])
    ip_set = (response or {}).get("IPSet") or {}
    return ctx.view(tok.IP_SET, arn, summary["Name"], {
        "id": summary["Id"], "arn": arn, "name": summary["Name"], "scope": SCOPE,
        "ipAddressVersion": ip_set.get("IPAddressVersion"),
        "addresses": ip_set.get("Addresses", []) if response else UNREADABLE,
    })


def _associations(ctx: Context) -> list[ResourceView]:
    views = []
    balancers = ctx.items("elbv2", "describe_load_balancers", "LoadBalancers", types=(tok.WEB_ACL_ASSOCIATION,))
    for lb in balancers:
        if lb.get("Type") != "application":
            continue
        lb_arn = lb["LoadBalancerArn"]
        response = ctx.call("wafv2", "get_web_acl_for_resource", types=(tok.WEB_ACL_ASSOCIATION,), resource=lb_arn,
                            absent=("WAFNonexistentItemException",), ResourceArn=lb_arn)
        if response is FAILED:
            continue
        acl = (response or {}).get("WebACL")
        if acl:
            views.append(ctx.view(tok.WEB_ACL_ASSOCIATION, sub_urn(lb_arn, "web-acl"), f"{lb.get('LoadBalancerName')} web ACL", {
                "id": f"{acl['ARN']},{lb_arn}", "resourceArn": lb_arn, "webAclArn": acl["ARN"]}))
    return views + _stage_associations(ctx)


def _stage_associations(ctx: Context) -> list[ResourceView]:
    """The web ACL of each REST API stage (the only API Gateway resource that can carry one)."""
    views = []
    for api in apis.rest_apis(ctx):
        for stage in apis.rest_stages(ctx, api):
            arn = f"{apis.rest_api_arn(ctx, api['id'])}/stages/{stage['stageName']}"
            response = ctx.call("wafv2", "get_web_acl_for_resource", types=(tok.WEB_ACL_ASSOCIATION,), resource=arn,
                                absent=("WAFNonexistentItemException",), ResourceArn=arn)
            acl = (response or {}).get("WebACL")
            if acl:
                views.append(ctx.view(tok.WEB_ACL_ASSOCIATION, sub_urn(arn, "web-acl"),
                                      f"{api['name']}/{stage['stageName']} web ACL",
                                      {"id": f"{acl['ARN']},{arn}", "resourceArn": arn, "webAclArn": acl["ARN"]}))
    return views
