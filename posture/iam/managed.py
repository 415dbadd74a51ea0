"""AWS managed policies, judged by their documents: a dated snapshot shipped with posture
(``aws_managed_policies.tsv``, regenerated from moto's copy by ``make refresh-managed-policies``;
its first line records the source and the newest policy update it holds).

Read on first use only (a stack without managed policies pays nothing), and only the documents a
stack attaches are parsed.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

SNAPSHOT = "aws_managed_policies.tsv"


@cache
def _lines() -> tuple[dict[str, Any], dict[str, str]]:
    text = files("posture.iam").joinpath(SNAPSHOT).read_text()
    header, *rows = text.splitlines()
    return json.loads(header), dict(row.split("\t", 1) for row in rows)


def provenance() -> dict[str, Any]:
    """Where the snapshot comes from and how fresh it is."""
    return _lines()[0]


def is_aws_managed(arn: str) -> bool:
    """``arn:<partition>:iam::aws:policy/...``: a policy AWS owns (any partition)."""
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam" and parts[4] == "aws"


@cache
def managed_policy_document(arn: str) -> dict[str, Any] | None:
    """The snapshot's document for an AWS managed policy ARN (any partition), None when it holds none."""
    if not is_aws_managed(arn):
        return None
    tail = arn.split(":", 5)[5]
    row = _lines()[1].get(f"arn:aws:iam::aws:{tail}")
    return json.loads(row) if row is not None else None
