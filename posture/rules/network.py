"""Network boundaries: security groups, NACLs, routes, subnets, flow logs and endpoints (DB-1, DB-2, ADM-1).

Security-group ingress exists in three forms (inline ``ingress[]``, ``ec2.SecurityGroupRule`` and
``vpc.SecurityGroupIngressRule``); every rule here reads all three through ``ingress_rules`` so a
rule cannot be bypassed by switching form. The three ingress controls split the space so that
one bad rule is one violation: remote-admin ports, all ports, and (for everything else) the
internet.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from posture.facts import cidr_within, is_internet
from posture.findings import Verdict
from posture.resources import ResourceView
from posture.rules.graph import Graph, graph
from posture.rules.perimeter import vpc_of_default_acl
from posture.rules.reachability import (
    INGRESS,
    Permission,
    RouteTable,
    acl_entries,
    group_of,
    named,
    permissions,
    protocol_name,
    route_tables,
    show_refs,
    vpc_of,
)
from posture.rules.results import RuleResult, each, failed, not_applicable, passed, scope
from posture.rules.tokens import (
    DEFAULT_NETWORK_ACL,
    DEFAULT_SECURITY_GROUP,
    FLOW_LOG,
    INGRESS_TYPES,
    LISTENERS,
    LOAD_BALANCERS,
    MANAGED_PREFIX_LIST_ENTRY,
    NETWORK_ACL,
    NETWORK_ACL_ASSOCIATION,
    NETWORK_ACL_RULE,
    RDS_CLUSTER,
    RDS_INSTANCE,
    RDS_SUBNET_GROUP,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    SUBNET,
    VPC,
    VPC_ENDPOINT,
)
from posture.rules.values import ValueNotKnownError, as_bool, as_int, props, tags

AWS_OWNER = "AWS"
"""The ``ownerId`` of AWS's own prefix lists (service ranges such as S3's): nobody's allowlist."""
REMOTE_ADMIN_PORTS = (22, 3389)
PUBLIC_WEB_PORTS = frozenset({80, 443})
REQUIRED_ENDPOINT_SERVICES = ("s3", "dynamodb", "secretsmanager", "kms", "logs", "sts", "ssm", "ssmmessages",
                              "ec2messages")
DEFAULT_DB_PORTS = {"postgres": 5432, "aurora-postgresql": 5432, "mysql": 3306, "mariadb": 3306,
                    "aurora-mysql": 3306, "sqlserver": 1433, "oracle": 1521}
TIER_TAG = "tier"


# --- security-group ingress, all three forms ---------------------------------------------------


def ingress_rules(resource: ResourceView) -> list[Permission]:
    return [rule for rule in permissions(resource) if rule.direction == INGRESS]


def _is_remote_admin(rule: Permission) -> bool:
    return not rule.all_ports and rule.has_peer and any(rule.covers(port) for port in REMOTE_ADMIN_PORTS)


def _is_all_ports(rule: Permission) -> bool:
    return rule.all_ports and rule.has_peer


def _ingress_rule(predicate, problem: str, expected: str, ok: str):
    def rule(resource: ResourceView) -> RuleResult:
        if resource.type == SECURITY_GROUP_RULE and props(resource).get("type") != "ingress":
            return not_applicable(resource, "an egress rule")
        offending = [r for r in ingress_rules(resource) if predicate(r)]
        if offending:
            first = offending[0]
            return failed(resource, f"{first.prop}fromPort/toPort",
                          "; ".join(r.describe() for r in offending), problem, expected)
        return passed(resource, ok)

    return rule


securitygroup_disallow_remote_admin_ingress = _ingress_rule(
    _is_remote_admin, "SSH/RDP is reachable; admin access goes through SSM Session Manager",
    "no ingress covering port 22 or 3389", "no SSH or RDP ingress")
securitygroup_disallow_all_ports_ingress = _ingress_rule(
    _is_all_ports, "every port is open to the source", "the ports the service listens on, not every port",
    "no all-ports ingress")


def _public_load_balancer_groups(g: Graph) -> dict[str, set[int]] | None:
    """URNs of security groups attached to an internet-facing load balancer, with the ports it
    terminates TLS on (beside 80/443: an HTTPS listener on 8443 is as guarded as one on 443);
    None: not known yet."""
    found: dict[str, set[int]] = {}
    try:
        tls_ports: dict[str, set[int]] = {}
        for listener in g.of_type(*LISTENERS):
            lp = props(listener)
            lb = g.resolve(lp.ref("loadBalancerArn"), *LOAD_BALANCERS)
            if lb is not None and str(lp.get("protocol") or "").upper() in ("HTTPS", "TLS"):
                tls_ports.setdefault(lb.urn, set()).add(as_int(lp.get("port")) or 0)
        for lb in g.of_type(*LOAD_BALANCERS):
            p = props(lb)
            if as_bool(p.get("internal")):
                continue
            for sg in g.resolve_all(p.refs("securityGroups"), SECURITY_GROUP):
                found.setdefault(sg.urn, set(PUBLIC_WEB_PORTS)).update(tls_ports.get(lb.urn, ()))
    except ValueNotKnownError:
        return None
    return found


def security_group_disallow_internet_ingress(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    public_groups = _public_load_balancer_groups(g)

    def check(resource: ResourceView) -> RuleResult:
        rules = [r for r in ingress_rules(resource)
                 if r.internet and not _is_remote_admin(r) and not _is_all_ports(r)]
        if not rules:
            return passed(resource, "no internet ingress outside the remote-admin and all-ports controls")
        for rule in rules:
            group = group_of(g, rule)
            if public_groups is None:
                raise ValueNotKnownError("securityGroups of the load balancers")
            ports = public_groups.get(group.urn, PUBLIC_WEB_PORTS) if group is not None else PUBLIC_WEB_PORTS
            web_only = (rule.protocol == "tcp" and rule.from_port is not None and rule.to_port is not None
                        and set(range(rule.from_port, rule.to_port + 1)) <= ports)
            if not web_only:
                return failed(resource, f"{rule.prop}cidr", rule.describe(),
                              "the internet may reach this port; only 80/443 (and the TLS listener ports) of a "
                              "public load balancer may be open",
                              "a security-group reference or an allowlist prefix list, not an internet range")
            if group is None or group.urn not in public_groups:
                where = group.name if group else named(rule.group_ref)
                return failed(resource, f"{rule.prop}cidr", rule.describe(),
                              f"{where} is not attached to an internet-facing load balancer",
                              "internet ranges only on the security group of an internet-facing load balancer")
        return passed(resource, "internet ingress only on 80/443 of a public load balancer")

    return each(g.of_type(*INGRESS_TYPES), check)


def defaultsecuritygroup_disallow_rules(resource: ResourceView) -> RuleResult:
    p = props(resource)
    for key in ("ingress", "egress"):
        rules = p.get(key) or []
        if len(rules):
            return failed(resource, key, rules, "the VPC's default security group admits traffic; anything launched "
                          "without a group gets it", "[] (no rules)")
    return passed(resource, "default security group has no rules")


def vpc_require_locked_default_security_group(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    adopted = g.attached_to((DEFAULT_SECURITY_GROUP,), "vpcId", VPC)

    def check(vpc: ResourceView) -> RuleResult:
        if vpc.urn not in adopted:
            return failed(vpc, "defaultSecurityGroup", None, "the default security group keeps AWS's allow-all "
                          "rules (all traffic from itself, all egress)",
                          "the VPC's default security group adopted with no ingress and no egress rules")
        return passed(vpc, f"default security group adopted by {adopted[vpc.urn].name}")

    return each(g.of_type(VPC), check)


# --- subnets, flow logs, endpoints, prefix lists ------------------------------------------------


def subnet_disallow_public_ip_on_launch(resource: ResourceView) -> RuleResult:
    p = props(resource)
    for key in ("mapPublicIpOnLaunch", "assignIpv6AddressOnCreation"):
        value = as_bool(p.get(key))
        if value:
            return failed(resource, key, value, "anything launched here gets a public address",
                          "false")
    return passed(resource, "no public addresses on launch")


def flowlog_require_all_traffic(resource: ResourceView) -> RuleResult:
    traffic = props(resource).get("trafficType")
    if traffic != "ALL":
        return failed(resource, "trafficType", traffic, "rejected or accepted traffic goes unrecorded", '"ALL"')
    return passed(resource, "flow log records ALL traffic")


def _per_vpc(g: Graph, types: tuple[str, ...], matches) -> dict[str, list[ResourceView]]:
    found: dict[str, list[ResourceView]] = {}
    for r in g.of_type(*types):
        if not matches(r):
            continue
        vpc = g.resolve(props(r).ref("vpcId"), VPC)
        if vpc is not None:
            found.setdefault(vpc.urn, []).append(r)
    return found


def vpc_require_flow_logs(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    logs = _per_vpc(g, (FLOW_LOG,), lambda r: props(r).is_set("vpcId"))

    def check(vpc: ResourceView) -> RuleResult:
        if vpc.urn not in logs:
            return failed(vpc, "flowLog", None, "no flow log records this VPC's traffic",
                          'a flow log on this VPC with trafficType "ALL", to an encrypted log group')
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
                          "through the NAT gateway", f"VPC endpoints for {', '.join(REQUIRED_ENDPOINT_SERVICES)}")
        for endpoint in endpoints.get(vpc.urn, []):
            e = props(endpoint)
            if e.get("vpcEndpointType") == "Interface" and not as_bool(e.get("privateDnsEnabled")):
                return failed(endpoint, "privateDnsEnabled", e.get("privateDnsEnabled"), "SDKs keep resolving the "
                              "public service name, so calls still leave through the NAT gateway", "true")
        return passed(vpc, "AWS APIs reached through VPC endpoints")

    return each(g.of_type(VPC), check)


def managedprefixlist_disallow_anywhere(resource: ResourceView) -> RuleResult:
    p = props(resource)
    if p.get("ownerId") == AWS_OWNER:
        return not_applicable(resource, "AWS's own service prefix list (its public service ranges), not an allowlist")
    if resource.type == MANAGED_PREFIX_LIST_ENTRY:
        entries = [("cidr", p.get("cidr"))]
    else:
        entries = [(f"entries[{i}].cidr", e.get("cidr")) for i, e in enumerate(p.get("entries") or [])]
    for path, cidr in entries:
        if is_internet(cidr):
            return failed(resource, path, cidr, "an allowlist holding the internet (or a public range broader than "
                          "/8 IPv4, /16 IPv6) allows everyone", "a specific network that needs access")
    return passed(resource, "no internet-wide entry")


# --- tiers: data subnets, their routes and NACLs ------------------------------------------------


def _data_subnets(g: Graph) -> dict[str, ResourceView]:
    """Subnets tagged ``tier=data`` plus every subnet a database subnet group uses, whatever its tag."""
    found = {s.urn: s for s in g.of_type(SUBNET) if tags(s).get(TIER_TAG) == "data"}
    for group in g.of_type(RDS_SUBNET_GROUP):
        found.update((s.urn, s) for s in g.resolve_all(props(group).refs("subnetIds"), SUBNET))
    return found


def data_tier_disallow_internet_routes(resources: Sequence[ResourceView]) -> list[RuleResult]:
    """Judges the table AWS actually uses for each data subnet (explicit association, else the VPC's
    main table, declared or implicit) with every route in it, inline or standalone, plus every
    table tagged tier=data."""
    g = graph(resources)
    used, tagged = route_tables(g)
    uses: list[tuple[ResourceView | None, RouteTable]] = []
    for subnet in _data_subnets(g).values():
        if subnet.urn not in used:
            uses.append((subnet, None))  # type: ignore[arg-type]
        else:
            uses.append((subnet, used[subnet.urn]))
    uses += [(None, t) for t in tagged.values()]
    results: list[RuleResult] = []
    judged: set[tuple[str, str]] = set()
    judged_tables: set[str] = set()
    for subnet, table in uses:
        if table is None:
            results.append(failed(subnet, "routeTable", None, f"the data subnet's route table is not {scope().declared}",  # type: ignore[arg-type]
                                  f"a route table {scope().declared}"))
            continue
        if table.unreadable is not None:
            if table.key not in judged_tables:
                judged_tables.add(table.key)
                results.append(RuleResult(Verdict.UNKNOWN, f"{table.name}: {table.unreadable.message}", table.key))
            continue
        exits = [r for r in table.routes if r.leaves_network]
        user = f"data subnet {subnet.name}" if subnet is not None else f"data-tier table {table.name}"
        for route in exits:
            if (route.owner.urn, route.path) in judged:
                continue
            judged.add((route.owner.urn, route.path))
            result = failed(route.owner, route.path or "destinationCidrBlock", route.destination,
                            f"{user} uses {table.name} ({table.how}), which routes {route.destination} via "
                            f"{route.target_kind} {route.target}",
                            "no route out of the VPC: only the local route (and gateway-endpoint prefix lists)")
            results.append(dataclasses.replace(result, evidence=(
                user, f"route table {table.name} ({table.how})", route.hop(), "out of the private network")))
        if not exits and table.key not in judged_tables:
            judged_tables.add(table.key)
            results.append(passed(table.resource or subnet, f"{table.name} has no route out of the VPC"))  # type: ignore[arg-type]
    return results


def _db_port(db: ResourceView, g: Graph | None = None) -> int | None:
    """The port a database listens on: its own, its engine's default, or (a read replica names
    neither) its source's."""
    p = props(db)
    port = as_int(p.get("port"))
    if port is not None:
        return port
    engine = str(p.get("engine") or "").lower()
    default = next((v for k, v in DEFAULT_DB_PORTS.items() if engine.startswith(k)), None)
    if default is None and g is not None and p.is_set("replicateSourceDb"):
        source = g.resolve(p.ref("replicateSourceDb"), RDS_INSTANCE)
        if source is not None and source is not db:
            return _db_port(source, g)
    return default


class _RulesOf(dict):
    """Ingress rules per security-group URN; a group whose rules are not all known yet raises when read."""

    def __init__(self) -> None:
        super().__init__()
        self.unknown: dict[str, ValueNotKnownError] = {}
        self.unplaced: ValueNotKnownError | None = None

    def of(self, sg: ResourceView) -> list[Permission]:
        if self.unplaced is not None:
            raise self.unplaced
        if sg.urn in self.unknown:
            raise self.unknown[sg.urn]
        return self.get(sg.urn, [])


def _ingress_by_group(g: Graph) -> _RulesOf:
    by_group = _RulesOf()
    for r in g.of_type(*INGRESS_TYPES):
        try:
            sg = r if r.type == SECURITY_GROUP else g.resolve(props(r).ref("securityGroupId"), SECURITY_GROUP)
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
    offending: dict[tuple[str, str], tuple[Permission, str]] = {}
    results: list[RuleResult] = []

    def check(db: ResourceView) -> RuleResult | None:
        p = props(db)
        refs = p.refs("vpcSecurityGroupIds")
        if not refs:
            return failed(db, "vpcSecurityGroupIds", None, "the database falls back to the VPC's default security "
                          "group", "a dedicated security group that admits only the app tier")
        port = _db_port(db, g)
        problems = 0
        groups = g.resolve_all(refs, SECURITY_GROUP)
        if len(groups) < len(refs):
            return failed(db, "vpcSecurityGroupIds", show_refs(refs), f"a security group is not {scope().declared}, "
                          "so who reaches the database cannot be proven", f"security groups {scope().declared}")
        for sg in groups:
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
                              "only the app tier's security group, on the database port"))
    return results


def _db_ingress_problem(g: Graph, rule: Permission, port: int | None) -> str | None:
    if rule.cidrs or rule.prefix_lists:
        return "the database admits an address range; only the app tier's security group may connect"
    if rule.self_ref:
        return "the database admits its own security group's members; name the app tier's group instead"
    if rule.protocol != "tcp" or rule.from_port != port or rule.to_port != port:
        return f"the database admits {rule.describe()}, not only its port {port}"
    for source in rule.groups:
        sg = g.resolve(source, SECURITY_GROUP)
        if sg is None:
            return f"source {named(source)} is not a security group {scope().declared}"
        if tags(sg).get(TIER_TAG) != "app":
            return f"source {sg.name} is not the app tier's security group (tag {TIER_TAG}=app)"
    return None


def _acl_of(g: Graph, subnet: ResourceView) -> ResourceView | None:
    for assoc in g.of_type(NETWORK_ACL_ASSOCIATION):
        if g.resolve(props(assoc).ref("subnetId"), SUBNET) is subnet:
            return g.resolve(props(assoc).ref("networkAclId"), NETWORK_ACL)
    for acl in g.of_type(NETWORK_ACL):
        if subnet in g.resolve_all(props(acl).refs("subnetIds"), SUBNET):
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
        if is_internet(cidr) and protocol_name(entry.get("protocol")) == "all":
            return failed(resource, f"{path}.protocol" if path else "protocol", entry.get("protocol"),
                          f"the network ACL admits every protocol and port from {cidr}",
                          "the protocols and ports the tier serves (e.g. tcp 443) and ephemeral return ports, not all traffic")
    return passed(resource, "no all-traffic ingress from the internet")


def _admits_everything(acl: ResourceView) -> bool:
    """AWS's own default: allow every protocol from and to anywhere."""
    p = props(acl)
    return any(str(e.get("action")).lower() == "allow" and protocol_name(e.get("protocol")) == "all"
               and is_internet(e.get("cidrBlock") or e.get("ipv6CidrBlock"))
               for key in ("ingress", "egress") for e in p.get(key) or [])


def subnet_require_network_acl(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    default_acl_vpcs = {vpc.urn for acl in g.of_type(DEFAULT_NETWORK_ACL)
                        if not _admits_everything(acl) and (vpc := vpc_of_default_acl(g, acl)) is not None}

    def check(subnet: ResourceView) -> RuleResult:
        acl = _acl_of(g, subnet)
        if acl is not None:
            return passed(subnet, f"guarded by network ACL {acl.name}")
        if vpc_of(g, subnet) is not None and vpc_of(g, subnet).urn in default_acl_vpcs:
            return passed(subnet, "guarded by the VPC's adopted default network ACL")
        return failed(subnet, "networkAcl", None, "the subnet falls back to the default network ACL, which admits "
                      "all traffic", "an associated network ACL, or the VPC's adopted default ACL without allow-all entries")

    return each(g.of_type(SUBNET), check)


def data_tier_nacl_require_app_tier_sources(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    app_cidrs = [str(props(s).get("cidrBlock")) for s in g.of_type(SUBNET) if tags(s).get(TIER_TAG) == "app"]
    checked: set[str] = set()
    results: list[RuleResult] = []

    def check(db: ResourceView) -> list[RuleResult]:
        p = props(db)
        group = g.resolve(p.ref("dbSubnetGroupName"), RDS_SUBNET_GROUP)
        if group is None and not p.is_set("dbSubnetGroupName") and p.is_set("replicateSourceDb"):
            # A same-region read replica lives in its source's subnet group.
            source = g.resolve(p.ref("replicateSourceDb"), RDS_INSTANCE)
            if source is not None and source is not db:
                group = g.resolve(props(source).ref("dbSubnetGroupName"), RDS_SUBNET_GROUP)
        if group is None:
            return [failed(db, "dbSubnetGroupName", named(p.ref("dbSubnetGroupName")), "the database's subnets are not "
                           f"{scope().declared}, so their network ACL cannot be checked",
                           f"a subnet group {scope().declared} of data-tier subnets")]
        port = _db_port(db, g)
        out: list[RuleResult] = []
        refs = props(group).refs("subnetIds")
        subnets = g.resolve_all(refs, SUBNET)
        if len(subnets) < len(refs):
            out.append(failed(group, "subnetIds", show_refs(refs), f"a subnet not {scope().declared}",
                              f"data-tier subnets {scope().declared}"))
        for subnet in subnets:
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
            for entry in acl_entries(g, acl, egress=False):
                if not entry.allow:
                    continue
                same_port = entry.protocol == "tcp" and entry.from_port == port and entry.to_port == port
                if not (same_port and cidr_within(entry.cidr, app_cidrs)):
                    bad.append(failed(entry.owner, f"{entry.path}.cidrBlock" if entry.path else "cidrBlock",
                                      entry.describe(),
                                      f"the data tier admits more than the app subnets on port {port}",
                                      f"tcp {port} from the app-tier subnet CIDRs only"))
            out.extend(bad or [passed(acl, f"admits only app subnets on port {port}")])
        return out

    for db in g.of_type(RDS_INSTANCE, RDS_CLUSTER):
        results.extend(each([db], check))
    return results
