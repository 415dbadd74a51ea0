"""The internet edge: load balancers, listeners and the WAF in front of them (APP-2, APP-3, ADM-1)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from posture.resources import ResourceView
from posture.rules.base import (
    Graph,
    RuleResult,
    as_bool,
    as_list,
    each,
    failed,
    graph,
    not_applicable,
    passed,
    plain,
    props,
    tags,
)
from posture.rules.tokens import (
    IP_SET,
    LOAD_BALANCERS,
    SUBNET,
    WEB_ACL,
    WEB_ACL_ASSOCIATION,
    WEB_ACL_RULE,
    WEB_ACL_RULE_GROUP_ASSOCIATION,
)

ALLOWED_TLS_POLICIES = frozenset({
    # TLS 1.3 with TLS 1.2 as the floor, and TLS 1.3 only (AWS ELB docs). The TLS13-1-0 and
    # TLS13-1-1 policies share the prefix but still accept TLS 1.0/1.1: a name match is not enough.
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
})
MIN_HSTS_MAX_AGE = 31_536_000
REQUIRED_MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                                "AWSManagedRulesSQLiRuleSet")


# --- load balancers ----------------------------------------------------------------------------


def _lb_type(resource: ResourceView) -> str:
    return str(props(resource).get("loadBalancerType") or "application")


def _alb_flag(key: str, expected: Any, problem: str, fix: str, ok: str):
    def rule(resource: ResourceView) -> RuleResult:
        if _lb_type(resource) != "application":
            return not_applicable(resource, f"a {_lb_type(resource)} load balancer")
        value = props(resource).get(key)
        if isinstance(expected, bool):
            value = as_bool(value)
        if value != expected:
            return failed(resource, key, value, problem, fix)
        return passed(resource, ok)

    return rule


loadbalancer_enable_drop_invalid_headers = _alb_flag(
    "dropInvalidHeaderFields", True, "malformed headers reach the application (request smuggling)",
    "set drop_invalid_header_fields=True", "invalid header fields dropped")
loadbalancer_configure_strictest_desync_mitigation = _alb_flag(
    "desyncMitigationMode", "strictest", "ambiguous requests that enable HTTP desync attacks are forwarded",
    'set desync_mitigation_mode="strictest"', "strictest desync mitigation")


def loadbalancer_enable_deletion_protection(resource: ResourceView) -> RuleResult:
    value = as_bool(props(resource).get("enableDeletionProtection"))
    if not value:
        return failed(resource, "enableDeletionProtection", value, "a replacement or one API call takes the site down",
                      "set enable_deletion_protection=True")
    return passed(resource, "deletion protection on")


def loadbalancer_enable_access_logs(resource: ResourceView) -> RuleResult:
    if _lb_type(resource) != "application":
        return not_applicable(resource, f"a {_lb_type(resource)} load balancer")
    logs = props(resource).get("accessLogs")
    enabled = as_bool(logs.get("enabled")) if logs is not None else None
    if not enabled or not logs.get("bucket"):
        return failed(resource, "accessLogs", logs, "requests to the site leave no record",
                      "set access_logs={'bucket': <log bucket>, 'enabled': True}")
    return passed(resource, f"access logs to {logs.get('bucket')}")


# --- listeners ---------------------------------------------------------------------------------


def _redirects_to_https(actions: Any) -> bool:
    actions = list(actions or [])
    return bool(actions) and all(
        a.get("type") == "redirect" and str((a.get("redirect") or {}).get("protocol") or "").upper() == "HTTPS"
        for a in actions)


def listener_require_tls(resource: ResourceView) -> RuleResult:
    p = props(resource)
    protocol = str(p.get("protocol") or "HTTP").upper()
    if protocol == "GENEVE":
        return not_applicable(resource, "a Gateway Load Balancer listener (no payload termination)")
    if protocol in ("HTTPS", "TLS"):
        policy = p.get("sslPolicy")
        if policy not in ALLOWED_TLS_POLICIES:
            why = ("AWS then applies ELBSecurityPolicy-2016-08, which accepts TLS 1.0" if policy is None
                   else "the policy is not on the TLS 1.2+/1.3 allow-list")
            return failed(resource, "sslPolicy", policy, why,
                          'set ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06"')
        return passed(resource, f"{protocol} with {policy}")
    if protocol == "HTTP":
        actions = p.get("defaultActions")
        if not _redirects_to_https(actions):
            return failed(resource, "defaultActions", actions, "the site is served over plain HTTP",
                          'make every default action a redirect with protocol "HTTPS"')
        return passed(resource, "HTTP only redirects to HTTPS")
    return failed(resource, "protocol", protocol, "the listener carries traffic unencrypted",
                  "terminate TLS (protocol HTTPS or TLS) with an allowed ssl_policy")


def listener_require_hsts_header(resource: ResourceView) -> RuleResult:
    p = props(resource)
    if str(p.get("protocol") or "HTTP").upper() != "HTTPS":
        return not_applicable(resource, "not an HTTPS listener")
    key = "routingHttpResponseStrictTransportSecurityHeaderValue"
    value = p.get(key)
    match = re.search(r"max-age=(\d+)", str(value or ""))
    if not match or int(match.group(1)) < MIN_HSTS_MAX_AGE:
        return failed(resource, key, value, "browsers may fall back to HTTP, exposing sessions to hijacking",
                      f'set it to "max-age={MIN_HSTS_MAX_AGE}; includeSubDomains"')
    return passed(resource, f"HSTS {value}")


def targetgroup_require_tls(resource: ResourceView) -> RuleResult:
    p = props(resource)
    if str(p.get("targetType") or "instance") == "lambda" or str(p.get("protocol") or "").upper() == "GENEVE":
        return not_applicable(resource, "Lambda and GENEVE targets carry no TLS setting")
    protocol = str(p.get("protocol") or "")
    if protocol.upper() not in ("HTTPS", "TLS"):
        return failed(resource, "protocol", protocol or None, "traffic from the load balancer to the app travels in "
                      "clear inside the VPC", 'set protocol="HTTPS" (and serve TLS on the app port)')
    return passed(resource, f"{protocol} to the targets")


# --- the scheme matches the tier ---------------------------------------------------------------

PUBLIC_TIER = ("tier", "public")


def load_balancer_require_public_tier_subnets(resources: Sequence[ResourceView]) -> list[RuleResult]:
    """An internet-facing load balancer gets public addresses in every subnet it sits in: only the
    public tier (tagged tier=public by components.vpc.Vpc) is meant to be reached from the internet."""
    g = graph(resources)
    key, value = PUBLIC_TIER

    def check(lb: ResourceView) -> RuleResult:
        p = props(lb)
        if _lb_type(lb) == "gateway":
            return not_applicable(lb, "a Gateway Load Balancer has no internet-facing scheme")
        if as_bool(p.get("internal")):
            return not_applicable(lb, "internal: it gets private addresses only")
        refs = [(f"subnets[{i}]", s) for i, s in enumerate(p.get("subnets") or [])]
        refs += [(f"subnetMappings[{i}].subnetId", m.get("subnetId"))
                 for i, m in enumerate(p.get("subnetMappings") or [])]
        if not refs:
            return failed(lb, "subnets", None, "the subnets an internet-facing load balancer uses cannot be proven "
                          "public", "name the public-tier subnets in subnets")
        for path, ref in refs:
            subnet = g.resolve(ref, SUBNET, path=path)
            if subnet is None:
                return failed(lb, path, ref, "the subnet is not declared in this stack, so its tier cannot be proven",
                              "place the load balancer in the public-tier subnets this stack declares")
            if tags(subnet).get(key) != value:
                return failed(lb, "internal", p.get("internal"), f"internet-facing, but it sits in {subnet.name} "
                              f"(tier={tags(subnet).get(key) or 'untagged'}), exposing a service of that tier",
                              "set internal=True, or move an intentionally public load balancer to the "
                              "tier=public subnets")
        return passed(lb, f"internet-facing in {len(refs)} public-tier subnets")

    return each(g.of_type(*LOAD_BALANCERS), check)


# --- WAF ---------------------------------------------------------------------------------------


def _internet_facing_albs(g: Graph) -> list[ResourceView]:
    return [lb for lb in g.of_type(*LOAD_BALANCERS)
            if _lb_type(lb) == "application" and not as_bool(props(lb).get("internal"))]


def load_balancer_require_waf(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)

    def check(lb: ResourceView) -> RuleResult:
        if as_bool(props(lb).get("enableWafFailOpen")):
            return failed(lb, "enableWafFailOpen", True, "requests skip the WAF whenever it cannot be reached",
                          "set enable_waf_fail_open=False")
        for assoc in g.of_type(WEB_ACL_ASSOCIATION):
            p = props(assoc)
            if g.resolve(p.get("resourceArn"), lb.type, path="resourceArn") is lb:
                acl = g.resolve(p.get("webAclArn"), WEB_ACL, path="webAclArn")
                if acl is None:
                    return failed(assoc, "webAclArn", p.get("webAclArn"), "the web ACL is not declared in this stack, "
                                  "so its rules cannot be checked", "associate the baseline's web ACL")
                return passed(lb, f"protected by web ACL {acl.name}")
        return failed(lb, "webAclAssociation", None, "an internet-facing load balancer without a web ACL",
                      "add aws.wafv2.WebAclAssociation(resource_arn=<alb arn>, web_acl_arn=<web acl arn>)")

    return each(_internet_facing_albs(g), check)


def _norm(key: str) -> str:
    return key.replace("_", "").lower()


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (normalised key, value) pair in a statement tree, whatever its spelling (Pulumi or rule_json)."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield _norm(str(k)), v
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def _enforcing(rule: Mapping[str, Any]) -> bool:
    """A rule group overridden to Count, or a rule whose action is Count, only watches."""
    for key, value in rule.items():
        if _norm(key) not in ("overrideaction", "action"):
            continue
        if isinstance(value, Mapping) and any(_norm(k) == "count" for k in value):
            return False
        if isinstance(value, str) and value.lower() == "count":
            return False
    return True


def _blocks(rule: Mapping[str, Any]) -> bool:
    for key, value in rule.items():
        if _norm(key) == "action" and isinstance(value, Mapping):
            return any(_norm(k) == "block" for k in value)
    return False


def _acl_rules(g: Graph, acl: ResourceView) -> list[dict[str, Any]]:
    p = props(acl)
    rules = [dict(r) for r in plain(p.get("rules") or [])]
    rule_json = p.get("ruleJson")
    if rule_json:
        rules.extend(dict(r) for r in as_list(json.loads(rule_json)) if isinstance(r, Mapping))
    for r in g.of_type(WEB_ACL_RULE, WEB_ACL_RULE_GROUP_ASSOCIATION):
        rp = props(r)
        if g.resolve(rp.get("webAclArn"), WEB_ACL, path="webAclArn") is not acl:
            continue
        rule = rp.plain()
        if r.type == WEB_ACL_RULE_GROUP_ASSOCIATION and rule.get("managedRuleGroup"):
            rule["statement"] = {"managedRuleGroupStatement": rule["managedRuleGroup"]}
        rules.append(rule)
    return rules


def web_acl_require_baseline_rules(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)

    def check(acl: ResourceView) -> RuleResult:
        groups: set[str] = set()
        rate_limited = blocklisted = False
        for rule in _acl_rules(g, acl):
            if not _enforcing(rule):
                continue
            for key, value in _walk(rule.get("statement") or rule.get("Statement") or {}):
                if key == "managedrulegroupstatement" and isinstance(value, Mapping):
                    groups.add(str(value.get("name") or value.get("Name")))
                elif key == "ratebasedstatement":
                    rate_limited = True
                elif key == "ipsetreferencestatement" and _blocks(rule) and isinstance(value, Mapping):
                    ref = value.get("arn") or value.get("ARN")
                    if g.resolve(ref, IP_SET, path="ipSetReferenceStatement.arn") is None:
                        return failed(acl, "rules", ref, "the blocklist rule references an IP set not declared in "
                                      "this stack, so what it blocks cannot be proven",
                                      "reference the blocklist IP sets of components.allowlists.Allowlists")
                    blocklisted = True
        missing = [name for name in REQUIRED_MANAGED_RULE_GROUPS if name not in groups]
        if not rate_limited:
            missing.append("a rate-based rule")
        if not blocklisted:
            missing.append("a blocking rule on an IP set declared in this stack (the blocklist)")
        if missing:
            return failed(acl, "rules", sorted(groups), f"the web ACL lacks {', '.join(missing)}",
                          "add the missing rules in Block (not Count) mode")
        return passed(acl, "common, known-bad-input and SQLi rule groups, a rate limit and the IP blocklist")

    return each(g.of_type(WEB_ACL), check)
