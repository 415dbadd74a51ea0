"""Matching a policy's Resource patterns against a resource whose ARN may not be known yet.

On a first preview a secret's or table's ARN is computed by AWS, but its name is given by the
program, and the name is what a policy pattern actually tests: partition, service and resource
part are compared; region and account, which the program takes from config, are taken as the
pattern states them (a policy attached to the resource lives in the resource's own account and
region). Keys have random ids: their policies use Resource "*", which matches anything.
"""

from __future__ import annotations

import fnmatch

from posture.resources import UNKNOWN, ResourceView
from posture.rules.tokens import DYNAMODB_TABLE, SECRET
from posture.rules.values import ValueNotKnownError

_NAMED_TAILS = {
    SECRET: ("secretsmanager", lambda name: f"secret:{name}-AbCdEf"),
    DYNAMODB_TABLE: ("dynamodb", lambda name: f"table/{name}"),
}
"""The resource part AWS builds from the name. Secrets Manager appends six random characters."""


def known_arns(resource: ResourceView, *extra: object) -> set[str]:
    """The resource's ARN when known, plus any other known ARN naming it (e.g. a policy's target)."""
    values = [resource.props.get("arn"), *extra]
    return {v for v in values if isinstance(v, str) and v}


def pattern_covers(pattern: str, resource: ResourceView, arns: set[str], taken: frozenset[str] = frozenset()) -> bool:
    """Whether Resource/NotResource ``pattern`` matches ``resource`` (``arns`` its known ARNs).
    ``taken``: resource parts (``table/<name>``) other resources of the stack hold; a pattern naming
    exactly one of them cannot be this resource, whose name AWS keeps unique."""
    if pattern == "*":
        return True
    if arns:
        return any(fnmatch.fnmatchcase(arn, pattern) for arn in arns)
    shape = _NAMED_TAILS.get(resource.type)
    name = resource.props.get("name")
    if shape is None or not isinstance(name, str):
        tail = pattern.split(":", 5)[-1]
        if tail in taken and not any(c in tail for c in "*?"):
            return False
        raise ValueNotKnownError("arn", resource.urn)
    service, tail = shape
    parts = pattern.split(":", 5)
    if len(parts) < 6 or name is UNKNOWN:
        return False
    synthetic = ":".join(["arn", "aws", service, parts[3], parts[4], tail(name)])
    return fnmatch.fnmatchcase(synthetic, pattern)
