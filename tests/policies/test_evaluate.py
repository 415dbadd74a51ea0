"""The offline engine: levels from the standard policy config file, errors, unknowns, what it skips."""

from __future__ import annotations

import json

import pytest

from posture.catalog import CONTROLS
from posture.evaluate import PolicyConfigError, evaluate, load_policy_config
from posture.findings import Enforcement, Verdict
from posture.resources import UNKNOWN, ResourceView, SourceLocation
from posture.rules import RULES
from tests.policies.helpers import change, find

PUBLIC = "aws-rds-instance-disallow-public-access"
ALL_IDS = {c.id for c in CONTROLS}


def _config(tmp_path, document) -> dict[str, Enforcement]:
    path = tmp_path / "policy-config.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return load_policy_config(path)


def test_config_levels_as_strings_and_objects(tmp_path) -> None:
    levels = _config(tmp_path, {PUBLIC: "advisory",
                                "stack-vpc-require-flow-logs": {"enforcementLevel": "disabled", "other": 1},
                                "aws-kms-key-enable-rotation": {"someSetting": True}})
    assert levels == {PUBLIC: Enforcement.ADVISORY, "stack-vpc-require-flow-logs": Enforcement.DISABLED}


def test_config_all_applies_first_and_entries_win(tmp_path) -> None:
    levels = _config(tmp_path, {PUBLIC: "mandatory", "all": "advisory"})
    assert set(levels) == ALL_IDS
    assert levels[PUBLIC] is Enforcement.MANDATORY
    assert levels["stack-vpc-require-flow-logs"] is Enforcement.ADVISORY


def test_empty_config_file_sets_nothing(tmp_path) -> None:
    assert _config(tmp_path, "  \n") == {}


@pytest.mark.parametrize(("document", "names"), [
    ({"aws-rds-instance-disallow-public-acess": "advisory"}, "'aws-rds-instance-disallow-public-acess'"),
    ({PUBLIC: "strict"}, f"'{PUBLIC}': 'strict' is not an enforcement level"),
    ({"all": {"enforcementLevel": "warn"}}, "'all': 'warn' is not an enforcement level"),
    ({PUBLIC: 3}, f"'{PUBLIC}': 3 is not a valid value"),
    ([PUBLIC], "must be a JSON object"),
    ("{not json", "not valid JSON"),
])
def test_config_errors_name_the_key(tmp_path, document, names) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        _config(tmp_path, document)
    assert names in str(raised.value)
    assert "policy-config.json" in str(raised.value)


def test_missing_config_file(tmp_path) -> None:
    with pytest.raises(PolicyConfigError, match="cannot read"):
        load_policy_config(tmp_path / "absent.json")


def test_levels_apply_to_findings(prod_stack) -> None:
    broken = change("database-instance", publiclyAccessible=True)(prod_stack)
    findings = evaluate(broken, {PUBLIC: Enforcement.ADVISORY, "stack-vpc-require-flow-logs": Enforcement.DISABLED,
                                 "aws-kms-key-enable-rotation": Enforcement.REMEDIATE})
    public = [f for f in findings if f.control_id == PUBLIC]
    assert [(f.verdict, f.enforcement, f.blocking) for f in public] == [(Verdict.FAIL, Enforcement.ADVISORY, False)]
    assert not [f for f in findings if f.control_id == "stack-vpc-require-flow-logs"]
    assert {f.enforcement for f in findings if f.control_id == "aws-kms-key-enable-rotation"} == {Enforcement.MANDATORY}
    assert all(f.enforcement is Enforcement.MANDATORY for f in findings
               if f.control_id not in (PUBLIC, "aws-kms-key-enable-rotation"))


def test_failures_are_blocking_and_name_the_resource(prod_stack) -> None:
    findings = evaluate(change("database-instance", publiclyAccessible=True)(prod_stack))
    (failure,) = [f for f in findings if f.verdict is Verdict.FAIL]
    instance = find(prod_stack, "database-instance")
    assert failure.blocking
    assert (failure.resource_urn, failure.resource_type, failure.source) == (instance.urn, instance.type,
                                                                             instance.source)
    assert isinstance(failure.source, SourceLocation)


def test_a_raising_rule_is_an_error_finding(prod_stack, monkeypatch) -> None:
    def boom(resource):
        raise KeyError("ingress")

    monkeypatch.setitem(RULES, PUBLIC, boom)
    monkeypatch.setitem(RULES, "stack-vpc-require-flow-logs", lambda resources: [][1])
    findings = evaluate(list(prod_stack))
    errors = {f.control_id: f for f in findings if f.verdict is Verdict.ERROR}
    assert set(errors) == {PUBLIC, "stack-vpc-require-flow-logs"}
    assert errors[PUBLIC].message == "policy error: KeyError: 'ingress'"
    assert errors["stack-vpc-require-flow-logs"].message == "policy error: IndexError: list index out of range"
    assert all(f.blocking for f in errors.values())
    assert errors["stack-vpc-require-flow-logs"].resource_type == "pulumi:pulumi:Stack"
    assert errors["stack-vpc-require-flow-logs"].resource_urn == \
        "urn:pulumi:prod::security-baseline::pulumi:pulumi:Stack::security-baseline-prod"


def test_unknown_values_are_unknown_findings_never_passes(prod_stack) -> None:
    findings = evaluate(change("database-instance", publiclyAccessible=UNKNOWN)(prod_stack))
    (finding,) = [f for f in findings if f.control_id == PUBLIC]
    assert finding.verdict is Verdict.UNKNOWN and not finding.blocking
    assert finding.message == ("database-instance: cannot verify during preview: publiclyAccessible "
                               "(publicly_accessible) is not known yet")


def test_components_and_providers_are_not_checked(prod_stack, monkeypatch) -> None:
    seen: list[ResourceView] = []
    monkeypatch.setitem(RULES, "stack-account-require-cloudtrail", lambda resources: seen.extend(resources) or [])
    public_component = ResourceView("urn:pulumi:prod::p::aws:rds/instance:Instance::c", "aws:rds/instance:Instance",
                                    "c", {"publiclyAccessible": True}, custom=False)
    provider = ResourceView("urn:pulumi:prod::p::pulumi:providers:aws::default", "pulumi:providers:aws", "default",
                            {"region": "eu-west-1"})
    findings = evaluate([*prod_stack, public_component, provider])
    assert not [f for f in findings if f.verdict is Verdict.FAIL]
    assert seen and all(r.custom and not r.type.startswith("pulumi:providers:") for r in seen)


def test_controls_with_nothing_to_check_are_not_applicable(prod_stack) -> None:
    findings = evaluate(list(prod_stack))
    cluster = [f for f in findings if f.control_id == "aws-rds-cluster-require-cmk-encryption"]
    assert [(f.verdict, f.message) for f in cluster] == [
        (Verdict.NOT_APPLICABLE, "no aws:rds/cluster:Cluster in this stack")]
