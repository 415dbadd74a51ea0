"""What the reachability and edge-path attempts (adversarial.py, run by test_rules.test_case) show
beyond their verdict, and what only a first preview or a secret value can show."""

from __future__ import annotations

import dataclasses

import pytest

from posture.findings import Verdict
from posture.resources import REDACTED, UNKNOWN
from posture.rules import tokens as tok
from posture.rules.reachability import reachability_model
from tests.policies.adversarial import ADVERSARIAL, ISSUE, OWN
from tests.policies.cases import Case
from tests.policies.helpers import add, change, failing, find, run, verdicts

NETWORK_AND_EDGE = (
    "aws-ec2-securitygroup-disallow-all-ports-ingress", "aws-ec2-securitygroup-disallow-remote-admin-ingress",
    "stack-security-group-disallow-internet-ingress", "stack-vpc-require-flow-logs",
    "stack-vpc-require-service-endpoints", "stack-load-balancer-require-waf",
    "stack-load-balancer-require-public-tier-subnets", "stack-database-reachable-only-from-app-tier",
    "stack-data-tier-nacl-require-app-tier-sources", "stack-data-tier-disallow-internet-routes",
    "stack-subnet-require-network-acl", "stack-web-acl-require-baseline-rules", "aws-lb-loadbalancer-enable-access-logs",
    "stack-entry-point-require-tls-and-waf", "stack-network-acl-require-denies-first",
    "stack-walled-off-group-disallow-internet-egress")


def test_there_are_thirty_own_attempts_beside_the_reported_ones() -> None:
    assert len(OWN) >= 30 and len(ISSUE) >= 20
    assert len({c.id for c in ADVERSARIAL}) == len(ADVERSARIAL)


STACK_MODELS = ("stack-entry-point-require-tls-and-waf", "stack-web-acl-require-baseline-rules",
                "stack-data-tier-disallow-internet-routes", "stack-network-acl-require-denies-first",
                "stack-walled-off-group-disallow-internet-egress")


@pytest.mark.parametrize("case", [c for c in ADVERSARIAL if c.kind == "fail" and c.control in STACK_MODELS],
                         ids=lambda c: c.id)
def test_failures_show_the_path_hop_by_hop(case: Case, baseline) -> None:
    bad = [f for f in run(case.change(baseline)) if f.control_id == case.control and f.verdict is Verdict.FAIL]
    assert bad, f"{case.control} does not fail on {case.name}"
    assert all(len(f.evidence) >= 3 for f in bad), [(f.message, f.evidence) for f in bad]


def test_listener_rule_path_names_every_hop(baseline) -> None:
    case = next(c for c in ISSUE if c.name == "fail_listener_rule_forwards_on_port_80")
    (finding,) = [f for f in run(case.change(baseline)) if f.verdict is Verdict.FAIL]
    assert finding.evidence[:4] == ("internet", "application load balancer web-alb",
                                    "listener web-http-redirect (HTTP:80)", "rule fx-http-rule (priority 1)")
    assert "forward to" in finding.evidence[4]


def test_allow_rule_path_names_what_it_skips(baseline) -> None:
    case = next(c for c in ISSUE if c.name == "fail_allow_everything_before_the_blocklist")
    (finding,) = [f for f in run(case.change(baseline)) if f.verdict is Verdict.FAIL]
    assert "rule allow-all (priority 0): ALLOW" in finding.evidence
    assert any(e.startswith("skipped: the IP blocklist") for e in finding.evidence)


# --- the first preview -------------------------------------------------------------------------


def test_network_and_edge_controls_decide_on_the_first_preview(prod_first_preview) -> None:
    findings = run(prod_first_preview)
    unknown = [f"{f.control_id}: {f.message}" for f in findings
               if f.control_id in NETWORK_AND_EDGE and f.verdict is Verdict.UNKNOWN]
    assert unknown == []
    assert {c for c in NETWORK_AND_EDGE if Verdict.PASS in verdicts(findings, c)} == set(NETWORK_AND_EDGE)
    assert failing(findings) & set(NETWORK_AND_EDGE) == set()


def _preview_route(prod_first_preview, table_ref, depends_on: str):
    vpc = find(prod_first_preview, "network-vpc")
    nat = find(prod_first_preview, "network-nat-0")
    assoc = find(prod_first_preview, "network-data-rta-0")
    route = dataclasses.replace(
        vpc, urn=vpc.urn.replace("aws:ec2/vpc:Vpc::network-vpc", "aws:ec2/route:Route::fx-main-route"),
        type=tok.ROUTE, name="fx-main-route",
        props={"routeTableId": table_ref, "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": UNKNOWN},
        dependencies={"routeTableId": frozenset({find(prod_first_preview, depends_on).urn}),
                      "natGatewayId": frozenset({nat.urn})})
    return [r for r in prod_first_preview if r is not assoc] + [route]


def test_main_table_route_is_followed_on_the_first_preview(prod_first_preview) -> None:
    findings = run(_preview_route(prod_first_preview, UNKNOWN, "network-vpc"))
    bad = [f for f in findings if f.control_id == "stack-data-tier-disallow-internet-routes"
           and f.verdict is Verdict.FAIL]
    assert bad and "network-vpc main route table" in bad[0].message
    assert "NAT gateway the id of network-nat-0" in bad[0].message


def test_a_route_computed_from_the_data_table_is_judged_on_the_first_preview(prod_first_preview) -> None:
    findings = run(_preview_route(prod_first_preview, UNKNOWN, "network-data-rt"))
    assert {f.verdict for f in findings if f.control_id == "stack-data-tier-disallow-internet-routes"
            and f.resource_urn == find(prod_first_preview, "network-data-rt").urn} <= {Verdict.PASS}
    assert "stack-data-tier-disallow-internet-routes" in failing(findings)


# --- secrets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "change_", "control"), [
    ("internet source wrapped in a secret", add(tok.SECURITY_GROUP_INGRESS_RULE, "fx-secret-in", {
        "securityGroupId": "network-app-sg-id", "ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443.0,
        "cidrIpv4": REDACTED}), "stack-security-group-disallow-internet-ingress"),
    ("database source group wrapped in a secret", change("database-from-app", referencedSecurityGroupId=REDACTED),
     "stack-database-reachable-only-from-app-tier"),
    ("secret proxy TLS flag", add(tok.RDS_PROXY, "fx-proxy", {"requireTls": REDACTED}), "aws-rds-proxy-require-tls"),
    ("secret egress destination", add(tok.SECURITY_GROUP_EGRESS_RULE, "fx-secret-out", {
        "securityGroupId": "database-sg-id", "ipProtocol": "-1", "cidrIpv4": REDACTED}),
     "stack-walled-off-group-disallow-internet-egress"),
    ("secret listener rule action", add(tok.LISTENER_RULES[0], "fx-secret-rule", {
        "listenerArn": "arn:aws:lb:eu-west-1:111122223333:listener/web-http-redirect", "priority": 1.0,
        "actions": REDACTED}), "stack-entry-point-require-tls-and-waf"),
])
def test_a_secret_value_is_cannot_verify_never_a_pass(name, change_, control, baseline) -> None:
    findings = run(change_(baseline))
    mine = [f for f in findings if f.control_id == control
            and f.verdict not in (Verdict.PASS, Verdict.NOT_APPLICABLE)]
    assert mine, name
    assert all(f.verdict is Verdict.UNKNOWN and "cannot verify" in f.message and "secret" in f.message
               for f in mine), [f.message for f in mine]
    assert not [f for f in findings if f.verdict is Verdict.ERROR]


# --- the model the network picture reads --------------------------------------------------------


def test_reachability_model_is_plain_data_of_the_same_tables(baseline) -> None:
    case = next(c for c in ISSUE if c.name == "fail_data_subnet_on_main_table_with_nat_route")
    model = reachability_model(case.change(baseline))
    subnet = model["subnets"]["network-data-0"]
    assert subnet["tier"] == "data"
    assert subnet["route_table"]["how"] == "no association: the VPC's main route table"
    assert subnet["route_table"]["routes"] == [{"destination": "0.0.0.0/0", "target": "NAT gateway",
                                               "target_id": "network-nat-0-id", "declared_by": "fx-main-route",
                                               "leaves_network": True}]
    assert model["subnets"]["network-data-1"]["route_table"]["name"] == "network-data-rt"
