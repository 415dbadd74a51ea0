"""ARNs built from values known before deploy: account id and region from config, physical names
given explicitly.

A policy document built from an ``.arn`` output is unknown on a first ``pulumi preview`` (the
resource does not exist yet), so every control that reads the document could only say "cannot
verify". AWS ARNs are a documented function of partition, region, account and name, so a
component that names its resources can write its policies before they exist. Keys are the
exception: their ARN carries a random key id, which is why key policies name the role rather
than identity policies naming the key.
"""

from __future__ import annotations

import asyncio

import pulumi

PARTITION = "aws"


def known_after(value: str, *resources: pulumi.Resource) -> pulumi.Output[str]:
    """``value`` as an Output that is known at preview yet depends on ``resources``: a policy that
    names a role must still be created after the role (AWS refuses a principal that does not exist),
    and the engine must still record which resource the value came from."""
    future: asyncio.Future[str] = asyncio.Future()
    future.set_result(value)
    known: asyncio.Future[bool] = asyncio.Future()
    known.set_result(True)
    return pulumi.Output(set(resources), future, known)


def role(account_id: str, name: str, path: str = "/") -> str:
    return f"arn:{PARTITION}:iam::{account_id}:role{path}{name}"


def account_root(account_id: str) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:root"


def bucket(name: str) -> str:
    return f"arn:{PARTITION}:s3:::{name}"


def topic(region: str, account_id: str, name: str) -> str:
    return f"arn:{PARTITION}:sns:{region}:{account_id}:{name}"


def table(region: str, account_id: str, name: str) -> str:
    return f"arn:{PARTITION}:dynamodb:{region}:{account_id}:table/{name}"


def secret(region: str, account_id: str, name: str) -> str:
    """Secrets Manager appends a hyphen and six random characters to the name: ``-??????`` matches
    exactly that suffix and nothing longer, so ``name`` cannot also match ``name-other``."""
    return f"arn:{PARTITION}:secretsmanager:{region}:{account_id}:secret:{name}-??????"


def log_group(region: str, account_id: str, name: str) -> str:
    return f"arn:{PARTITION}:logs:{region}:{account_id}:log-group:{name}"
