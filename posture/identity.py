"""Which stack a resource belongs to, and its logical name: the key that pairs a plan with the account.

Offline both are in the resource's URN. Live they are the tags the baseline puts on every taggable
resource (``stacks/identity_tags.py``); a setting without tags of its own (a bucket's policy, a
key's rotation) belongs to the stack of the resource it is a setting of. A resource without these
tags was not created by a posture-tagged stack: the default VPC, a console click, an older deploy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from posture.resources import ResourceView

PROJECT_TAG, STACK_TAG, NAME_TAG = "pulumi:project", "pulumi:stack", "pulumi:logical-name"


@dataclass(frozen=True)
class Identity:
    stack: str
    logical_name: str | None
    """None for a setting that inherits its stack from the resource it belongs to."""


def identity_of(view: ResourceView) -> Identity | None:
    if view.urn.startswith("urn:pulumi:"):
        parts = view.urn.split("::")
        return Identity(parts[0].removeprefix("urn:pulumi:"), parts[-1]) if len(parts) >= 4 else None
    tags = view.props.get("tags")
    if isinstance(tags, Mapping) and isinstance(tags.get(STACK_TAG), str):
        name = tags.get(NAME_TAG)
        return Identity(tags[STACK_TAG], name if isinstance(name, str) else None)
    return None


def inherit_identities(views: Iterable[ResourceView]) -> dict[str, Identity]:
    """URN -> identity for live views: their own tags, else the tags of the resource they are a
    setting of (``<parent ARN>?<kind>``)."""
    views = list(views)
    found = {v.urn: i for v in views if (i := identity_of(v)) is not None}
    for view in views:
        if view.urn not in found and "?" in view.urn:
            parent = found.get(view.urn.split("?", 1)[0])
            if parent is not None:
                found[view.urn] = replace(parent, logical_name=None)
    return found
