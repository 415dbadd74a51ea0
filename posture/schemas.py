"""The shapes of posture's input files as pydantic models, and the JSON Schemas published from them.

The waiver file and the policy config are validated through these models (posture.waivers,
posture.evaluate), and ``schemas/`` holds the JSON Schemas generated from the same models, so
an editor's completion and posture's own checks can never disagree. The report's schema is
published next to them. Regenerate after changing a model (a test fails while they are stale)::

    python -m posture.schemas
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from posture.findings import Enforcement

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, strict=True)]


class WaiverEntry(BaseModel):
    """One accepted risk: a named person accepting one control's failure on some resources, for a while."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Waiver")

    control: Text = Field(description="The control id whose failure is accepted (see `posture controls`).",
                          examples=["aws-rds-instance-disallow-public-access"])
    resource: Text = Field(description="URN or ARN glob (fnmatch, case-sensitive) of the resources it covers.",
                           pattern=r"^(urn|arn):", examples=["urn:pulumi:staging::security-baseline::*"])
    reason: Text = Field(description="Why the risk is accepted.")
    approver: Text = Field(description="Who accepted the risk.", examples=["jane.doe@example.com"])
    expires: date = Field(description="The last day (UTC) the waiver holds, YYYY-MM-DD; after it the run fails.")

    @field_validator("resource", mode="before")
    @classmethod
    def _urn_or_arn(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip() and not value.strip().startswith(("urn:", "arn:")):
            raise PydanticCustomError("waiver_resource", "{value!r} is neither a URN nor an ARN glob; write e.g. "
                                      "'urn:pulumi:prod::security-baseline::*::database-instance'",
                                      {"value!r": repr(value.strip())})
        return value

    @field_validator("expires", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> date:
        if isinstance(value, str) and _DATE.match(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise PydanticCustomError("waiver_date", "{value!r} is not a date; write it as YYYY-MM-DD",
                                  {"value!r": repr(value)})


class WaiverList(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Waivers under a key")

    waivers: list[WaiverEntry]


class WaiverFile(RootModel[list[WaiverEntry] | WaiverList]):
    """A YAML list of waivers, or a mapping whose one key ``waivers`` holds that list."""

    model_config = ConfigDict(title="posture waiver file")


class PolicySettings(BaseModel):
    """A policy's entry as an object: its enforcement level and any settings of its own."""

    model_config = ConfigDict(extra="allow")

    enforcementLevel: Enforcement | None = None  # noqa: N815 - the CLI's own key


POLICY_NAME = r"^(all|(aws|stack)-[a-z0-9]+(-[a-z0-9]+)+)$"


class PolicyConfig(RootModel[dict[Annotated[str, StringConstraints(pattern=POLICY_NAME)], Enforcement | PolicySettings]]):
    """The CrossGuard policy config (`pulumi preview --policy-pack-config`, `posture check --policy-config`):
    policy name (or ``all``) to an enforcement level, or to an object with ``enforcementLevel``."""

    model_config = ConfigDict(title="posture / CrossGuard policy config")


def schemas() -> dict[str, dict]:
    """File name -> JSON Schema, as published in ``schemas/``."""
    from posture.reports.formats.json import SCHEMA

    draft = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    return {"waivers.schema.json": {**draft, **WaiverFile.model_json_schema()},
            "policy-config.schema.json": {**draft, **PolicyConfig.model_json_schema()},
            "report.schema.json": SCHEMA}


def render_schema(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, schema in schemas().items():
        (SCHEMA_DIR / name).write_text(render_schema(schema), encoding="utf-8")


if __name__ == "__main__":
    main()
