"""The first `pulumi preview`: no ids, no computed outputs. Controls must decide through the engine's
dependency information, exactly as the pack does when the engine calls it."""

from __future__ import annotations

import runpy

import pulumi
import pulumi_aws as aws
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime import proto

from posture.catalog import CONTROLS, DECIDED_AT_DEPLOY
from posture.evaluate import evaluate
from posture.findings import Verdict
from posture.program import DEPLOYED, FIRST_PREVIEW, StackFiles, read_stack_files, run_program
from posture.resources import UNKNOWN, ResourceView
from tests.conftest import PROJECT_DIR, TEST_FILES, run_under_mocks
from tests.policies.helpers import analyzer_servicer, find, wire

STACK_CONTROLS = {c.id for c in CONTROLS if c.is_stack_control}


def _unknown(findings) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in findings:
        if f.verdict is Verdict.UNKNOWN:
            found.setdefault(f.control_id, []).append(f.message)
    return found


# --- what the offline engine shows on a first preview ----------------------------------------------


def test_first_preview_has_no_ids_and_records_what_each_property_was_computed_from(prod_first_preview) -> None:
    db = find(prod_first_preview, "database-instance")
    key = find(prod_first_preview, "database-key")
    assert "id" not in db.props and "arn" not in db.props
    assert db.props["kmsKeyId"] is UNKNOWN
    assert db.dependencies is not None and key.urn in db.dependencies["kmsKeyId"]


def test_deployed_view_knows_the_identities_aws_assigns(prod_stack) -> None:
    db = find(prod_stack, "database-instance")
    assert db.props["id"] == "database-instance-id"
    assert db.props["kmsKeyId"].startswith("arn:aws:kms:")


def test_an_output_nobody_computed_is_unknown_in_both_views_never_none() -> None:
    def program() -> None:
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        aws.ec2.Route("default-route", route_table_id=vpc.main_route_table_id, destination_cidr_block="0.0.0.0/0",
                      nat_gateway_id="nat-0123")

    for view in (FIRST_PREVIEW, DEPLOYED):
        route = find(run_under_mocks(program, view=view), "default-route")
        assert route.props["routeTableId"] is UNKNOWN, view


# --- the pack, called the way the engine calls it on a preview -------------------------------------


def _analyze_stack(views: list[ResourceView]):
    resources = []
    for v in views:
        if not v.custom:
            continue
        properties = struct_pb2.Struct()
        properties.update(wire(v.props))
        dependencies = {key: proto.AnalyzerPropertyDependencies(urns=sorted(urns))
                        for key, urns in (v.dependencies or {}).items()}
        resources.append(proto.AnalyzerResource(type=v.type, properties=properties, urn=v.urn, name=v.name,
                                                propertyDependencies=dependencies))
    return analyzer_servicer().AnalyzeStack(proto.AnalyzeStackRequest(resources=resources), None).diagnostics


def test_the_pack_and_the_offline_check_agree_on_a_first_preview(prod_first_preview) -> None:
    diagnostics = _analyze_stack(list(prod_first_preview))
    assert [d.message for d in diagnostics if d.enforcementLevel == proto.MANDATORY] == []
    advisory = {d.policyName for d in diagnostics if d.enforcementLevel == proto.ADVISORY}
    offline = {c for c in _unknown(evaluate(list(prod_first_preview))) if c in STACK_CONTROLS}
    assert advisory == offline


def test_the_pack_follows_dependencies_where_values_are_unknown(prod_first_preview) -> None:
    """Without propertyDependencies the same preview cannot decide which parameter group forces TLS."""
    with_deps = {d.policyName for d in _analyze_stack(list(prod_first_preview))}
    without = [ResourceView(v.urn, v.type, v.name, v.props, v.parent, v.source, v.custom, v.region, None)
               for v in prod_first_preview]
    without_deps = {d.policyName for d in _analyze_stack(without)}
    assert "stack-database-require-forced-tls" not in with_deps
    assert "stack-database-require-forced-tls" in without_deps


def test_a_broken_chain_fails_on_the_first_preview(prod_first_preview) -> None:
    """The database's parameter group is the stack's, and the stack's does not force TLS: decided
    although no id exists yet."""
    views = []
    for v in prod_first_preview:
        if v.name == "database-params":
            parameters = [p for p in v.props["parameters"] if p["name"] != "rds.force_ssl"]
            v = ResourceView(v.urn, v.type, v.name, {**v.props, "parameters": parameters}, v.parent, v.source,
                             v.custom, v.region, v.dependencies)
        views.append(v)
    diagnostics = _analyze_stack(views)
    assert [(d.policyName, d.enforcementLevel) for d in diagnostics if d.enforcementLevel == proto.MANDATORY] == [
        ("stack-database-require-forced-tls", proto.MANDATORY)]


# --- a change on top of an existing stack ----------------------------------------------------------


def _prod_with_app_resources() -> None:
    from stacks.baseline import build_baseline
    from stacks.config import load_stack_config

    baseline = build_baseline(load_stack_config())
    aws.ec2.SecurityGroup("orders-sg", vpc_id=baseline.vpc.vpc_id, description="orders service",
                          ingress=[{"protocol": "tcp", "from_port": 8080, "to_port": 8080,
                                    "security_groups": [baseline.vpc.app_security_group_id]}])
    aws.dynamodb.Table("orders-table", billing_mode="PAY_PER_REQUEST", hash_key="id",
                       attributes=[{"name": "id", "type": "S"}],
                       server_side_encryption={"enabled": True, "kms_key_arn": baseline.keys["sessions"].arn},
                       point_in_time_recovery={"enabled": True}, deletion_protection_enabled=True)


def test_a_preview_that_adds_resources_to_a_deployed_stack_decides_for_them() -> None:
    files: StackFiles = read_stack_files(PROJECT_DIR, "prod")
    deployed = run_program(_prod_with_app_resources, files, DEPLOYED)
    existing = frozenset(r.name for r in deployed if r.name not in ("orders-sg", "orders-table"))
    preview = run_program(_prod_with_app_resources, files, FIRST_PREVIEW, existing=existing)
    table = find(preview, "orders-table")
    assert "id" not in table.props and find(preview, "database-instance").props["id"] == "database-instance-id"
    findings = evaluate(preview)
    new = {find(preview, name).urn for name in ("orders-sg", "orders-table")}
    assert [f.message for f in findings if f.resource_urn in new and f.verdict is Verdict.UNKNOWN] == []
    # Decided, not guessed: the new table is encrypted with the stack's rotating key and is in no backup plan.
    verdicts = {(f.control_id, f.resource_urn): f.verdict for f in findings}
    assert verdicts[("stack-data-store-require-rotating-key", table.urn)] is Verdict.PASS
    assert verdicts[("stack-data-store-require-backup-plan", table.urn)] is Verdict.FAIL


# --- secrets ---------------------------------------------------------------------------------------


def _open_ssh(cidr: pulumi.Input[str]) -> None:
    aws.ec2.SecurityGroup("admin-sg", vpc_id="vpc-0123", description="admin",
                          ingress=[{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": [cidr]}])


def test_a_secret_wrapped_source_is_judged_like_the_pack_judges_it_and_never_quoted() -> None:
    views = run_under_mocks(lambda: _open_ssh(pulumi.Output.secret("0.0.0.0/0")))
    assert find(views, "admin-sg").secret_properties == {"ingress"}
    failures = [f for f in evaluate(views) if f.verdict is Verdict.FAIL]
    assert "aws-ec2-securitygroup-disallow-remote-admin-ingress" in {f.control_id for f in failures}
    assert not [f.message for f in failures if "0.0.0.0/0" in f.message]


def test_a_value_from_secure_config_cannot_be_judged_and_says_so() -> None:
    files = StackFiles(project=TEST_FILES.project, stack="test", region=TEST_FILES.region,
                       config={**TEST_FILES.config, "security-baseline:adminCidr": "placeholder-for-a-secure-config-value"},
                       secret_keys=["security-baseline:adminCidr"])
    views = run_under_mocks(lambda: _open_ssh(pulumi.Config().require_secret("adminCidr")), files)
    findings = evaluate(views)
    mine = [f for f in findings if f.control_id == "aws-ec2-securitygroup-disallow-remote-admin-ingress"]
    assert [f.verdict for f in mine] == [Verdict.UNKNOWN]
    assert "secret value" in mine[0].message
    assert not [f for f in findings if f.verdict is Verdict.ERROR]


def test_the_project_program_runs_in_both_views() -> None:
    files = read_stack_files(PROJECT_DIR, "staging")
    program = lambda: runpy.run_path(str(PROJECT_DIR / "__main__.py"))  # noqa: E731
    assert len(run_program(program, files, FIRST_PREVIEW)) == len(run_program(program, files, DEPLOYED))


# --- what the first preview leaves to `pulumi up` ---------------------------------------------------

RESOURCE_UNKNOWN_BUDGET = 12  # the three tables wait on the endpoint id for the who-can-read control too


@pytest.mark.parametrize("stack", ["prod_first_preview", "staging_first_preview"])
def test_the_first_preview_decides_every_control_but_those_listed_as_waiting(stack, request) -> None:
    findings = evaluate(list(request.getfixturevalue(stack)))
    unknown = _unknown(findings)
    assert {c for c in unknown if c in STACK_CONTROLS} <= {c for c in DECIDED_AT_DEPLOY if c in STACK_CONTROLS}
    assert sum(len(m) for m in unknown.values()) <= RESOURCE_UNKNOWN_BUDGET, unknown
    assert set(unknown) <= set(DECIDED_AT_DEPLOY), {c: unknown[c] for c in set(unknown) - set(DECIDED_AT_DEPLOY)}
    assert [f.message for f in findings if f.verdict in (Verdict.FAIL, Verdict.ERROR)] == []


def test_every_listed_control_still_waits_on_a_first_preview(prod_first_preview, staging_first_preview) -> None:
    """An entry in DECIDED_AT_DEPLOY that now decides should leave the list."""
    waiting = set(_unknown(evaluate(list(prod_first_preview)))) | set(_unknown(evaluate(list(staging_first_preview))))
    assert set(DECIDED_AT_DEPLOY) <= waiting
