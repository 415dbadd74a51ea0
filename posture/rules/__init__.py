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
def _homes() -> dict[str, ModuleType]:
    """Each control's home: the one module of this package with a function named after the control."""
    from posture.catalog import CONTROLS

    modules = rule_modules()
    homes: dict[str, ModuleType] = {}
    problems = []
    for control in CONTROLS:
        name = rule_name(control.id)
        found = [m for m in modules if callable(getattr(m, name, None))]
        if len(found) == 1:
            homes[control.id] = found[0]
        else:
            problems.append(f"{control.id}: expected one function {name}() in posture/rules/, "
                            f"found {sorted(m.__name__ for m in found) or 'none'}")
    if problems:
        raise LookupError("; ".join(problems))
    return homes


@cache
def _registry() -> dict[str, ResourceRule | StackRule]:
    return {control_id: getattr(home, rule_name(control_id)) for control_id, home in _homes().items()}


def rule_home(control_id: str) -> ModuleType:
    """The module that holds a control's rule under ``rule_name(control_id)``: the attribute to patch
    to break the rule, and the module whose wording a test judges. Not ``rule.__module__``: a rule a
    factory made (``require_true``) or an alias of another control's rule names the factory's or the
    original's module and function instead."""
    return _homes()[control_id]


def __getattr__(name: str) -> Any:
    if name == "RULES":
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
