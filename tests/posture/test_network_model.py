"""The network picture reads the reachability model the network controls judge, so picture and
verdict cannot disagree; a failing finding's counterexample is drawn (its way in or out in red) and
listed hop by hop beside the picture."""

from __future__ import annotations

import html

from posture.catalog import CONTROLS
from posture.evaluate import evaluate
from posture.reports import network, render
from posture.resources import REDACTED
from posture.rules import tokens as tok
from posture.rules.reachability import reachability_model
from tests.policies.helpers import add
from tests.posture.conftest import make_report

EGRESS_CONTROL = "stack-walled-off-group-disallow-internet-egress"


def _report(resources):
    findings = tuple(evaluate(list(resources)))
    return make_report(resources=tuple(resources), findings=findings, controls=CONTROLS)


def test_every_ingress_permission_of_the_model_is_an_arrow(prod_stack):
    model = reachability_model(list(prod_stack))
    net = network.build(prod_stack)
    ingress = [p for p in model["permissions"] if p["direction"] == "ingress"]
    assert ingress and {p["direction"] for p in model["permissions"]} == {"ingress", "egress"}
    drawn = {(e.source, e.target) for e in net.edges}
    for permission in ingress:
        for peer in permission["peers"]:
            source = "internet" if peer["key"] in ("0.0.0.0/0", "::/0") else peer["key"]
            assert (source, permission["group"]) in drawn or permission["group"] not in net.nodes, permission


def test_a_permission_the_old_picture_missed_is_drawn(prod_stack):
    """A group reached through a prefix list of the stack names the list's resource, not its id."""
    resources = add(tok.MANAGED_PREFIX_LIST, "fx-office", {
        "id": "pl-office", "name": "office", "addressFamily": "IPv4", "maxEntries": 2.0,
        "entries": [{"cidr": "10.20.0.0/16"}]})(list(prod_stack))
    resources = add(tok.SECURITY_GROUP_INGRESS_RULE, "fx-app-from-office", {
        "securityGroupId": "network-app-sg-id", "prefixListId": "pl-office", "ipProtocol": "tcp",
        "fromPort": 8443.0, "toPort": 8443.0})(resources)
    net = network.build(resources)
    [edge] = [e for e in net.edges if net.nodes[e.source].label == "fx-office"]
    assert net.nodes[edge.target].label == "network-app" and edge.ports == "tcp 8443"
    assert net.nodes[edge.source].detail == "prefix list: 10.20.0.0/16"


def test_a_walled_off_group_s_way_out_is_a_red_arrow_with_its_path(prod_stack):
    resources = add(tok.SECURITY_GROUP_EGRESS_RULE, "fx-db-out", {
        "securityGroupId": "database-sg-id", "ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"})(list(prod_stack))
    report = _report(resources)
    net = report.network
    [edge] = [e for e in net.edges if e.egress]
    assert edge.violation and net.nodes[edge.source].label == "database-db" and net.nodes[edge.target].internet
    assert edge.ports == "all traffic"
    [path] = [p for p in net.paths if p.control_id == EGRESS_CONTROL]
    assert path.hops[-1] == "the internet" and "database-db" in path.boxes
    assert html.escape(" → ".join(path.hops)) in render(report, "html")
    assert f"- `{EGRESS_CONTROL}`: " in render(report, "markdown")
    kinds = {a.kind for a in network.layout(net).arrows if a.edge is edge}
    assert kinds == {"violation"}


def test_allowed_egress_is_not_drawn(prod_stack):
    """Egress is everywhere (every group may answer); only a failing way out belongs on the picture."""
    report = _report(list(prod_stack))
    assert not [e for e in report.network.edges if e.egress] and report.network.paths == []


def test_an_inline_permission_is_red_only_at_the_path_the_finding_names(prod_stack):
    group = next(r for r in prod_stack if r.name == "network-app-sg")
    opened = add(tok.SECURITY_GROUP, "fx-open", {
        "id": "fx-open-id", "description": "x", "vpcId": group.props.get("vpcId"), "tags": {"tier": "app"},
        "ingress": [{"protocol": "tcp", "fromPort": 8443.0, "toPort": 8443.0, "securityGroups": ["network-app-sg-id"]},
                    {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["0.0.0.0/0"]}]})
    report = _report(opened(list(prod_stack)))
    net = report.network
    fx = next(k for k, n in net.nodes.items() if n.label == "fx-open")
    flagged = {net.nodes[e.source].label: e.violation for e in net.edges if e.target == fx}
    assert flagged == {"The internet": True, "network-app": False}


def test_a_secret_source_is_said_to_be_unreadable_never_dropped_silently(prod_stack):
    """The issue's case: a 0.0.0.0/0 wrapped in Output.secret. The picture cannot draw it; it says so."""
    resources = add(tok.SECURITY_GROUP_INGRESS_RULE, "fx-secret-open", {
        "securityGroupId": "database-sg-id", "cidrIpv4": REDACTED, "ipProtocol": "tcp",
        "fromPort": 5432.0, "toPort": 5432.0})(list(prod_stack))
    report = _report(resources)
    [why] = report.network.unreadable
    assert why.startswith("fx-secret-open: ") and "secret" in why
    for fmt in ("html", "markdown"):
        text = render(report, fmt)
        assert why in html.unescape(text) and "REDACTED" not in text, fmt
