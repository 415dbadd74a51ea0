"""The CrossGuard pack: registry agreement, the adapter run in-process, the analyzer server's own
handling of our policies, and the files the Pulumi CLI reads."""

from __future__ import annotations

import importlib.metadata
import re
import runpy
import sys
from pathlib import Path
from typing import Any

import pulumi_policy
import pytest
import yaml
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    unknown_checking_proxy,
)

from policies.pack import POLICIES, NotKnownDuringPreviewError, plain_props, policy_for
from posture.catalog import CONTROLS, CONTROLS_BY_ID, PACK_NAME
from posture.resources import UNKNOWN, ResourceView
from posture.rules import RULES
from tests.policies.helpers import analyzer_servicer, find, set_paths, wire

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
OPTS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
POLICY = {p.name: p for p in POLICIES}


def _resource_args(view: ResourceView, **changes: Any) -> ResourceValidationArgs:
    props = wire(set_paths(view.props, changes))
    return ResourceValidationArgs(view.type, unknown_checking_proxy(props), view.urn, view.name, OPTS, None, None)


def _validate(policy, args) -> list[tuple[str, str | None]]:
    violations: list[tuple[str, str | None]] = []
    policy.validate(args, lambda message, urn=None: violations.append((message, urn)))
    return violations


def _stack_args(views: list[ResourceView]) -> StackValidationArgs:
    resources = [PolicyResource(v.type, unknown_checking_proxy(wire(v.props)), v.urn, v.name, OPTS, None, None, [], {})
                 for v in views]
    return StackValidationArgs(resources, None)


def _changed(views, name: str, **changes: Any) -> list[ResourceView]:
    target = find(views, name)
    return [ResourceView(v.urn, v.type, v.name, set_paths(v.props, changes), v.parent, v.source, v.custom, v.region)
            if v is target else v for v in views]


# --- registry --------------------------------------------------------------------------------------


def test_catalog_policies_and_rules_agree() -> None:
    catalog = [c.id for c in CONTROLS]
    assert [p.name for p in POLICIES] == catalog
    assert sorted(RULES) == sorted(catalog)


def test_policy_names_are_valid_crossguard_names() -> None:
    """CrossGuard's own rules for names; uniqueness and our naming pattern are refused at import
    (posture.catalog.validate_catalog, tested in test_catalog.py), so they are not re-asserted here."""
    names = [p.name for p in POLICIES]
    assert "all" not in names
    assert [n for n in names if not re.fullmatch(r"[a-z0-9-]+", n)] == []


def test_policies_carry_the_catalog_metadata() -> None:
    for policy in POLICIES:
        control = CONTROLS_BY_ID[policy.name]
        assert isinstance(policy, StackValidationPolicy if control.is_stack_control else ResourceValidationPolicy)
        assert policy.enforcement_level is EnforcementLevel.MANDATORY
        assert policy.description == control.title
        assert policy.remediation_steps == control.remediation
        assert policy.tags == list(control.promises)
        assert policy.severity.value == control.severity.value
        assert policy.framework is not None and policy.framework.specification


# --- resource policies in-process ------------------------------------------------------------------


def test_resource_policy_passes_the_baseline(prod_stack) -> None:
    policy = POLICY["aws-rds-instance-disallow-public-access"]
    assert _validate(policy, _resource_args(find(prod_stack, "database-instance"))) == []


def test_resource_policy_reports_a_violation(prod_stack) -> None:
    policy = POLICY["aws-rds-instance-disallow-public-access"]
    (message, _), = _validate(policy, _resource_args(find(prod_stack, "database-instance"), publiclyAccessible=True))
    assert "publiclyAccessible (publicly_accessible) is true" in message
    assert "fix:" not in message  # the fix is the policy's remediation_steps, from the catalog


def test_resource_policy_turns_an_unknown_into_the_analyzers_preview_error(prod_stack) -> None:
    policy = POLICY["aws-rds-instance-disallow-public-access"]
    args = _resource_args(find(prod_stack, "database-instance"), publiclyAccessible=UNKNOWN_BOOLEAN_VALUE)
    with pytest.raises(UnknownValueError) as raised:
        _validate(policy, args)
    assert isinstance(raised.value, NotKnownDuringPreviewError)
    assert raised.value.message.endswith(
        "cannot verify during preview: publiclyAccessible (publicly_accessible) is not known yet")


def test_unknown_list_inside_a_resource(prod_stack) -> None:
    policy = POLICY["aws-ec2-defaultsecuritygroup-disallow-rules"]
    with pytest.raises(NotKnownDuringPreviewError, match=r"ingress is not known yet"):
        _validate(policy, _resource_args(find(prod_stack, "network-default-sg"), ingress=UNKNOWN_ARRAY_VALUE))


def test_a_raising_rule_is_a_violation_not_a_pass(prod_stack, monkeypatch) -> None:
    control_id = "aws-rds-instance-disallow-public-access"

    def boom(resource):
        raise RuntimeError("boom")

    monkeypatch.setitem(RULES, control_id, boom)
    policy = policy_for(CONTROLS_BY_ID[control_id])
    (message, _), = _validate(policy, _resource_args(find(prod_stack, "database-instance")))
    assert message == "policy error: RuntimeError: boom"


def test_resource_policy_ignores_other_types(prod_stack) -> None:
    policy = POLICY["aws-rds-instance-disallow-public-access"]
    assert _validate(policy, _resource_args(find(prod_stack, "network-vpc"))) == []


def test_not_applicable_is_reported_as_such(baseline) -> None:
    policy = POLICY["aws-rds-cluster-disallow-public-access"]
    with pytest.raises(_NotApplicableError) as raised:
        _validate(policy, _resource_args(find(baseline, "fx-ledger")))
    assert "Aurora sets public access on each cluster instance" in raised.value.reason


def test_plain_props_unwraps_proxies_and_marks_unknowns() -> None:
    proxied = unknown_checking_proxy({"a": [{"b": UNKNOWN_STRING_VALUE, "c": 1.0}], "d": UNKNOWN_ARRAY_VALUE})
    assert plain_props(proxied) == {"a": [{"b": UNKNOWN, "c": 1.0}], "d": UNKNOWN}


# --- stack policies in-process ---------------------------------------------------------------------


def test_stack_policy_passes_the_baseline(prod_stack) -> None:
    policy = POLICY["stack-database-reachable-only-from-app-tier"]
    assert _validate(policy, _stack_args(list(prod_stack))) == []


def test_stack_policy_names_the_offending_resource(prod_stack) -> None:
    views = _changed(prod_stack, "database-from-app", referencedSecurityGroupId=None, cidrIpv4="10.10.0.0/16")
    (message, urn), = _validate(POLICY["stack-database-reachable-only-from-app-tier"], _stack_args(views))
    assert urn == find(prod_stack, "database-from-app").urn
    assert "admits an address range" in message


def test_stack_policy_reports_failures_then_the_unknowns(prod_stack) -> None:
    views = _changed(prod_stack, "network-data-rt", routes=[{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}])
    views = _changed(views, "network-app-rt-0", tags={"tier": "data"}, routes=UNKNOWN_ARRAY_VALUE)
    violations: list = []
    with pytest.raises(NotKnownDuringPreviewError, match="routes is not known yet"):
        POLICY["stack-data-tier-disallow-internet-routes"].validate(
            _stack_args(views), lambda message, urn=None: violations.append((message, urn)))
    assert [urn for _, urn in violations] == [find(prod_stack, "network-data-rt").urn]


def test_stack_policy_with_a_raising_rule(prod_stack, monkeypatch) -> None:
    control_id = "stack-vpc-require-flow-logs"
    monkeypatch.setitem(RULES, control_id, lambda resources: 1 / 0)
    (message, urn), = _validate(policy_for(CONTROLS_BY_ID[control_id]), _stack_args(list(prod_stack)))
    assert message == "policy error: ZeroDivisionError: division by zero" and urn is None


# --- the analyzer server, as the CLI drives it -------------------------------------------------------


def _struct(props: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(wire(props))
    return struct


def _analyze(view: ResourceView, **changes: Any):
    request = proto.AnalyzeRequest(type=view.type, properties=_struct(set_paths(view.props, changes)), urn=view.urn,
                                   name=view.name)
    return analyzer_servicer().Analyze(request, None).diagnostics


def test_analyzer_reports_our_violation_as_mandatory(prod_stack) -> None:
    diagnostics = _analyze(find(prod_stack, "database-instance"), deletionProtection=False)
    assert [(d.policyName, d.enforcementLevel) for d in diagnostics] == [
        ("aws-rds-instance-enable-deletion-protection", proto.MANDATORY)]
    assert "deletionProtection (deletion_protection) is false" in diagnostics[0].message


def test_analyzer_reports_an_unknown_as_advisory_never_as_a_pass(prod_stack) -> None:
    diagnostics = _analyze(find(prod_stack, "database-instance"), deletionProtection=UNKNOWN_BOOLEAN_VALUE)
    assert [(d.policyName, d.enforcementLevel) for d in diagnostics] == [
        ("aws-rds-instance-enable-deletion-protection", proto.ADVISORY)]
    assert "during preview: database-instance: cannot verify during preview: deletionProtection " \
           "(deletion_protection) is not known yet" in diagnostics[0].message


def test_analyzer_stack_run_over_the_prod_stack(prod_stack) -> None:
    views = [v for v in prod_stack if v.custom]
    request = proto.AnalyzeStackRequest(resources=[
        proto.AnalyzerResource(type=v.type, properties=_struct(v.props), urn=v.urn, name=v.name) for v in views])
    assert list(analyzer_servicer().AnalyzeStack(request, None).diagnostics) == []
    broken = [v for v in views if v.name != "network-flow-log"]
    request = proto.AnalyzeStackRequest(resources=[
        proto.AnalyzerResource(type=v.type, properties=_struct(v.props), urn=v.urn, name=v.name) for v in broken])
    diagnostics = analyzer_servicer().AnalyzeStack(request, None).diagnostics
    assert [(d.policyName, d.enforcementLevel) for d in diagnostics] == [("stack-vpc-require-flow-logs", proto.MANDATORY)]


# --- what the Pulumi CLI reads -------------------------------------------------------------------------


def test_main_builds_the_pack_the_way_the_cli_runs_it(monkeypatch, capsys) -> None:
    captured: dict[str, Any] = {}

    class CapturingPolicyPack:
        def __init__(self, name, policies, enforcement_level=None, **kwargs) -> None:
            captured.update(name=name, policies=policies, enforcement_level=enforcement_level, **kwargs)

    monkeypatch.setattr(pulumi_policy, "PolicyPack", CapturingPolicyPack)
    monkeypatch.syspath_prepend(str(PACK_DIR))
    monkeypatch.delitem(sys.modules, "pack", raising=False)
    try:
        runpy.run_path(str(PACK_DIR / "__main__.py"), run_name="__main__")
        assert "pack" in sys.modules, "the CLI imports the pack as the top-level module `pack`"
    finally:
        sys.modules.pop("pack", None)
    assert captured["name"] == PACK_NAME
    assert re.fullmatch(r"[a-zA-Z0-9-_.]{1,100}", captured["name"])
    assert len(captured["policies"]) == len(CONTROLS)
    assert captured["enforcement_level"] is EnforcementLevel.MANDATORY
    assert capsys.readouterr().out == "", "nothing may reach stdout before the analyzer prints its port"


def test_pulumi_policy_yaml_runs_python_in_the_project_virtualenv() -> None:
    document = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    runtime = document["runtime"]
    assert runtime["name"] == "python"
    assert runtime["options"]["toolchain"] == "pip"
    # The virtualenv the pack names is the one `make` builds (the Makefile's VENV), not merely some
    # directory that happens to exist on this machine.
    venv = re.search(r"^VENV := (\S+)$", (PACK_DIR.parent / "Makefile").read_text(), re.MULTILINE)
    assert venv, "the Makefile defines VENV"
    assert (PACK_DIR / runtime["options"]["virtualenv"]).resolve() == (PACK_DIR.parent / venv.group(1)).resolve()
    assert document["version"]


def test_requirements_pin_the_installed_versions() -> None:
    pins = dict(line.split("==") for line in (PACK_DIR / "requirements.txt").read_text().splitlines()
                if line and not line.startswith("#"))
    assert "pulumi-policy" in pins
    for package, version in pins.items():
        assert importlib.metadata.version(package) == version, package
