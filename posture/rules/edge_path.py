"""The edge path (APP-2, APP-3): for every way in from the internet, what a request meets in order.

A load balancer's listener hands a request to its rules by priority and then to its default
action; a network load balancer passes bytes to its targets with no WAF on the way unless those
targets are an application load balancer; a Lambda function URL, an API Gateway endpoint or a
CloudFront distribution is a door of its own. Each is followed to where the request ends up, and
a failure names the path hop by hop (``evidence``) so one look shows what to fix.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from posture.resources import ResourceView
from posture.rules.graph import Graph, graph
from posture.rules.reachability import named
from posture.rules.results import RuleResult, each, failed, not_applicable, passed, scope
from posture.rules.tokens import (
    API_GATEWAY_REST_API,
    API_GATEWAY_STAGE,
    API_GATEWAY_V2_API,
    CLOUDFRONT_DISTRIBUTION,
    EIP,
    INSTANCE,
    LISTENER_RULES,
    LISTENERS,
    LOAD_BALANCERS,
    NAT_GATEWAY,
    TARGET_GROUP_ATTACHMENTS,
    TARGET_GROUPS,
    WEB_ACL,
    WEB_ACL_ASSOCIATION,
)
from posture.rules.values import Props, as_bool, as_int, props

ENTRY_POINT_TYPES = (*LOAD_BALANCERS, API_GATEWAY_REST_API, API_GATEWAY_V2_API,
                     CLOUDFRONT_DISTRIBUTION, EIP, INSTANCE)


def closes_plain_http(action: Any) -> bool:
    """A plain-HTTP action that serves nothing: a redirect to HTTPS, or a fixed response that is
    not a success (a 403 on port 80 is as good as a redirect)."""
    kind = str(action.get("type") or "").lower()
    if kind == "redirect":
        return str((action.get("redirect") or {}).get("protocol") or "").upper() == "HTTPS"
    if kind == "fixed-response":
        status = as_int((action.get("fixedResponse") or {}).get("statusCode"))
        return status is not None and not 200 <= status < 300
    return False


def _lb_type(lb: ResourceView) -> str:
    return str(props(lb).get("loadBalancerType") or "application")


def _describe_action(g: Graph, action: Props) -> str:
    kind = str(action.get("type") or "")
    if kind == "forward":
        groups = [named(action.ref("targetGroupArn"))] if action.is_set("targetGroupArn") else []
        forward = action.get("forward")
        if forward is not None:
            groups += [named(t.ref("arn")) for t in forward.get("targetGroups") or []]
        return f"forward to {', '.join(groups) or 'a target group'}"
    if kind == "redirect":
        return f"redirect to {(action.get('redirect') or {}).get('protocol') or 'the same protocol'}"
    if kind == "fixed-response":
        return f"fixed response {(action.get('fixedResponse') or {}).get('statusCode')}"
    return kind


def _has_waf(g: Graph, lb: ResourceView) -> bool:
    return any(g.resolve(props(a).ref("resourceArn"), lb.type) is lb
               and g.resolve(props(a).ref("webAclArn"), WEB_ACL) is not None
               for a in g.of_type(WEB_ACL_ASSOCIATION))


class EntryPoints:
    """Every internet entry point of a stack and the first path through each that skips TLS or the WAF."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.listeners: dict[str, list[ResourceView]] = {}
        for listener in g.of_type(*LISTENERS):
            lb = g.resolve(props(listener).ref("loadBalancerArn"), *LOAD_BALANCERS)
            if lb is not None:
                self.listeners.setdefault(lb.urn, []).append(listener)
        self.rules: dict[str, list[ResourceView]] = {}
        for rule in g.of_type(*LISTENER_RULES):
            listener = g.resolve(props(rule).ref("listenerArn"), *LISTENERS)
            if listener is not None:
                self.rules.setdefault(listener.urn, []).append(rule)

    def _load_balancer(self, lb: ResourceView) -> RuleResult:
        g = self.g
        p = props(lb)
        if _lb_type(lb) == "gateway":
            return not_applicable(lb, "a Gateway Load Balancer has no internet-facing listeners")
        if as_bool(p.get("internal")):
            return not_applicable(lb, "internal: not an internet entry point")
        start = ("internet", f"{_lb_type(lb)} load balancer {lb.name}")
        for listener in self.listeners.get(lb.urn, []):
            lp = props(listener)
            protocol = str(lp.get("protocol") or ("HTTP" if _lb_type(lb) == "application" else "TCP")).upper()
            hop = f"listener {listener.name} ({protocol}:{as_int(lp.get('port'))})"
            rules = sorted(self.rules.get(listener.urn, []), key=lambda r: as_int(props(r).get("priority")) or 0)
            steps = [(r, f"rule {r.name} (priority {as_int(props(r).get('priority'))})", props(r).get("actions") or [])
                     for r in rules]
            steps.append((listener, "default action", lp.get("defaultActions") or []))
            for owner, where, actions in steps:
                for i, action in enumerate(actions):
                    problem = self._action_problem(lb, protocol, action)
                    if problem:
                        path = "actions" if owner is not listener else "defaultActions"
                        result = failed(owner, f"{path}[{i}]", _describe_action(g, action), problem,
                                        "on plain HTTP a redirect to HTTPS or a non-2xx fixed response; elsewhere a "
                                        "forward to an application load balancer with the baseline web ACL")
                        return dataclasses.replace(result, evidence=(*start, hop, where, _describe_action(g, action),
                                                                     problem))
        return passed(lb, "every listener path ends in TLS and the web ACL, or in a redirect")

    def _action_problem(self, lb: ResourceView, protocol: str, action: Props) -> str | None:
        kind = str(action.get("type") or "").lower()
        if _lb_type(lb) == "application":
            if protocol == "HTTP" and not closes_plain_http(action) and kind not in ("authenticate-oidc",
                                                                                    "authenticate-cognito"):
                return "serves the request over plain HTTP"
            return None
        if kind != "forward":
            return None
        for ref in self._forward_targets(action):
            group = self.g.resolve(ref, *TARGET_GROUPS)
            if group is None:
                return f"forwards to {named(ref)}, not a target group {scope().here}"
            if str(props(group).get("targetType") or "instance") != "alb":
                return (f"passes {protocol} straight to {group.name} (target type "
                        f"{props(group).get('targetType') or 'instance'}): no TLS policy, HSTS or WAF on the way")
            for alb in self._attached_albs(group):
                if not _has_waf(self.g, alb):
                    return f"passes to {alb.name}, which has no web ACL"
        return None

    @staticmethod
    def _forward_targets(action: Props) -> list:
        refs = [action.ref("targetGroupArn")] if action.is_set("targetGroupArn") else []
        forward = action.get("forward")
        if forward is not None:
            refs += [t.ref("arn") for t in forward.get("targetGroups") or []]
        return refs

    def _attached_albs(self, group: ResourceView) -> list[ResourceView]:
        found = []
        for attachment in self.g.of_type(*TARGET_GROUP_ATTACHMENTS):
            if self.g.resolve(props(attachment).ref("targetGroupArn"), *TARGET_GROUPS) is group:
                alb = self.g.resolve(props(attachment).ref("targetId"), *LOAD_BALANCERS)
                if alb is not None:
                    found.append(alb)
        return found

    def check(self, entry: ResourceView) -> RuleResult:
        if entry.type in LOAD_BALANCERS:
            return self._load_balancer(entry)
        p = props(entry)
        if entry.type == API_GATEWAY_REST_API:
            types = [str(t).upper() for t in (p.get("endpointConfiguration") or {}).get("types") or []]
            if types == ["PRIVATE"]:
                return passed(entry, "private API: reachable only through VPC endpoints")
            if not self._stage_has_waf(entry):
                return _open(entry, "endpointConfiguration.types", types or None, "REST API execute-api endpoint",
                             "the API is public and no stage has a web ACL",
                             '["PRIVATE"], or a stage with the baseline web ACL')
            return passed(entry, "public REST API behind the web ACL")
        if entry.type == API_GATEWAY_V2_API:
            if not as_bool(p.get("disableExecuteApiEndpoint")):
                return _open(entry, "disableExecuteApiEndpoint", p.get("disableExecuteApiEndpoint"),
                             f"{p.get('protocolType') or 'HTTP'} API execute-api endpoint",
                             "HTTP and WebSocket APIs cannot carry a WAF web ACL, so the public endpoint skips it",
                             "true")
            return passed(entry, "execute-api endpoint disabled")
        if entry.type == CLOUDFRONT_DISTRIBUTION:
            if not p.is_set("webAclId"):
                return _open(entry, "webAclId", None, "CloudFront distribution",
                             "the distribution serves the site with no web ACL", "a CLOUDFRONT-scope web ACL")
            # HTTPS to viewers is aws-cloudfront-distribution-require-https-to-viewers' finding: one
            # misconfiguration, one violation.
            return passed(entry, "distribution behind a web ACL")
        if entry.type == EIP:
            nat = next((n for n in self.g.of_type(NAT_GATEWAY)
                        if self.g.resolve(props(n).ref("allocationId"), EIP) is entry), None)
            if nat is not None:
                return passed(entry, f"the address of NAT gateway {nat.name}: outbound only")
            for key in ("instance", "networkInterface"):
                if p.is_set(key):
                    return _open(entry, key, named(p.ref(key)), f"public address {entry.name}",
                                 "a host gets a public address of its own, beside the load balancer",
                                 "absent: no Elastic IP on a host")
            return passed(entry, "not attached to a host (NAT gateways take theirs by allocation id)")
        if entry.type == INSTANCE:
            if as_bool(p.get("associatePublicIpAddress")):
                return _open(entry, "associatePublicIpAddress", True, f"instance {entry.name}",
                             "the instance gets a public address", "false")
            return passed(entry, "no public address")
        return not_applicable(entry, "not an entry point")

    def _stage_has_waf(self, api: ResourceView) -> bool:
        for assoc in self.g.of_type(WEB_ACL_ASSOCIATION):
            stage = self.g.resolve(props(assoc).ref("resourceArn"), API_GATEWAY_STAGE)
            if stage is not None and self.g.resolve(props(stage).ref("restApi"), API_GATEWAY_REST_API) is api:
                return True
        return False


def _open(entry: ResourceView, path: str, value: Any, door: str, problem: str, expected: str) -> RuleResult:
    result = failed(entry, path, value, problem, expected)
    return dataclasses.replace(result, evidence=("internet", door, problem))


def entry_point_require_tls_and_waf(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    model = EntryPoints(g)
    return each(g.of_type(*ENTRY_POINT_TYPES), model.check)
