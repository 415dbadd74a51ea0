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

DECLARED_TYPES = ("string", "integer", "boolean", "array")
"""The types a project config declaration may name (the Pulumi CLI's project schema)."""


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


def project_config(project_doc: dict, project: str, project_file: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``(values, declared types)`` from Pulumi.yaml's ``config:``: values are the declared defaults
    and project-wide values a stack gets when its own file omits the key."""
    declared = project_doc.get("config") or {}
    if not isinstance(declared, dict):
        raise StackInputError(f"{project_file}: `config` must be a mapping of keys to declarations")
    values: dict[str, str] = {}
    types: dict[str, str] = {}
    for key, entry in declared.items():
        full_key = qualified_key(str(key), project)
        if not isinstance(entry, dict):  # the short form: a project-wide value
            values[full_key] = config_text(entry)
            continue
        kind = entry.get("type")
        if kind is not None and kind not in DECLARED_TYPES:
            raise StackInputError(f"{project_file}: config {key} has type {kind!r}; use one of {', '.join(DECLARED_TYPES)}")
        if kind is not None:
            types[full_key] = kind
        for field in ("value", "default"):
            if entry.get(field) is not None:
                values[full_key] = config_text(entry[field])
    return values, types


def check_declared_type(stack_file: Path, key: str, value: Any, kind: str | None) -> None:
    """Refuse a plain stack value that contradicts its declaration in Pulumi.yaml."""
    text = str(value).lower() if not isinstance(value, (dict, list)) else None
    fits = {
        "integer": not isinstance(value, bool) and text is not None and text.lstrip("-").isdigit(),
        "boolean": isinstance(value, bool) or text in ("true", "false"),
        "array": isinstance(value, list),
        "string": not isinstance(value, (dict, list)),
    }.get(kind or "", True)
    if not fits:
        raise StackInputError(f"{stack_file}: {key} is {value!r}, but Pulumi.yaml declares it {kind}; "
                              f"give it a {kind} value")


def stack_environments(stack_doc: dict, stack_file: Path) -> tuple[str, ...]:
    """The ESC environments a stack file imports: ``environment: name`` or ``environment: [names]``."""
    declared = stack_doc.get("environment")
    if declared is None:
        return ()
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        raise StackInputError(f"{stack_file}: `environment` must be an environment name or a list of them, "
                              "e.g. environment: [acme/aws-prod]")
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
