"""Run a Pulumi program offline under the SDK's mock engine and capture what it would create.

No Pulumi CLI, no provider plugins and no cloud credentials are involved: the SDK registers
each resource with an in-process mock monitor, which records the inputs exactly as a
CrossGuard policy would receive them (camelCase, after JSON round-tripping), with the engine's
``propertyDependencies`` so references can be followed before any id exists.

Two views of the same program (both run as a preview, so an output nobody computed is unknown,
never None):
- ``first-preview`` (the default): what ``pulumi preview`` shows for a stack that does not exist
  yet: no ids, no ARNs, no computed outputs. This is what the pack sees when it matters most.
- ``deployed``: the same with the identities AWS would assign (ids, ARNs, names), as on a preview
  of a stack whose resources already exist.

``secure:`` config values are never decrypted: they are replaced by a placeholder, and any value
carrying it is stored as ``REDACTED`` (cannot be judged). Other values the program marks secret
are kept for the rules, as CrossGuard hands them to policies, and listed so reports never quote
them.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import json
import runpy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.output import Unknown
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import wait_for_rpcs

from posture.pulumi_project import (
    StackInputError,
    check_declared_type,
    config_text,
    project_config,
    qualified_key,
    short_stack_name,
    stack_environments,
)
from posture.resources import REDACTED, UNKNOWN, ResourceView, SourceLocation

MOCK_ACCOUNT = "123456789012"
FIRST_PREVIEW = "first-preview"
DEPLOYED = "deployed"
VIEWS = (FIRST_PREVIEW, DEPLOYED)
SECRET_PLACEHOLDER = "placeholder-for-a-secure-config-value"
_IDENTITY_OUTPUTS = ("arn", "name", "bucket", "keyId", "prefixListId", "defaultNetworkAclId")
"""Computed outputs other resources refer to by value; recorded so stack rules can follow references."""


@dataclass(frozen=True)
class StackFiles:
    project: str
    stack: str
    config: dict[str, str]
    secret_keys: list[str]
    region: str | None
    environments: tuple[str, ...] = ()
    """ESC environments the stack file imports: their values cannot be read offline."""
    from_project: frozenset[str] = frozenset()
    """Keys whose value comes from Pulumi.yaml (a declared default or project-wide value)."""

    @property
    def account_id(self) -> str:
        return self.config.get(f"{self.project}:accountId", MOCK_ACCOUNT)


def read_stack_files(project_dir: Path, stack: str) -> StackFiles:
    """Read Pulumi.yaml and Pulumi.<stack>.yaml the way the CLI does, without decrypting anything:
    ``stack`` may be fully qualified, and Pulumi.yaml's declared defaults fill what the stack omits."""
    project_file = project_dir / "Pulumi.yaml"
    project_doc = _load_yaml(project_file)
    if not isinstance(project_doc, dict) or not isinstance(project_doc.get("name"), str):
        raise StackInputError(f"{project_file}: has no project `name`; add `name: <project>` at the top")
    project = project_doc["name"]
    stack = short_stack_name(stack, project)
    stack_dir = project_dir / str(project_doc.get("stackConfigDir") or ".")
    stack_file = stack_dir / f"Pulumi.{stack}.yaml"
    defaults, declared_types = project_config(project_doc, project, project_file)
    if not stack_file.exists():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in stack_dir.glob("Pulumi.*.yaml"))
        raise StackInputError(f"unknown stack {stack!r}: {stack_file.name} does not exist; known stacks: {', '.join(known) or 'none'}")
    stack_doc = _load_yaml(stack_file) or {}
    raw = stack_doc.get("config", {}) if isinstance(stack_doc, dict) else None
    if not isinstance(raw, dict):
        raise StackInputError(f"{stack_file}: `config` must be a mapping of keys to values")
    environments = stack_environments(stack_doc, stack_file) if isinstance(stack_doc, dict) else ()
    config: dict[str, str] = dict(defaults)
    secret_keys: list[str] = []
    for key, value in raw.items():
        full_key = qualified_key(key, project)
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[full_key] = SECRET_PLACEHOLDER
            secret_keys.append(full_key)
        elif isinstance(value, (dict, list)):
            check_declared_type(stack_file, full_key, value, declared_types.get(full_key))
            config[full_key] = json.dumps(value)
        elif value is None:
            raise StackInputError(f"{stack_file}: {full_key} has no value; give one or remove the key")
        else:
            check_declared_type(stack_file, full_key, value, declared_types.get(full_key))
            config[full_key] = config_text(value)
    return StackFiles(project, stack, config, secret_keys, config.get("aws:region"), environments,
                      frozenset(defaults.keys() - {qualified_key(k, project) for k in raw}))


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise StackInputError(f"{path}: not found; run posture from the Pulumi project directory or pass --project") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise StackInputError(f"{path}:{where} is not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from None


def run_project(project_dir: Path, stack: str, view: str = FIRST_PREVIEW) -> list[ResourceView]:
    """Run the project's own ``__main__.py`` for ``stack`` under mocks."""
    files = read_stack_files(project_dir, stack)
    main = project_dir / "__main__.py"
    return run_program(lambda: runpy.run_path(str(main), run_name="__main__"), files, view)


def run_program(program: Callable[[], Any], files: StackFiles, view: str = FIRST_PREVIEW,
                existing: frozenset[str] = frozenset()) -> list[ResourceView]:
    """Run ``program`` in a fresh context so repeated runs in one process never share Pulumi state.

    ``existing`` names resources (logical names) an earlier ``pulumi up`` already created: in the
    first-preview view they answer as deployed, the rest as new, which is what a preview of a change
    shows."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    return contextvars.Context().run(_run_in_context, program, files, view, existing)


def _run_in_context(program: Callable[[], Any], files: StackFiles, view: str, existing: frozenset[str]
                    ) -> list[ResourceView]:
    # The SDK allocates dozens of futures and Outputs per resource; with the cyclic collector on,
    # its repeated full scans of that growing heap took over half of a 10,000-resource run
    # (benchmarks/). The run is finite and its objects live until it ends, so collect afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_with_mocks(program, files, view, existing)
    finally:
        if collecting:
            gc.enable()


def _run_with_mocks(program: Callable[[], Any], files: StackFiles, view: str, existing: frozenset[str]
                    ) -> list[ResourceView]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = _AwsMocks(files) if view == DEPLOYED else _FirstPreviewMocks(files, existing)
    monitor = _RecordingMonitor(mocks, files.region)
    try:
        pulumi_mocks.set_mocks(mocks, project=files.project, stack=files.stack, preview=True, monitor=monitor)
        set_all_config(files.config, files.secret_keys)
        try:
            program()
        except BaseException:
            # Drain registrations already in flight so no half-finished RPC outlives this run
            # and stalls the next one in the process; the program's own error is the one to report.
            loop.run_until_complete(_settle())
            raise
        error = loop.run_until_complete(_settle())
        if error is not None:
            raise error
    finally:
        _cancel_abandoned_tasks(loop)
        loop.run_until_complete(loop.shutdown_default_executor())
        for worker_loop in monitor.worker_loops:
            worker_loop.close()
        asyncio.set_event_loop(None)
        loop.close()
    return monitor.recorded


def _cancel_abandoned_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """A program that stopped part-way leaves registrations waiting on outputs that will never
    resolve; cancel them so asyncio does not report each one when it is collected."""
    abandoned = asyncio.all_tasks(loop)
    for task in abandoned:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*abandoned, return_exceptions=True))


async def _settle() -> BaseException | None:
    try:
        await wait_for_rpcs()
    except Exception as exc:
        return exc
    return None


_ARN_SHAPES = {
    "aws:s3/bucket:Bucket": "arn:aws:s3:::{name}",
    "aws:dynamodb/table:Table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
    "aws:sns/topic:Topic": "arn:aws:sns:{region}:{account}:{name}",
    "aws:secretsmanager/secret:Secret": "arn:aws:secretsmanager:{region}:{account}:secret:{name}-AbCdEf",
    "aws:iam/role:Role": "arn:aws:iam::{account}:role/{name}",
}


class _AwsMocks(pulumi.runtime.Mocks):
    """Fills in the outputs AWS would compute (ids, ARNs) so components can wire resources together."""

    def __init__(self, files: StackFiles) -> None:
        self.account = files.account_id
        self.region = files.region or "us-east-1"

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        state = dict(args.inputs)
        service = args.typ.split(":")[1].split("/")[0]
        kind = args.typ.rsplit(":", 1)[-1].lower()
        region = state.get("region") or self.region
        resource_id = f"{args.name}-id"
        if args.typ == "aws:rds/instance:Instance":
            state["arn"] = f"arn:aws:rds:{region}:{self.account}:db:{state.get('identifier', args.name)}"
        physical = state.get("bucket") or state.get("name") or (args.name if args.typ == "aws:iam/role:Role" else None)
        if physical and args.typ in _ARN_SHAPES:  # as AWS builds it from the physical name (IAM ARNs have no region)
            state["arn"] = _ARN_SHAPES[args.typ].format(region=region, account=self.account, name=physical)
        if args.typ == "aws:s3/bucket:Bucket":
            state.setdefault("bucket", f"{args.name}-bucket")
            state.setdefault("arn", f"arn:aws:s3:::{args.name}-bucket")
        state.setdefault("arn", f"arn:aws:{service}:{region}:{self.account}:{kind}/{args.name}")
        if args.typ == "aws:kms/key:Key":
            state["keyId"] = resource_id
        if args.typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
            state["prefixListId"] = f"pl-{args.name}"
        if args.typ == "aws:ec2/vpc:Vpc":
            state["defaultNetworkAclId"] = f"{args.name}-default-acl"
        if args.typ == "aws:rds/instance:Instance":
            state["endpoint"] = f"{args.name}.cluster.{region}.rds.amazonaws.com:5432"
        state.setdefault("name", args.name)
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.account, "arn": f"arn:aws:iam::{self.account}:root", "userId": "mock"}, None
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region}, None
        return {}, None


class _FirstPreviewMocks(_AwsMocks):
    """The engine's answer on a preview of resources that do not exist yet: no id, and the inputs
    back as outputs (every computed output unknown)."""

    def __init__(self, files: StackFiles, existing: frozenset[str]) -> None:
        super().__init__(files)
        self.existing = existing

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if args.name in self.existing:
            return super().new_resource(args)
        return "", dict(args.inputs)


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """Records every registration with its parent and declaring source line (for SARIF locations)."""

    def __init__(self, mocks: pulumi.runtime.Mocks, stack_region: str | None) -> None:
        super().__init__(mocks)
        self.stack_region = stack_region
        self.recorded: list[ResourceView] = []
        self.worker_loops: set[asyncio.AbstractEventLoop] = set()
        """The SDK gives each executor thread an event loop and never closes it; they are closed
        with the run so the interpreter does not trip over them at exit."""

    def RegisterResource(self, request):  # noqa: N802 - gRPC servicer method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            if threading.current_thread() is not threading.main_thread():
                self.worker_loops.add(asyncio.get_event_loop_policy().get_event_loop())
            raw = rpc.deserialize_properties(request.object, keep_unknowns=True)
            secret = frozenset(k for k, v in raw.items() if rpc.is_rpc_secret(v))
            props = _plain(raw)
            if request.custom and response.id:
                # Stack policies see outputs: keep the identities other resources refer to.
                outputs = _plain(rpc.deserialize_properties(response.object, keep_unknowns=True))
                props["id"] = response.id
                props.update({k: outputs[k] for k in _IDENTITY_OUTPUTS if k in outputs and k not in props})
            dependencies = {k: frozenset(v.urns) for k, v in request.propertyDependencies.items()}
            position = request.sourcePosition
            source = SourceLocation(_path_from_uri(position.uri), position.line) if position.uri else None
            self.recorded.append(ResourceView(
                urn=response.urn, type=request.type, name=request.name, props=props,
                parent=request.parent or None, source=source, custom=request.custom,
                region=_known_str(props.get("region")) or self.stack_region if request.custom else None,
                dependencies=dependencies, secret_properties=secret,
            ))
        return response


def _path_from_uri(uri: str) -> str:
    return uri.removeprefix("file://")


def _known_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _plain(value: Any) -> Any:
    """Wire values as rules read them: unknowns as UNKNOWN, secrets unwrapped (as CrossGuard hands
    them over) unless they carry a ``secure:`` config placeholder, which nobody may judge."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if rpc.is_rpc_secret(value):
        inner = rpc.unwrap_rpc_secret(value)
        return REDACTED if SECRET_PLACEHOLDER in json.dumps(inner, default=str) else _plain(inner)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
