"""IP allowlists for internal services and the IP blocklist (ADM-1).

Allowlists are EC2 managed prefix lists, so a security group names *which* list admits a source
("admin", "intranet") instead of repeating CIDRs in every rule, and a change to the list reaches
every rule that references it. The set of list names is closed: a typo in stack config becomes
an error instead of a list nobody references.

The blocklist is enforced twice: at the WAF (IPv4 and IPv6 IP sets, referenced by the load
balancer's web ACL) and in the network ACLs (the validated CIDRs feed ``VpcArgs.blocked_cidrs``).
Because both enforce the same list, it must fit the smaller of the two: the network-ACL slots.

No allowlist opens SSH or RDP: administrators reach hosts through SSM Session Manager over the
VPC's interface endpoints, so no list here ever needs a remote-administration port.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.validation import InvalidInput, IPNetwork, parse_cidr, refuse_anywhere, require
from components.vpc import MAX_BLOCKED_CIDRS
from posture.facts import is_internet

KNOWN_ALLOWLISTS = ("intranet", "admin", "database-access", "server-connections")
MAX_PREFIX_LIST_ENTRIES = 60
"""Every reference to a prefix list counts ``max_entries`` rules against the security group's
quota (60 inbound rules by default): a larger list could not be referenced at all."""
MAX_DESCRIPTION_LENGTH = 255
_ENTRY_KEYS = {"cidr", "description"}
_FAMILIES = {4: "IPv4", 6: "IPv6"}


@dataclass(frozen=True)
class ListedNetwork:
    network: IPNetwork
    description: str
    field: str
    """Where the entry came from (``allowlists.admin[2]``), for error messages."""


@dataclass
class AllowlistsArgs:
    allowlists: dict[str, list[dict[str, Any]]]
    """Allowlist name (one of ``KNOWN_ALLOWLISTS``) to its entries, each ``{cidr, description}``."""
    blocklist: list[dict[str, Any]] = field(default_factory=list)
    """Networks refused at the WAF and in the network ACLs, each ``{cidr, description}``."""
    max_entries: int = 20
    """Fixed capacity of every prefix list; leaves room to add entries without replacing the list."""

    def __post_init__(self) -> None:
        require(isinstance(self.max_entries, int) and 1 <= self.max_entries <= MAX_PREFIX_LIST_ENTRIES,
                "max_entries", f"{self.max_entries!r} is outside 1..{MAX_PREFIX_LIST_ENTRIES}",
                "keep prefix lists small enough to be referenced by a security group, e.g. 20")
        require(isinstance(self.allowlists, dict), "allowlists", f"{self.allowlists!r} is not a mapping",
                "map each allowlist name to a list of {cidr, description}")
        self.networks: dict[str, list[ListedNetwork]] = {}
        for name, entries in self.allowlists.items():
            require(name in KNOWN_ALLOWLISTS, f"allowlists.{name}", "is not a known allowlist",
                    f"use one of {', '.join(KNOWN_ALLOWLISTS)}")
            where = f"allowlists.{name}"
            require(isinstance(entries, list), where, f"is a {type(entries).__name__}, not a list",
                    "write it as a YAML list of {cidr, description}")
            require(len(entries) > 0, where, "has no entries", "list at least one {cidr, description} or remove the name")
            require(len(entries) <= self.max_entries, where,
                    f"{len(entries)} entries exceed the prefix list's max_entries of {self.max_entries}",
                    "remove entries, aggregate them into wider ranges, or raise max_entries")
            self.networks[name] = _parse_entries(entries, where, blocking=False)
        require(isinstance(self.blocklist, list), "blocklist", f"{self.blocklist!r} is not a list",
                "write it as a list of {cidr, description}")
        require(len(self.blocklist) <= MAX_BLOCKED_CIDRS, "blocklist",
                f"{len(self.blocklist)} entries exceed the {MAX_BLOCKED_CIDRS} network-ACL slots it also fills",
                "aggregate blocked networks into wider ranges")
        self.blocked = _parse_entries(self.blocklist, "blocklist", blocking=True)
        self._refuse_blocked_allowlisted()

    @property
    def blocked_cidrs(self) -> list[str]:
        """The validated blocklist as plain strings, in config order: the input ``VpcArgs.blocked_cidrs`` needs."""
        return [str(entry.network) for entry in self.blocked]

    def _refuse_blocked_allowlisted(self) -> None:
        """A network both allowed and blocked is a contradiction whose outcome depends on the layer."""
        for blocked in self.blocked:
            for name, entries in self.networks.items():
                for allowed in entries:
                    require(blocked.network.version != allowed.network.version
                            or not blocked.network.overlaps(allowed.network),
                            f"{blocked.field}.cidr", f"{blocked.network} overlaps {allowed.network} "
                            f"({allowed.field}.cidr, allowlist {name!r})",
                            "remove the network from either the blocklist or the allowlist")


def _parse_entries(entries: list[Any], where: str, *, blocking: bool) -> list[ListedNetwork]:
    parsed: list[ListedNetwork] = []
    seen: dict[IPNetwork, str] = {}
    for i, entry in enumerate(entries):
        here = f"{where}[{i}]"
        if not isinstance(entry, dict):
            raise InvalidInput(here, f"{entry!r} is not a mapping", "write it as {cidr: ..., description: ...}")
        unknown = sorted(set(entry) - _ENTRY_KEYS)
        require(not unknown, here, f"unknown key(s) {', '.join(map(str, unknown))}", "give only cidr and description")
        require("cidr" in entry, f"{here}.cidr", "is missing", "give the network as a CIDR, e.g. '203.0.113.0/24'")
        network = parse_cidr(entry["cidr"], f"{here}.cidr")
        if blocking:
            require(not is_internet(str(network)), f"{here}.cidr", f"{network} would block every client or a large part of them",
                    "list the specific networks to block")
        else:
            refuse_anywhere(network, f"{here}.cidr")
        require(network not in seen, f"{here}.cidr", f"{network} is listed twice (also {seen.get(network)})",
                "remove the duplicate entry")
        seen[network] = f"{here}.cidr"
        description = entry.get("description")
        require(description is None or isinstance(description, str), f"{here}.description",
                f"is a {type(description).__name__}, not text", "write the description as text")
        require(isinstance(description, str) and description.strip() != "", f"{here}.description",
                "is missing or empty", "say whose network it is and why it is listed, so a reviewer can judge it later")
        require(len(description) <= MAX_DESCRIPTION_LENGTH, f"{here}.description",
                f"is {len(description)} characters long", f"keep it to {MAX_DESCRIPTION_LENGTH} characters")
        parsed.append(ListedNetwork(network, description.strip(), here))
    return parsed


class Allowlists(pulumi.ComponentResource):
    """Named managed prefix lists for internal services, and the WAF IP sets of the blocklist."""

    prefix_list_ids: dict[str, list[pulumi.Output[str]]]
    """Per allowlist name, one prefix list per address family present (IPv4 first)."""
    blocklist_ip_set_arns: list[pulumi.Output[str]]
    """The IPv4 and IPv6 WAF IP sets, in that order: the load balancer's web ACL blocks both."""
    blocked_cidrs: list[str]

    def __init__(self, name: str, args: AllowlistsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("security-baseline:network:Allowlists", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.prefix_list_ids = {}
        for list_name, entries in args.networks.items():
            self.prefix_list_ids[list_name] = []
            for version, family in _FAMILIES.items():
                members = [e for e in entries if e.network.version == version]
                if not members:
                    continue
                prefix_list = aws.ec2.ManagedPrefixList(
                    f"{name}-{list_name}-{family.lower()}",
                    name=f"{name}-{list_name}-{family.lower()}",
                    address_family=family,
                    max_entries=args.max_entries,
                    entries=[aws.ec2.ManagedPrefixListEntryArgs(cidr=str(e.network), description=e.description)
                             for e in members],
                    tags={"Name": f"{name}-{list_name}", "allowlist": list_name},
                    opts=child,
                )
                self.prefix_list_ids[list_name].append(prefix_list.id)

        # Both IP sets always exist, even when empty, so the web ACL's blocklist rule never
        # changes shape when the first IPv6 network is blocked.
        self.blocklist_ip_set_arns = [
            aws.wafv2.IpSet(
                f"{name}-blocklist-{family.lower()}",
                scope="REGIONAL",
                ip_address_version=family.upper(),
                addresses=[str(e.network) for e in args.blocked if e.network.version == version],
                description=f"Blocked {family} networks - the ADM-1 blocklist, described in stack config",
                tags={"Name": f"{name}-blocklist-{family.lower()}"},
                opts=child,
            ).arn
            for version, family in _FAMILIES.items()
        ]
        self.blocked_cidrs = args.blocked_cidrs
        self.register_outputs({"prefix_list_ids": self.prefix_list_ids,
                               "blocklist_ip_set_arns": self.blocklist_ip_set_arns,
                               "blocked_cidrs": self.blocked_cidrs})
