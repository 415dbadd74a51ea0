"""The published JSON Schemas are generated from the models posture validates with, and are current."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from posture.catalog import CONTROLS
from posture.schemas import SCHEMA_DIR, render_schema, schemas
from posture.waivers import WaiverError, parse_waivers

INDEX = {c.id: c for c in CONTROLS}
VALID_WAIVERS = """\
- control: aws-rds-instance-enable-deletion-protection
  resource: "urn:pulumi:staging::security-baseline::*"
  reason: Staging is rebuilt nightly.
  approver: jane.doe@example.com
  expires: 2099-06-30
"""


@pytest.mark.parametrize("name", sorted(schemas()))
def test_the_published_schema_is_current(name):
    published = SCHEMA_DIR / name
    assert published.exists(), f"run `python -m posture.schemas` to publish {name}"
    assert published.read_text(encoding="utf-8") == render_schema(schemas()[name]), (
        f"{published} is stale; run `python -m posture.schemas`")


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_the_waiver_schema_agrees_with_the_loader():
    check = validator("waivers.schema.json")
    document = yaml.load(VALID_WAIVERS, Loader=yaml.BaseLoader)  # dates stay text, as the loader keeps them
    assert list(check.iter_errors(document)) == [] and list(check.iter_errors({"waivers": document})) == []
    assert len(parse_waivers(VALID_WAIVERS, "w.yaml", INDEX)) == 1
    for old, new in (("expires", "expiry"), ("urn:pulumi", "pulumi"), ("2099-06-30", "2099-13-30"),
                     ("reason: Staging is rebuilt nightly.", "reason: ''")):
        bad = VALID_WAIVERS.replace(old, new)
        assert list(check.iter_errors(yaml.load(bad, Loader=yaml.BaseLoader))), bad
        with pytest.raises(WaiverError):
            parse_waivers(bad, "w.yaml", INDEX)


def test_the_policy_config_schema_agrees_with_the_loader(tmp_path):
    from posture.evaluate import PolicyConfigError, load_policy_config

    check = validator("policy-config.schema.json")
    good = {"all": "advisory", "aws-rds-instance-disallow-public-access": {"enforcementLevel": "mandatory", "x": 1}}
    assert list(check.iter_errors(good)) == []
    path = tmp_path / "config.json"
    path.write_text(json.dumps(good))
    assert len(load_policy_config(path)) == len(CONTROLS)
    for bad in ({"all": "strict"}, {"aws-rds-instance-disallow-public-access": 3}, ["all"]):
        assert list(check.iter_errors(bad)), bad
        path.write_text(json.dumps(bad))
        with pytest.raises(PolicyConfigError):
            load_policy_config(path)


def test_reports_validate_against_the_published_report_schema(tmp_path):
    from posture.reports import render
    from tests.posture.conftest import make_report

    assert list(validator("report.schema.json").iter_errors(json.loads(render(make_report(), "json")))) == []
