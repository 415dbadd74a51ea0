"""Which stacks a control applies to: one pack for the whole organization.

Most controls judge what a stack declares, so they apply to every stack. A few require the stack
to declare something (a CloudTrail trail, GuardDuty, AWS Config, a backup plan for every data
store, the keys its stores use): those make sense only for the baseline stack that owns the
account's foundation, and on an application stack they would block every preview for things the
baseline already provides. The catalog marks them ``scope="baseline"``.

A stack is a baseline stack when its ``<project>/<stack>`` matches one of the control's
``baselineStacks`` patterns (pack config; default: every stack of this project) or when it
declares the monitoring component, which is what provides those account-wide services.
Recognition only ever adds controls: nothing an application team puts in its own stack can
switch off a control that applies to every stack.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from posture.resources import ResourceView

BASELINE_PROJECT = "security-baseline"
BASELINE_STACKS_DEFAULT = (f"{BASELINE_PROJECT}/*",)
BASELINE_MARKERS = frozenset({"security-baseline:monitoring:Monitoring"})
"""Component types only a baseline stack declares. The reusable components (buckets, keys...)
are deliberately not markers: an application stack may use them."""
BASELINE_STACKS_SETTING: dict[str, dict[str, Any]] = {
    "baselineStacks": {
        "type": "array", "items": {"type": "string", "minLength": 1},
        "default": list(BASELINE_STACKS_DEFAULT),
        "description": "Stacks held to this control, as <project>/<stack> glob patterns (fnmatch). A stack that "
                       "declares the baseline's monitoring component is held to it whatever this says.",
    },
}


def stack_name(resources: Iterable[ResourceView]) -> str | None:
    """``<project>/<stack>`` from the first Pulumi URN (``urn:pulumi:<stack>::<project>::...``)."""
    for resource in resources:
        parts = resource.urn.split("::")
        if len(parts) >= 3 and parts[0].startswith("urn:pulumi:"):
            return f"{parts[1]}/{parts[0].removeprefix('urn:pulumi:')}"
    return None


def is_baseline_stack(resources: Sequence[ResourceView], settings: Mapping[str, Any] | None = None) -> bool:
    if any(r.type in BASELINE_MARKERS for r in resources):
        return True
    name = stack_name(resources)
    patterns = (settings or {}).get("baselineStacks")
    patterns = BASELINE_STACKS_DEFAULT if patterns is None else patterns
    return name is not None and any(fnmatch.fnmatchcase(name, str(p)) for p in patterns)


def not_baseline_reason(resources: Sequence[ResourceView]) -> str:
    name = stack_name(resources) or "this stack"
    return (f"applies to baseline stacks only; {name} is an application stack (not in baselineStacks and it "
            "declares no baseline monitoring component)")
