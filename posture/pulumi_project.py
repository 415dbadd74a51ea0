"""The Pulumi CLI's conventions for projects and stacks, as far as an offline run can follow them.

- Stack names may be fully qualified (``org/project/stack``, ``org/stack``); the stack file is
  ``Pulumi.<stack>.yaml`` for the last segment, and a project segment must name this project.
- ``Pulumi.yaml`` may declare config keys (``config:`` with ``type``, ``description``, ``default``;
  keys of other namespaces with ``value``). Defaults and values apply when the stack file omits
  the key; a stack value of the wrong declared type is refused, as the CLI refuses it.
- A stack file may import ESC environments (``environment:``). Their values are resolved by the
  Pulumi Cloud, so offline they are *unknown*: a key the program reads that neither file holds is
  reported "from environment X: not readable offline", never "not set".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi.config

DECLARED_TYPES = ("string", "integer", "boolean", "array", "object")
"""The types a project config declaration may name (the Pulumi CLI's project schema; object is newer)."""


class StackInputError(Exception):
    """Project or stack files that cannot be read; the message is one line for the user."""


def short_stack_name(name: str, project: str) -> str:
    """``org/project/stack`` or ``org/stack`` -> ``stack``, as ``pulumi stack select`` accepts them."""
    parts = name.split("/")
    if len(parts) > 3 or not all(parts):
        raise StackInputError(f"--stack {name!r} is not a stack name; use stack, org/stack or org/project/stack")
    if len(parts) == 3 and parts[1] != project:
        raise StackInputError(f"--stack {name!r} names project {parts[1]!r}, but Pulumi.yaml is project {project!r}; "
                              f"use {parts[0]}/{project}/{parts[2]} or run from that project's directory")
    return parts[-1]


def qualified_key(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def config_text(value: Any) -> str:
    """A config value as the engine hands it to the program: strings as-is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def project_config(project_doc: dict, project: str, project_file: Path) -> tuple[dict[str, str], dict[str, dict]]:
    """``(values, declarations)`` from Pulumi.yaml's ``config:``: values are the declared defaults and
    project-wide values a stack gets when its own file omits the key; declarations keep the types."""
    declared = project_doc.get("config") or {}
    if not isinstance(declared, dict):
        raise StackInputError(f"{project_file}: `config` must be a mapping of keys to declarations")
    values: dict[str, str] = {}
    types: dict[str, dict] = {}
    for key, entry in declared.items():
        full_key = qualified_key(str(key), project)
        if not isinstance(entry, dict):  # the short form: a project-wide value
            values[full_key] = config_text(entry)
            continue
        kind = entry.get("type")
        if kind is not None and kind not in DECLARED_TYPES:
            raise StackInputError(f"{project_file}: config {key} has type {kind!r}; use one of {', '.join(DECLARED_TYPES)}")
        if kind is not None:
            types[full_key] = entry
        for field in ("value", "default"):
            if entry.get(field) is not None:
                check_declared_type(project_file, f"{key} {field}", entry[field], entry if kind else None)
                values[full_key] = config_text(entry[field])
    return values, types


def _fits(kind: str | None, items: dict | None, value: Any) -> bool:
    """The Pulumi CLI's rule for a config value of a declared type (strings may spell integers and booleans)."""
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and value.lstrip("-").isdigit())
    if kind == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        items = items or {}
        return isinstance(value, list) and all(_fits(items.get("type"), items.get("items"), v) for v in value)
    return True


def check_declared_type(file: Path, key: str, value: Any, declaration: dict | None) -> None:
    """Refuse a plain value that contradicts its declaration in Pulumi.yaml, as the CLI refuses it."""
    if declaration is None or _fits(declaration.get("type"), declaration.get("items"), value):
        return
    kind = declaration["type"]
    if kind == "array":
        kind = f"array of {(declaration.get('items') or {}).get('type', 'values')}"
    raise StackInputError(f"{file}: {key} is {value!r}, but Pulumi.yaml declares it {kind}; give it a {kind} value")


def stack_environments(stack_doc: dict, stack_file: Path) -> tuple[str, ...]:
    """The ESC environments a stack file draws values from: ``environment:`` (a list of names, or an
    inline definition with ``imports`` and ``values``) and ``mainEnvironment:`` (one name)."""
    problem = (f"{stack_file}: `environment` must be a list of environment names or an inline definition "
               "with `imports`, e.g. environment: [acme/aws-prod]")
    declared, names = stack_doc.get("environment"), []
    if isinstance(declared, list):
        names = declared
    elif isinstance(declared, dict):
        imports = declared.get("imports") or []
        if not isinstance(imports, list):
            raise StackInputError(problem)
        names = [next(iter(entry)) if isinstance(entry, dict) and len(entry) == 1 else entry for entry in imports]
        if declared.get("values"):
            names.append(f"(inline values of {stack_file.name})")
    elif declared is not None:
        raise StackInputError(problem)
    main = stack_doc.get("mainEnvironment")
    if main is not None:
        if not isinstance(main, str) or "/" not in main:
            raise StackInputError(f"{stack_file}: `mainEnvironment` must be one <project>/<env>[@version] reference")
        names.append(main)
    if (declared is not None and not names) or not all(isinstance(n, str) and n for n in names):
        raise StackInputError(problem)
    return tuple(names)


@contextmanager
def recording_config_reads(from_project: frozenset[str]) -> Iterator[set[str]]:
    """Yield the set of config keys the program reads that its stack file does not hold: unset, or
    set only by Pulumi.yaml. With environments imported, those are the values ESC may supply.

    ``pulumi.Config`` reads every key through ``pulumi.config.get_config``; wrapping it is the one
    place that sees which keys a program asks for, whatever its own wording when one is missing.
    """
    asked: set[str] = set()
    original = pulumi.config.get_config

    def get_config(key: str) -> Any:
        value = original(key)
        if value is None or key in from_project:
            asked.add(key)
        return value

    pulumi.config.get_config = get_config
    try:
        yield asked
    finally:
        pulumi.config.get_config = original


def not_readable_offline(key: str, environments: tuple[str, ...]) -> str:
    return f"{key}: from environment {', '.join(environments)}: not readable offline"


def unknown_for_every_control(reason: str, project: str, stack: str, levels: dict | None) -> list:
    """One UNKNOWN finding per enabled control: the program could not run, so nothing was seen."""
    from posture.catalog import CONTROLS
    from posture.findings import Enforcement, Finding, Verdict

    urn = f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
    levels = levels or {}
    enabled = [(c, levels.get(c.id, Enforcement.MANDATORY)) for c in CONTROLS]
    return [Finding(c.id, Verdict.UNKNOWN, c.severity,
                    Enforcement.MANDATORY if level is Enforcement.REMEDIATE else level,
                    urn, "pulumi:pulumi:Stack", reason)
            for c, level in enabled if level is not Enforcement.DISABLED]
