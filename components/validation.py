"""Input validation shared by every component's Args.

Errors subclass ``pulumi.RunError`` so that under the real Pulumi CLI a bad input ends the
program with its one-line message instead of a stack trace from deep inside the SDK.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

import pulumi

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ANYWHERE = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))


class InvalidInput(pulumi.RunError):
    """A component or stack input that is insecure or malformed; the message names the field."""

    def __init__(self, field: str, problem: str, fix: str) -> None:
        self.field, self.problem, self.fix = field, problem, fix
        super().__init__(f"{field}: {problem}; {fix}")


def require(condition: bool, field: str, problem: str, fix: str) -> None:
    if not condition:
        raise InvalidInput(field, problem, fix)


def parse_cidr(value: object, field: str) -> IPNetwork:
    """Parse a CIDR strictly: host bits set (10.0.0.1/16) is refused because it usually hides a typo."""
    if not isinstance(value, str):
        raise InvalidInput(field, f"{value!r} is not a CIDR string", "write it like '10.0.0.0/16'")
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise InvalidInput(field, f"{value!r} is not a valid CIDR ({exc})", "write it like '10.0.0.0/16'") from None


def refuse_anywhere(network: IPNetwork, field: str) -> None:
    require(
        network not in ANYWHERE,
        field,
        f"{network} admits the whole internet",
        "list the specific networks that need access",
    )


def refuse_overlaps(named: Sequence[tuple[str, IPNetwork]]) -> None:
    """Refuse any two networks that overlap, naming the second one of the pair."""
    for i, (field_a, net_a) in enumerate(named):
        for field_b, net_b in named[i + 1 :]:
            require(
                net_a.version != net_b.version or not net_a.overlaps(net_b),
                field_b,
                f"{net_b} overlaps {net_a} ({field_a})",
                "give every subnet its own address range",
            )


def refuse_duplicates(values: Iterable[str], field: str) -> None:
    seen: set[str] = set()
    for value in values:
        require(value not in seen, field, f"{value!r} is listed twice", "remove the duplicate entry")
        seen.add(value)
