"""The catalog: every promise backed, metadata well formed, registry and docs in step with it."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel

import posture.rules as rules_package
from components.data_stores import DataStoresArgs
from policies.pack import POLICIES
from posture import catalog, docs
from posture.catalog import (
    CONTROLS,
    FRAMEWORK_VERSIONS,
    PROMISES,
    Control,
    control,
    controls_for_promise,
    controls_for_type,
    validate_catalog,
)
from posture.rules import RULES, application, database, network, rule_home, rule_name
from tests.policies.adversarial import ADVERSARIAL
from tests.policies.cases import CASES, Case
from tests.policies.helpers import identity

DOCS = Path(__file__).resolve().parents[2] / "docs" / "controls.md"
REFERENCE_FORMATS = {
    "AWS FSBP": re.compile(r"^[A-Za-z0-9]+\.\d+$"),
    "CIS AWS": re.compile(r"^\d+(\.\d+)+$"),
    "NIST 800-53": re.compile(r"^[A-Z]{2}-\d+(\(\d+\))?$"),
    "PCI DSS": re.compile(r"^\d+(\.\d+)+$"),
}


def test_every_provable_promise_is_backed_by_a_mandatory_control() -> None:
    mandatory = {p.name for p in POLICIES if p.enforcement_level is EnforcementLevel.MANDATORY}
    for promise in PROMISES:
        backing = [c.id for c in controls_for_promise(promise.id) if c.id in mandatory]
        if promise.application_responsibility is None:
            assert backing, f"{promise.id} has no mandatory control"


def test_application_responsibilities_are_stated() -> None:
    assert {p.id for p in PROMISES if p.application_responsibility} == {"BANK-1", "BANK-2", "SOC-1", "APP-1", "APP-3"}


def test_framework_references_are_well_formed() -> None:
    for c in CONTROLS:
        assert set(c.frameworks) <= set(FRAMEWORK_VERSIONS), c.id
        assert c.frameworks.get("NIST 800-53"), f"{c.id} maps to no NIST 800-53 control"
        for name, refs in c.frameworks.items():
            assert refs and all(REFERENCE_FORMATS[name].match(r) for r in refs), (c.id, name, refs)
        assert all(url.startswith("https://docs.aws.amazon.com/securityhub/") for url in c.references)
        assert len(c.references) == len(c.frameworks.get("AWS FSBP", ()))


def test_resource_controls_name_the_types_they_check() -> None:
    for c in CONTROLS:
        assert c.resource_types and all(re.match(r"^aws:[a-z0-9]+/[a-zA-Z0-9]+:[A-Za-z0-9]+$", t)
                                        for t in c.resource_types), c.id


def test_every_control_has_the_rule_named_after_it() -> None:
    """``aws-rds-instance-disallow-public-access`` is ``database.instance_disallow_public_access``."""
    assert set(RULES) == {c.id for c in CONTROLS}
    assert rule_name("aws-rds-instance-disallow-public-access") == "instance_disallow_public_access"
    assert RULES["stack-vpc-require-flow-logs"] is network.vpc_require_flow_logs


def test_a_rules_home_is_the_module_holding_it_under_its_name() -> None:
    """Where tools/break_each_rule.py patches a rule: a factory-made rule's ``__module__`` is the
    factory's, and an alias's ``__name__`` is the original's, so neither may decide it."""
    for control_id in RULES:
        assert getattr(rule_home(control_id), rule_name(control_id)) is RULES[control_id]
    assert rule_home("aws-ecr-repository-enable-scan-on-push") is application
    assert RULES["aws-ecr-repository-enable-scan-on-push"].__module__ != application.__name__
    assert rule_home("aws-rds-cluster-enable-deletion-protection") is database


def missing_parts(controls: tuple[Control, ...], cases: list[Case]) -> dict[str, list[str]]:
    """What each control id (from the catalog or from the cases) lacks of its three authored parts."""
    catalog_ids = {c.id for c in controls}
    kinds: dict[str, set[str]] = {}
    for case in cases:
        kinds.setdefault(case.control, set()).add(case.kind)
    missing: dict[str, list[str]] = {}
    for control_id in sorted(catalog_ids | set(kinds)):
        parts = [] if control_id in catalog_ids else ["catalog entry (posture/catalog.py)"]
        if not any(callable(getattr(m, rule_name(control_id), None)) for m in rules_package.rule_modules()):
            parts.append(f"rule {rule_name(control_id)}() in posture/rules/")
        parts += [f"{kind} case (tests/policies/cases.py or adversarial.py)" for kind in ("pass", "fail")
                  if kind not in kinds.get(control_id, set())]
        if parts:
            missing[control_id] = parts
    return missing


def test_every_control_has_its_entry_rule_and_cases() -> None:
    """The three files a control is written in: none may be missing (docs/adding-a-control.md)."""
    assert missing_parts(CONTROLS, CASES + ADVERSARIAL) == {}


def test_a_missing_part_is_named() -> None:
    orphan = dataclasses.replace(CONTROLS[0], id="aws-rds-instance-require-nothing-yet")
    stray = Case("aws-rds-instance-require-something-else", "fail_stray", identity)
    assert missing_parts((*CONTROLS, orphan), [*CASES, *ADVERSARIAL, stray]) == {
        "aws-rds-instance-require-nothing-yet": ["rule instance_require_nothing_yet() in posture/rules/",
                                                 "pass case (tests/policies/cases.py or adversarial.py)",
                                                 "fail case (tests/policies/cases.py or adversarial.py)"],
        "aws-rds-instance-require-something-else": ["catalog entry (posture/catalog.py)",
                                                    "rule instance_require_something_else() in posture/rules/",
                                                    "pass case (tests/policies/cases.py or adversarial.py)"],
    }


def test_a_control_without_its_rule_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    orphan = dataclasses.replace(CONTROLS[0], id="aws-rds-instance-require-nothing-yet")
    monkeypatch.setattr(catalog, "CONTROLS", (*CONTROLS, orphan))
    with pytest.raises(LookupError, match=r"aws-rds-instance-require-nothing-yet: expected one function "
                                          r"instance_require_nothing_yet\(\) in posture/rules/, found none"):
        rules_package._homes.__wrapped__()


def resolve(dotted: str) -> object:
    """Import the longest module prefix of a dotted name and walk the rest; a dataclass field
    without a default is not a class attribute, so a last part may also be a field name."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for i, part in enumerate(parts[cut:], start=cut):
            if i == len(parts) - 1 and dataclasses.is_dataclass(target) and part in {
                    f.name for f in dataclasses.fields(target)}:
                return target
            target = getattr(target, part)
        return target
    raise ModuleNotFoundError(dotted)


def test_satisfied_by_names_real_code() -> None:
    """The component or argument a control's fix names exists, so the text cannot drift from the code."""
    for c in CONTROLS:
        for name in c.satisfied_by:
            assert name.startswith(("components.", "stacks.")), (c.id, name)
            resolve(name)  # raises when the module, class or argument is gone
    with pytest.raises(AttributeError):
        resolve("components.data_stores.DataStoresArgs.session_ttl_attr")
    assert resolve("components.data_stores.DataStoresArgs.account_id") is DataStoresArgs


def test_satisfied_by_names_the_component_that_declares_the_resources(prod_stack) -> None:
    """Whenever a component of the baseline declares what a control checks, the control names it, its
    arguments or a helper every component uses (components.iam); a control no component covers
    (clusters, application resources) names nothing."""
    declared_by: dict[str, set[str]] = {}
    for r in prod_stack:
        qualified = r.urn.split("::")[2].split("$")
        declared_by.setdefault(r.type, set()).add(qualified[0].rsplit(":", 1)[-1] if len(qualified) > 1 else "")
    for c in CONTROLS:
        owners = set().union(*(declared_by.get(t, set()) for t in c.resource_types)) - {""}
        named = {name.split(".")[2].removesuffix("Args") for name in c.satisfied_by if name.startswith("components.")}
        named |= {"Stack" for name in c.satisfied_by if name.startswith("stacks.")}
        shared_helper = any(inspect.isfunction(resolve(name)) for name in c.satisfied_by)
        if owners:
            assert named & owners or shared_helper, f"{c.id}: declared by {sorted(owners)}, satisfied_by names {sorted(named)}"
        else:
            assert not c.satisfied_by, f"{c.id}: no component declares {c.resource_types}"


def test_the_ttl_fix_names_the_attribute_the_component_writes() -> None:
    """The drift issue 17 found: the fix said expiresAt while DataStores writes expires_at."""
    ttl = control("aws-dynamodb-table-enable-ttl-for-expiring-data")
    default = next(f.default for f in dataclasses.fields(DataStoresArgs) if f.name == "session_ttl_attribute")
    assert f"'attribute_name': '{default}'" in ttl.remediation


def test_validation_refuses_a_malformed_control() -> None:
    good = CONTROLS[0]
    for broken, problem in (
        (dataclasses.replace(good, id="aws-rds-instance-public"), "naming pattern"),
        (dataclasses.replace(good, promises=("DB-9",)), "unknown promises"),
        (dataclasses.replace(good, frameworks={"SOC 2": ("CC6.1",)}), "unknown frameworks"),
        (dataclasses.replace(good, remediation=""), "remediation"),
    ):
        with pytest.raises(ValueError, match=problem) as raised:
            validate_catalog((broken,))
        assert broken.id in str(raised.value)
    with pytest.raises(ValueError, match="duplicate id"):
        validate_catalog((good, good))


def test_lookups() -> None:
    assert control("aws-kms-key-enable-rotation").title == "Customer-managed keys rotate yearly"
    with pytest.raises(KeyError, match="unknown control 'aws-kms-key-rotate'"):
        control("aws-kms-key-rotate")
    kms_key = [c.id for c in controls_for_type("aws:kms/key:Key")]
    assert {"aws-kms-key-enable-rotation", "aws-iam-resourcepolicy-disallow-wildcard-grants"} <= set(kms_key)
    assert not [i for i in kms_key if i.startswith("stack-")]
    assert "stack-database-reachable-only-from-app-tier" in [c.id for c in controls_for_promise("DB-1")]


def test_committed_docs_match_the_catalog() -> None:
    assert DOCS.read_text() == docs.render(), "run `python -m posture.docs > docs/controls.md`"


def test_the_readme_counts_the_catalog() -> None:
    """The README states how many controls there are; the numbers drifted twice before this test."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    total = re.search(r"(\d+) controls back the", readme)
    stack = re.search(r"(\d+) of them are stack controls", readme)
    assert total and int(total.group(1)) == len(CONTROLS)
    assert stack and int(stack.group(1)) == sum(c.is_stack_control for c in CONTROLS)
