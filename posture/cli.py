"""`posture`: check a stack's security posture offline, report on a preview's policy results,
audit a deployed account, and show the control catalog.

Exit codes are the contract with CI:
  0  no blocking finding (waived, advisory, unknown and below-threshold findings never block)
  1  a blocking finding at or above --fail-on, a rule that crashed under a mandatory level,
     an expired or refused waiver, or (audit) an API call that failed, leaving the check incomplete
  2  no trustworthy result: bad usage, unknown stack, broken config or YAML, bad waiver file,
     unreadable or truncated event log, bad policy config, an unwritable --out; one line on
     stderr names the file/field and the fix, and no report file is written
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from posture.reports import FORMATS

REPORT_FRAMEWORKS = ("fsbp", "cis", "nist", "pci")
"""--framework keys (posture.reports.model.FRAMEWORKS names them); listed here so --help needs no import."""
"""What `check` judges until it tells a first preview from an update of a deployed stack."""

SEVERITIES = ("critical", "high", "medium", "low")
DEFAULT_FAIL_ON = "low"

OUTPUT_HELP = """\
output: --format and --out pair up in order
  --format may be repeated; each format except console needs its own --out FILE, and the
  Nth --out belongs to the Nth non-console --format. console always writes to stdout.
  A single non-console format without --out writes to stdout; `--out -` also means stdout.
  At most one report may go to stdout. Every report is rendered in memory first and each
  file is replaced atomically, so an error never leaves a partial or stale-looking report.
    posture check --stack prod                                 # console table
    posture check --stack prod --format sarif > posture.sarif  # single format to stdout
    posture check --stack prod --format console \\
        --format sarif --out posture.sarif --format junit --out posture.xml

exit codes
  0  no blocking finding (waived, advisory, unknown and below-threshold findings never block)
  1  a mandatory, unwaived failure with severity >= --fail-on (default low: every mandatory
     failure, as `pulumi preview --policy-pack` would refuse it); a rule that crashed under a
     mandatory level; an expired waiver; a waiver refused because it would hide a critical
     finding; (audit) an API call that failed, leaving the check incomplete
  2  usage, config or input error (one line on stderr, nothing written)
"""


class UsageError(Exception):
    """Anything that prevents a trustworthy result; the message is the one line the user sees."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; see `{self.prog} --help`")


def main(argv: list[str] | None = None) -> int:
    collecting = gc.isenabled()
    try:
        args, extra = _parser().parse_known_args(argv)
        if extra:
            raise UsageError(f"unrecognized arguments: {' '.join(extra)}; see `posture {args.command} --help`")
        return args.handler(args)
    except UsageError as exc:
        _say(f"posture: error: {_one_line(str(exc))}")
        return 2
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        _say("posture: interrupted; no report was written")
        return 130
    except Exception as exc:
        if os.environ.get("POSTURE_DEBUG"):
            raise
        _say(f"posture: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
             "(rerun with POSTURE_DEBUG=1 for the traceback)")
        return 2
    finally:
        if collecting:
            gc.enable()  # `check` pauses the collector; callers in the same process get it back


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="posture", description="Prove the security baseline's promises before and after deploy.")
    parser.add_argument("--version", action="version", version=f"posture {_version()}")
    commands = parser.add_subparsers(dest="command", required=True,
                                     metavar="{check,report,audit,merge,diff,controls}")

    check = commands.add_parser(
        "check", help="run the stack's program offline and evaluate every control",
        description="Run the Pulumi program for a stack under the mock engine (no cloud credentials, no "
                    "Pulumi CLI), evaluate every control in-process and write the reports.",
        epilog=OUTPUT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("--stack", required=True,
                       help="stack, org/stack or org/project/stack: reads Pulumi.<stack>.yaml (in stackConfigDir)")
    check.add_argument("--project", type=Path, default=Path("."), metavar="DIR",
                       help="Pulumi project directory (default: current directory)")
    check.add_argument("--policy-config", type=Path, metavar="FILE",
                       help="CrossGuard policy config JSON (as for --policy-pack-config) to override enforcement")
    check.add_argument("--view", choices=("first-preview", "deployed"), default="first-preview",
                       help="first-preview (default): what the pack can prove on the first `pulumi preview`, before "
                            "AWS has assigned any id; deployed: as on a preview of a stack whose resources exist")
    _output_options(check)
    _source_root_option(check)
    check.set_defaults(handler=_check)

    report = commands.add_parser(
        "report", help="report the policy results of `pulumi preview --event-log F --policy-pack policies`",
        description="Read the JSON-lines event log of a preview run with the policy pack and write the same "
                    "reports as `posture check`.", epilog=OUTPUT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    report.add_argument("--events", type=Path, required=True, metavar="FILE", help="the --event-log file")
    report.add_argument("--project", type=Path, metavar="DIR",
                        help="the Pulumi project the preview ran on: its program is run offline (mock engine) to "
                             "point each finding at the line that declares its resource")
    _output_options(report)
    _source_root_option(report)
    report.set_defaults(handler=_report)

    audit = commands.add_parser(
        "audit", help="check the same controls against a deployed account (read-only API calls)",
        description="Collect the account's inventory with read-only AWS API calls and evaluate the controls "
                    "that can be checked live. Credentials come from --profile or the usual AWS_* environment.",
        epilog=OUTPUT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    audit.add_argument("--region", action="append", required=True, metavar="REGION",
                       help="region to audit, repeatable (include the backup copy region)")
    audit.add_argument("--profile", help="AWS profile from ~/.aws/config (default: the environment)")
    audit.add_argument("--endpoint-url", metavar="URL", help="send every API call here (a moto server in tests)")
    audit.add_argument("--stack", metavar="NAME",
                       help="audit only the resources tagged pulumi:stack=NAME (and their settings); without it, "
                            "the whole account")
    audit.add_argument("--time-budget", type=_seconds, default=None, metavar="SECONDS",
                       help="seconds one account's API calls may take in all; calls not made in time are "
                            "unknown (default: 900)")
    audit.add_argument("--policy-config", type=Path, metavar="FILE",
                       help="CrossGuard policy config JSON to override enforcement, as for check")
    org = audit.add_argument_group("organization", "audit many accounts through a read-only role in each")
    source = org.add_mutually_exclusive_group()
    source.add_argument("--organization", action="store_true",
                        help="audit every ACTIVE account of AWS Organizations (organizations:ListAccounts)")
    source.add_argument("--accounts-file", type=Path, metavar="FILE", help="audit the account ids listed, one per line")
    org.add_argument("--role-name", metavar="NAME", help="read-only role to assume in each account (required)")
    org.add_argument("--external-id", metavar="ID", help="external id the role's trust policy requires")
    org.add_argument("--session-name", default="posture-audit", metavar="NAME",
                     help="role session name, as CloudTrail records it (default: posture-audit)")
    org.add_argument("--max-parallel", type=int, default=8, metavar="N", help="accounts audited at once (default: 8)")
    org.add_argument("--shard", metavar="I/N", help="audit only the I-th of N shares of the accounts (CI matrix); "
                                                    "combine the JSON reports with `posture merge`")
    _output_options(audit)
    audit.set_defaults(handler=_audit)

    merge = commands.add_parser(
        "merge", help="combine the JSON reports of sharded organization audits into one report",
        description="Read the JSON reports of `posture audit --shard I/N --format json` runs and write the report "
                    "one unsharded run would have written, in any format.", epilog=OUTPUT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    merge.add_argument("reports", type=Path, nargs="+", metavar="REPORT", help="JSON reports of the shards")
    _output_options(merge)
    merge.set_defaults(handler=_merge)

    diff = commands.add_parser(
        "diff", help="list drift between a planned (check) and a live (audit) JSON report",
        description="Compare the JSON report of `posture check` with the JSON report of `posture audit` and list, "
                    "per control and resource, what is missing live, what is extra live and which verdicts "
                    "changed, pairing resources by their pulumi:stack and pulumi:logical-name tags. A live report "
                    "with nothing of the planned stack says 'not deployed'. Exit 0 without drift, 1 with drift "
                    "or when the stack is not deployed.")
    diff.add_argument("planned", type=Path, help="JSON report of `posture check --format json`")
    diff.add_argument("live", type=Path, help="JSON report of `posture audit --format json`")
    diff.set_defaults(handler=_diff)

    controls = commands.add_parser("controls", help="show the control catalog: promise -> controls -> frameworks",
                                   description="Show the control catalog promise by promise: the controls backing "
                                               "each promise, their framework ids and which enforcers run them.")
    controls.add_argument("--format", choices=("console", "markdown", "json"), default="console")
    controls.set_defaults(handler=_controls)
    return parser


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", action="append", choices=FORMATS, metavar="FORMAT",
                        help=f"report format, repeatable: {', '.join(FORMATS)} (default: console)")
    parser.add_argument("--out", action="append", metavar="FILE",
                        help="file for the matching non-console --format (see 'output' below)")
    parser.add_argument("--fail-on", choices=SEVERITIES, default=DEFAULT_FAIL_ON,
                        help=f"lowest severity of a mandatory failure that fails the run (default: {DEFAULT_FAIL_ON})")
    parser.add_argument("--waivers", type=Path, metavar="FILE", help="YAML waiver file (see docs/report-format.md)")
    parser.add_argument("--allow-critical-waivers", action="store_true",
                        help="let waivers cover critical controls (refused by default)")
    parser.add_argument("--framework", action="append", choices=tuple(REPORT_FRAMEWORKS), metavar="FRAMEWORK",
                        help="per-framework view to include, repeatable: "
                             f"{', '.join(REPORT_FRAMEWORKS)} (default: all)")


def _source_root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source-root", type=Path, metavar="DIR",
                        help="directory SARIF locations are relative to (default: the git repository holding the "
                             "project, else the project directory)")


# --- commands ---------------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    # This process ends right after the report. The mock engine leaves millions of cyclic SDK
    # objects behind (2.7 million at 10,000 resources); collecting them costs more than the whole
    # evaluation, and letting the collector rescan them on every later allocation costs as much.
    gc.disable()
    outputs = plan_outputs(args.format, args.out)
    from posture.catalog import CONTROLS, PROMISES

    controls = {c.id: c for c in CONTROLS}
    waivers = _load_waivers(args, controls)
    levels = _load_policy_config(args.policy_config) if args.policy_config else None
    properties = _load_policy_config(args.policy_config, properties=True) if args.policy_config else None
    project_dir = args.project.resolve()

    try:
        files, resources, unreadable = _run_offline(project_dir, args.stack, args.view)
    except _EnvironmentValueMissingError as missing:
        from posture.pulumi_project import unknown_for_every_control

        files = missing.files
        return _finish(args, outputs, kind="check", stack=files.stack, project=files.project,
                       findings=unknown_for_every_control(f"not checked: {missing.reason}", files.project, files.stack,
                                                          levels),
                       controls=CONTROLS, promises=PROMISES, waivers=waivers, resources=(),
                       metadata={"view": args.view, "resources evaluated": "0"}, view=args.view,
                       run_errors=(f"{missing.reason}; the program stops without it, so no control was checked: give "
                                   f"it a stand-in value in Pulumi.{files.stack}.yaml to check offline, or rely on "
                                   "`pulumi preview --policy-pack`",), **_code_location(args, project_dir))

    from posture.evaluate import evaluate

    with _progress().step(f"Evaluating {len(CONTROLS)} controls on {len(resources)} resources…") as step:
        findings = evaluate(resources, levels, properties)
        step.done = f"evaluated {len(CONTROLS)} controls: {len(findings)} verdicts"
    metadata = {"view": args.view, "resources evaluated": str(len(resources)),
                "enforcement levels": f"policy config {args.policy_config}" if args.policy_config
                else "catalog defaults"}
    if files.environments and unreadable:
        metadata["config from environments"] = (
            f"{', '.join(files.environments)}: not readable offline; the program ran with Pulumi.yaml defaults or "
            f"nothing for {', '.join(sorted(unreadable))}")
    return _finish(args, outputs, kind="check", stack=files.stack, project=files.project, findings=findings,
                   controls=CONTROLS, promises=PROMISES, waivers=waivers, resources=tuple(resources),
                   metadata=metadata, view=args.view, **_code_location(args, project_dir))


def _report(args: argparse.Namespace) -> int:
    outputs = plan_outputs(args.format, args.out)
    from posture.catalog import CONTROLS, PROMISES
    from posture.events import EventLogError, read_event_log

    controls = {c.id: c for c in CONTROLS}
    waivers = _load_waivers(args, controls)
    try:
        log = read_event_log(args.events, controls)
    except EventLogError as exc:
        raise UsageError(str(exc)) from None
    metadata = {"event log": str(args.events)}
    location: dict = {"commit": _head_commit(Path.cwd())}
    findings = log.findings
    if args.project is not None:
        project_dir = args.project.resolve()
        if log.stack is None:
            raise UsageError(f"{args.events}: names no stack, so --project cannot be run; drop --project")
        findings = _with_sources(findings, _run_offline(project_dir, log.stack)[1])
        location = _code_location(args, project_dir)
        metadata["source lines"] = f"from running {log.stack} offline (--project)"
    if log.policy_packs:
        metadata["policy packs"] = ", ".join(f"{name} {version}".strip() for name, version in log.policy_packs.items())
    if log.result:
        metadata["preview result"] = log.result
    return _finish(args, outputs, kind="report", stack=log.stack, project=log.project, findings=findings,
                   controls=CONTROLS, promises=PROMISES, waivers=waivers,
                   resources=tuple(log.resources) if log.resources else None, resource_ids=log.resource_ids,
                   metadata=metadata, view="preview", **location)


def _audit(args: argparse.Namespace) -> int:
    outputs = plan_outputs(args.format, args.out)
    from posture.catalog import CONTROLS, PROMISES

    waivers = _load_waivers(args, {c.id: c for c in CONTROLS})
    levels = _load_policy_config(args.policy_config) if args.policy_config else None
    properties = _load_policy_config(args.policy_config, properties=True) if args.policy_config else None
    from posture.audit import AuditSetupError, audit_account, profile_session_factory

    if args.organization or args.accounts_file:
        return _audit_organization(args, outputs, waivers, levels)
    try:
        result = audit_account(profile_session_factory(args.profile), args.region, levels=levels,
                               endpoint_url=args.endpoint_url, properties=properties, progress=_progress(),
                               stack=args.stack,
                               **({"time_budget": args.time_budget} if args.time_budget is not None else {}))
    except AuditSetupError as exc:
        raise UsageError(str(exc)) from None
    return _finish(args, outputs, kind="audit", stack=args.stack, project=None, findings=result.findings,
                   controls=CONTROLS, promises=PROMISES, waivers=waivers, resources=tuple(result.resources),
                   metadata=result.metadata, view="live",
                   run_errors=tuple(e.describe() for e in result.collector_errors))


class _EnvironmentValueMissingError(Exception):
    """The program stopped on a config value an ESC environment supplies: unknown offline, not "not set"."""

    def __init__(self, files, reason: str) -> None:
        super().__init__(reason)
        self.files, self.reason = files, reason


def _run_offline(project_dir: Path, stack: str, view: str = "first-preview") -> tuple:
    """(StackFiles, resources, config keys read that only an ESC environment holds) of the stack's
    program under the mock engine; any other failure is a UsageError."""
    import pulumi

    from posture.program import StackInputError, read_stack_files, run_project
    from posture.pulumi_project import not_readable_offline, recording_config_reads

    error = None
    files, unreadable = None, set()
    try:
        files = read_stack_files(project_dir, stack)
        with _progress().step(f"Running the Pulumi program for stack {stack} under the mock engine…") as step, \
                _in_project(project_dir), recording_config_reads(files.from_project) as unreadable:
            resources = run_project(project_dir, stack, view)
            step.done = f"ran the Pulumi program for stack {stack} under the mock engine: {len(resources)} resources"
    except (StackInputError, pulumi.RunError) as exc:
        key = getattr(exc, "key", None)
        if files is not None and files.environments and key in unreadable:
            raise _EnvironmentValueMissingError(files, not_readable_offline(key, files.environments)) from None
        error = str(exc)
    except Exception as exc:
        if os.environ.get("POSTURE_DEBUG"):
            raise
        error = (f"the Pulumi program for stack {stack} failed: {type(exc).__name__}: {exc}; "
                 "fix the program (POSTURE_DEBUG=1 shows the traceback)")
    if error is not None:
        raise UsageError(error)
    return files, resources, unreadable


def _with_sources(findings: list, resources: list) -> list:
    """Event-log findings carry no source line; the offline run knows which line declared each URN."""
    from dataclasses import replace

    lines = {r.urn: r.source for r in resources if r.source is not None}
    return [replace(f, source=lines[f.resource_urn]) if f.source is None and f.resource_urn in lines else f
            for f in findings]


def _code_location(args: argparse.Namespace, project_dir: Path) -> dict:
    """The project directory, the root SARIF paths are relative to, and the commit."""
    from posture.vcs import repository_root

    root = args.source_root.resolve() if args.source_root else repository_root(project_dir) or project_dir
    return {"source_root": str(project_dir), "repository_root": str(root), "commit": _head_commit(project_dir)}


def _head_commit(directory: Path) -> str | None:
    from posture.vcs import head_commit

    return head_commit(directory)


def _audit_organization(args: argparse.Namespace, outputs: list[Output], waivers: list, levels: dict | None) -> int:
    from posture.audit import AuditSetupError, checked_regions, profile_session_factory
    from posture.catalog import CONTROLS, PROMISES
    from posture.org import (
        OrgInputError,
        RoleOptions,
        accounts_from_file,
        accounts_from_organizations,
        audit_organization,
        parse_shard,
        shard,
    )

    if not args.role_name:
        raise UsageError("--role-name is required with --organization/--accounts-file: name the read-only role "
                         "to assume in each account (e.g. --role-name PostureAudit)")
    if args.max_parallel < 1:
        raise UsageError(f"--max-parallel {args.max_parallel} must be at least 1")
    try:
        regions = checked_regions(args.region)
        share = parse_shard(args.shard) if args.shard else None
        base = profile_session_factory(args.profile)
        accounts = (accounts_from_file(args.accounts_file) if args.accounts_file
                    else accounts_from_organizations(base, regions[0], args.endpoint_url))
        if share:
            accounts = shard(accounts, *share)
        options = {"stack": args.stack, **({"time_budget": args.time_budget} if args.time_budget else {})}
        report = audit_organization(base, accounts, regions, RoleOptions(args.role_name, args.external_id,
                                                                         args.session_name),
                                    endpoint_url=args.endpoint_url, levels=levels, max_parallel=args.max_parallel,
                                    progress=_progress(), **options)
    except (AuditSetupError, OrgInputError) as exc:
        raise UsageError(str(exc)) from None
    return _finish(args, outputs, kind="audit", stack=args.stack, project=None, findings=report.findings,
                   controls=CONTROLS, promises=PROMISES, waivers=waivers, metadata=report.metadata, view="live",
                   run_errors=report.run_errors, accounts=report.accounts)


def _merge(args: argparse.Namespace) -> int:
    outputs = plan_outputs(args.format, args.out)
    from posture.catalog import CONTROLS, PROMISES
    from posture.diff import DiffInputError, load_report
    from posture.org import OrgInputError, combine, sections_from_reports

    waivers = _load_waivers(args, {c.id: c for c in CONTROLS})
    try:
        documents = [(str(path), load_report(path)) for path in args.reports]
        stacks = {d.get("stack") for _, d in documents}
        if len(stacks) > 1:
            raise OrgInputError(f"the reports audit different stacks ({', '.join(map(str, sorted(stacks, key=str)))}); "
                                "merge the shards of one run")
        report = combine(sections_from_reports(documents))
    except (DiffInputError, OrgInputError) as exc:
        raise UsageError(str(exc)) from None
    return _finish(args, outputs, kind="audit", stack=stacks.pop(), project=None, findings=report.findings,
                   controls=CONTROLS, promises=PROMISES, waivers=waivers, metadata=report.metadata, view="live",
                   run_errors=report.run_errors, accounts=report.accounts)


def _diff(args: argparse.Namespace) -> int:
    from posture.diff import DiffInputError, diff_reports, load_report, summary

    try:
        diff = diff_reports(load_report(args.planned), load_report(args.live))
    except DiffInputError as exc:
        raise UsageError(str(exc)) from None
    for drift in diff.drifts:
        sys.stdout.write(drift.describe() + "\n")
    _say(summary(diff))
    return 1 if diff.drifts or not diff.deployed else 0


def _controls(args: argparse.Namespace) -> int:
    from posture.catalog import CONTROLS, PROMISES
    from posture.reports.catalog_table import render

    color, width = _terminal()
    sys.stdout.write(render(CONTROLS, PROMISES, args.format, color=color, width=width))
    return 0


def _finish(args: argparse.Namespace, outputs: list[Output], *, findings, waivers, **fields) -> int:
    from posture.findings import Severity
    from posture.reports import Report, render, writes_to_terminal
    from posture.waivers import apply_waivers

    # Expiry is judged on the real clock, never SOURCE_DATE_EPOCH: an old commit time must not revive a waiver.
    findings, problems = apply_waivers(findings, waivers, today=datetime.now(UTC).date(),
                                       allow_critical=args.allow_critical_waivers)
    from posture.reports.model import FRAMEWORKS

    frameworks = tuple(FRAMEWORKS[key] for key in dict.fromkeys(args.framework or FRAMEWORKS))
    report = Report(tool_version=_version(), generated_at=_now(), findings=tuple(findings),
                    fail_on=Severity(args.fail_on), waivers=tuple(waivers), waiver_problems=tuple(problems),
                    frameworks=frameworks, **fields)
    color, width = _terminal()
    rendered = [(out, render(report, out.fmt, color=color and out.path is None, width=width)) for out in outputs]
    write_outputs(rendered)
    files = [f"{out.fmt} -> {out.path}" for out in outputs if out.path is not None]
    if files or not any(writes_to_terminal(out.fmt) for out in outputs):
        where = f" stack {report.stack}" if report.stack else ""
        _say(f"posture {report.kind}{where}: {report.outcome}" + (f" (wrote {', '.join(files)})" if files else ""))
    return report.exit_code


# --- inputs -------------------------------------------------------------------------------------


def _load_waivers(args: argparse.Namespace, controls: dict) -> list:
    if args.waivers is None:
        return []
    from posture.waivers import WaiverError, load_waivers

    try:
        return load_waivers(args.waivers, controls, allow_critical=args.allow_critical_waivers)
    except WaiverError as exc:
        raise UsageError(str(exc)) from None


def _load_policy_config(path: Path, properties: bool = False) -> dict:
    """Enforcement levels, or with ``properties`` the per-control thresholds, of a pack config file."""
    from posture.evaluate import PolicyConfigError, load_policy_config, load_policy_properties

    try:
        return load_policy_properties(path) if properties else load_policy_config(path)
    except PolicyConfigError as exc:
        raise UsageError(str(exc)) from None


# --- outputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    fmt: str
    path: Path | None
    """None writes to stdout."""


def plan_outputs(formats: list[str] | None, outs: list[str] | None) -> list[Output]:
    """Pair formats with --out files (see OUTPUT_HELP) and check every target before any work."""
    from posture import reports

    formats, outs = formats or ["console"], outs or []
    try:
        terminal = [f for f in formats if reports.writes_to_terminal(f)]
    except reports.FormatModuleError as exc:
        raise UsageError(str(exc)) from None
    for fmt in terminal:
        if formats.count(fmt) > 1:
            raise UsageError(f"--format {fmt} is given twice; it always writes to stdout once")
    file_formats = [f for f in formats if f not in terminal]
    if not outs and len(formats) == 1:
        return [Output(formats[0], None)]
    if len(outs) != len(file_formats):
        if not file_formats:
            raise UsageError(f"--out {outs[0]} has no format to pair with ({', '.join(terminal)} always writes to "
                             f"stdout); add --format {'|'.join(reports.FILE_FORMATS)} before it")
        raise UsageError(f"{len(file_formats)} file format(s) ({', '.join(file_formats)}) but {len(outs)} --out; "
                         "give one --out FILE per non-console --format, in the same order")
    plan = [Output(f, None) for f in terminal]
    plan += [Output(f, None if out == "-" else Path(out).resolve()) for f, out in zip(file_formats, outs, strict=True)]
    if sum(1 for o in plan if o.path is None) > 1:
        raise UsageError("more than one report would go to stdout; give each non-console --format an --out FILE")
    paths = [o.path for o in plan if o.path is not None]
    for path in paths:
        if paths.count(path) > 1:
            raise UsageError(f"--out {path} is given twice; give each format its own file")
        if path.is_dir():
            raise UsageError(f"--out {path} is a directory; give a file name")
        if not path.parent.is_dir():
            raise UsageError(f"--out {path}: directory {path.parent} does not exist; create it first")
    return plan


def write_outputs(rendered: list[tuple[Output, str]]) -> None:
    """Write every file atomically (temp file + rename), then stdout; on error remove the temp files."""
    temps: list[tuple[str, Path]] = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for out, text in rendered:
            if out.path is None:
                continue
            fd, tmp = tempfile.mkstemp(dir=out.path.parent, prefix=f".{out.path.name}.", suffix=".tmp")
            temps.append((tmp, out.path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            os.chmod(tmp, 0o666 & ~umask)
        for tmp, path in temps:
            os.replace(tmp, path)
    except OSError as exc:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise UsageError(f"{exc.filename or 'report'}: cannot write the report ({exc.strerror or exc})") from None
    for out, text in rendered:
        if out.path is None:
            sys.stdout.write(text)
    sys.stdout.flush()


# --- small helpers ------------------------------------------------------------------------------


def _progress():
    """Spinners and bars on a terminal, one line per finished step in CI logs (posture.progress)."""
    from posture.progress import Progress

    return Progress(sys.stderr)


@contextmanager
def _in_project(project_dir: Path) -> Iterator[None]:
    """Run the program as the Pulumi CLI would: from its directory, importable from there. Whatever
    it prints goes to stderr, so stdout carries nothing but the report (`--format sarif > f`)."""
    from contextlib import redirect_stdout

    cwd, path = os.getcwd(), list(sys.path)
    os.chdir(project_dir)
    sys.path.insert(0, str(project_dir))
    try:
        with redirect_stdout(sys.stderr):
            yield
    finally:
        os.chdir(cwd)
        sys.path[:] = path


def _terminal() -> tuple[bool, int]:
    """Colour and width for stdout. Colour as rich decides it: on a terminal, or wherever FORCE_COLOR
    is set (CI logs that render ANSI), never when NO_COLOR is set (https://no-color.org,
    https://force-color.org). Width: the terminal's, or 120 columns (COLUMNS) for CI logs and pipes."""
    import shutil

    from rich.console import Console

    detected = Console(file=sys.stdout)
    color = detected.is_terminal and not detected.no_color and detected.color_system is not None
    configured = os.environ.get("COLUMNS", "")
    columns = (shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty()
               else int(configured) if configured.isdigit() else 120)
    return color, max(80, min(columns, 200))


def _now() -> datetime:
    """Now in UTC, or SOURCE_DATE_EPOCH when set (reproducible reports)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("security-baseline")
    except PackageNotFoundError:
        return "0+unknown"


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds (e.g. 600)")
    return value


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()

