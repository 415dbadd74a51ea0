"""The network picture (HTML and Markdown): tiers, security groups, who may reach whom, and what
the findings say is wrong there.

``extract`` is the only function that reads resources, and it reads permissions through
``posture.rules.reachability.reachability_model``, the model the network controls judge: every
security-group permission, ingress and egress, in every form pulumi-aws v7 accepts, with its peers
resolved to the stack's groups and prefix lists. Picture and verdict therefore cannot disagree
about who may reach whom. Everything after ``extract`` (merging, aggregation, marking violations,
layout) reads only ``Facts``.

Subnets are placed by their ``tier`` tag; a security group by its own ``tier`` tag, else by the
subnets of the resources that use it. Ingress is drawn as arrows; egress is drawn only where a
failing finding names it (a walled-off group's way out to the internet), since every group has
egress. A failing finding's counterexample (``Finding.evidence``) is listed hop by hop beside the
picture, with the boxes it is about; its boxes and arrows are red in the picture.

To stay readable at any size, the picture aggregates what repeats: the subnets of a tier become
one chip, and security groups of the same shape (same tier, same sources and ports in and out,
same role, no violation of their own) become one box ("1,084 security groups like svc00000-sg").
A column never holds more than ``MAX_NODES_PER_COLUMN`` boxes; the rest fold into one
"+N more" box. Failing findings of the network promises' controls are placed on the box of the
group they are about (by resource URN: the group, a rule resource of the group, or a database
or other resource using it) and drawn in red; those that fit no box are listed under the picture.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from posture.facts import is_internet
from posture.findings import Finding, Verdict
from posture.resources import ResourceView
from posture.rules.graph import Graph
from posture.rules.reachability import EGRESS, INGRESS, SECURITY_GROUPS, reachability_model
from posture.rules.tokens import MANAGED_PREFIX_LIST, RDS_CLUSTER, RDS_CLUSTER_INSTANCE, RDS_INSTANCE, RDS_SUBNET_GROUP, SUBNET
from posture.rules.values import ValueNotKnownError, props

TIERS = ("public", "app", "data")
COLUMNS = ("outside", *TIERS, "other")
COLUMN_TITLES = {"outside": "Sources outside the VPC", "public": "Public tier", "app": "App tier",
                 "data": "Data tier", "other": "Not in a tier"}
DEFAULT_DB_PORT = 5432
DB_TYPES = (RDS_INSTANCE, RDS_CLUSTER, RDS_CLUSTER_INSTANCE)
_SG_KEYS = ("vpcSecurityGroupIds", "securityGroupIds", "securityGroups")
_SUBNET_KEYS = ("subnetIds", "subnets", "subnetId")
INTERNET = "internet"
NETWORK_PROMISES = ("DB-1", "DB-2", "ADM-1")
"""Controls backing these promises are the ones whose violations belong on the picture."""
MAX_NODES_PER_COLUMN = 12
MAX_PATHS_SHOWN = 10
"""Failing paths listed beside the picture; the findings hold them all."""
MAX_VIOLATIONS_SHOWN = 2
"""Violation lines drawn inside one box; the rest are counted ("+3 more")."""


# --- facts: the one place that reads resources -----------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One permission between two boxes. For egress ``target`` is still the group that holds the
    permission and ``source`` its destination: the arrow is drawn from ``target`` to ``source``."""

    declared_by: str
    """URN of the resource that declares the permission (a rule resource, or the group for inline rules)."""
    target: str
    source: str
    low: int
    high: int
    protocol: str
    direction: str = INGRESS
    path: str = ""
    """Where an inline permission sits in its group (``ingress[0]``); empty for rule resources."""


@dataclass
class Group:
    label: str
    tier: str | None
    description: str
    used_by: list[str]
    database: bool


@dataclass
class Facts:
    subnets: dict[str, list[tuple[str, str]]]
    """Tier -> (CIDR, availability zone)."""
    groups: dict[str, Group]
    """Security group URN -> what the picture needs of it."""
    rules: list[Rule]
    outside: dict[str, Node]
    """Sources outside the VPC that rules name (prefix lists, ranges, unresolved references)."""
    owners: dict[str, list[str]]
    """Resource URN -> the security groups it belongs to or uses (findings about it land there)."""
    db_port: int
    unreadable: list[str] = field(default_factory=list)
    """Why some permissions are not drawn (the model could not read them: not known yet, or secret)."""


def extract(resources: Iterable[ResourceView], ids: Mapping[str, str] | None = None) -> Facts | None:
    """None when the resources hold no subnet and no security group (nothing to draw). Permissions
    come from ``reachability_model``, the model the network controls judge."""
    g = Graph(_with_ids(resources, ids or {}))
    model = reachability_model(g)
    subnets: dict[str, list[tuple[str, str]]] = {t: [] for t in TIERS}
    subnet_tier: dict[str, str] = {}
    for subnet in model["subnets"].values():
        if subnet["tier"] in subnets:
            subnets[subnet["tier"]].append((_text(subnet["cidr"]), _text(subnet["zone"])))
            subnet_tier[subnet["urn"]] = subnet["tier"]
    sgs = g.of_type(*SECURITY_GROUPS)
    if not sgs and not subnet_tier:
        return None

    db_port = next((int(r.props["port"]) for r in g.of_type(*DB_TYPES)
                    if isinstance(r.props.get("port"), (int, float))), DEFAULT_DB_PORT)
    users, tiers_seen, owners = _usage(g, subnet_tier)
    db_groups = {sg.urn for r in g.of_type(*DB_TYPES) for sg in _resolved(g, r, ("vpcSecurityGroupIds",),
                                                                            SECURITY_GROUPS)}
    groups: dict[str, Group] = {}
    for sg in sgs:
        tags = _tags(sg)
        tier = tags.get("tier") if tags.get("tier") in TIERS else None
        if tier is None and tiers_seen.get(sg.urn):
            tier = tiers_seen[sg.urn].most_common(1)[0][0]
        if tier is None and sg.urn in db_groups:
            tier = "data"
        label = tags.get("Name") if isinstance(tags.get("Name"), str) else sg.name
        groups[sg.urn] = Group(label, tier, _text(sg.props.get("description")), users.get(sg.urn, []),
                               sg.urn in db_groups)
        owners.setdefault(sg.urn, []).append(sg.urn)
    rules = [rule for rule in _rules(model["permissions"]) if rule.target in groups]
    if not db_groups:  # no RDS resource seen: a group admitting the database port is the database's
        for rule in rules:
            if rule.direction == INGRESS and rule.low <= DEFAULT_DB_PORT <= rule.high:
                groups[rule.target].database = True
    for rule in rules:
        owners.setdefault(rule.declared_by, []).append(rule.target)
    prefix_lists = {r.urn: r for r in g.of_type(MANAGED_PREFIX_LIST)}
    outside = {rule.source: _outside_node(rule.source, prefix_lists.get(rule.source)) for rule in rules
               if rule.source not in groups and not is_internet(rule.source)}
    return Facts({t: sorted(v) for t, v in subnets.items()}, groups, rules, outside,
                 {urn: list(dict.fromkeys(sgs)) for urn, sgs in owners.items()}, db_port, list(model["unknown"]))


# --- the picture -------------------------------------------------------------------------------


@dataclass
class Node:
    key: str
    label: str
    column: str
    detail: str = ""
    used_by: list[str] = field(default_factory=list)
    database: bool = False
    internet: bool = False
    members: int = 1
    """How many security groups this box stands for (1 unless aggregated)."""
    violations: list[str] = field(default_factory=list)
    """``control: message`` of failing findings about this group (or the resources using it)."""
    marks: list[str] = field(default_factory=list)
    """The same violations in a few words for the box (``publiclyAccessible: true``, else the control)."""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    ports: str
    to_database: bool
    from_internet: bool
    violation: bool = False
    """A failing finding is about a permission behind this arrow."""
    egress: bool = False
    """An egress permission of ``source`` (drawn only when it is a failing way out)."""


@dataclass(frozen=True)
class Path:
    """The counterexample a failing finding carries, hop by hop, and the labels of the boxes it is about."""

    control_id: str
    hops: tuple[str, ...]
    boxes: tuple[str, ...]


@dataclass
class Network:
    subnets: dict[str, list[tuple[str, str]]]
    """Tier -> (CIDR, availability zone)."""
    nodes: dict[str, Node]
    edges: list[Edge]
    db_port: int
    idle: list[str] = field(default_factory=list)
    """Security groups with no ingress, no use and no database: listed, not drawn."""
    unplaced: list[str] = field(default_factory=list)
    """Violations of network controls that belong to no drawn box (e.g. stack-wide findings)."""
    paths: list[Path] = field(default_factory=list)
    """The failing paths, in the order of the findings, to show beside the picture."""
    unreadable: list[str] = field(default_factory=list)
    """Permissions and routes the model could not read, so the picture cannot show them."""

    @property
    def database_access(self) -> list[Edge]:
        return [e for e in self.edges if e.to_database]

    @property
    def violations(self) -> int:
        return sum(len(n.violations) for n in self.nodes.values()) + len(self.unplaced)


def build(resources: Iterable[ResourceView], ids: Mapping[str, str] | None = None,
          violations: Sequence[Finding] = ()) -> Network | None:
    """The picture of ``resources`` with ``violations`` (failing findings of network controls) marked."""
    facts = extract(resources, ids)
    return None if facts is None else picture(facts, violations)


def network_violations(findings: Iterable[Finding], controls: Iterable[Any]) -> list[Finding]:
    """Unwaived failures (and rule errors) of the controls that back the network promises."""
    relevant = {c.id for c in controls if set(c.promises) & set(NETWORK_PROMISES)}
    return [f for f in findings if f.control_id in relevant and f.waiver is None
            and f.verdict in (Verdict.FAIL, Verdict.ERROR)]


def picture(facts: Facts, violations: Sequence[Finding] = ()) -> Network:
    nodes = {urn: Node(urn, g.label, g.tier or "other", g.description, list(g.used_by), database=g.database)
             for urn, g in facts.groups.items()}
    merged: dict[tuple[str, str, str], list[tuple[str, int, int]]] = {}
    flagged_edges: set[tuple[str, str, str]] = set()
    for rule in facts.rules:
        flagged = any(_about(f, rule) for f in violations)
        if rule.direction == EGRESS and not flagged:
            continue  # egress is drawn only where it is the way out a failing finding names
        peer = rule.source
        if is_internet(peer):
            internet = nodes.setdefault(INTERNET, Node(INTERNET, "The internet", "outside", internet=True))
            internet.detail = ", ".join(dict.fromkeys([*filter(None, internet.detail.split(", ")), peer]))
            peer = INTERNET
        elif peer not in nodes:
            nodes[peer] = facts.outside[peer]
        source, target = (peer, rule.target) if rule.direction == INGRESS else (rule.target, peer)
        merged.setdefault((source, target, rule.direction), []).append((rule.protocol, rule.low, rule.high))
        if flagged:
            flagged_edges.add((source, target, rule.direction))
    unplaced = []
    paths = []
    for f in violations:
        where = facts.owners.get(f.resource_urn, [])
        text = f"{f.control_id}: {f.message}"
        mark = f"{f.path}: {f.observed}" if f.path and f.observed else f.control_id
        for urn in where:
            if text not in nodes[urn].violations:
                nodes[urn].violations.append(text)
                nodes[urn].marks.append(mark)
        if not where:
            unplaced.append(text)
        if f.evidence:
            paths.append(Path(f.control_id, tuple(f.evidence), tuple(dict.fromkeys(nodes[urn].label for urn in where))))
    edges = [Edge(source, target, _ports(ranges),
                  direction == INGRESS and any(nodes[target].database and lo <= facts.db_port <= hi
                                               for _, lo, hi in ranges),
                  nodes[source].internet, (source, target, direction) in flagged_edges, direction == EGRESS)
             for (source, target, direction), ranges in merged.items()]
    linked = {e.source for e in edges} | {e.target for e in edges}
    idle = {k for k, n in nodes.items() if k not in linked and not n.used_by and not n.database and not n.violations}
    network = Network(facts.subnets, {k: n for k, n in nodes.items() if k not in idle}, edges, facts.db_port,
                      sorted(nodes[k].label for k in idle), unplaced, paths, facts.unreadable)
    return _within_budget(_aggregate(network))


def _about(finding: Finding, rule: Rule) -> bool:
    """The finding is about this permission: about the rule resource that declares it, or, for a
    permission inline on a group, about that group at the permission's own path (``egress[1].cidr``)."""
    if finding.resource_urn != rule.declared_by:
        return False
    if not rule.path:
        return rule.declared_by != rule.target
    return finding.path is not None and (finding.path == rule.path or finding.path.startswith(rule.path + "."))


def _aggregate(net: Network) -> Network:
    """One box for security groups of the same shape: same column and role, the same sources and
    ports in and the same targets and ports out, and no violation of their own."""
    for _ in range(2):  # a second pass merges groups whose peers were merged in the first
        incoming: dict[str, set] = {k: set() for k in net.nodes}
        outgoing: dict[str, set] = {k: set() for k in net.nodes}
        for e in net.edges:
            incoming[e.target].add((e.source, e.ports, e.violation))
            outgoing[e.source].add((e.target, e.ports, e.violation))
        shapes: dict[tuple, list[str]] = {}
        for key, node in net.nodes.items():
            if node.column == "outside" or node.violations or node.database:
                continue
            kinds = frozenset(u.rsplit("(", 1)[-1] for u in node.used_by)
            shape = (node.column, kinds, frozenset(incoming[key]), frozenset(outgoing[key]))
            shapes.setdefault(shape, []).append(key)
        alias: dict[str, str] = {}
        for members in shapes.values():
            if len(members) < 2:
                continue
            first = net.nodes[members[0]]
            first.members = sum(net.nodes[m].members for m in members)
            first.used_by = [u for m in members for u in net.nodes[m].used_by]
            first.detail = f"like {first.label}"
            first.label = f"{first.members:,} security groups"
            alias.update({m: members[0] for m in members[1:]})
        if not alias:
            break
        net.nodes = {k: n for k, n in net.nodes.items() if k not in alias}
        net.edges = _merge_edges(net.edges, alias)
    return net


def _within_budget(net: Network) -> Network:
    """At most MAX_NODES_PER_COLUMN boxes per column: violations, the database and the internet first;
    the rest of the column becomes one "+N more" box with their arrows."""
    for column in COLUMNS:
        keys = sorted((k for k, n in net.nodes.items() if n.column == column),
                      key=lambda k: (not net.nodes[k].violations, not net.nodes[k].database,
                                     not net.nodes[k].internet, -net.nodes[k].members, net.nodes[k].label))
        if len(keys) <= MAX_NODES_PER_COLUMN:
            continue
        folded = keys[MAX_NODES_PER_COLUMN - 1:]
        more_key = f"more:{column}"
        count = sum(net.nodes[k].members for k in folded)
        net.nodes[more_key] = Node(more_key, f"+{count:,} more security groups", column,
                                   "no violations; listed in the JSON report", members=count)
        alias = dict.fromkeys(folded, more_key)
        for k in folded:
            del net.nodes[k]
        net.edges = _merge_edges(net.edges, alias)
    return net


def _merge_edges(edges: list[Edge], alias: Mapping[str, str]) -> list[Edge]:
    """Redirect arrows through ``alias``; arrows that now share both ends become one."""
    merged: dict[tuple[str, str, bool], Edge] = {}
    for e in edges:
        source, target = alias.get(e.source, e.source), alias.get(e.target, e.target)
        prev = merged.get((source, target, e.egress))
        if prev is None:
            merged[source, target, e.egress] = dataclasses.replace(e, source=source, target=target)
        else:
            merged[source, target, e.egress] = Edge(
                source, target, prev.ports if prev.ports == e.ports else "various ports",
                prev.to_database or e.to_database, prev.from_internet or e.from_internet,
                prev.violation or e.violation, e.egress)
    return list(merged.values())


# --- extraction helpers ---------------------------------------------------------------------------


def _with_ids(resources: Iterable[ResourceView], ids: Mapping[str, str]) -> list[ResourceView]:
    """Views with the ids an event log records beside them (``ids``), so references resolve by id."""
    return [dataclasses.replace(r, props={**r.props, "id": ids[r.urn]}) if r.urn in ids and "id" not in r.props
            else r for r in resources]


def _resolved(g: Graph, r: ResourceView, keys: Sequence[str], types: Sequence[str]) -> list[ResourceView]:
    """What ``r``'s list properties ``keys`` point at; nothing where that is not known yet (the
    picture places a box by its users and skips the ones it cannot tell)."""
    found: list[ResourceView] = []
    for key in keys:
        try:
            found += g.resolve_all(props(r).refs(key), *types)
        except ValueNotKnownError:
            continue
    return found


def _usage(g: Graph, subnet_tier: dict[str, str]
           ) -> tuple[dict[str, list[str]], dict[str, Counter], dict[str, list[str]]]:
    """Which resources use each security group, the tiers of the subnets they sit in, and the
    groups each resource uses."""
    subnet_groups = {r.urn: [s.urn for s in _resolved(g, r, ("subnetIds",), (SUBNET,))]
                     for r in g.of_type(RDS_SUBNET_GROUP)}
    users: dict[str, list[str]] = {}
    tiers: dict[str, Counter] = {}
    owners: dict[str, list[str]] = {}
    for r in g:
        if r.type in SECURITY_GROUPS or not any(key in r.props for key in _SG_KEYS):
            continue
        groups = [sg.urn for sg in _resolved(g, r, _SG_KEYS, SECURITY_GROUPS)]
        if not groups:
            continue
        subnets = [s.urn for s in _resolved(g, r, _SUBNET_KEYS, (SUBNET,))]
        for group in _resolved(g, r, ("dbSubnetGroupName",), (RDS_SUBNET_GROUP,)):
            subnets += subnet_groups.get(group.urn, [])
        kind = r.type.rsplit(":", 1)[-1]
        owners[r.urn] = list(dict.fromkeys(groups))
        for sg in dict.fromkeys(groups):
            users.setdefault(sg, []).append(f"{r.name} ({kind})")
            tiers.setdefault(sg, Counter()).update(subnet_tier[s] for s in subnets if s in subnet_tier)
    return users, tiers, owners


def _rules(permissions: Iterable[Mapping[str, Any]]) -> Iterable[Rule]:
    """The model's permissions as arrows: one per peer, ports spelled out (all of them when the
    protocol has none)."""
    for permission in permissions:
        protocol = permission["protocol"]
        low, high = permission["from_port"], permission["to_port"]
        if protocol == "all" or low is None or high is None:
            low, high = 0, 65535
        for peer in permission["peers"]:
            yield Rule(permission["declared_by"], permission["group"], peer["key"], low, high, protocol,
                       permission["direction"], permission["path"])


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



# --- layout (drawn by templates/network.svg.j2) ------------------------------------------------

COL_W, GAP, MARGIN, NODE_H, SUBNET_H, HEADER_H, LINE_H = 220, 100, 24, 74, 20, 34, 14
COLORS = {"edge": "#64748b", "db": "#b45309", "internet": "#b91c1c", "violation": "#dc2626"}
SHADES = {"public": "#eff6ff", "app": "#f0fdf4", "data": "#fef3c7"}
MAX_SUBNET_CHIPS = 3
"""Subnet chips per tier; more subnets than this share one chip."""


@dataclass(frozen=True)
class Box:
    node: Node
    x: float
    y: float
    height: float
    lines: tuple[tuple[str, str], ...]
    """(text, css class) under the title: kind, use, violations."""


@dataclass(frozen=True)
class Arrow:
    edge: Edge
    kind: str
    path: str
    label_x: float
    label_y: float
    label_w: float
    title: str


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    columns: tuple[tuple[str, float, str], ...]
    """(title, x, shade)."""
    chips: tuple[tuple[float, float, str, str], ...]
    """(x, y, text, zone) for subnets."""
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    col_w: float = COL_W
    subnet_h: float = SUBNET_H
    colors: Mapping[str, str] = field(default_factory=lambda: COLORS)


def layout(network: Network) -> Layout:
    columns = [c for c in COLUMNS if c in TIERS or any(n.column == c for n in network.nodes.values())]
    x_of = {c: MARGIN + i * (COL_W + GAP) for i, c in enumerate(columns)}
    chips_of = {c: _chips(network.subnets.get(c, [])) for c in columns}
    chip_rows = max((len(v) for v in chips_of.values()), default=0)
    top = MARGIN + HEADER_H + chip_rows * (SUBNET_H + 4) + 18
    boxes: dict[str, Box] = {}
    bottom = top
    for c in columns:
        y = top
        for node in sorted((n for n in network.nodes.values() if n.column == c),
                           key=lambda n: (n.key.startswith("more:"), not n.violations, not n.internet, n.database,
                                          n.label)):
            lines = _box_lines(node)
            height = NODE_H + LINE_H * max(0, len(lines) - 2)
            boxes[node.key] = Box(node, x_of[c], y, height, tuple(lines))
            y += height + 26
        bottom = max(bottom, y)
    # Arrows that skip a column run in their own lane below the boxes instead of across them.
    long_edges = [e for e in network.edges if abs(boxes[e.source].x - boxes[e.target].x) > COL_W + GAP]
    lanes = {e: bottom + 6 + 22 * i for i, e in enumerate(long_edges)}
    width = MARGIN * 2 + len(columns) * COL_W + (len(columns) - 1) * GAP
    height = bottom + 22 * len(long_edges) + 30
    ends: dict[tuple[str, str], list[Edge]] = {}
    for edge in network.edges:  # several arrows at one box side fan out instead of sharing a point
        ends.setdefault((edge.source, "out"), []).append(edge)
        ends.setdefault((edge.target, "in"), []).append(edge)

    def anchor(key: str, side: str, edge: Edge) -> tuple[float, float]:
        group = ends[key, side]
        box = boxes[key]
        return box.x, box.y + box.height / 2 + (group.index(edge) - (len(group) - 1) / 2) * 12

    labels: list[tuple[float, float, float]] = []
    arrows = []
    same_column = 0
    for i, edge in enumerate(network.edges):
        start, end = anchor(edge.source, "out", edge), anchor(edge.target, "in", edge)
        if edge.source == edge.target:
            end = start
        same = boxes[edge.source].x == boxes[edge.target].x
        if same and edge.source != edge.target:
            same_column += 1
        path, lx, ly = _route(edge, start, end, same_column if same else i, lanes.get(edge))
        label_w = 8 + 6.2 * len(edge.ports)
        ly = _free_spot(labels, lx, ly, label_w)
        kind = ("violation" if edge.violation else "internet" if edge.from_internet
                else "db" if edge.to_database else "edge")
        source, target = network.nodes[edge.source].label, network.nodes[edge.target].label
        arrows.append(Arrow(edge, kind, path, lx, ly, label_w, f"{source} may reach {target} on {edge.ports}"))
    columns_drawn = tuple((COLUMN_TITLES[c], x_of[c], SHADES.get(c, "#f8fafc")) for c in columns)
    chips = tuple((x_of[c], MARGIN + HEADER_H + i * (SUBNET_H + 4), text, zone)
                  for c in columns for i, (text, zone) in enumerate(chips_of[c]))
    return Layout(width, height, columns_drawn, chips, tuple(boxes.values()), tuple(arrows))


def _chips(subnets: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if len(subnets) <= MAX_SUBNET_CHIPS:
        return [(f"subnet {cidr}", zone) for cidr, zone in subnets]
    zones = sorted({zone for _, zone in subnets if zone})
    return [(f"{len(subnets):,} subnets", f"{len(zones)} zones" if len(zones) > 1 else ", ".join(zones))]


def _box_lines(node: Node) -> list[tuple[str, str]]:
    kind = "source" if node.column == "outside" else "security group" if node.members == 1 else "security groups"
    lines = [(kind + (" · database" if node.database else ""), "kind")]
    detail = node.detail if node.column == "outside" or node.members > 1 else _used_by(node.used_by) or node.detail
    if detail:
        lines.append((fit(detail, 36), "detail"))
    for text in node.marks[:MAX_VIOLATIONS_SHOWN]:
        lines.append(("✗ " + fit(text, 30), "violation"))
    if len(node.violations) > MAX_VIOLATIONS_SHOWN:
        lines.append((f"✗ +{len(node.violations) - MAX_VIOLATIONS_SHOWN} more violations", "violation"))
    return lines


def _route(edge: Edge, start: tuple[float, float], end: tuple[float, float], index: int, lane: float | None
           ) -> tuple[str, float, float]:
    """The arrow's SVG path and where its label goes, from the boxes' left edges at anchor height."""
    (sx, sy), (tx, ty) = start, end
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


def _used_by(users: list[str]) -> str:
    """``used by database-instance (Instance)`` for one user, ``used by 7 VpcEndpoints`` for many."""
    if len(users) == 1:
        return f"used by {users[0]}"
    kinds = Counter(u.rsplit("(", 1)[-1].rstrip(")") for u in users)
    return "used by " + ", ".join(f"{n:,} {kind}{'s' if n > 1 else ''}" for kind, n in kinds.items()) if users else ""


def fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Mermaid (the Markdown report; GitHub renders it) ---------------------------------------


def mermaid(network: Network) -> str:
    """A flowchart of the same picture: one subgraph per tier, violations in red."""
    ids = {key: f"n{i}" for i, key in enumerate(network.nodes)}
    lines = ["flowchart LR"]
    for column in COLUMNS:
        members = [n for n in network.nodes.values() if n.column == column]
        if not members:
            continue
        lines.append(f'  subgraph {column}["{_mermaid_text(COLUMN_TITLES[column])}"]')
        for node in members:
            text = node.label + (" · database" if node.database else "")
            if node.violations:
                text += f" · {len(node.violations)} violation{'s' if len(node.violations) > 1 else ''}"
            lines.append(f'    {ids[node.key]}["{_mermaid_text(text)}"]')
        lines.append("  end")
    for edge in network.edges:
        arrow = "-.->" if edge.from_internet else "==>" if edge.to_database else "-->"
        lines.append(f'  {ids[edge.source]} {arrow}|"{_mermaid_text(edge.ports)}"| {ids[edge.target]}')
    flagged = [str(i) for i, edge in enumerate(network.edges) if edge.violation]
    if flagged:
        lines.append(f"  linkStyle {','.join(flagged)} stroke:#dc2626,stroke-width:3px")
    styles = {"violation": "fill:#fee2e2,stroke:#dc2626,stroke-width:3px", "internet": "fill:#fee2e2,stroke:#b91c1c",
              "database": "fill:#fff7ed,stroke:#b45309"}
    for name, style in styles.items():
        members = [ids[k] for k, n in network.nodes.items() if _mermaid_class(n) == name]
        if members:
            lines += [f"  classDef {name} {style}", f"  class {','.join(members)} {name}"]
    return "\n".join(lines)


def _mermaid_class(node: Node) -> str:
    return ("violation" if node.violations else "internet" if node.internet else "database" if node.database
            else "")


def _mermaid_text(text: str) -> str:
    """Safe inside a quoted Mermaid label: entity codes for what would end it or read as markup."""
    for char, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;"),
                       ("`", "#96;"), ("\n", " ")):
        text = text.replace(char, code)
    return text
