"""The network picture in the HTML report: tiers, security groups, and who may reach whom.

Built only from ResourceViews, so it draws what the engine saw (planned or live), not what the
components meant to build. Subnets are placed by their ``tier`` tag; a security group by its own
``tier`` tag, else by the subnets of the resources that use it. Arrows are ingress rules in all
three forms pulumi-aws v7 accepts (standalone ``vpc.SecurityGroupIngressRule``,
``ec2.SecurityGroupRule`` of type ingress, inline ``ingress``). Arrows that reach a database
security group on the database port are highlighted, and so is anything open to the internet.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from posture.resources import ResourceView
from posture.rules.base import is_internet

TIERS = ("public", "app", "data")
COLUMNS = ("outside", *TIERS, "other")
COLUMN_TITLES = {"outside": "Sources outside the VPC", "public": "Public tier", "app": "App tier",
                 "data": "Data tier", "other": "Not in a tier"}
DEFAULT_DB_PORT = 5432
SG_TYPES = ("aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
DB_TYPES = ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance")
_SG_KEYS = ("vpcSecurityGroupIds", "securityGroupIds", "securityGroups")
_SUBNET_KEYS = ("subnetIds", "subnets", "subnetId")
INTERNET = "internet"
PREFIX_LIST_TYPE = "aws:ec2/managedPrefixList:ManagedPrefixList"


@dataclass
class Node:
    key: str
    label: str
    column: str
    detail: str = ""
    used_by: list[str] = field(default_factory=list)
    database: bool = False
    internet: bool = False


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    ports: str
    to_database: bool
    from_internet: bool


@dataclass
class Network:
    subnets: dict[str, list[tuple[str, str]]]
    """Tier -> (CIDR, availability zone)."""
    nodes: dict[str, Node]
    edges: list[Edge]
    db_port: int
    idle: list[str] = field(default_factory=list)
    """Security groups with no ingress, no use and no database: listed, not drawn."""

    @property
    def database_access(self) -> list[Edge]:
        return [e for e in self.edges if e.to_database]


def build(resources: Iterable[ResourceView], ids: Mapping[str, str] | None = None) -> Network | None:
    """None when the resources hold no subnet and no security group (nothing to draw)."""
    resources = list(resources)
    lookup = _Lookup(resources, ids or {})
    subnets: dict[str, list[tuple[str, str]]] = {t: [] for t in TIERS}
    subnet_tier: dict[str, str] = {}
    for r in resources:
        if r.type == "aws:ec2/subnet:Subnet":
            tier = _tags(r).get("tier")
            if tier in subnets:
                subnets[tier].append((_text(r.props.get("cidrBlock")), _text(r.props.get("availabilityZone"))))
                subnet_tier[r.urn] = tier
    groups = [r for r in resources if r.type in SG_TYPES]
    if not groups and not subnet_tier:
        return None

    db_port = next((int(r.props["port"]) for r in resources
                    if r.type in DB_TYPES and isinstance(r.props.get("port"), (int, float))), DEFAULT_DB_PORT)
    users, tiers_seen = _usage(resources, lookup, subnet_tier)
    prefix_lists = {r.urn: r for r in resources if r.type == PREFIX_LIST_TYPE}
    db_groups = {sg for r in resources if r.type in DB_TYPES for sg in lookup.refs(r.props.get("vpcSecurityGroupIds"))}

    nodes: dict[str, Node] = {}
    for sg in groups:
        tags = _tags(sg)
        tier = tags.get("tier") if tags.get("tier") in TIERS else None
        if tier is None and tiers_seen.get(sg.urn):
            tier = tiers_seen[sg.urn].most_common(1)[0][0]
        if tier is None and sg.urn in db_groups:
            tier = "data"
        label = tags.get("Name") or sg.name
        nodes[sg.urn] = Node(sg.urn, label if isinstance(label, str) else sg.name, tier or "other",
                             _text(sg.props.get("description")), users.get(sg.urn, []), database=sg.urn in db_groups)

    rules = list(_ingress_rules(resources, groups, lookup))
    if not db_groups:  # no RDS resource seen: a group admitting the database port is the database's
        for target, _, low, high, _ in rules:
            if target in nodes and low <= DEFAULT_DB_PORT <= high:
                nodes[target].database = True
    merged: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for target, source, low, high, protocol in rules:
        if target not in nodes:
            continue
        if is_internet(source):
            internet = nodes.setdefault(INTERNET, Node(INTERNET, "The internet", "outside", internet=True))
            internet.detail = ", ".join(dict.fromkeys([*filter(None, internet.detail.split(", ")), source]))
            source = INTERNET
        elif source not in nodes:
            nodes[source] = _outside_node(source, prefix_lists.get(source))
        merged.setdefault((source, target), []).append((protocol, low, high))
    edges = [Edge(source, target, _ports(ranges), any(nodes[target].database and lo <= db_port <= hi
                                                       for _, lo, hi in ranges), nodes[source].internet)
             for (source, target), ranges in merged.items()]
    linked = {e.source for e in edges} | {e.target for e in edges}
    idle = {k for k, n in nodes.items() if k not in linked and not n.used_by and not n.database}
    return Network({t: sorted(v) for t, v in subnets.items()}, {k: n for k, n in nodes.items() if k not in idle},
                   edges, db_port, sorted(nodes[k].label for k in idle))


class _Lookup:
    """Resolves the ids a resource uses to refer to another (physical id, name, ARN) to that one's URN."""

    def __init__(self, resources: list[ResourceView], ids: Mapping[str, str]) -> None:
        self.keys: dict[str, str] = {}
        for r in resources:
            for key in (ids.get(r.urn), r.props.get("id"), r.props.get("arn"), f"{r.name}-id", r.name,
                        r.props.get("name"), r.urn):
                if isinstance(key, str) and key:
                    self.keys.setdefault(key, r.urn)

    def ref(self, value: Any) -> str | None:
        return self.keys.get(value) if isinstance(value, str) else None

    def refs(self, value: Any) -> list[str]:
        values = value if isinstance(value, list) else [value]
        return [urn for v in values if (urn := self.ref(v))]


def _usage(resources: list[ResourceView], lookup: _Lookup, subnet_tier: dict[str, str]
           ) -> tuple[dict[str, list[str]], dict[str, Counter]]:
    """Which resources use each security group, and the tiers of the subnets they sit in."""
    subnet_groups = {r.urn: lookup.refs(r.props.get("subnetIds")) for r in resources
                     if r.type == "aws:rds/subnetGroup:SubnetGroup"}
    users: dict[str, list[str]] = {}
    tiers: dict[str, Counter] = {}
    for r in resources:
        groups = [sg for key in _SG_KEYS for sg in lookup.refs(r.props.get(key))]
        if not groups or r.type in SG_TYPES:
            continue
        subnets = [s for key in _SUBNET_KEYS for s in lookup.refs(r.props.get(key))]
        group_ref = lookup.ref(r.props.get("dbSubnetGroupName"))
        subnets += subnet_groups.get(group_ref or "", [])
        kind = r.type.rsplit(":", 1)[-1]
        for sg in dict.fromkeys(groups):
            users.setdefault(sg, []).append(f"{r.name} ({kind})")
            tiers.setdefault(sg, Counter()).update(subnet_tier[s] for s in subnets if s in subnet_tier)
    return users, tiers


def _ingress_rules(resources: list[ResourceView], groups: list[ResourceView], lookup: _Lookup
                   ) -> Iterable[tuple[str, str, int, int, str]]:
    """(target SG urn, source key, from port, to port, protocol) for every ingress permission."""
    for r in resources:
        p = r.props
        if r.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            target = lookup.ref(p.get("securityGroupId"))
            sources = [lookup.ref(p.get("referencedSecurityGroupId")) or _raw(p.get("referencedSecurityGroupId")),
                       _raw(p.get("cidrIpv4")), _raw(p.get("cidrIpv6")),
                       lookup.ref(p.get("prefixListId")) or _raw(p.get("prefixListId"))]
            yield from _rules(target, sources, p.get("fromPort"), p.get("toPort"), p.get("ipProtocol"))
        elif r.type == "aws:ec2/securityGroupRule:SecurityGroupRule" and p.get("type") == "ingress":
            target = lookup.ref(p.get("securityGroupId"))
            yield from _rules(target, _sources(p, target, lookup, "sourceSecurityGroupId"), p.get("fromPort"),
                              p.get("toPort"), p.get("protocol"))
    for sg in groups:
        for rule in sg.props.get("ingress") or []:
            if isinstance(rule, dict):
                yield from _rules(sg.urn, _sources(rule, sg.urn, lookup, "securityGroups"), rule.get("fromPort"),
                                  rule.get("toPort"), rule.get("protocol"))


def _sources(p: dict, target: str | None, lookup: _Lookup, group_key: str) -> list[str | None]:
    groups = p.get(group_key)
    groups = groups if isinstance(groups, list) else [groups]
    found: list[str | None] = [lookup.ref(g) or _raw(g) for g in groups]
    for key in ("cidrBlocks", "ipv6CidrBlocks", "prefixListIds"):
        values = p.get(key)
        found += [lookup.ref(v) or _raw(v) for v in (values if isinstance(values, list) else [])]
    if p.get("self") is True:
        found.append(target)
    return found


def _rules(target: str | None, sources: list[str | None], low: Any, high: Any, protocol: Any
           ) -> Iterable[tuple[str, str, int, int, str]]:
    if target is None:
        return
    protocol = str(protocol) if isinstance(protocol, str) else "-1"
    if protocol in ("-1", "all"):
        low, high = 0, 65535
    low = int(low) if isinstance(low, (int, float)) else 0
    high = int(high) if isinstance(high, (int, float)) else 65535
    for source in sources:
        if source:
            yield target, source, low, high, protocol


def _raw(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _outside_node(source: str, prefix_list: ResourceView | None) -> Node:
    if prefix_list is not None:
        entries = [e.get("cidr") for e in prefix_list.props.get("entries") or [] if isinstance(e, dict)]
        cidrs = [c for c in entries if isinstance(c, str)]
        label = _tags(prefix_list).get("Name")
        return Node(source, label if isinstance(label, str) else prefix_list.name, "outside",
                    "prefix list: " + (", ".join(cidrs) or "entries managed separately"),
                    internet=any(is_internet(c) for c in cidrs))
    if source.startswith("pl-") or (source.startswith("arn:aws:ec2") and ":prefix-list/" in source):
        return Node(source, "Managed prefix list", "outside", source)
    try:
        ipaddress.ip_network(source, strict=False)
        return Node(source, "Network range", "outside", source)
    except ValueError:
        return Node(source, "Unresolved reference", "outside", source)


def _ports(ranges: list[tuple[str, int, int]]) -> str:
    """``tcp 80, 443`` for several ranges of one protocol; ``all traffic`` wins over everything."""
    if any(protocol in ("-1", "all") for protocol, _, _ in ranges):
        return "all traffic"
    by_protocol: dict[str, list[str]] = {}
    for protocol, low, high in sorted(ranges, key=lambda r: (r[0], r[1], r[2])):
        name = {"6": "tcp", "17": "udp"}.get(protocol, protocol)
        by_protocol.setdefault(name, []).append(str(low) if low == high else f"{low}-{high}")
    return "; ".join(f"{name} {', '.join(dict.fromkeys(ports))}" for name, ports in by_protocol.items())


def _tags(r: ResourceView) -> dict[str, Any]:
    tags = r.props.get("tags")
    return tags if isinstance(tags, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


# --- SVG ------------------------------------------------------------------------------------

COL_W, GAP, MARGIN, NODE_H, SUBNET_H, HEADER_H = 220, 100, 24, 74, 20, 34
COLORS = {"edge": "#64748b", "db": "#b45309", "internet": "#b91c1c"}


def svg(network: Network) -> str:
    """A self-contained SVG (no scripts, no external references)."""
    columns = [c for c in COLUMNS if c in TIERS or any(n.column == c for n in network.nodes.values())]
    x_of = {c: MARGIN + i * (COL_W + GAP) for i, c in enumerate(columns)}
    subnet_rows = max((len(network.subnets.get(c, [])) for c in columns), default=0)
    top = MARGIN + HEADER_H + subnet_rows * (SUBNET_H + 4) + 18
    place: dict[str, tuple[float, float]] = {}
    bottom = top
    for c in columns:
        column_nodes = sorted((n for n in network.nodes.values() if n.column == c),
                              key=lambda n: (not n.internet, n.database, n.label))
        for i, node in enumerate(column_nodes):
            place[node.key] = (x_of[c], top + i * (NODE_H + 26))
        bottom = max(bottom, top + len(column_nodes) * (NODE_H + 26))
    # Arrows that skip a column run in their own lane below the boxes instead of across them.
    long_edges = [e for e in network.edges if abs(place[e.source][0] - place[e.target][0]) > COL_W + GAP]
    lanes = {e: bottom + 6 + 22 * i for i, e in enumerate(long_edges)}
    width = MARGIN * 2 + len(columns) * COL_W + (len(columns) - 1) * GAP
    height = bottom + 22 * len(long_edges) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="net-title" class="network" font-family="system-ui, sans-serif">',
        '<title id="net-title">Network: tiers, security groups and permitted ingress</title>',
        "<defs>",
        *(f'<marker id="arrow-{k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
          f'markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{v}"/>'
          "</marker>" for k, v in COLORS.items()),
        "</defs>",
    ]
    for c in columns:
        x = x_of[c]
        shade = {"public": "#eff6ff", "app": "#f0fdf4", "data": "#fef3c7"}.get(c, "#f8fafc")
        parts.append(f'<rect x="{x - 10}" y="{MARGIN - 6}" width="{COL_W + 20}" height="{height - MARGIN - 10}" '
                     f'rx="10" fill="{shade}" stroke="#cbd5e1"/>')
        parts.append(f'<text x="{x + COL_W / 2}" y="{MARGIN + 16}" text-anchor="middle" font-size="15" '
                     f'font-weight="600" fill="#0f172a">{escape(COLUMN_TITLES[c])}</text>')
        for i, (cidr, zone) in enumerate(network.subnets.get(c, [])):
            y = MARGIN + HEADER_H + i * (SUBNET_H + 4)
            parts.append(f'<rect x="{x}" y="{y}" width="{COL_W}" height="{SUBNET_H}" rx="4" fill="#ffffff" '
                         f'stroke="#94a3b8" stroke-dasharray="3 2"/>')
            parts.append(f'<text x="{x + 8}" y="{y + 14}" font-size="11" fill="#334155">subnet {escape(cidr)}'
                         f'<tspan fill="#64748b"> · {escape(zone)}</tspan></text>')
    # Several arrows at one box side fan out instead of sharing a point.
    ends: dict[tuple[str, str], list[Edge]] = {}
    for edge in network.edges:
        ends.setdefault((edge.source, "out"), []).append(edge)
        ends.setdefault((edge.target, "in"), []).append(edge)

    def offset(key: str, side: str, edge: Edge) -> float:
        group = ends[key, side]
        return (group.index(edge) - (len(group) - 1) / 2) * 12

    labels: list[tuple[float, float, float]] = []
    same_column = 0
    for i, edge in enumerate(network.edges):
        sx, sy = place[edge.source]
        tx, ty = place[edge.target]
        anchors = {edge.source: (sx, sy + offset(edge.source, "out", edge)),
                   edge.target: (tx, ty + offset(edge.target, "in", edge))}
        if edge.source == edge.target:
            anchors = {edge.source: (sx, sy)}
        if sx == tx and edge.source != edge.target:
            same_column += 1
        path, lx, ly = _route(edge, anchors, same_column if sx == tx else i, lanes.get(edge))
        ly = _free_spot(labels, lx, ly, 8 + 6.2 * len(edge.ports))
        parts.append(_draw(edge, network, path, lx, ly))
    for node in network.nodes.values():
        parts.append(_node(node, *place[node.key]))
    parts.append("</svg>")
    return "\n".join(parts)


def _route(edge: Edge, place: dict[str, tuple[float, float]], index: int, lane: float | None
           ) -> tuple[str, float, float]:
    """The arrow's SVG path and where its label goes; ``place`` holds top-left corners shifted to fan out."""
    (sx, sy), (tx, ty) = place[edge.source], place[edge.target]
    sy, ty = sy + NODE_H / 2, ty + NODE_H / 2
    if edge.source == edge.target:
        x = sx + COL_W
        return f"M{x},{sy - 12} C{x + 50},{sy - 40} {x + 50},{ty + 40} {x},{ty + 12}", x + 40, sy
    if sx == tx:  # same column: a loop on the right, wider for each further loop in the picture
        x = sx + COL_W
        bulge = 22 + 14 * index
        return f"M{x},{sy} C{x + bulge},{sy} {x + bulge},{ty} {x},{ty}", x + bulge * 0.75, (sy + ty) / 2
    forward = sx < tx
    x1, x2 = (sx + COL_W, tx) if forward else (sx, tx + COL_W)
    if lane is not None:  # skips a column: down the gap, along its lane, up the gap before the target
        g1 = x1 + (GAP / 2 if forward else -GAP / 2) + (index % 3) * 6
        g2 = x2 - (GAP / 2 if forward else -GAP / 2) - (index % 3) * 6
        return f"M{x1},{sy} H{g1} V{lane} H{g2} V{ty} H{x2}", (g1 + g2) / 2, lane
    mid = (x1 + x2) / 2
    return f"M{x1},{sy} C{mid},{sy} {mid},{ty} {x2},{ty}", mid, (sy + ty) / 2


def _free_spot(placed: list[tuple[float, float, float]], x: float, y: float, width: float) -> float:
    """Move a label down until it overlaps no label placed before it."""
    while any(abs(y - py) < 17 and abs(x - px) < (width + pw) / 2 + 2 for px, py, pw in placed):
        y += 18
    placed.append((x, y, width))
    return y


def _draw(edge: Edge, network: Network, path: str, lx: float, ly: float) -> str:
    kind = "internet" if edge.from_internet else "db" if edge.to_database else "edge"
    width = 2.6 if kind != "edge" else 1.6
    dash = ' stroke-dasharray="6 4"' if kind == "internet" else ""
    source, target = network.nodes[edge.source].label, network.nodes[edge.target].label
    label = escape(edge.ports)
    label_w = 8 + 6.2 * len(edge.ports)
    return (f'<g class="edge edge-{kind}"><title>{escape(source)} may reach {escape(target)} on {label}</title>'
            f'<path d="{path}" fill="none" stroke="{COLORS[kind]}" stroke-width="{width}"{dash} '
            f'stroke-linejoin="round" marker-end="url(#arrow-{kind})"/>'
            f'<rect x="{lx - label_w / 2}" y="{ly - 9}" width="{label_w}" height="16" rx="3" fill="#ffffff" '
            f'stroke="{COLORS[kind]}" stroke-width="0.8"/>'
            f'<text x="{lx}" y="{ly + 3}" text-anchor="middle" font-size="10.5" fill="{COLORS[kind]}">{label}</text>'
            "</g>")


def _node(node: Node, x: float, y: float) -> str:
    stroke = COLORS["internet"] if node.internet else COLORS["db"] if node.database else "#475569"
    fill = "#fee2e2" if node.internet else "#fff7ed" if node.database else "#ffffff"
    kind = "security group" if node.column != "outside" else "source"
    badge = " · database" if node.database else ""
    lines = [f'<text x="{x + 10}" y="{y + 19}" font-size="13" font-weight="600" fill="#0f172a">'
             f'{escape(_fit(node.label, 28))}</text>',
             f'<text x="{x + 10}" y="{y + 35}" font-size="10.5" fill="#64748b">{kind}{badge}</text>']
    detail = node.detail if node.column == "outside" else _used_by(node.used_by) or node.detail
    if detail:
        lines.append(f'<text x="{x + 10}" y="{y + 53}" font-size="10.5" fill="#334155">{escape(_fit(detail, 36))}'
                     f'</text>')
    return (f'<g class="node{" node-db" if node.database else ""}"><title>{escape(node.label)}: '
            f'{escape(node.detail or kind)}</title>'
            f'<rect x="{x}" y="{y}" width="{COL_W}" height="{NODE_H}" rx="8" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{2 if node.database or node.internet else 1.2}"/>' + "".join(lines) + "</g>")


def _used_by(users: list[str]) -> str:
    """``used by database-instance (Instance)`` for one user, ``used by 7 VpcEndpoints`` for many."""
    if len(users) == 1:
        return f"used by {users[0]}"
    kinds = Counter(u.rsplit("(", 1)[-1].rstrip(")") for u in users)
    return "used by " + ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in kinds.items()) if users else ""


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
