"""The network picture stays readable at 10,000 resources: repeated shapes aggregate, every column
is capped, and the drawing stays within a size budget (its pixels are looked at in
test_html_chromium.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from posture.reports import network
from posture.resources import ResourceView
from tests.posture.conftest import make_report

SERVICES = 1084
"""Prod (248 resources) plus 1,084 services of 9 resources each: 10,004 resources."""
BUDGET = {"width": 1600, "height": 2000, "boxes": 5 * network.MAX_NODES_PER_COLUMN, "svg_bytes": 150_000,
          "mermaid_bytes": 12_000}
"""Pixels at which a 1400 px wide page still shows the picture without scrolling past a screen or two."""
PREFIX = "urn:pulumi:prod::security-baseline::"


def synthetic(prod: list[ResourceView], services: int, *, distinct_ports: bool = False) -> list[ResourceView]:
    """What benchmarks/synthetic_app.py adds per service, as the engine records it (9 resources each)."""
    app_sg_id = next(r.props["id"] for r in prod if r.name == "network-app-sg")
    out = list(prod)
    for i in range(services):
        name = f"svc{i:05d}"
        port = 8000 + i if distinct_ports else 8443
        out.append(ResourceView(PREFIX + f"aws:ec2/securityGroup:SecurityGroup::{name}-sg",
                                "aws:ec2/securityGroup:SecurityGroup", f"{name}-sg",
                                {"description": f"{name} tasks", "tags": {"tier": "app"}, "id": f"{name}-sg-id"}))
        out.append(ResourceView(PREFIX + f"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::{name}-from-app",
                                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", f"{name}-from-app",
                                {"securityGroupId": f"{name}-sg-id", "referencedSecurityGroupId": app_sg_id,
                                 "ipProtocol": "tcp", "fromPort": float(port), "toPort": float(port)}))
        for kind in ("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "aws:dynamodb/table:Table",
                     "aws:dynamodb/resourcePolicy:ResourcePolicy", "aws:backup/selection:Selection",
                     "aws:cloudwatch/logGroup:LogGroup", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"):
            short = kind.rsplit(":", 1)[-1]
            out.append(ResourceView(PREFIX + f"{kind}::{name}-{short}", kind, f"{name}-{short}", {}))
    return out


def within_budget(net: network.Network) -> dict[str, float]:
    drawn = network.layout(net)
    svg = _svg(net)
    sizes = {"width": drawn.width, "height": drawn.height, "boxes": len(drawn.boxes), "svg_bytes": len(svg.encode()),
             "mermaid_bytes": len(network.mermaid(net).encode())}
    over = {k: v for k, v in sizes.items() if v > BUDGET[k]}
    assert over == {}, sizes
    return sizes


def _svg(net: network.Network) -> str:
    from posture.reports.formats.html import _environment

    return _environment().get_template("network.svg.j2").render(svg=network.layout(net), fit=network.fit)


@pytest.fixture(scope="module")
def ten_thousand(prod_stack) -> list[ResourceView]:
    resources = synthetic(list(prod_stack), SERVICES)
    assert len(resources) >= 10_000
    return resources


def test_groups_of_one_shape_become_one_box(ten_thousand):
    net = network.build(ten_thousand)
    within_budget(net)
    [services] = [n for n in net.nodes.values() if n.members > 1]
    assert (services.label, services.detail) == (f"{SERVICES:,} security groups", "like svc00000-sg")
    assert services.column == "app"
    assert [(net.nodes[e.source].label, e.ports) for e in net.edges if e.target == services.key] == [
        ("network-app", "tcp 8443")]


def test_groups_of_distinct_shapes_fold_into_one_box_per_column(prod_stack):
    net = network.build(synthetic(list(prod_stack), SERVICES, distinct_ports=True))
    within_budget(net)
    app = [n for n in net.nodes.values() if n.column == "app"]
    assert len(app) == network.MAX_NODES_PER_COLUMN
    [more] = [n for n in app if n.key == "more:app"]
    assert sum(n.members for n in app) == SERVICES + 4  # the four prod app-tier groups stay counted
    assert more.label.startswith("+") and "more security groups" in more.label


def test_a_violation_is_never_folded_away(prod_stack):
    resources = synthetic(list(prod_stack), SERVICES, distinct_ports=True)
    last = next(r for r in reversed(resources) if r.type == "aws:ec2/securityGroup:SecurityGroup")
    finding = replace(make_report().findings[0], resource_urn=last.urn, control_id="x", message="svc: open")
    net = network.build(resources, violations=[finding])
    within_budget(net)
    assert [n.label for n in net.nodes.values() if n.violations] == [last.name]


def test_subnets_of_a_tier_share_one_chip_when_there_are_many(prod_stack):
    extra = [ResourceView(PREFIX + f"aws:ec2/subnet:Subnet::more-{i}", "aws:ec2/subnet:Subnet", f"more-{i}",
                          {"cidrBlock": f"10.10.{200 + i}.0/24", "availabilityZone": "eu-west-1a",
                           "tags": {"tier": "app"}}) for i in range(40)]
    drawn = network.layout(network.build([*prod_stack, *extra]))
    chips = [text for _, _, text, _ in drawn.chips]
    assert "43 subnets" in chips and chips.count("43 subnets") == 1
    assert sum(text.startswith("subnet ") for text in chips) == 6  # public and data keep one chip per subnet
