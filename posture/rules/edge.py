"""The internet edge: load balancers, listeners and the WAF in front of them (APP-2, APP-3, ADM-1)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from posture.facts import ALLOWED_TLS_POLICIES, MAX_RATE_LIMIT, MIN_RATE_LIMIT
from posture.resources import REDACTED, UNKNOWN, ResourceView
from posture.rules.edge_path import closes_plain_http
from posture.rules.graph import Graph, graph
from posture.rules.reachability import named, show_refs
from posture.rules.results import RuleResult, each, failed, not_applicable, passed, scope
from posture.rules.tokens import (
    IP_SET,
    LOAD_BALANCERS,
    SUBNET,
    WAF_RULE_GROUP,
    WEB_ACL,
    WEB_ACL_ASSOCIATION,
    WEB_ACL_RULE,
    WEB_ACL_RULE_GROUP_ASSOCIATION,
)
from posture.rules.values import SECRET_REASON, Reference, ValueNotKnownError, as_bool, as_int, as_list, props, tags

MIN_HSTS_MAX_AGE = 31_536_000
REQUIRED_MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                                "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAmazonIpReputationList")


# --- load balancers ----------------------------------------------------------------------------


def _lb_type(resource: ResourceView) -> str:
    return str(props(resource).get("loadBalancerType") or "application")


def _alb_flag(key: str, expected: Any, problem: str, condition: str, ok: str):
    def rule(resource: ResourceView) -> RuleResult:
        if _lb_type(resource) != "application":
            return not_applicable(resource, f"a {_lb_type(resource)} load balancer")
        value = props(resource).get(key)
        if isinstance(expected, bool):
            value = as_bool(value)
        if value != expected:
            return failed(resource, key, value, problem, condition)
        return passed(resource, ok)

    return rule


loadbalancer_enable_drop_invalid_headers = _alb_flag(
    "dropInvalidHeaderFields", True, "malformed headers reach the application (request smuggling)",
    "true", "invalid header fields dropped")
loadbalancer_configure_strictest_desync_mitigation = _alb_flag(
    "desyncMitigationMode", "strictest", "ambiguous requests that enable HTTP desync attacks are forwarded",
    '"strictest"', "strictest desync mitigation")


def loadbalancer_enable_deletion_protection(resource: ResourceView) -> RuleResult:
    value = as_bool(props(resource).get("enableDeletionProtection"))
    if not value:
        return failed(resource, "enableDeletionProtection", value, "a replacement or one API call takes the site down", "true")
    return passed(resource, "deletion protection on")


def loadbalancer_enable_access_logs(resource: ResourceView) -> RuleResult:
    if _lb_type(resource) != "application":
        return not_applicable(resource, f"a {_lb_type(resource)} load balancer")
    logs = props(resource).get("accessLogs")
    enabled = as_bool(logs.get("enabled")) if logs is not None else None
    if not enabled or not logs.is_set("bucket") or logs.ref("bucket").value == "":
        return failed(resource, "accessLogs.enabled" if not enabled else "accessLogs.bucket",
                      None if logs is None else enabled, "requests to the site leave no record",
                      "a log bucket" if enabled else "true, with a log bucket")
    return passed(resource, f"access logs to {named(logs.ref('bucket'))}")


# --- listeners ---------------------------------------------------------------------------------


def _closes_plain_http(actions: Any) -> bool:
    actions = list(actions or [])
    return bool(actions) and all(closes_plain_http(a) for a in actions)


def listener_require_tls(resource: ResourceView, settings: Mapping[str, Any] | None = None) -> RuleResult:
    """``settings["allowedSslPolicies"]`` (pack config) replaces ALLOWED_TLS_POLICIES."""
    p = props(resource)
    allowed = frozenset((settings or {}).get("allowedSslPolicies") or ALLOWED_TLS_POLICIES)
    protocol = str(p.get("protocol") or "HTTP").upper()
    if protocol == "GENEVE":
        return not_applicable(resource, "a Gateway Load Balancer listener (no payload termination)")
    if protocol in ("HTTPS", "TLS"):
        policy = p.get("sslPolicy")
        if policy not in allowed:
            why = ("AWS then applies ELBSecurityPolicy-2016-08, which accepts TLS 1.0" if policy is None
                   else "the policy is not on the TLS 1.2+/1.3 allow-list")
            return failed(resource, "sslPolicy", policy, why,
                          f'a policy on the allow-list, such as "{min(allowed)}"')
        return passed(resource, f"{protocol} with {policy}")
    if protocol == "HTTP":
        actions = p.get("defaultActions")
        if not _closes_plain_http(actions):
            return failed(resource, "defaultActions", actions, "the site is served over plain HTTP",
                          'every action a redirect with protocol "HTTPS" or a non-2xx fixed response')
        return passed(resource, "HTTP only redirects to HTTPS or refuses")
    if protocol == "TCP" and as_int(p.get("port")) == 443:
        return not_applicable(resource, "TCP on 443 passes TLS through to where it ends; "
                                        "stack-entry-point-require-tls-and-waf follows it there")
    return failed(resource, "protocol", protocol, "the listener carries traffic unencrypted",
                  '"HTTPS" or "TLS", with an allowed sslPolicy')


def listener_require_hsts_header(resource: ResourceView) -> RuleResult:
    p = props(resource)
    if str(p.get("protocol") or "HTTP").upper() != "HTTPS":
        return not_applicable(resource, "not an HTTPS listener")
    key = "routingHttpResponseStrictTransportSecurityHeaderValue"
    value = p.get(key)
    match = re.search(r"max-age=(\d+)", str(value or ""))
    if not match or int(match.group(1)) < MIN_HSTS_MAX_AGE:
        return failed(resource, key, value, "browsers may fall back to HTTP, exposing sessions to hijacking",
                      f"a max-age of at least {MIN_HSTS_MAX_AGE} seconds")
    return passed(resource, f"HSTS {value}")


def targetgroup_require_tls(resource: ResourceView) -> RuleResult:
    p = props(resource)
    if str(p.get("targetType") or "instance") == "lambda" or str(p.get("protocol") or "").upper() == "GENEVE":
        return not_applicable(resource, "Lambda and GENEVE targets carry no TLS setting")
    if str(p.get("targetType")) == "alb":
        return not_applicable(resource, "its target is an application load balancer, whose own listeners and "
                                        "target groups are checked")
    protocol = str(p.get("protocol") or "")
    if protocol.upper() not in ("HTTPS", "TLS"):
        return failed(resource, "protocol", protocol or None, "traffic from the load balancer to the app travels in "
                      "clear inside the VPC", '"HTTPS" or "TLS"')
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
        refs = p.refs("subnets")
        mappings = [r for m in (p.get("subnetMappings") or []) if (r := m.ref("subnetId")) is not None]
        if not refs and not mappings:
            return failed(lb, "subnets", None, "the subnets an internet-facing load balancer uses cannot be proven "
                          "public", "the public-tier subnets (tagged tier=public)")
        subnets = g.resolve_all(refs, SUBNET) + [s for r in mappings if (s := g.resolve(r, SUBNET)) is not None]
        if len(subnets) < len(refs) + len(mappings):
            return failed(lb, "subnets", show_refs([*refs, *mappings]), f"a subnet is not {scope().declared}, so "
                          "its tier cannot be proven",
                          f"public-tier subnets {scope().declared}")
        for subnet in subnets:
            if tags(subnet).get(key) != value:
                return failed(lb, "internal", p.get("internal"), f"internet-facing, but it sits in {subnet.name} "
                              f"(tier={tags(subnet).get(key) or 'untagged'}), exposing a service of that tier",
                              "true, unless every subnet is tagged tier=public")
        return passed(lb, f"internet-facing in {len(subnets)} public-tier subnets")

    return each(g.of_type(*LOAD_BALANCERS), check)


# --- WAF ---------------------------------------------------------------------------------------


def _albs(g: Graph) -> list[ResourceView]:
    """Every application load balancer, internal ones too: the intranet's allowlist says who may
    connect, the WAF still blocks exploits and the blocklist from inside those networks."""
    return [lb for lb in g.of_type(*LOAD_BALANCERS) if _lb_type(lb) == "application"]


def load_balancer_require_waf(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)

    def check(lb: ResourceView) -> RuleResult:
        if as_bool(props(lb).get("enableWafFailOpen")):
            return failed(lb, "enableWafFailOpen", True, "requests skip the WAF whenever it cannot be reached", "false")
        for assoc in g.of_type(WEB_ACL_ASSOCIATION):
            p = props(assoc)
            if g.resolve(p.ref("resourceArn"), lb.type) is lb:
                acl = g.resolve(p.ref("webAclArn"), WEB_ACL)
                if acl is None:
                    return failed(assoc, "webAclArn", named(p.ref("webAclArn")), f"the web ACL is not {scope().declared}, "
                                  "so its rules cannot be checked", f"a web ACL {scope().declared}")
                return passed(lb, f"protected by web ACL {acl.name}")
        scheme = "an internal" if as_bool(props(lb).get("internal")) else "an internet-facing"
        return failed(lb, "webAclAssociation", None, f"{scheme} application load balancer without a web ACL",
                      "a web ACL association for this load balancer")

    return each(_albs(g), check)


MANAGED_GROUP_RULES: dict[str, frozenset[str]] = {
    "AWSManagedRulesCommonRuleSet": frozenset({
        "NoUserAgent_HEADER", "UserAgent_BadBots_HEADER", "SizeRestrictions_QUERYSTRING",
        "SizeRestrictions_Cookie_HEADER", "SizeRestrictions_BODY", "SizeRestrictions_URIPATH", "EC2MetaDataSSRF_BODY",
        "EC2MetaDataSSRF_COOKIE", "EC2MetaDataSSRF_URIPATH", "EC2MetaDataSSRF_QUERYARGUMENTS",
        "GenericLFI_QUERYARGUMENTS", "GenericLFI_URIPATH", "GenericLFI_BODY", "RestrictedExtensions_URIPATH",
        "RestrictedExtensions_QUERYARGUMENTS", "GenericRFI_QUERYARGUMENTS", "GenericRFI_BODY", "GenericRFI_URIPATH",
        "CrossSiteScripting_COOKIE", "CrossSiteScripting_QUERYARGUMENTS", "CrossSiteScripting_BODY",
        "CrossSiteScripting_URIPATH"}),
    "AWSManagedRulesKnownBadInputsRuleSet": frozenset({
        "JavaDeserializationRCE_HEADER", "JavaDeserializationRCE_BODY", "JavaDeserializationRCE_URIPATH",
        "JavaDeserializationRCE_QUERYSTRING", "Host_localhost_HEADER", "PROPFIND_METHOD", "ExploitablePaths_URIPATH",
        "Log4JRCE_QUERYSTRING", "Log4JRCE_BODY", "Log4JRCE_URIPATH", "Log4JRCE_HEADER"}),
    "AWSManagedRulesSQLiRuleSet": frozenset({
        "SQLi_QUERYARGUMENTS", "SQLiExtendedPatterns_QUERYARGUMENTS", "SQLi_BODY", "SQLiExtendedPatterns_BODY",
        "SQLi_COOKIE", "SQLi_URIPATH"}),
    "AWSManagedRulesAmazonIpReputationList": frozenset({
        "AWSManagedIPReputationList", "AWSManagedReconnaissanceList", "AWSManagedIPDDoSList"}),
}
"""The rules of each required managed group (AWS WAF developer guide, latest static versions). A
group whose rule action overrides set every one of them to Count (or Allow), or as many rules as
the group has, only watches: the same as an overrideAction of count. Overriding a few noisy rules
(SizeRestrictions_BODY for uploads, say) keeps the group enforcing."""
_NON_BLOCKING = ("count", "allow")


def _norm(key: str) -> str:
    return key.replace("_", "").lower()


def _get(value: Any, key: str) -> Any:
    """A key whatever its spelling: Pulumi's camelCase, rule_json's PascalCase or snake_case."""
    if not isinstance(value, Mapping):
        return None
    return next((v for k, v in value.items() if _norm(str(k)) == key), None)


def _action_is(value: Any, names: tuple[str, ...]) -> bool:
    """An action given as {"count": {}} (inline, rule_json) or "count" (a standalone association)."""
    if isinstance(value, Mapping):
        return any(_norm(str(k)) in names for k in value)
    return isinstance(value, str) and value.lower() in names


def _silenced_rules(group: Mapping[str, Any]) -> set[str]:
    """Rules of a managed group overridden to Count or Allow, or excluded (the older form of Count)."""
    silenced = {str(_get(o, "name")) for o in as_list(_get(group, "ruleactionoverrides"))
                if _action_is(_get(o, "actiontouse"), _NON_BLOCKING)}
    return silenced | {str(_get(o, "name")) for o in as_list(_get(group, "excludedrules"))}


def _enforcing(rule: Mapping[str, Any]) -> bool:
    """A rule whose action is Count, or a rule group overridden to Count, only watches."""
    return not (_action_is(_get(rule, "overrideaction"), ("count",)) or _action_is(_get(rule, "action"), ("count",)))


def _managed_group(rule: Mapping[str, Any]) -> Mapping[str, Any] | None:
    group = _get(_get(rule, "statement"), "managedrulegroupstatement")
    return group if isinstance(group, Mapping) else None


def _group_enforces(group: Mapping[str, Any]) -> bool:
    """A group with half or more of its rules silenced only watches (5 of 6 SQLi rules on Count is
    an SQLi group in name only); a few noisy rules overridden keep it enforcing."""
    known = MANAGED_GROUP_RULES.get(str(_get(group, "name")))
    silenced = _silenced_rules(group)
    if not silenced:
        return True
    if known is None:
        return False
    return len(silenced & known) * 2 < len(known) and len(silenced) * 2 < len(known)


def _blocks(rule: Mapping[str, Any]) -> bool:
    return _action_is(_get(rule, "action"), ("block",))


def _blocklist_sets(rule: Mapping[str, Any]) -> list[Any]:
    """The IP sets a blocking rule blocks outright: its statement is the IP-set reference, or an
    orStatement whose direct children include it. Under a notStatement the set would be the
    exemption, under an andStatement it blocks only what the other statements also match."""
    if not _blocks(rule):
        return []
    statement = _get(rule, "statement")
    candidates = [statement]
    either = _get(statement, "orstatement")
    if isinstance(either, Mapping):
        candidates += list(as_list(_get(either, "statements")))
    found = []
    for candidate in candidates:
        reference = _get(candidate, "ipsetreferencestatement")
        if isinstance(reference, Mapping):
            found.append(_get(reference, "arn"))
    return found


def _readable(value: Any, sources: Any, path: str) -> Any:
    """Plain data in which a value not known yet stays a Reference (with the engine's sources), so
    the blocklist's IP-set ARNs are followed on a first preview; a secret stops the check."""
    if value is UNKNOWN:
        return Reference(UNKNOWN, sources, path)
    if value is REDACTED:
        raise ValueNotKnownError(path, reason=SECRET_REASON)
    if isinstance(value, Mapping):
        return {k: _readable(v, sources, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_readable(v, sources, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def _top(resource: ResourceView, key: str) -> Any:
    sources = None if resource.dependencies is None else resource.dependencies.get(key, frozenset())
    return _readable(resource.props.get(key), sources, key)


def _acl_rules(g: Graph, acl: ResourceView) -> list[dict[str, Any]]:
    p = props(acl)
    rules = [dict(r) for r in _top(acl, "rules") or [] if isinstance(r, Mapping)]
    rule_json = p.get("ruleJson")
    if rule_json:
        rules.extend(dict(r) for r in as_list(json.loads(rule_json)) if isinstance(r, Mapping))
    for r in g.of_type(WEB_ACL_RULE, WEB_ACL_RULE_GROUP_ASSOCIATION):
        if g.resolve(props(r).ref("webAclArn"), WEB_ACL) is not acl:
            continue
        rule = {k: _top(r, k) for k in r.props}
        if r.type == WEB_ACL_RULE_GROUP_ASSOCIATION and rule.get("managedRuleGroup"):
            rule["statement"] = {"managedRuleGroupStatement": rule["managedRuleGroup"]}
        rules.append(rule)
    return rules


def _priority(rule: Mapping[str, Any]) -> int:
    value = _get(rule, "priority")
    if isinstance(value, Reference):
        raise ValueNotKnownError(value.path)
    return as_int(value) or 0


def _rule_name(rule: Mapping[str, Any]) -> str:
    return f"rule {_get(rule, 'name')} (priority {_priority(rule)})"


def _group_rules(g: Graph, rule: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The rules of a rule group the ACL references (aws.wafv2.RuleGroup), None for anything else."""
    reference = _get(_get(rule, "statement"), "rulegroupreferencestatement")
    if not isinstance(reference, Mapping):
        return None
    arn = _get(reference, "arn")
    group = g.resolve(arn if isinstance(arn, Reference) else str(arn), WAF_RULE_GROUP)
    if group is None:
        return []
    return [dict(r) for r in _top(group, "rules") or [] if isinstance(r, Mapping)]


def _is_blocklist_set(g: Graph, ref: Any) -> bool:
    if isinstance(ref, Reference):
        if ref.value is UNKNOWN:
            if ref.sources is None:
                raise ValueNotKnownError(ref.path)
            return bool(g.sources(ref, IP_SET))
        ref = ref.value
    return g.resolve(ref, IP_SET) is not None


class EdgePath:
    """What a request meets in a web ACL, rule by rule in priority order, as AWS evaluates it: an
    Allow or Block ends evaluation, Count and a counting group only watch, a scope-down statement
    limits what a group or rate rule inspects, rule groups the ACL references are followed."""

    def __init__(self, g: Graph, acl: ResourceView) -> None:
        self.found: dict[str, str] = {}
        """Requirement -> the rule that meets it."""
        self.watching: set[str] = set()
        self.problems: list[tuple[str, tuple[str, ...]]] = []
        self.hops: list[str] = []
        self._walk(g, sorted(_acl_rules(g, acl), key=_priority), "", None)

    def missing(self) -> list[str]:
        return [name for name in REQUIREMENTS if name not in self.found]

    def _walk(self, g: Graph, rules: list[dict[str, Any]], where: str, group_counts: bool | None) -> None:
        for rule in rules:
            name = f"{where}{_rule_name(rule)}"
            counted = bool(group_counts) or not _enforcing(rule)
            nested = _group_rules(g, rule)
            if nested is not None:
                self.hops.append(f"{name}: rule group")
                self._walk(g, sorted(nested, key=_priority), f"{name} > ",
                           counted or _action_is(_get(rule, "overrideaction"), ("count",)))
                continue
            if counted:
                self.hops.append(f"{name}: count only")
                continue
            statement = _get(rule, "statement")
            group = _managed_group(rule)
            if group is not None:
                group_name = str(_get(group, "name"))
                if _get(group, "scopedownstatement") is not None:
                    self.watching.add(group_name)
                    self.problems.append((f"{name} limits {group_name} with a scope-down statement, so it inspects "
                                          "only the requests that statement matches", (*self.hops, name)))
                elif _group_enforces(group):
                    self.found.setdefault(group_name, name)
                else:
                    self.watching.add(group_name)
            rate = _get(statement, "ratebasedstatement")
            if isinstance(rate, Mapping):
                limit = _get(rate, "limit")
                if isinstance(limit, Reference):
                    raise ValueNotKnownError(limit.path)
                if _get(rate, "scopedownstatement") is not None:
                    self.problems.append((f"{name} rate-limits only the requests its scope-down statement matches",
                                          (*self.hops, name)))
                elif limit is None or not MIN_RATE_LIMIT <= (as_int(limit) or 0) <= MAX_RATE_LIMIT:
                    self.problems.append((f"{name} allows {limit} requests per client per window, outside "
                                          f"{MIN_RATE_LIMIT}..{MAX_RATE_LIMIT}", (*self.hops, name)))
                elif _blocks(rule):
                    self.found.setdefault(RATE_LIMIT, name)
            sets = _blocklist_sets(rule)
            if sets:
                if not all(_is_blocklist_set(g, ref) for ref in sets):
                    self.problems.append((f"{name} blocks an IP set not {scope().declared}, so what it blocks "
                                          "cannot be proven", (*self.hops, name)))
                else:
                    self.found.setdefault(BLOCKLIST, name)
            if _action_is(_get(rule, "action"), ("allow",)):
                skipped = self.missing()
                if skipped:
                    self.problems.append((f"{name} allows the requests it matches before {', '.join(skipped)} "
                                          "run (an Allow ends WAF evaluation)", (*self.hops, f"{name}: ALLOW",
                                                                                 *(f"skipped: {s}" for s in skipped))))
            self.hops.append(name)


BLOCKLIST = "the IP blocklist (a blocking rule whose statement is, or directly ORs, an IP set in the same stack or audited account)"
RATE_LIMIT = "a blocking rate-based rule"
REQUIREMENTS = (BLOCKLIST, *REQUIRED_MANAGED_RULE_GROUPS, RATE_LIMIT)


def web_acl_require_baseline_rules(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)

    def check(acl: ResourceView) -> RuleResult:
        path = EdgePath(g, acl)
        if path.problems:
            problem, evidence = path.problems[0]
            result = failed(acl, "rules", problem.split(" ", 2)[1], problem,
                            "the blocklist, the managed groups and the rate limit in Block mode, without "
                            "scope-down statements, ahead of any Allow rule")
            return dataclasses.replace(result, evidence=("request from the internet", f"web ACL {acl.name}",
                                                         *evidence))
        missing = path.missing()
        if missing:
            counted = sorted(path.watching & set(REQUIRED_MANAGED_RULE_GROUPS))
            why = (f" ({', '.join(counted)} only watches: counted, scoped down, or most of its rules overridden "
                   "to Count or Allow)") if counted else ""
            result = failed(acl, "rules", sorted(path.found), f"the web ACL lacks {', '.join(missing)}{why}",
                            f"rules including {', '.join(missing)}, in Block (not Count) mode, with no rule "
                            "action overrides that silence a group")
            return dataclasses.replace(result, evidence=("request from the internet", f"web ACL {acl.name}",
                                                         *path.hops, *(f"missing: {m}" for m in missing)))
        return passed(acl, "blocklist, the common, known-bad-input, SQLi and IP-reputation groups and a rate limit "
                           "run before any Allow")

    return each(g.of_type(WEB_ACL), check)
