"""Auditing an organization: many accounts, each through a read-only role, merged into one report.

Accounts come from AWS Organizations (``ListAccounts``, from the management or a delegated
administrator account) or from a file. In each, ``sts:AssumeRole`` on the named role (with the
external id and session name given) yields the credentials its audit runs with; accounts are
audited in parallel, at most ``max_parallel`` at a time, each with its own retry and time
budget. An account whose role cannot be assumed, or whose audit cannot start, never stops the
others: every live control is UNKNOWN for it, naming the API and the error.

The merged report lists findings account by account (ids in ascending order) with each
finding's ``account`` set, one metadata line per account and an organization summary. It is a
pure function of the per-account sections, so ``--shard i/n`` runs (each a share of the
accounts) combined by ``posture merge`` give exactly the report of one unsharded run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from botocore.credentials import ReadOnlyCredentials
from botocore.exceptions import BotoCoreError, ClientError

from posture.audit import AuditSetupError, audit_account, live_controls
from posture.evaluate import STACK_TYPE
from posture.findings import Enforcement, Finding, Severity, Verdict
from posture.live.base import CLIENT_CONFIG, SessionFactory, SharedClients
from posture.progress import Progress

ACCOUNT_ID = re.compile(r"^\d{12}$")
SHARD = re.compile(r"^(\d+)/(\d+)$")


class OrgInputError(ValueError):
    """Bad accounts file, shard or report to merge; the message names the input and the fix."""


@dataclass(frozen=True)
class Section:
    """One account's part of an organization report."""

    account: str
    findings: tuple[Finding, ...]
    run_errors: tuple[str, ...]
    status: str
    """One line: ``complete: N resources`` or ``incomplete: ...`` or ``unknown: <why>``."""


@dataclass
class OrgReport:
    sections: list[Section] = field(default_factory=list)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for s in self.sections for f in s.findings)

    @property
    def run_errors(self) -> tuple[str, ...]:
        return tuple(e for s in self.sections for e in s.run_errors)

    @property
    def accounts(self) -> dict[str, str]:
        """Account id -> how its audit went: the reports' per-account sections (``Report.accounts``)."""
        return {s.account: s.status for s in self.sections}

    @property
    def metadata(self) -> dict[str, str]:
        unknown = sum(1 for s in self.sections if s.status.startswith("unknown"))
        incomplete = sum(1 for s in self.sections if s.status.startswith("incomplete"))
        failing = sum(1 for s in self.sections if any(f.verdict is Verdict.FAIL for f in s.findings))
        return {"organization": f"{len(self.sections)} accounts: {len(self.sections) - unknown - incomplete} "
                                f"complete, {incomplete} incomplete, {unknown} unknown; {failing} with failures"}


def combine(sections: Iterable[Section]) -> OrgReport:
    """Sections in account order, whatever order (or shard) they were produced in."""
    ordered = sorted(sections, key=lambda s: s.account)
    seen = [s.account for s in ordered]
    duplicates = sorted({a for a in seen if seen.count(a) > 1})
    if duplicates:
        raise OrgInputError(f"account {duplicates[0]} is in more than one report; merge each shard once")
    return OrgReport(ordered)


# --- accounts -------------------------------------------------------------------------------------


def accounts_from_file(path: Path) -> list[str]:
    """One 12-digit account id per line (anything after it is a comment, as are ``#`` lines)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise OrgInputError(f"{path}: cannot read the accounts file ({exc}); give a text file, one account id per "
                            "line") from None
    accounts = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        account = text.split()[0]
        if not ACCOUNT_ID.match(account):
            raise OrgInputError(f"{path}:{number}: {account!r} is not a 12-digit AWS account id; fix the line or "
                                "comment it out with #")
        accounts.append(account)
    if not accounts:
        raise OrgInputError(f"{path}: no account id in the accounts file; list one 12-digit id per line")
    return sorted(set(accounts))


def accounts_from_organizations(session_factory: SessionFactory, region: str, endpoint_url: str | None) -> list[str]:
    """Every ACTIVE account of the caller's organization."""
    try:
        client = session_factory().client("organizations", region_name=region, endpoint_url=endpoint_url,
                                          config=CLIENT_CONFIG)
        pages = client.get_paginator("list_accounts").paginate()
        return sorted(a["Id"] for page in pages for a in page["Accounts"] if a.get("Status", "ACTIVE") == "ACTIVE")
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        raise AuditSetupError(f"cannot list the organization's accounts: organizations:ListAccounts failed with "
                              f"{code}; run from the management or a delegated administrator account, or pass "
                              "--accounts-file") from None
    except BotoCoreError as exc:
        raise AuditSetupError(f"cannot list the organization's accounts: {exc}") from None


def parse_shard(text: str) -> tuple[int, int]:
    match = SHARD.match(text.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise OrgInputError(f"--shard {text!r} is not i/n with 1 <= i <= n (e.g. --shard 2/4)")
    return int(match.group(1)), int(match.group(2))


def shard(accounts: Sequence[str], index: int, count: int) -> list[str]:
    """The ``index``-th of ``count`` shares of the accounts (by ascending id, round robin)."""
    return [a for i, a in enumerate(sorted(accounts)) if i % count == index - 1]


# --- auditing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleOptions:
    role_name: str
    external_id: str | None = None
    session_name: str = "posture-audit"


def audit_organization(base_factory: SessionFactory, accounts: Sequence[str], regions: Sequence[str],
                       role: RoleOptions, *, endpoint_url: str | None = None,
                       levels: Mapping[str, Enforcement] | None = None, max_parallel: int = 8,
                       progress: Progress | None = None, **audit_options: Any) -> OrgReport:
    """Audit each account through ``role``; never raises for one account's failure.

    Every account's audit uses the same clients (``SharedClients``), each call signed with that
    account's credentials: building a client set per account was most of the time an
    organization audit took. ``progress`` hears of every account and region as it finishes: a
    bar at a terminal, one ``[i/n] <account> <region>: ...`` line each in a CI log.
    """
    try:
        sts = base_factory().client("sts", region_name=regions[0], endpoint_url=endpoint_url, config=CLIENT_CONFIG)
    except BotoCoreError as exc:
        raise AuditSetupError(f"cannot call sts:AssumeRole: {exc}") from None
    shared = SharedClients(endpoint_url)
    counting = (progress.counter(f"Auditing {len(accounts)} accounts in {', '.join(regions)}",
                                 len(accounts) * len(regions)) if progress else nullcontext(None))
    with counting as advance:
        return combine(_audit_all(sts, shared, accounts, regions, role, levels, max_parallel,
                                  advance or (lambda label: None), audit_options))


def _audit_all(sts: Any, shared: SharedClients, accounts: Sequence[str], regions: Sequence[str], role: RoleOptions,
               levels: Mapping[str, Enforcement] | None, max_parallel: int, advance: Callable[[str], None],
               audit_options: Mapping[str, Any]) -> list[Section]:
    def one(account: str) -> Section:
        def region_done(region: str, resources: int, failed: int) -> None:
            advance(f"{account} {region}: {resources} resources" + (f", {failed} failed calls" if failed else ""))

        try:
            credentials = _assumed(sts, account, role)
            result = audit_account(None, regions, levels=levels, shared=shared, credentials=credentials,
                                   region_done=region_done, **audit_options)
        except AuditSetupError as exc:
            section = unknown_section(account, str(exc), levels)
            for region in regions:
                advance(f"{account} {region}: unknown: {exc}")
        else:
            # Not-applicable results are left out, as every report leaves them out of its findings: a
            # JSON report then holds all a section has, and merged shards equal one unsharded run.
            findings = tuple(f if f.account == account else _with_account(f, account) for f in result.findings
                             if f.verdict is not Verdict.NOT_APPLICABLE)
            errors = tuple(f"{account}: {e.describe()}" for e in result.collector_errors)
            status = (f"complete: {len(result.resources)} resources" if result.complete else
                      f"incomplete: {len(result.collector_errors)} API calls failed, {len(result.resources)} resources")
            section = Section(account, findings, errors, status)
        return section

    with ThreadPoolExecutor(max_workers=max(1, max_parallel), thread_name_prefix="posture-account") as pool:
        return list(pool.map(one, accounts))


def _with_account(finding: Finding, account: str) -> Finding:
    return replace(finding, account=account)


def unknown_section(account: str, why: str, levels: Mapping[str, Enforcement] | None = None) -> Section:
    """Every live control UNKNOWN for an account that could not be audited at all."""
    levels = levels or {}
    findings = tuple(
        Finding(control_id=c.id, verdict=Verdict.UNKNOWN, severity=c.severity,
                enforcement=Enforcement.MANDATORY if levels.get(c.id, Enforcement.MANDATORY) is Enforcement.REMEDIATE
                else levels.get(c.id, Enforcement.MANDATORY),
                resource_urn=f"arn:aws:iam::{account}:root", resource_type=STACK_TYPE,
                message=f"could not verify: the account was not audited: {why}", account=account)
        for c in live_controls() if levels.get(c.id) is not Enforcement.DISABLED)
    return Section(account, findings, (f"{account}: {why}",), f"unknown: {why}")


def _assumed(sts: Any, account: str, role: RoleOptions) -> ReadOnlyCredentials:
    """The role's credentials in ``account``, through the caller's ``sts`` client."""
    arn = f"arn:aws:iam::{account}:role/{role.role_name}"
    params: dict[str, Any] = {"RoleArn": arn, "RoleSessionName": role.session_name}
    if role.external_id:
        params["ExternalId"] = role.external_id
    try:
        credentials = sts.assume_role(**params)["Credentials"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        raise AuditSetupError(f"sts:AssumeRole failed with {code} for {arn}") from None
    except BotoCoreError as exc:
        raise AuditSetupError(f"sts:AssumeRole failed for {arn}: {exc}") from None
    return ReadOnlyCredentials(credentials["AccessKeyId"], credentials["SecretAccessKey"],
                               credentials["SessionToken"], account)


# --- merging JSON reports --------------------------------------------------------------------------


def sections_from_reports(documents: Sequence[tuple[str, Mapping[str, Any]]]) -> list[Section]:
    """The per-account sections of organization JSON reports (``posture audit --format json``)."""
    sections = []
    for label, document in documents:
        accounts = document.get("accounts") if isinstance(document, Mapping) else None
        if not accounts or not isinstance(accounts, list) or document.get("kind") != "audit":
            raise OrgInputError(f"{label}: not an organization audit JSON report; write each shard with "
                                "`posture audit --organization|--accounts-file ... --format json`")
        by_account: dict[str, list[Finding]] = {}
        for i, raw in enumerate(document.get("findings") or []):
            try:
                finding = _finding(raw)
            except (KeyError, TypeError, ValueError):
                raise OrgInputError(f"{label}: findings[{i}] is not a posture finding") from None
            by_account.setdefault(finding.account or "", []).append(finding)
        errors = [str(e) for e in document.get("run_errors") or []]
        for i, entry in enumerate(accounts):
            try:
                account, status = str(entry["account"]), str(entry["status"])
            except (KeyError, TypeError):
                raise OrgInputError(f"{label}: accounts[{i}] has no account and status") from None
            sections.append(Section(account, tuple(by_account.get(account, ())),
                                    tuple(e for e in errors if e.startswith(f"{account}: ")), status))
    return sections


def _finding(raw: Mapping[str, Any]) -> Finding:
    resource = raw["resource"]
    return Finding(control_id=raw["control_id"], verdict=Verdict(raw["verdict"]), severity=Severity(raw["severity"]),
                   enforcement=Enforcement(raw["enforcement"]), resource_urn=resource["urn"],
                   resource_type=resource["type"], message=raw["message"], path=raw.get("path"),
                   observed=raw.get("observed"), expected=raw.get("expected"),
                   evidence=tuple(raw.get("evidence") or ()), owner_stack=resource.get("stack"),
                   logical_name=resource.get("logical_name"), account=resource.get("account"))
