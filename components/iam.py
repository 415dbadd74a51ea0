"""IAM documents more than one component writes."""

from __future__ import annotations

import json


def service_trust_policy(service: str, account_id: str) -> str:
    """A role that only ``service`` may assume, and only on behalf of this account: the
    ``aws:SourceAccount`` condition stops the confused deputy (another account's use of the same
    service assuming our role)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"Service": service},
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }]})
