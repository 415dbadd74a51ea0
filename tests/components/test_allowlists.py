"""Allowlists: named prefix lists with described entries, and the blocklist as WAF IP sets (ADM-1)."""

from __future__ import annotations

import copy
from typing import Any

import pulumi
import pytest

from components.allowlists import KNOWN_ALLOWLISTS, Allowlists, AllowlistsArgs
from components.validation import InvalidInput
from components.vpc import VpcArgs
from tests.conftest import Registered, run_under_mocks

PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
IP_SET = "aws:wafv2/ipSet:IpSet"

ALLOWLISTS: dict[str, list[dict[str, Any]]] = {
    "admin": [
        {"cidr": "203.0.113.0/28", "description": "HQ admin VPN egress"},
        {"cidr": "198.51.100.16/29", "description": "On-call break-glass office"},
        {"cidr": "2001:db8:1::/48", "description": "HQ IPv6"},
    ],
    "intranet": [{"cidr": "10.20.0.0/16", "description": "Corporate network over the VPN"}],
}
BLOCKLIST = [
    {"cidr": "192.0.2.0/24", "description": "Credential-stuffing source, incident 2024-017"},
    {"cidr": "2001:db8:bad::/48", "description": "Scanner seen in WAF logs"},
]


def _args(**changes: Any) -> AllowlistsArgs:
    values: dict[str, Any] = {"allowlists": copy.deepcopy(ALLOWLISTS), "blocklist": copy.deepcopy(BLOCKLIST)}
    values.update(changes)
    return AllowlistsArgs(**values)


@pytest.fixture(scope="module")
def built() -> tuple[Registered, dict[str, Any]]:
    outputs: dict[str, Any] = {}

    def program() -> None:
        lists = Allowlists("allow", _args())
        pulumi.Output.all(
            admin=pulumi.Output.all(*lists.prefix_list_ids["admin"]),
            intranet=pulumi.Output.all(*lists.prefix_list_ids["intranet"]),
            ip_sets=pulumi.Output.all(*lists.blocklist_ip_set_arns),
        ).apply(outputs.update)
        outputs["blocked_cidrs"] = lists.blocked_cidrs

    return run_under_mocks(program), outputs


def test_each_allowlist_becomes_a_prefix_list_per_address_family(built):
    registered, _ = built
    assert registered.names(PREFIX_LIST) == {"allow-admin-ipv4", "allow-admin-ipv6", "allow-intranet-ipv4"}
    admin_v4 = registered.one(PREFIX_LIST, "allow-admin-ipv4").props
    assert admin_v4["addressFamily"] == "IPv4"
    assert admin_v4["entries"] == [
        {"cidr": "203.0.113.0/28", "description": "HQ admin VPN egress"},
        {"cidr": "198.51.100.16/29", "description": "On-call break-glass office"},
    ]
    admin_v6 = registered.one(PREFIX_LIST, "allow-admin-ipv6").props
    assert admin_v6["addressFamily"] == "IPv6"
    assert admin_v6["entries"] == [{"cidr": "2001:db8:1::/48", "description": "HQ IPv6"}]


def test_prefix_lists_have_fixed_capacity_and_every_entry_a_description(built):
    registered, _ = built
    prefix_lists = registered.of_type(PREFIX_LIST)
    assert prefix_lists
    for prefix_list in prefix_lists:
        assert prefix_list.props["maxEntries"] == 20
        assert all(entry["description"].strip() for entry in prefix_list.props["entries"])
        assert all(entry["cidr"] not in ("0.0.0.0/0", "::/0") for entry in prefix_list.props["entries"])


def test_blocklist_becomes_regional_ipv4_and_ipv6_ip_sets(built):
    registered, _ = built
    v4 = registered.one(IP_SET, "allow-blocklist-ipv4").props
    v6 = registered.one(IP_SET, "allow-blocklist-ipv6").props
    assert (v4["scope"], v4["ipAddressVersion"], v4["addresses"]) == ("REGIONAL", "IPV4", ["192.0.2.0/24"])
    assert (v6["scope"], v6["ipAddressVersion"], v6["addresses"]) == ("REGIONAL", "IPV6", ["2001:db8:bad::/48"])


def test_outputs_name_prefix_lists_and_ip_sets(built):
    _, outputs = built
    assert outputs["admin"] == ["allow-admin-ipv4-id", "allow-admin-ipv6-id"]
    assert outputs["intranet"] == ["allow-intranet-ipv4-id"]
    assert [arn.rsplit("/", 1)[-1] for arn in outputs["ip_sets"]] == ["allow-blocklist-ipv4", "allow-blocklist-ipv6"]
    assert outputs["blocked_cidrs"] == ["192.0.2.0/24", "2001:db8:bad::/48"]


def test_blocked_cidrs_feed_the_network_acls():
    blocked = _args().blocked_cidrs
    vpc = VpcArgs(cidr="10.0.0.0/16", availability_zones=["eu-west-1a", "eu-west-1b"], region="eu-west-1",
                  account_id="111122223333", flow_log_key_arn="arn:aws:kms:eu-west-1:111122223333:key/k", blocked_cidrs=blocked)
    assert [str(n) for n in vpc.blocked_networks] == blocked


def test_opens_no_port_anywhere(built):
    """Allowlists only name networks; security groups decide ports, and none here admits SSH/RDP."""
    registered, _ = built
    assert {r.type for r in registered if r.custom} == {PREFIX_LIST, IP_SET}


def test_empty_blocklist_still_creates_both_ip_sets():
    registered = run_under_mocks(lambda: Allowlists("allow", _args(blocklist=[])))
    assert [r.props.get("addresses") for r in registered.of_type(IP_SET)] == [[], []]


def test_known_allowlist_names_are_the_internal_services():
    assert set(KNOWN_ALLOWLISTS) == {"intranet", "admin", "database-access", "server-connections"}


def _with_admin_entry(entry: Any) -> dict[str, Any]:
    lists = copy.deepcopy(ALLOWLISTS)
    lists["admin"].append(entry)
    return {"allowlists": lists}


def _with_blocked(*entries: Any) -> dict[str, Any]:
    return {"blocklist": [*copy.deepcopy(BLOCKLIST), *entries]}


TOO_MANY = [{"cidr": f"10.1.{i}.0/24", "description": f"site {i}"} for i in range(21)]
INVALID = {
    "unknown name": ({"allowlists": {"vpn": [{"cidr": "10.0.0.0/8", "description": "x"}]}}, "allowlists.vpn"),
    "IPv4 anywhere": (_with_admin_entry({"cidr": "0.0.0.0/0", "description": "all"}), "allowlists.admin[3].cidr"),
    "IPv6 anywhere": (_with_admin_entry({"cidr": "::/0", "description": "all"}), "allowlists.admin[3].cidr"),
    "malformed CIDR": (_with_admin_entry({"cidr": "10.0.0/8", "description": "typo"}), "allowlists.admin[3].cidr"),
    "host bits set": (_with_admin_entry({"cidr": "203.0.113.5/24", "description": "x"}), "allowlists.admin[3].cidr"),
    "not a string": (_with_admin_entry({"cidr": 10, "description": "x"}), "allowlists.admin[3].cidr"),
    "cidr missing": (_with_admin_entry({"description": "x"}), "allowlists.admin[3].cidr"),
    "duplicate": (_with_admin_entry({"cidr": "203.0.113.0/28", "description": "again"}), "allowlists.admin[3].cidr"),
    "no description": (_with_admin_entry({"cidr": "10.9.0.0/16"}), "allowlists.admin[3].description"),
    "blank description": (_with_admin_entry({"cidr": "10.9.0.0/16", "description": "  "}),
                          "allowlists.admin[3].description"),
    "long description": (_with_admin_entry({"cidr": "10.9.0.0/16", "description": "x" * 256}),
                         "allowlists.admin[3].description"),
    "unknown key": (_with_admin_entry({"cidr": "10.9.0.0/16", "description": "x", "port": 22}), "allowlists.admin[3]"),
    "entry not a mapping": (_with_admin_entry("10.9.0.0/16"), "allowlists.admin[3]"),
    "more than max_entries": ({"allowlists": {"intranet": TOO_MANY}}, "allowlists.intranet"),
    "empty allowlist": ({"allowlists": {"admin": []}}, "allowlists.admin"),
    "max_entries zero": ({"max_entries": 0}, "max_entries"),
    "max_entries over SG quota": ({"max_entries": 61}, "max_entries"),
    "blocklist anywhere": (_with_blocked({"cidr": "0.0.0.0/0", "description": "all"}), "blocklist[2].cidr"),
    "blocklist IPv6 anywhere": (_with_blocked({"cidr": "::/0", "description": "all"}), "blocklist[2].cidr"),
    "blocklist malformed": (_with_blocked({"cidr": "192.0.2.0/33", "description": "x"}), "blocklist[2].cidr"),
    "blocklist host bits": (_with_blocked({"cidr": "198.18.0.1/15", "description": "x"}), "blocklist[2].cidr"),
    "blocklist duplicate": (_with_blocked({"cidr": "192.0.2.0/24", "description": "x"}), "blocklist[2].cidr"),
    "blocklist no description": (_with_blocked({"cidr": "198.18.0.0/15"}), "blocklist[2].description"),
    "blocklist over NACL slots": ({"blocklist": [{"cidr": f"198.18.{i}.0/24", "description": "x"} for i in range(11)]},
                                  "blocklist"),
    "blocked and allowed": (_with_blocked({"cidr": "203.0.113.0/24", "description": "x"}), "blocklist[2].cidr"),
}


@pytest.mark.parametrize(("changes", "field"), INVALID.values(), ids=INVALID.keys())
def test_invalid_input_names_the_field(changes: dict[str, Any], field: str):
    with pytest.raises(InvalidInput) as error:
        _args(**changes)
    assert error.value.field == field
    assert str(error.value).startswith(f"{field}: ")


@pytest.mark.parametrize("cidr", ["0.0.0.0/1", "128.0.0.0/1", "8000::/1"])
def test_a_range_that_is_most_of_the_internet_is_refused_like_the_whole_of_it(cidr):
    with pytest.raises(InvalidInput) as err:
        AllowlistsArgs(allowlists={"admin": [{"cidr": cidr, "description": "too broad"}]})
    assert err.value.field == "allowlists.admin[0].cidr"
    with pytest.raises(InvalidInput) as err:
        AllowlistsArgs(allowlists={"admin": [{"cidr": "192.0.2.0/28", "description": "vpn"}]},
                       blocklist=[{"cidr": cidr, "description": "too broad"}])
    assert err.value.field == "blocklist[0].cidr"


@pytest.mark.parametrize(("allowlists", "field", "problem"), [
    ({"admin": "192.0.2.0/28"}, "allowlists.admin", "is a str, not a list"),
    ({"admin": [{"cidr": "192.0.2.0/28", "description": 5}]}, "allowlists.admin[0].description", "is a int, not text"),
])
def test_a_wrongly_typed_value_is_named_by_its_type(allowlists, field, problem):
    with pytest.raises(InvalidInput) as err:
        AllowlistsArgs(allowlists=allowlists)
    assert (err.value.field, err.value.problem) == (field, problem)
