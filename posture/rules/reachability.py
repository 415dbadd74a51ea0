"""Reachability as AWS evaluates it: which route table a subnet really uses and where its routes
lead, network-ACL entries in rule-number order, and security-group egress of walled-off groups
(DB-2, ADM-1).

The controls judge the network the way packets meet it, not the properties our components set:
a subnet with no explicit association uses its VPC's main route table (declared or not, with
routes added by standalone ``aws.ec2.Route``); a network ACL stops at the first entry that
matches, lowest rule number first, so a deny listed after an allow that covers the same traffic
denies nothing. ``reachability_model`` exposes the same facts as plain data for the report's
network picture, so picture and verdict read one model.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from posture.facts import NON_PUBLIC_NETWORKS, cidr_within, is_internet
from posture.resources import UNKNOWN, ResourceView
from posture.rules.graph import Graph, graph
from posture.rules.results import RuleResult, each, failed, passed, require_true
from posture.rules.tokens import (
    DEFAULT_NETWORK_ACL,
    DEFAULT_ROUTE_TABLE,
    DEFAULT_SECURITY_GROUP,
    ELASTICACHE_REPLICATION_GROUP,
    INTERNET_GATEWAY,
    MAIN_ROUTE_TABLE_ASSOCIATION,
    MANAGED_PREFIX_LIST,
    MANAGED_PREFIX_LIST_ENTRY,
    NETWORK_ACL,
    NETWORK_ACL_RULE,
    RDS_CLUSTER,
    RDS_INSTANCE,
    RDS_PROXY,
    ROUTE,
    ROUTE_TABLE,
    ROUTE_TABLE_ASSOCIATION,
    SECURITY_GROUP,
    SECURITY_GROUP_EGRESS_RULE,
    SECURITY_GROUP_INGRESS_RULE,
    SECURITY_GROUP_RULE,
    SUBNET,
    VPC,
)
from posture.rules.values import Props, Reference, ValueNotKnownError, as_bool, as_int, as_list, props, tags

ROUTE_TABLES = (ROUTE_TABLE, DEFAULT_ROUTE_TABLE)
ROUTE_TARGETS = {
    "gatewayId": "gateway", "natGatewayId": "NAT gateway", "transitGatewayId": "transit gateway",
    "vpcPeeringConnectionId": "VPC peering connection", "networkInterfaceId": "network interface",
    "egressOnlyGatewayId": "egress-only internet gateway", "carrierGatewayId": "carrier gateway",
    "localGatewayId": "local gateway", "coreNetworkArn": "Cloud WAN core network", "vpcEndpointId": "VPC endpoint",
    "instanceId": "instance",
}
"""Every target a route can name (aws.ec2.Route and inline RouteTable routes share the keys). Any
of them except the ``local`` gateway leads out of the subnet's own network."""
INTERNET_BOUND = frozenset({"internet gateway", "NAT gateway", "egress-only internet gateway", "carrier gateway"})
PRIVATE_NETWORKS = tuple(str(n) for n in NON_PUBLIC_NETWORKS)
DATA_TIER_STORES = (RDS_INSTANCE, RDS_CLUSTER, RDS_PROXY, ELASTICACHE_REPLICATION_GROUP)
DESTINATION_KEYS = ("cidrBlock", "destinationCidrBlock", "ipv6CidrBlock", "destinationIpv6CidrBlock",
                    "destinationPrefixListId")


def named(ref: Reference | None) -> str:
    """A reference as people read it: its value, or the resource it is computed from on a preview."""
    if ref is None:
        return "not set"
    if ref.value is not UNKNOWN:
        return str(ref.value)
    names = sorted(urn.rsplit("::", 1)[-1] for urn in ref.sources or ())
    return f"the id of {' / '.join(names)}" if names else "a value not known until deploy"


def show_refs(refs: Sequence[Reference]) -> list[str]:
    return [named(r) for r in refs]


def vpc_of(g: Graph, resource: ResourceView) -> ResourceView | None:
    return g.resolve(props(resource).ref("vpcId"), VPC)


# --- routes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One route of a table, inline or standalone, as data."""

    owner: ResourceView
    path: str
    destination: str
    target_kind: str
    target: str

    private_destination: bool = False
    """The destination is provably private (RFC 1918 and other non-routable ranges, or a prefix list
    of this stack holding only such ranges)."""

    @property
    def leaves_network(self) -> bool:
        """Out of the private network: through an internet-bound gateway, or to a destination that is
        not provably private over any other target (a transit gateway or peering to public ranges
        reaches whatever those ranges route to). Gateway-endpoint routes stay on the AWS network."""
        if self.target_kind in ("local", "gateway endpoint", "no target"):
            return False
        if self.target_kind in INTERNET_BOUND:
            return True
        return not self.private_destination

    def hop(self) -> str:
        return f"route {self.destination} -> {self.target_kind} {self.target} ({self.owner.name}{self.path and '.'}{self.path})"


@dataclass(frozen=True)
class RouteTable:
    """The table a subnet uses: a declared table, or the VPC's implicit main table (``resource`` None)."""

    key: str
    name: str
    resource: ResourceView | None
    how: str
    routes: tuple[Route, ...]
    unreadable: ValueNotKnownError | None = None
    """Why the table's routes cannot be read yet (its routes then decide nothing)."""


def _private_prefix_list(g: Graph, ref: Reference) -> bool:
    """A prefix list of this stack whose every entry is a private range (AWS-managed lists such as
    the S3 and DynamoDB ones hold public service ranges)."""
    found = g.resolve(ref, MANAGED_PREFIX_LIST)
    if found is None:
        return False
    cidrs = [e.get("cidr") for e in props(found).get("entries") or []]
    cidrs += [props(e).get("cidr") for e in g.of_type(MANAGED_PREFIX_LIST_ENTRY)
              if g.resolve(props(e).ref("prefixListId"), MANAGED_PREFIX_LIST) is found]
    return bool(cidrs) and all(cidr_within(str(c), PRIVATE_NETWORKS) for c in cidrs)


def _route(g: Graph, owner: ResourceView, p: Props, path: str) -> Route:
    key = next((k for k in DESTINATION_KEYS if p.is_set(k)), None)
    if key == "destinationPrefixListId":
        ref = p.ref(key)
        destination, private = f"prefix list {named(ref)}", _private_prefix_list(g, ref)  # type: ignore[arg-type]
    elif key is not None:
        destination = str(p.get(key))
        private = cidr_within(destination, PRIVATE_NETWORKS)
    else:
        destination, private = "nowhere", True
    for target_key, kind in ROUTE_TARGETS.items():
        ref = p.ref(target_key)
        if ref is None or ref.value == "":
            continue
        if target_key == "gatewayId":
            if ref.value == "local":
                return Route(owner, path, destination, "local", "local", private)
            if str(ref.value).startswith("vpce-") and key == "destinationPrefixListId":
                return Route(owner, path, destination, "gateway endpoint", str(ref.value), private)
            igw = str(ref.value).startswith("igw-") or (
                bool(g.sources(ref, INTERNET_GATEWAY)) if ref.value is UNKNOWN
                else g.resolve(ref, INTERNET_GATEWAY) is not None)
            kind = "internet gateway" if igw else "gateway"
        return Route(owner, path, destination, kind, named(ref), private)
    return Route(owner, path, destination, "no target", "none", private)


def _main_table_ids(g: Graph) -> dict[str, ResourceView]:
    """Known ids of each VPC's main route table (the deployed view and the live audit know them)."""
    found = {}
    for vpc in g.of_type(VPC):
        for key in ("mainRouteTableId", "defaultRouteTableId"):
            value = vpc.props.get(key)
            if isinstance(value, str) and value:
                found[value] = vpc
    return found


def _table_key(g: Graph, ref: Reference | None, main_ids: Mapping[str, ResourceView]) -> str | None:
    """The table a ``routeTableId`` names: a declared table's URN, ``main:<vpc urn>`` for a VPC's
    implicit main table, None for a table outside this stack."""
    if ref is None:
        return None
    if ref.value is UNKNOWN:
        tables = g.sources(ref, *ROUTE_TABLES)
        if len(tables) == 1:
            return tables[0].urn
        vpcs = g.sources(ref, VPC)
        if not tables and len(vpcs) == 1:
            return f"main:{vpcs[0].urn}"
    elif isinstance(ref.value, str) and ref.value in main_ids:
        return f"main:{main_ids[ref.value].urn}"
    table = g.resolve(ref, *ROUTE_TABLES)
    return table.urn if table is not None else None


def _associations(g: Graph, association_type: str, key: str, associated_type: str) -> dict[str, ResourceView]:
    """URN of each subnet (or VPC, for the main table) an association of ``association_type`` names
    -> the route table it associates."""
    found: dict[str, ResourceView] = {}
    for assoc in g.of_type(association_type):
        associated = g.resolve(props(assoc).ref(key), associated_type)
        table = g.resolve(props(assoc).ref("routeTableId"), *ROUTE_TABLES)
        if associated is not None and table is not None:
            found[associated.urn] = table
    return found


def route_tables(g: Graph) -> tuple[dict[str, RouteTable], dict[str, RouteTable]]:
    """Subnet URN -> the route table AWS uses for it, with every route it holds; and the tables
    tagged tier=data (judged as data-tier tables whether or not a subnet uses them yet)."""
    main_ids = _main_table_ids(g)
    standalone: dict[str, list[Route]] = {}
    for r in g.of_type(ROUTE):
        key = _table_key(g, props(r).ref("routeTableId"), main_ids)
        if key is not None:
            standalone.setdefault(key, []).append(_route(g, r, props(r), ""))

    def declared(table: ResourceView, how: str) -> RouteTable:
        try:
            inline = tuple(_route(g, table, route, f"routes[{i}]")
                           for i, route in enumerate(props(table).get("routes") or []))
        except ValueNotKnownError as exc:
            exc.urn = table.urn
            return RouteTable(table.urn, table.name, table, how, tuple(standalone.get(table.urn, ())), exc)
        return RouteTable(table.urn, table.name, table, how, inline + tuple(standalone.get(table.urn, ())))

    tagged = {t.urn: declared(t, "tagged tier=data") for t in g.of_type(ROUTE_TABLE) if tags(t).get("tier") == "data"}

    explicit = _associations(g, ROUTE_TABLE_ASSOCIATION, "subnetId", SUBNET)
    main_by_vpc = _associations(g, MAIN_ROUTE_TABLE_ASSOCIATION, "vpcId", VPC)
    for table in g.of_type(DEFAULT_ROUTE_TABLE):
        key = _table_key(g, props(table).ref("defaultRouteTableId"), main_ids)
        if key is not None and key.startswith("main:"):
            main_by_vpc.setdefault(key[5:], table)

    found: dict[str, RouteTable] = {}
    for subnet in g.of_type(SUBNET):
        if subnet.urn in explicit:
            found[subnet.urn] = declared(explicit[subnet.urn], "explicit association")
            continue
        vpc = vpc_of(g, subnet)
        if vpc is None:
            continue
        if vpc.urn in main_by_vpc:
            found[subnet.urn] = declared(main_by_vpc[vpc.urn], "no association: the VPC's main route table")
        else:
            key = f"main:{vpc.urn}"
            found[subnet.urn] = RouteTable(key, f"{vpc.name} main route table", None,
                                           "no association: the VPC's main route table",
                                           tuple(standalone.get(key, ())))
    return found, tagged


# --- network ACLs in rule-number order -----------------------------------------------------------


@dataclass(frozen=True)
class AclEntry:
    owner: ResourceView
    path: str
    number: int
    allow: bool
    protocol: str
    from_port: int | None
    to_port: int | None
    cidr: str

    def overlaps(self, other: AclEntry) -> bool:
        """Some packet matches both entries (same family, overlapping ranges, protocol and ports)."""
        try:
            a, b = ipaddress.ip_network(self.cidr, strict=False), ipaddress.ip_network(other.cidr, strict=False)
        except ValueError:
            return False
        if a.version != b.version or not a.overlaps(b):  # type: ignore[arg-type]
            return False
        if "all" not in (self.protocol, other.protocol) and self.protocol != other.protocol:
            return False
        if self.protocol in ("tcp", "udp") and other.protocol in ("tcp", "udp") and None not in (
                self.from_port, self.to_port, other.from_port, other.to_port):
            return self.from_port <= other.to_port and other.from_port <= self.to_port  # type: ignore[operator]
        return True

    def describe(self) -> str:
        ports = "all traffic" if self.protocol == "all" else f"{self.protocol} {self.from_port}-{self.to_port}"
        where = f"{self.owner.name}.{self.path}" if self.path else self.owner.name
        return f"#{self.number} {'allow' if self.allow else 'deny'} {ports} from {self.cidr} ({where})"


PROTOCOLS = {"-1": "all", "all": "all", "6": "tcp", "tcp": "tcp", "17": "udp", "udp": "udp", "1": "icmp",
             "icmp": "icmp", "58": "icmpv6", "icmpv6": "icmpv6"}


def protocol_name(value: Any) -> str:
    """Security groups and network ACLs take protocols by number or name; rules compare names."""
    return PROTOCOLS.get(str(value).lower(), str(value).lower())


def acl_entry(owner: ResourceView, path: str, entry: Mapping[str, Any]) -> AclEntry:
    action = entry.get("action", entry.get("ruleAction"))
    return AclEntry(owner, path, as_int(entry.get("ruleNo", entry.get("ruleNumber"))) or 0,
                    str(action).lower() == "allow", protocol_name(entry.get("protocol")),
                    as_int(entry.get("fromPort")), as_int(entry.get("toPort")),
                    str(entry.get("cidrBlock") or entry.get("ipv6CidrBlock")))


def shadowed_denies(entries: Sequence[AclEntry]) -> list[tuple[AclEntry, AclEntry]]:
    """(deny, allow) pairs where an allow with a lower rule number matches traffic the deny was
    meant to stop: AWS stops at that allow, so the deny never applies to it."""
    ordered = sorted(entries, key=lambda e: e.number)
    found = []
    for i, deny in enumerate(ordered):
        if deny.allow:
            continue
        first = next((a for a in ordered[:i] if a.allow and a.overlaps(deny)), None)
        if first is not None:
            found.append((deny, first))
    return found


# --- security-group permissions, ingress and egress, every form -----------------------------------


INGRESS, EGRESS = "ingress", "egress"
SECURITY_GROUPS = (SECURITY_GROUP, DEFAULT_SECURITY_GROUP)
PERMISSION_TYPES = (*SECURITY_GROUPS, SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE, SECURITY_GROUP_EGRESS_RULE)
"""Every resource type that declares security-group permissions."""


@dataclass(frozen=True)
class Permission:
    """One security-group permission, whatever form declared it (inline on the group,
    ``ec2.SecurityGroupRule``, ``vpc.SecurityGroup{Ingress,Egress}Rule``). ``peers`` are the sources
    of an ingress permission and the destinations of an egress one; AWS treats both alike."""

    direction: str
    resource: ResourceView
    """The resource that declares it: the group itself for inline permissions, else the rule resource."""
    path: str
    group_ref: Reference | None
    """The group a rule resource adds to (None for inline permissions: the group is ``resource``)."""
    protocol: str
    from_port: int | None
    to_port: int | None
    cidrs: tuple[str, ...]
    prefix_lists: tuple[Reference, ...]
    groups: tuple[Reference, ...]
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
    def has_peer(self) -> bool:
        return bool(self.cidrs or self.prefix_lists or self.groups or self.self_ref)

    @property
    def internet(self) -> bool:
        """A peer is 0.0.0.0/0, ::/0 or another public range broad enough to be the internet."""
        return any(is_internet(c) for c in self.cidrs)

    def describe(self) -> str:
        peers = [*self.cidrs, *map(named, self.prefix_lists), *map(named, self.groups),
                 *(["self"] if self.self_ref else [])]
        if self.direction == INGRESS:
            ports = "all ports" if self.protocol == "all" else f"{self.protocol} {self.from_port}-{self.to_port}"
            return f"{ports} from {', '.join(peers) or 'nowhere'}"
        ports = "all traffic" if self.protocol == "all" else f"{self.protocol} {self.from_port}-{self.to_port}"
        where = f"{self.resource.name}.{self.path}" if self.path else self.resource.name
        return f"egress {ports} to {', '.join(peers) or 'nowhere'} ({where})"


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in as_list(value) if v)


def _refs(p: Props, key: str) -> tuple[Reference, ...]:
    """Prefix-list and security-group peers name resources this stack usually creates, so they are
    read as references: a first preview does not know their ids yet."""
    return tuple(r for r in p.refs(key) if r.value != "")


def _permission(direction: str, resource: ResourceView, path: str, group_ref: Reference | None, rule: Props,
                protocol_key: str, cidr_keys: tuple[str, str], prefix_key: str, group_key: str) -> Permission:
    return Permission(direction, resource, path, group_ref, protocol_name(rule.get(protocol_key)),
                      as_int(rule.get("fromPort")), as_int(rule.get("toPort")),
                      _strings(rule.get(cidr_keys[0])) + _strings(rule.get(cidr_keys[1])),
                      _refs(rule, prefix_key), _refs(rule, group_key), bool(as_bool(rule.get("self"))))


_INLINE = ("protocol", ("cidrBlocks", "ipv6CidrBlocks"), "prefixListIds")
_STANDALONE = ("ipProtocol", ("cidrIpv4", "cidrIpv6"), "prefixListId", "referencedSecurityGroupId")


def permissions(resource: ResourceView) -> list[Permission]:
    """Every permission ``resource`` declares, in whichever of the forms it is."""
    p = props(resource)
    if resource.type in SECURITY_GROUPS:
        return [_permission(direction, resource, f"{direction}[{i}]", None, rule, *_INLINE, "securityGroups")
                for direction in (INGRESS, EGRESS) for i, rule in enumerate(p.get(direction) or [])]
    if resource.type == SECURITY_GROUP_RULE:
        direction = str(p.get("type"))
        if direction not in (INGRESS, EGRESS):
            return []
        return [_permission(direction, resource, "", p.ref("securityGroupId"), p, *_INLINE, "sourceSecurityGroupId")]
    if resource.type in (SECURITY_GROUP_INGRESS_RULE, SECURITY_GROUP_EGRESS_RULE):
        direction = INGRESS if resource.type == SECURITY_GROUP_INGRESS_RULE else EGRESS
        return [_permission(direction, resource, "", p.ref("securityGroupId"), p, *_STANDALONE)]
    return []


def group_of(g: Graph, permission: Permission) -> ResourceView | None:
    """The security group a permission belongs to (None: a group outside this stack)."""
    if permission.group_ref is None:
        return permission.resource
    return g.resolve(permission.group_ref, *SECURITY_GROUPS)


def egress_rules(g: Graph, group: ResourceView) -> list[Permission]:
    """Every egress permission of ``group``, in every form."""
    found = [rule for rule in permissions(group) if rule.direction == EGRESS]
    for r in g.of_type(SECURITY_GROUP_RULE, SECURITY_GROUP_EGRESS_RULE):
        found += [rule for rule in permissions(r) if rule.direction == EGRESS and group_of(g, rule) is group]
    return found


# --- the plain-data model the network picture reads ----------------------------------------------


def _peers(g: Graph, rule: Permission, group: ResourceView) -> list[dict[str, str]]:
    """Each peer as ``{"kind", "key"}``: a group or prefix list of this stack by URN, anything else
    (a range, a resource outside the stack) by its value."""
    peers = [{"kind": "range", "key": cidr} for cidr in rule.cidrs]
    for kind, refs, types in (("prefix list", rule.prefix_lists, (MANAGED_PREFIX_LIST,)),
                              ("group", rule.groups, SECURITY_GROUPS)):
        for ref in refs:
            try:
                found = g.resolve(ref, *types)
            except ValueNotKnownError:
                found = None
            peers.append({"kind": kind, "key": found.urn} if found is not None
                         else {"kind": f"outside {kind}", "key": named(ref)})
    if rule.self_ref:
        peers.append({"kind": "group", "key": group.urn})
    return peers


def security_group_permissions(g: Graph) -> tuple[list[dict[str, Any]], list[str]]:
    """Every permission of every security group of the stack as plain data, and why some could not
    be placed (a group reference not known yet)."""
    found, unknown = [], []
    for resource in g.of_type(*PERMISSION_TYPES):
        try:
            placed = [(rule, group_of(g, rule)) for rule in permissions(resource)]
        except ValueNotKnownError as exc:
            unknown.append(f"{resource.name}: {exc.message}")
            continue
        for rule, group in placed:
            if group is None:
                continue
            found.append({"direction": rule.direction, "group": group.urn, "declared_by": resource.urn,
                          "path": rule.path,
                          "protocol": rule.protocol, "from_port": rule.from_port, "to_port": rule.to_port,
                          "peers": _peers(g, rule, group)})
    return found, unknown


def reachability_model(resources: Sequence[ResourceView]) -> dict[str, Any]:
    """The network as plain data: per subnet its tier, route table and routes; every security-group
    permission, ingress and egress, with its peers resolved to the stack's resources. A value not
    known yet is reported as such instead of guessed."""
    g = graph(resources)
    model: dict[str, Any] = {"subnets": {}, "unknown": []}
    model["permissions"], model["unknown"] = security_group_permissions(g)
    try:
        tables, _ = route_tables(g)
    except ValueNotKnownError as exc:
        model["unknown"].append(exc.message)
        tables = {}
    for subnet in g.of_type(SUBNET):
        table = tables.get(subnet.urn)
        model["subnets"][subnet.name] = {
            "urn": subnet.urn, "tier": tags(subnet).get("tier"),
            "cidr": subnet.props.get("cidrBlock"), "zone": subnet.props.get("availabilityZone"),
            "public_ip_on_launch": bool(as_bool(subnet.props.get("mapPublicIpOnLaunch"))
                                        if subnet.props.get("mapPublicIpOnLaunch") is not UNKNOWN else False),
            "route_table": None if table is None else {
                "name": table.name, "how": table.how,
                "unknown": None if table.unreadable is None else table.unreadable.message,
                "routes": [{"destination": r.destination, "target": r.target_kind, "target_id": r.target,
                            "declared_by": r.owner.name, "leaves_network": r.leaves_network}
                           for r in table.routes]},
        }
    return model


# --- controls -----------------------------------------------------------------------------------


def acl_entries(g: Graph, acl: ResourceView, egress: bool) -> list[AclEntry]:
    key = "egress" if egress else "ingress"
    entries = [acl_entry(acl, f"{key}[{i}]", e) for i, e in enumerate(props(acl).get(key) or [])]
    for rule in g.of_type(NETWORK_ACL_RULE):
        p = props(rule)
        if bool(as_bool(p.get("egress"))) != egress or g.resolve(p.ref("networkAclId"), acl.type) is not acl:
            continue
        entries.append(acl_entry(rule, "", {k: p.get(k) for k in (
            "ruleNumber", "ruleAction", "protocol", "fromPort", "toPort", "cidrBlock", "ipv6CidrBlock")}))
    return entries


def network_acl_require_denies_first(resources: Sequence[ResourceView]) -> list[RuleResult]:
    """AWS evaluates a network ACL lowest rule number first and stops at the first match: a deny
    (the IP blocklist) numbered after an allow that matches the same traffic never applies to it."""
    g = graph(resources)

    def check(acl: ResourceView) -> RuleResult:
        for egress in (False, True):
            shadowed = shadowed_denies(acl_entries(g, acl, egress))
            if shadowed:
                deny, allow = shadowed[0]
                result = failed(deny.owner, deny.path or "ruleNumber", deny.number,
                                f"{'egress' if egress else 'ingress'} deny {deny.describe()} comes after "
                                f"{allow.describe()}, which matches the same traffic first, so the deny never applies",
                                f"below {allow.number}, the number of the allow it overlaps")
                return dataclasses.replace(result, evidence=(
                    f"packet from {deny.cidr}", f"network ACL {acl.name}", f"matches {allow.describe()}: ALLOW",
                    f"never reaches {deny.describe()}"))
        return passed(acl, "every deny precedes the allows it overlaps")

    return each(g.of_type(NETWORK_ACL, DEFAULT_NETWORK_ACL), check)


WALLED_OFF_TIER = "data"


def walled_off_groups(g: Graph) -> dict[str, tuple[ResourceView, str]]:
    """Security groups whose egress the promises restrict, with why: every group a database, proxy
    or cache uses, and every group tagged tier=data or egress=allowlist (bank sync)."""
    found: dict[str, tuple[ResourceView, str]] = {}
    for sg in g.of_type(SECURITY_GROUP):
        t = tags(sg)
        if t.get("tier") == WALLED_OFF_TIER:
            found[sg.urn] = (sg, "tagged tier=data")
        elif t.get("egress") == "allowlist":
            found[sg.urn] = (sg, "tagged egress=allowlist")
    for store in g.of_type(*DATA_TIER_STORES):
        for key in ("vpcSecurityGroupIds", "securityGroupIds"):
            for sg in g.resolve_all(props(store).refs(key), SECURITY_GROUP):
                found.setdefault(sg.urn, (sg, f"used by {store.name}"))
    return found


def walled_off_group_disallow_internet_egress(resources: Sequence[ResourceView]) -> list[RuleResult]:
    """The data tier and bank sync may talk only to named peers: other security groups, prefix lists
    (AWS endpoints, allowlists) and narrow ranges (the aggregator's /28s). All traffic to anywhere,
    or any egress to an internet-wide range, is a way out for stolen data."""
    g = graph(resources)
    groups = walled_off_groups(g)

    def check(sg: ResourceView) -> RuleResult:
        why = groups[sg.urn][1]
        for rule in egress_rules(g, sg):
            public = [c for c in rule.cidrs if not cidr_within(c, PRIVATE_NETWORKS)]
            if rule.internet or (rule.protocol == "all" and public):
                result = failed(rule.resource, f"{rule.path}.cidr" if rule.path else "cidr", rule.describe(),
                                f"{sg.name} ({why}) may send {rule.describe()}",
                                "a security group, a prefix list or a narrow range, never the internet")
                return dataclasses.replace(result, evidence=(f"security group {sg.name} ({why})", rule.describe(),
                                                             "the internet"))
        return passed(sg, f"egress only to named peers ({why})")

    return each([sg for sg, _ in groups.values()], check)


proxy_require_tls = require_true(
    "requireTls", "clients may reach the database through the proxy unencrypted", "true",
    "proxy requires TLS")
"""An RDS Proxy is a second door to the database; without requireTls it accepts plain connections."""


