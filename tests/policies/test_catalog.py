"""The catalog: every promise backed, metadata well formed, registry and docs in step with it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel

from policies.pack import POLICIES
from posture import docs
from posture.catalog import (
    CONTROLS,
    FRAMEWORK_VERSIONS,
    PROMISES,
    control,
    controls_for_promise,
    controls_for_type,
    validate_catalog,
)
from posture.rules import (
    RULES,
    access,
    application,
    backups,
    chains,
    data_stores,
    database,
    edge,
    edge_path,
    identity,
    keys,
    monitoring,
    network,
    perimeter,
    reachability,
    recording,
    storage,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "controls.md"
RULE_MODULES = (access, application, backups, chains, data_stores, database, edge, edge_path, identity, keys,
                monitoring, network, perimeter, reachability, recording, storage)
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


def test_rule_functions_are_named_after_their_control() -> None:
    """``aws-rds-instance-disallow-public-access`` is ``database.instance_disallow_public_access``."""
    for c in CONTROLS:
        expected = re.sub(r"^(aws-[a-z0-9]+|stack)-", "", c.id).replace("-", "_")
        homes = [m.__name__ for m in RULE_MODULES if getattr(m, expected, None) is RULES[c.id]]
        assert len(homes) == 1, f"{c.id}: expected one rules module defining {expected}, found {homes}"


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
    assert [c.id for c in controls_for_type("aws:kms/key:Key")] == [
        "aws-kms-key-enable-rotation", "aws-kms-key-require-conditioned-use",
        "aws-iam-resourcepolicy-disallow-wildcard-grants"]
    assert "stack-database-reachable-only-from-app-tier" in [c.id for c in controls_for_promise("DB-1")]


def test_committed_docs_match_the_catalog() -> None:
    assert DOCS.read_text() == docs.render(), "run `python -m posture.docs > docs/controls.md`"
