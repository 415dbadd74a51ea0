"""Input validation shared by every component's Args.

Errors subclass ``pulumi.RunError`` so that under the real Pulumi CLI a bad input ends the
program with its one-line message instead of a stack trace from deep inside the SDK.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

import pulumi

from posture.facts import AWS_REGION_NAME, is_internet

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ACCOUNT_ID = re.compile(r"^\d{12}$")
SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
"""A name Secrets Manager accepts for a secret."""
KMS_KEY_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:kms:(?P<region>[a-z0-9-]+):\d{12}:key/"
                         r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})$")


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
    """Refuse the internet as a listed network: 0.0.0.0/0, but also public ranges broad enough to
    stand for it (0.0.0.0/1 twice is the whole internet); the policy pack draws the same line."""
    require(
        not is_internet(str(network)),
        field,
        f"{network} admits the whole internet or a large part of it",
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


def require_account_and_region(account_id: str, region: str) -> None:
    require(bool(ACCOUNT_ID.match(account_id)), "account_id", f"{account_id!r} is not a 12-digit account id",
            "pass the id of the account that owns the resources")
    match = AWS_REGION_NAME.match(region)
    # The ISO partitions are closed regions these components build no ARNs for.
    require(bool(match) and not match["iso"], "region", f"{region!r} is not an AWS region name",
            "use a name like eu-west-1")


def require_key_arn(value: object, field: str, region: str) -> None:
    """Check a KMS key ARN given as text; an Output is only known at deploy time and is left to AWS."""
    if not isinstance(value, str):
        return
    match = KMS_KEY_ARN.match(value)
    require(match is not None, field, f"{value!r} is not a KMS key ARN",
            "pass the key's ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias or key id")
    key_region = match.group("region") if match else region
    require(key_region == region, field, f"the key lives in {key_region}, the resources in {region}",
            "use a key from the same region (KMS keys are regional)")
