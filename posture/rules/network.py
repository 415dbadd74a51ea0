"""Network boundaries: security groups, NACLs, routes, subnets, flow logs and endpoints (DB-1, DB-2, ADM-1).

Security-group ingress exists in three forms (inline ``ingress[]``, ``ec2.SecurityGroupRule`` and
``vpc.SecurityGroupIngressRule``); every rule here reads all three through ``ingress_rules`` so a
rule cannot be bypassed by switching form. The three ingress controls split the space so that
one bad rule is one violation: remote-admin ports, all ports, and (for everything else) the
internet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from posture.resources import ResourceView
from posture.rules.base import (
    Graph,
    Props,
    RuleResult,
    ValueNotKnownError,
    as_bool,
    as_int,
    as_list,
    cidr_within,
    each,
    failed,
    graph,
    is_internet,
    not_applicable,
    passed,
    props,
    tags,
)
from posture.rules.tokens import (
    DEFAULT_NETWORK_ACL,
    DEFAULT_ROUTE_TABLE,
    DEFAULT_SECURITY_GROUP,
    FLOW_LOG,
    INGRESS_TYPES,
    INTERNET_GATEWAY,
    LOAD_BALANCERS,
    MAIN_ROUTE_TABLE_ASSOCIATION,
    MANAGED_PREFIX_LIST_ENTRY,
    NETWORK_ACL,
    NETWORK_ACL_ASSOCIATION,
    NETWORK_ACL_RULE,
    RDS_CLUSTER,
    RDS_INSTANCE,
    RDS_SUBNET_GROUP,
    ROUTE,
    ROUTE_TABLE,
    ROUTE_TABLE_ASSOCIATION,
    SECURITY_GROUP,
    SECURITY_GROUP_INGRESS_RULE,
    SECURITY_GROUP_RULE,
    SUBNET,
    VPC,
    VPC_ENDPOINT,
)

REMOTE_ADMIN_PORTS = (22, 3389)
PUBLIC_WEB_PORTS = frozenset({80, 443})
REQUIRED_ENDPOINT_SERVICES = ("s3", "dynamodb", "secretsmanager", "kms", "logs", "sts", "ssm", "ssmmessages",
                              "ec2messages")
DEFAULT_DB_PORTS = {"postgres": 5432, "aurora-postgresql": 5432, "mysql": 3306, "mariadb": 3306,
                    "aurora-mysql": 3306, "sqlserver": 1433, "oracle": 1521}
_PROTOCOLS = {"-1": "all", "all": "all", "6": "tcp", "tcp": "tcp", "17": "udp", "udp": "udp", "1": "icmp",
              "icmp": "icmp", "58": "icmpv6", "icmpv6": "icmpv6"}
TIER_TAG = "tier"


# --- security-group ingress, all three forms ---------------------------------------------------


@dataclass(frozen=True)
class Ingress:
    """One ingress permission, whatever form declared it."""

    resource: ResourceView
    path: str
    group_ref: Any
    protocol: str
    from_port: int | None
    to_port: int | None
    cidrs: tuple[str, ...]
    prefix_lists: tuple[str, ...]
    groups: tuple[str, ...]
    self_ref: bool

    @property
    def prop(self) -> str:
        return f"{self.path}." if self.path else ""

    @property
    def all_ports(self) -> bool:
        if self.protocol == "all":
            return True
        return self.protocol in ("tcp", "udp") and (self.from_port or 0) <= 1 and (self.to_port or 0) >= 65535

    def covers(self, port: int) -> bool:
        if self.protocol == "all":
            return True
        if self.protocol not in ("tcp", "udp") or self.from_port is None or self.to_port is None:
            return False
        return self.from_port <= port <= self.to_port

    @property
    def has_source(self) -> bool:
        return bool(self.cidrs or self.prefix_lists or self.groups or self.self_ref)

    @property
    def from_internet(self) -> bool:
        """0.0.0.0/0, ::/0 or any other public range broad enough to be the internet (base.is_internet)."""
        return any(is_internet(c) for c in self.cidrs)

    def describe(self) -> str:
        ports = "all ports" if self.protocol == "all" else f"{self.protocol} {self.from_port}-{self.to_port}"
        sources = [*self.cidrs, *self.prefix_lists, *self.groups, *(["self"] if self.self_ref else [])]
        return f"{ports} from {', '.join(sources) or 'nowhere'}"


def _protocol(value: Any) -> str:
    return _PROTOCOLS.get(str(value).lower(), str(value).lower())


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in as_list(value) if v)


def _inline(resource: ResourceView, rule: Props, path: str) -> Ingress:
    return Ingress(resource, path, None, _protocol(rule.get("protocol")), as_int(rule.get("fromPort")),
                   as_int(rule.get("toPort")),
                   _strings(rule.get("cidrBlocks")) + _strings(rule.get("ipv6CidrBlocks")),
                   _strings(rule.get("prefixListIds")), _strings(rule.get("securityGroups")),
                   bool(as_bool(rule.get("self"))))


def ingress_rules(resource: ResourceView) -> list[Ingress]:
    p = props(resource)
    if resource.type == SECURITY_GROUP:
        return [_inline(resource, rule, f"ingress[{i}]") for i, rule in enumerate(p.get("ingress") or [])]
    if resource.type == SECURITY_GROUP_RULE:
        if p.get("type") != "ingress":
            return []
        rule = _inline(resource, p, "")
        return [Ingress(resource, "", p.get("securityGroupId"), rule.protocol, rule.from_port, rule.to_port,
                        rule.cidrs, rule.prefix_lists, _strings(p.get("sourceSecurityGroupId")), rule.self_ref)]
    if resource.type == SECURITY_GROUP_INGRESS_RULE:
        return [Ingress(resource, "", p.get("securityGroupId"), _protocol(p.get("ipProtocol")),
                        as_int(p.get("fromPort")), as_int(p.get("toPort")),
                        _strings(p.get("cidrIpv4")) + _strings(p.get("cidrIpv6")), _strings(p.get("prefixListId")),
                        _strings(p.get("referencedSecurityGroupId")), False)]
    return []


def _is_remote_admin(rule: Ingress) -> bool:
    return not rule.all_ports and rule.has_source and any(rule.covers(port) for port in REMOTE_ADMIN_PORTS)


def _is_all_ports(rule: Ingress) -> bool:
    return rule.all_ports and rule.has_source


def _ingress_rule(predicate, problem: str, fix: str, ok: str):
    def rule(resource: ResourceView) -> RuleResult:
        if resource.type == SECURITY_GROUP_RULE and props(resource).get("type") != "ingress":
            return not_applicable(resource, "an egress rule")
        offending = [r for r in ingress_rules(resource) if predicate(r)]
        if offending:
            first = offending[0]
            return failed(resource, f"{first.prop}fromPort/toPort",
                          "; ".join(r.describe() for r in offending), problem, fix)
        return passed(resource, ok)

    return rule


securitygroup_disallow_remote_admin_ingress = _ingress_rule(
    _is_remote_admin, "SSH/RDP is reachable; admin access goes through SSM Session Manager",
    "remove the rule and use `aws ssm start-session`", "no SSH or RDP ingress")
securitygroup_disallow_all_ports_ingress = _ingress_rule(
    _is_all_ports, "every port is open to the source", "admit only the ports the service listens on",
    "no all-ports ingress")


def _public_load_balancer_groups(g: Graph) -> set[str] | None:
    """URNs of security groups attached to an internet-facing load balancer (None: not known yet)."""
    found: set[str] = set()
    try:
        for lb in g.of_type(*LOAD_BALANCERS):
            p = props(lb)
            if as_bool(p.get("internal")):
                continue
            for i, ref in enumerate(p.get("securityGroups") or []):
                sg = g.resolve(ref, SECURITY_GROUP, path=f"securityGroups[{i}]")
                if sg is not None:
                    found.add(sg.urn)
    except ValueNotKnownError:
        return None
    return found


def _group_of(g: Graph, rule: Ingress) -> ResourceView | None:
    if rule.resource.type == SECURITY_GROUP:
        return rule.resource
    return g.resolve(rule.group_ref, SECURITY_GROUP, path="securityGroupId")


def security_group_disallow_internet_ingress(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    public_groups = _public_load_balancer_groups(g)

    def check(resource: ResourceView) -> RuleResult:
        rules = [r for r in ingress_rules(resource)
                 if r.from_internet and not _is_remote_admin(r) and not _is_all_ports(r)]
        if not rules:
            return passed(resource, "no internet ingress outside the remote-admin and all-ports controls")
        for rule in rules:
            web_only = (rule.protocol == "tcp" and rule.from_port is not None and rule.to_port is not None
                        and set(range(rule.from_port, rule.to_port + 1)) <= PUBLIC_WEB_PORTS)
            if not web_only:
                return failed(resource, f"{rule.prop}cidr", rule.describe(),
                              "the internet may reach this port; only 80/443 on a public load balancer may be open",
                              "replace the CIDR with a security-group reference or a managed prefix list")
            group = _group_of(g, rule)
            if public_groups is None:
                raise ValueNotKnownError("securityGroups of the load balancers")
            if group is None or group.urn not in public_groups:
                where = group.name if group else str(rule.group_ref)
                return failed(resource, f"{rule.prop}cidr", rule.describe(),
                              f"{where} is not attached to an internet-facing load balancer",
                              "open 80/443 to the internet only on the public load balancer's security group")
        return passed(resource, "internet ingress only on 80/443 of a public load balancer")

    return each(g.of_type(*INGRESS_TYPES), check)


def defaultsecuritygroup_disallow_rules(resource: ResourceView) -> RuleResult:
    p = props(resource)
    for key in ("ingress", "egress"):
        rules = p.get(key) or []
        if len(rules):
            return failed(resource, key, rules, "the VPC's default security group admits traffic; anything launched "
                          "without a group gets it", f"set {key}=[] on the default security group")
    return passed(resource, "default security group has no rules")


def vpc_require_locked_default_security_group(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    adopted = g.attached_to((DEFAULT_SECURITY_GROUP,), "vpcId", VPC)

    def check(vpc: ResourceView) -> RuleResult:
        if vpc.urn not in adopted:
            return failed(vpc, "defaultSecurityGroup", None, "the default security group keeps AWS's allow-all "
                          "rules (all traffic from itself, all egress)",
                          "declare aws.ec2.DefaultSecurityGroup(vpc_id=..., ingress=[], egress=[])")
        return passed(vpc, f"default security group adopted by {adopted[vpc.urn].name}")

    return each(g.of_type(VPC), check)


# --- subnets, flow logs, endpoints, prefix lists ------------------------------------------------


def subnet_disallow_public_ip_on_launch(resource: ResourceView) -> RuleResult:
    p = props(resource)
    for key in ("mapPublicIpOnLaunch", "assignIpv6AddressOnCreation"):
        value = as_bool(p.get(key))
        if value:
            return failed(resource, key, value, "anything launched here gets a public address",
                          f"set {key}=False; give load balancers and NAT gateways their addresses explicitly")
    return passed(resource, "no public addresses on launch")


def flowlog_require_all_traffic(resource: ResourceView) -> RuleResult:
    traffic = props(resource).get("trafficType")
    if traffic != "ALL":
        return failed(resource, "trafficType", traffic, "rejected or accepted traffic goes unrecorded",
                      'set traffic_type="ALL"')
    return passed(resource, "flow log records ALL traffic")


def _per_vpc(g: Graph, types: tuple[str, ...], matches) -> dict[str, list[ResourceView]]:
    found: dict[str, list[ResourceView]] = {}
    for r in g.of_type(*types):
        if not matches(r):
            continue
        vpc = g.resolve(props(r).get("vpcId"), VPC, path="vpcId")
        if vpc is not None:
            found.setdefault(vpc.urn, []).append(r)
    return found


def vpc_require_flow_logs(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    logs = _per_vpc(g, (FLOW_LOG,), lambda r: props(r).get("vpcId") is not None)

    def check(vpc: ResourceView) -> RuleResult:
        if vpc.urn not in logs:
            return failed(vpc, "flowLog", None, "no flow log records this VPC's traffic",
                          'add aws.ec2.FlowLog(vpc_id=..., traffic_type="ALL") to an encrypted log group')
        return passed(vpc, f"flow log {logs[vpc.urn][0].name}")

    return each(g.of_type(VPC), check)


def vpc_require_service_endpoints(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    endpoints = _per_vpc(g, (VPC_ENDPOINT,), lambda r: True)

    def check(vpc: ResourceView) -> RuleResult:
        services = {str(props(e).get("serviceName") or "").rsplit(".", 1)[-1] for e in endpoints.get(vpc.urn, [])}
        missing = [s for s in REQUIRED_ENDPOINT_SERVICES if s not in services]
        if missing:
            return failed(vpc, "vpcEndpoints", sorted(services), f"calls to {', '.join(missing)} leave the VPC "
                          "through the NAT gateway", f"add VPC endpoints for {', '.join(missing)}")
        for endpoint in endpoints.get(vpc.urn, []):
            e = props(endpoint)
            if e.get("vpcEndpointType") == "Interface" and not as_bool(e.get("privateDnsEnabled")):
                return failed(endpoint, "privateDnsEnabled", e.get("privateDnsEnabled"), "SDKs keep resolving the "
                              "public service name, so calls still leave through the NAT gateway",
                              "set private_dns_enabled=True")
        return passed(vpc, "AWS APIs reached through VPC endpoints")

    return each(g.of_type(VPC), check)


def managedprefixlist_disallow_anywhere(resource: ResourceView) -> RuleResult:
    p = props(resource)
    if resource.type == MANAGED_PREFIX_LIST_ENTRY:
        entries = [("cidr", p.get("cidr"))]
    else:
        entries = [(f"entries[{i}].cidr", e.get("cidr")) for i, e in enumerate(p.get("entries") or [])]
    for path, cidr in entries:
        if is_internet(cidr):
            return failed(resource, path, cidr, "an allowlist holding the internet (or a public range broader than "
                          "/8 IPv4, /16 IPv6) allows everyone", "list the specific networks that need access")
    return passed(resource, "no internet-wide entry")


# --- tiers: data subnets, their routes and NACLs ------------------------------------------------


def _data_subnets(g: Graph) -> dict[str, ResourceView]:
    """Subnets tagged ``tier=data`` plus every subnet a database subnet group uses, whatever its tag."""
    found = {s.urn: s for s in g.of_type(SUBNET) if tags(s).get(TIER_TAG) == "data"}
    for group in g.of_type(RDS_SUBNET_GROUP):
        for i, ref in enumerate(props(group).get("subnetIds") or []):
            subnet = g.resolve(ref, SUBNET, path=f"subnetIds[{i}]")
            if subnet is not None:
                found[subnet.urn] = subnet
    return found


def _route_problem(g: Graph, route: Props) -> str | None:
    destination = route.get("cidrBlock") or route.get("destinationCidrBlock") or route.get("ipv6CidrBlock") \
        or route.get("destinationIpv6CidrBlock")
    for key in ("natGatewayId", "egressOnlyGatewayId", "carrierGatewayId"):
        if route.get(key):
            return f"{key} {route.get(key)}"
    gateway = route.get("gatewayId")
    if gateway and gateway != "local" and (
            str(gateway).startswith("igw-") or g.resolve(gateway, INTERNET_GATEWAY, path="gatewayId") is not None):
        return f"internet gateway {gateway}"
    if is_internet(destination):
        return f"internet-wide route {destination}"
    return None


def data_tier_disallow_internet_routes(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    data = _data_subnets(g)
    tables: dict[str, ResourceView] = {t.urn: t for t in g.of_type(ROUTE_TABLE) if tags(t).get(TIER_TAG) == "data"}
    associated: set[str] = set()
    for assoc in g.of_type(ROUTE_TABLE_ASSOCIATION):
        p = props(assoc)
        subnet = g.resolve(p.get("subnetId"), SUBNET, path="subnetId")
        if subnet is not None and subnet.urn in data:
            associated.add(subnet.urn)
            table = g.resolve(p.get("routeTableId"), ROUTE_TABLE, DEFAULT_ROUTE_TABLE, path="routeTableId")
            if table is None:
                return [failed(assoc, "routeTableId", p.get("routeTableId"),
                               f"data subnet {subnet.name} uses a route table not declared in this stack",
                               "declare the data tier's route table here")]
            tables[table.urn] = table
    if any(urn not in associated for urn in data):
        vpcs = {str(props(s).get("vpcId")) for urn, s in data.items() if urn not in associated}
        for main in g.of_type(DEFAULT_ROUTE_TABLE):
            tables[main.urn] = main
        for assoc in g.of_type(MAIN_ROUTE_TABLE_ASSOCIATION):
            if str(props(assoc).get("vpcId")) in vpcs:
                table = g.resolve(props(assoc).get("routeTableId"), ROUTE_TABLE, path="routeTableId")
                if table is not None:
                    tables[table.urn] = table
    standalone: dict[str, list[ResourceView]] = {}
    for route in g.of_type(ROUTE):
        table = g.resolve(props(route).get("routeTableId"), ROUTE_TABLE, DEFAULT_ROUTE_TABLE, path="routeTableId")
        if table is not None:
            standalone.setdefault(table.urn, []).append(route)

    results: list[RuleResult] = []
    for table in tables.values():
        def check(t: ResourceView) -> list[RuleResult]:
            out = []
            for i, route in enumerate(props(t).get("routes") or []):
                problem = _route_problem(g, route)
                if problem:
                    out.append(failed(t, f"routes[{i}]", route, f"the data tier routes to the internet via {problem}",
                                      "remove the route: the data tier keeps only the local route"))
            return out or [passed(t, "no route out of the VPC")]

        results.extend(each([table], check))
        for route in standalone.get(table.urn, []):
            def check_route(r: ResourceView, table_name: str = table.name) -> RuleResult:
                problem = _route_problem(g, props(r))
                if problem:
                    return failed(r, "destinationCidrBlock", props(r).get("destinationCidrBlock"),
                                  f"adds a route via {problem} to data-tier table {table_name}",
                                  "remove the route: the data tier keeps only the local route")
                return passed(r, f"route in {table_name} stays inside the network")

            results.extend(each([route], check_route))
    return results


def _db_port(db: ResourceView) -> int | None:
    p = props(db)
    port = as_int(p.get("port"))
    if port is not None:
        return port
    engine = str(p.get("engine") or "").lower()
    return next((v for k, v in DEFAULT_DB_PORTS.items() if engine.startswith(k)), None)


class _RulesOf(dict):
    """Ingress rules per security-group URN; a group whose rules are not all known yet raises when read."""

    def __init__(self) -> None:
        super().__init__()
        self.unknown: dict[str, ValueNotKnownError] = {}
        self.unplaced: ValueNotKnownError | None = None

    def of(self, sg: ResourceView) -> list[Ingress]:
        if self.unplaced is not None:
            raise self.unplaced
        if sg.urn in self.unknown:
            raise self.unknown[sg.urn]
        return self.get(sg.urn, [])


def _ingress_by_group(g: Graph) -> _RulesOf:
    by_group = _RulesOf()
    for r in g.of_type(*INGRESS_TYPES):
        try:
            sg = r if r.type == SECURITY_GROUP else g.resolve(props(r).get("securityGroupId"), SECURITY_GROUP,
                                                              path="securityGroupId")
        except ValueNotKnownError as exc:
            exc.urn = r.urn
            by_group.unplaced = exc
            continue
        if sg is None:
            continue
        try:
            by_group.setdefault(sg.urn, []).extend(ingress_rules(r))
        except ValueNotKnownError as exc:
            exc.urn = r.urn
            by_group.unknown[sg.urn] = exc
    return by_group


def database_reachable_only_from_app_tier(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    by_group = _ingress_by_group(g)
    offending: dict[tuple[str, str], tuple[Ingress, str]] = {}
    results: list[RuleResult] = []

    def check(db: ResourceView) -> RuleResult | None:
        p = props(db)
        refs = p.get("vpcSecurityGroupIds") or []
        if not len(refs):
            return failed(db, "vpcSecurityGroupIds", None, "the database falls back to the VPC's default security "
                          "group", "attach a dedicated security group that admits only the app tier")
        port = _db_port(db)
        problems = 0
        for i, ref in enumerate(refs):
            sg = g.resolve(ref, SECURITY_GROUP, path=f"vpcSecurityGroupIds[{i}]")
            if sg is None:
                return failed(db, f"vpcSecurityGroupIds[{i}]", ref, "the security group is not declared in this "
                              "stack, so who reaches the database cannot be proven", "declare it here")
            for rule in by_group.of(sg):
                problem = _db_ingress_problem(g, rule, port)
                if problem:
                    problems += 1
                    offending.setdefault((rule.resource.urn, rule.path), (rule, problem))
        return None if problems else passed(db, "reachable only from the app tier's security group on "
                                                f"port {port}")

    for db in g.of_type(RDS_INSTANCE, RDS_CLUSTER):
        results.extend(r for r in each([db], lambda d: check(d) or []) if r)
    for rule, problem in offending.values():
        results.append(failed(rule.resource, f"{rule.prop}source", rule.describe(), problem,
                              "admit only the app tier's security group, on the database port"))
    return results


def _db_ingress_problem(g: Graph, rule: Ingress, port: int | None) -> str | None:
    if rule.cidrs or rule.prefix_lists:
        return "the database admits an address range; only the app tier's security group may connect"
    if rule.self_ref:
        return "the database admits its own security group's members; name the app tier's group instead"
    if rule.protocol != "tcp" or rule.from_port != port or rule.to_port != port:
        return f"the database admits {rule.describe()}, not only its port {port}"
    for source in rule.groups:
        sg = g.resolve(source, SECURITY_GROUP, path="source security group")
        if sg is None:
            return f"source {source} is not a security group declared in this stack"
        if tags(sg).get(TIER_TAG) != "app":
            return f"source {sg.name} is not the app tier's security group (tag {TIER_TAG}=app)"
    return None


def _acl_entries(g: Graph, acl: ResourceView) -> list[tuple[ResourceView, str, Mapping[str, Any]]]:
    entries = [(acl, f"ingress[{i}]", e) for i, e in enumerate(props(acl).get("ingress") or [])]
    for rule in g.of_type(NETWORK_ACL_RULE):
        p = props(rule)
        if as_bool(p.get("egress")) or g.resolve(p.get("networkAclId"), acl.type, path="networkAclId") is not acl:
            continue
        entries.append((rule, "", {"action": p.get("ruleAction"), "protocol": p.get("protocol"),
                                   "cidrBlock": p.get("cidrBlock"), "ipv6CidrBlock": p.get("ipv6CidrBlock"),
                                   "fromPort": p.get("fromPort"), "toPort": p.get("toPort")}))
    return entries


def _acl_of(g: Graph, subnet: ResourceView) -> ResourceView | None:
    for assoc in g.of_type(NETWORK_ACL_ASSOCIATION):
        if g.resolve(props(assoc).get("subnetId"), SUBNET, path="subnetId") is subnet:
            return g.resolve(props(assoc).get("networkAclId"), NETWORK_ACL, path="networkAclId")
    for acl in g.of_type(NETWORK_ACL):
        for i, ref in enumerate(props(acl).get("subnetIds") or []):
            if g.resolve(ref, SUBNET, path=f"subnetIds[{i}]") is subnet:
                return acl
    return None


def networkacl_disallow_all_traffic_from_internet(resource: ResourceView) -> RuleResult:
    p = props(resource)
    if resource.type == NETWORK_ACL_RULE:
        entries = [("", {"action": p.get("ruleAction"), "protocol": p.get("protocol"), "egress": p.get("egress"),
                         "cidrBlock": p.get("cidrBlock"), "ipv6CidrBlock": p.get("ipv6CidrBlock")})]
    else:
        entries = [(f"ingress[{i}]", e) for i, e in enumerate(p.get("ingress") or [])]
    for path, entry in entries:
        if as_bool(entry.get("egress")) or str(entry.get("action")).lower() != "allow":
            continue
        cidr = entry.get("cidrBlock") or entry.get("ipv6CidrBlock")
        if is_internet(cidr) and _protocol(entry.get("protocol")) == "all":
            return failed(resource, f"{path}.protocol" if path else "protocol", entry.get("protocol"),
                          f"the network ACL admits every protocol and port from {cidr}",
                          "allow only the ports the tier serves (e.g. 443) and ephemeral return ports")
    return passed(resource, "no all-traffic ingress from the internet")


def _admits_everything(acl: ResourceView) -> bool:
    """AWS's own default: allow every protocol from and to anywhere."""
    p = props(acl)
    return any(str(e.get("action")).lower() == "allow" and _protocol(e.get("protocol")) == "all"
               and is_internet(e.get("cidrBlock") or e.get("ipv6CidrBlock"))
               for key in ("ingress", "egress") for e in p.get(key) or [])


def subnet_require_network_acl(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    default_acl_vpcs = {str(props(acl).get("vpcId")) for acl in g.of_type(DEFAULT_NETWORK_ACL)
                        if not _admits_everything(acl)}

    def check(subnet: ResourceView) -> RuleResult:
        acl = _acl_of(g, subnet)
        if acl is not None:
            return passed(subnet, f"guarded by network ACL {acl.name}")
        if str(props(subnet).get("vpcId")) in default_acl_vpcs:
            return passed(subnet, "guarded by the VPC's adopted default network ACL")
        return failed(subnet, "networkAcl", None, "the subnet falls back to the default network ACL, which admits "
                      "all traffic", "attach the tier's aws.ec2.NetworkAcl (subnet_ids=[...])")

    return each(g.of_type(SUBNET), check)


def data_tier_nacl_require_app_tier_sources(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    app_cidrs = [str(props(s).get("cidrBlock")) for s in g.of_type(SUBNET) if tags(s).get(TIER_TAG) == "app"]
    checked: set[str] = set()
    results: list[RuleResult] = []

    def check(db: ResourceView) -> list[RuleResult]:
        p = props(db)
        group = g.resolve(p.get("dbSubnetGroupName"), RDS_SUBNET_GROUP, path="dbSubnetGroupName")
        if group is None:
            return [failed(db, "dbSubnetGroupName", p.get("dbSubnetGroupName"), "the database's subnets are not "
                           "declared in this stack, so their network ACL cannot be checked",
                           "place it in a subnet group of the data-tier subnets")]
        port = _db_port(db)
        out: list[RuleResult] = []
        for i, ref in enumerate(props(group).get("subnetIds") or []):
            subnet = g.resolve(ref, SUBNET, path=f"subnetIds[{i}]")
            if subnet is None:
                out.append(failed(group, f"subnetIds[{i}]", ref, "a subnet not declared in this stack",
                                  "use the data-tier subnets"))
                continue
            acl = _acl_of(g, subnet)
            if acl is None:
                defaults = g.of_type(DEFAULT_NETWORK_ACL)
                acl = defaults[0] if defaults else None
            if acl is None:
                continue  # no ACL at all: stack-subnet-require-network-acl reports it
            if acl.urn in checked:
                continue
            checked.add(acl.urn)
            bad = []
            for owner, path, entry in _acl_entries(g, acl):
                if str(entry.get("action")).lower() != "allow":
                    continue
                cidr = entry.get("cidrBlock") or entry.get("ipv6CidrBlock")
                same_port = (_protocol(entry.get("protocol")) == "tcp" and as_int(entry.get("fromPort")) == port
                             and as_int(entry.get("toPort")) == port)
                if not (same_port and cidr_within(str(cidr), app_cidrs)):
                    bad.append(failed(owner, f"{path}.cidrBlock" if path else "cidrBlock", entry,
                                      f"the data tier admits more than the app subnets on port {port}",
                                      f"allow only tcp {port} from the app-tier subnet CIDRs"))
            out.extend(bad or [passed(acl, f"admits only app subnets on port {port}")])
        return out

    for db in g.of_type(RDS_INSTANCE, RDS_CLUSTER):
        results.extend(each([db], check))
    return results
