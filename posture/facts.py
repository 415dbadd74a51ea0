"""Facts about AWS that components and rules share, so a component builds exactly what its control
accepts. It sits below both: it imports neither."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

AWS_REGION_NAME = re.compile(r"^(?P<prefix>[a-z]{2})(?P<gov>-gov)?(?P<iso>-iso[a-z]?)?-[a-z]+-\d+$")
"""Any AWS region name (eu-west-1, us-gov-west-1, us-isob-east-1): the audit's ``--region`` and the
components' ``region`` input are checked against this one pattern."""
INTERNET_PREFIX = {4: 8, 6: 16}
"""A public range shorter than /8 (IPv4) or /16 (IPv6) counts as "the internet". 0.0.0.0/0 is the
obvious form, but 0.0.0.0/1 + 128.0.0.0/1 admits exactly the same sources, so every internet
check reads prefix length, not the literal. /8 is the largest block one organisation was ever
allocated in IPv4 and /16 is far beyond any RIR's allocation to a single network in IPv6: a
source broader than that is nobody's allowlist entry. The aggregator /28s and the admin/intranet
allowlists stay well below. Several rules can still add up (sixty /8 rules on one group admit a
quarter of IPv4); no check here sums them."""
NON_PUBLIC_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",  # carrier-grade NAT (RFC 6598)
    "169.254.0.0/16", "127.0.0.0/8",  # link-local, loopback
    "fc00::/7", "fe80::/10", "::1/128"))  # unique-local, link-local, loopback
"""Ranges that never route from the internet: a range wholly inside one of them is internal."""


def is_internet(cidr: Any) -> bool:
    """A source or destination that stands for the internet: public and broader than INTERNET_PREFIX."""
    if not isinstance(cidr, str):
        return False
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return False
    if network.prefixlen >= INTERNET_PREFIX[network.version]:
        return False
    return not any(network.version == private.version and network.subnet_of(private)  # type: ignore[arg-type]
                   for private in NON_PUBLIC_NETWORKS)


def cidr_within(cidr: str, networks: Iterable[str]) -> bool:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    for other in networks:
        try:
            parent = ipaddress.ip_network(other, strict=False)
        except ValueError:
            continue
        if net.version == parent.version and net.subnet_of(parent):  # type: ignore[arg-type]
            return True
    return False


ORGANIZATIONS_CHANGE_EVENTS = (
    "AcceptHandshake", "AttachPolicy", "CancelHandshake", "CreateAccount", "CreateOrganization",
    "CreateOrganizationalUnit", "CreatePolicy", "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit",
    "DeletePolicy", "DetachPolicy", "DisablePolicyType", "EnableAllFeatures", "EnablePolicyType",
    "InviteAccountToOrganization", "LeaveOrganization", "MoveAccount", "RemoveAccountFromOrganization",
    "UpdateOrganizationalUnit", "UpdatePolicy",
)
"""CIS AWS Foundations 4.15's event names (the pattern Prowler and Security Hub match): every one
must be in the Organizations filter; the component writes exactly this list."""


TABLE_DATA_ACTIONS = (
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PutItem",
    "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
    "dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete",
    "dynamodb:ExportTableToPointInTime",
)
"""Every action that reads or writes items, and the export that copies them out: the table's deny
must cover each (``dynamodb:*`` covers them all). A deny on GetItem alone leaves Scan, Query,
BatchGetItem, PartiQL and Export open. components/data_stores.py writes this same list. Control-plane
actions (backups, PITR restore, the resource policy itself) stay with IAM so that operators and AWS
Backup keep working and nobody can lock the account out of the table."""


ALLOWED_TLS_POLICIES = frozenset({
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
})
"""The one list of TLS policies a listener may use: the rule checks it and
components.load_balancer imports it, so what the component accepts and what the control passes
cannot drift apart. TLS 1.2 minimum with forward-secret suites only (AWS ELB docs). Deliberately
absent: every ``TLS13-1-0`` and ``TLS13-1-1`` policy (they still accept TLS 1.0/1.1 despite
"TLS13" in the name), the ``Ext0``/``Ext1``/``Ext2`` variants (SHA-1 and non-forward-secret
suites for legacy clients) and the pre-2021 policies. Matching by name pattern is how TLS 1.0
slips back in, so this is a list."""

MIN_RATE_LIMIT, MAX_RATE_LIMIT = 100, 20_000
"""Requests per client IP per 5-minute window a rate-based rule may allow: above 20,000 (over a
request a second from one address, sustained) the rule no longer stops a flood from one client.
components.load_balancer imports these bounds, so the component and the control agree."""
