"""The VPC's tiers, routes, ACLs, default SG, endpoints and flow logs, and its input validation."""

import json

import pytest

from components.validation import InvalidInput
from components.vpc import GATEWAY_ENDPOINT_SERVICES, INTERFACE_ENDPOINT_SERVICES, Vpc, VpcArgs
from tests.conftest import run_under_mocks

ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
LOG_KEY = "arn:aws:kms:eu-west-1:111122223333:key/logs"
ACCOUNT = "111122223333"


def vpc_args(**overrides) -> VpcArgs:
    return VpcArgs(**{"cidr": "10.0.0.0/16", "availability_zones": ZONES, "region": "eu-west-1", "account_id": ACCOUNT,
                      "flow_log_key_arn": LOG_KEY, **overrides})


@pytest.fixture(scope="module")
def network():
    return run_under_mocks(lambda: Vpc("net", vpc_args(blocked_cidrs=["203.0.113.0/24", "2001:db8::/32"])))


def subnets_of_tier(network, tier):
    return [s for s in network.of_type("aws:ec2/subnet:Subnet") if s.props["tags"]["tier"] == tier]


def test_three_tiers_one_subnet_per_zone_and_no_public_ips(network):
    for tier in ("public", "app", "data"):
        subnets = subnets_of_tier(network, tier)
        assert sorted(s.props["availabilityZone"] for s in subnets) == ZONES
        assert all(s.props["mapPublicIpOnLaunch"] is False for s in subnets)


def test_data_tier_route_table_has_no_route_at_all(network):
    data_rt = network.one("aws:ec2/routeTable:RouteTable", "net-data-rt")
    assert data_rt.props.get("routes", []) == []
    data_subnet_ids = {f"{s.name}-id" for s in subnets_of_tier(network, "data")}
    associated = {a.props["subnetId"] for a in network.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
                  if a.props["routeTableId"] == "net-data-rt-id"}
    assert associated == data_subnet_ids


def test_app_tier_leaves_only_through_nat_and_public_through_igw(network):
    assert {rt.props["tags"]["tier"] for rt in network.of_type("aws:ec2/routeTable:RouteTable")} == {"public", "app",
                                                                                                     "data"}
    for rt in network.of_type("aws:ec2/routeTable:RouteTable"):
        tier = rt.props["tags"]["tier"]
        targets = {k for route in rt.props.get("routes", []) for k in route if k.endswith("Id")}
        assert targets == {"public": {"gatewayId"}, "app": {"natGatewayId"}, "data": set()}[tier], rt.name


def test_one_nat_gateway_per_zone_by_default_and_one_when_asked():
    assert len(run_under_mocks(lambda: Vpc("n", vpc_args())).of_type("aws:ec2/natGateway:NatGateway")) == 3
    single = run_under_mocks(lambda: Vpc("n", vpc_args(nat_gateway_per_az=False)))
    assert len(single.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert {r.props["routes"][0]["natGatewayId"] for r in single.of_type("aws:ec2/routeTable:RouteTable")
            if r.props["tags"]["tier"] == "app"} == {"n-nat-0-id"}


def test_default_security_group_is_stripped(network):
    default_sg = network.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default_sg.props["ingress"] == [] and default_sg.props["egress"] == []


def test_data_nacl_admits_only_app_subnets_on_the_database_port(network):
    app_cidrs = {s.props["cidrBlock"] for s in subnets_of_tier(network, "app")}
    acl = network.one("aws:ec2/networkAcl:NetworkAcl", "net-data-nacl")
    allowed = [r for r in acl.props["ingress"] if r["action"] == "allow"]
    assert {r["cidrBlock"] for r in allowed} == app_cidrs
    assert all((r["protocol"], r["fromPort"], r["toPort"]) == ("tcp", 5432, 5432) for r in allowed)
    assert {r["cidrBlock"] for r in acl.props["egress"] if r["action"] == "allow"} == app_cidrs


def test_blocklist_is_denied_first_in_every_nacl(network):
    assert len(network.of_type("aws:ec2/networkAcl:NetworkAcl")) == 3
    for acl in network.of_type("aws:ec2/networkAcl:NetworkAcl"):
        for direction in ("ingress", "egress"):
            first = sorted(acl.props[direction], key=lambda r: r["ruleNo"])[:2]
            assert [r["action"] for r in first] == ["deny", "deny"], acl.name
            assert {r.get("cidrBlock") or r.get("ipv6CidrBlock") for r in first} == {"203.0.113.0/24", "2001:db8::/32"}


def test_no_nacl_allows_all_traffic_from_anywhere(network):
    assert len(network.of_type("aws:ec2/networkAcl:NetworkAcl")) == 3
    for acl in network.of_type("aws:ec2/networkAcl:NetworkAcl"):
        assert acl.props["ingress"], acl.name
        for rule in acl.props["ingress"]:
            assert not (rule["action"] == "allow" and rule["protocol"] == "-1" and rule.get("cidrBlock") == "0.0.0.0/0")


def test_flow_log_captures_all_traffic_into_an_encrypted_log_group(network):
    flow_log = network.one("aws:ec2/flowLog:FlowLog")
    assert flow_log.props["trafficType"] == "ALL"
    assert flow_log.props["vpcId"] == "net-vpc-id"
    group = network.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.props["kmsKeyId"] == LOG_KEY and group.props["retentionInDays"] >= 365


def test_only_flow_logs_of_this_account_may_assume_the_flow_log_role(network):
    trust = json.loads(network.one("aws:iam/role:Role").props["assumeRolePolicy"])["Statement"]
    assert trust == [{"Effect": "Allow", "Action": "sts:AssumeRole",
                      "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                      "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]


def test_private_tiers_reach_aws_apis_through_endpoints(network):
    endpoints = network.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    services = {e.props["serviceName"].rsplit(".", 1)[-1]: e for e in endpoints}
    assert set(services) == set(GATEWAY_ENDPOINT_SERVICES) | set(INTERFACE_ENDPOINT_SERVICES)
    for name in INTERFACE_ENDPOINT_SERVICES:
        assert services[name].props["privateDnsEnabled"] is True
    endpoint_ingress = network.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert endpoint_ingress.props["referencedSecurityGroupId"] == "net-app-sg-id"
    assert "cidrIpv4" not in endpoint_ingress.props


@pytest.mark.parametrize(("overrides", "field"), [
    ({"cidr": "10.0.0.0/33"}, "cidr"),
    ({"cidr": "10.0.0.1/16"}, "cidr"),
    ({"cidr": "8.8.0.0/16"}, "cidr"),
    ({"cidr": "10.0.0.0/8"}, "cidr"),
    ({"availability_zones": ["eu-west-1a"]}, "availability_zones"),
    ({"availability_zones": ["eu-west-1a", "eu-west-1a"]}, "availability_zones"),
    ({"database_port": 22}, "database_port"),
    ({"flow_log_retention_days": 30}, "flow_log_retention_days"),
    ({"blocked_cidrs": ["0.0.0.0/0"]}, "blocked_cidrs[0]"),
    ({"blocked_cidrs": ["not-a-cidr"]}, "blocked_cidrs[0]"),
    ({"blocked_cidrs": ["192.0.2.0/24", "192.0.2.0/24"]}, "blocked_cidrs"),
    ({"blocked_cidrs": [f"192.0.2.{i}/32" for i in range(11)]}, "blocked_cidrs"),
    ({"tier_cidrs": {"public": ["10.0.0.0/24"] * 3}}, "tier_cidrs"),
    ({"tier_cidrs": {"public": ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"],
                     "app": ["10.0.3.0/24", "10.0.4.0/24", "10.0.5.0/24"],
                     "data": ["10.0.6.0/24", "10.0.7.0/24", "10.0.1.128/25"]}}, "tier_cidrs.data[2]"),
    ({"tier_cidrs": {"public": ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"],
                     "app": ["10.0.3.0/24", "10.0.4.0/24", "10.1.5.0/24"],
                     "data": ["10.0.6.0/24", "10.0.7.0/24", "10.0.8.0/24"]}}, "tier_cidrs.app[2]"),
])
def test_insecure_or_broken_input_is_refused_naming_the_field(overrides, field):
    with pytest.raises(InvalidInput) as err:
        vpc_args(**overrides)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ")


def test_explicit_non_overlapping_tier_cidrs_are_used():
    tiers = {"public": ["10.0.0.0/24", "10.0.1.0/24"], "app": ["10.0.2.0/24", "10.0.3.0/24"],
             "data": ["10.0.4.0/24", "10.0.5.0/24"]}
    registered = run_under_mocks(lambda: Vpc("n", vpc_args(availability_zones=ZONES[:2], tier_cidrs=tiers)))
    assert sorted(s.props["cidrBlock"] for s in registered.of_type("aws:ec2/subnet:Subnet")) == sorted(
        c for cidrs in tiers.values() for c in cidrs)
