"""The rule registry: control id -> pure rule function, found by name, so a new control needs no
registration here.

A control's rule is the function named after its id without the ``aws-<service>-`` or ``stack-``
prefix, in any module of this package: ``aws-rds-instance-disallow-public-access`` is
``database.instance_disallow_public_access``. Resource rules take one ``ResourceView`` and return a
``RuleResult`` (or a list); stack rules take every resource and return a list of results, each naming
the resource it is about. Whether a rule is a resource or a stack rule follows from its control id
(``stack-`` prefix).

``RULES`` is built on first use, not at import: the catalog imports names from this package (type
tokens, settings defaults), so the registry cannot read the catalog while the package loads.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache
from types import ModuleType
from typing import Any

from posture.rules.results import ResourceRule, StackRule


def rule_name(control_id: str) -> str:
    """The function name a control's rule must have."""
    return re.sub(r"^(aws-[a-z0-9]+|stack)-", "", control_id).replace("-", "_")


def rule_modules() -> tuple[ModuleType, ...]:
    """Every module of this package, so a new rules module is found without being listed."""
    return tuple(importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__))


@cache
def _registry() -> dict[str, ResourceRule | StackRule]:
    from posture.catalog import CONTROLS

    modules = rule_modules()
    rules: dict[str, ResourceRule | StackRule] = {}
    problems = []
    for control in CONTROLS:
        name = rule_name(control.id)
        found = {id(fn): fn for m in modules if callable(fn := getattr(m, name, None))}
        if len(found) == 1:
            rules[control.id] = next(iter(found.values()))
        else:
            homes = sorted(m.__name__ for m in modules if callable(getattr(m, name, None)))
            problems.append(f"{control.id}: expected one function {name}() in posture/rules/, found {homes or 'none'}")
    if problems:
        raise LookupError("; ".join(problems))
    return rules


def __getattr__(name: str) -> Any:
    if name == "RULES":
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
