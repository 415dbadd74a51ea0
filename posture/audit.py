"""The live audit: collect a deployed account's inventory with read-only boto3 calls and run the
catalog's rules on it, the same rule functions the policy pack and ``posture check`` run.

Regions (and, within them, service areas) are collected in parallel; global services (IAM, S3)
once. The whole inventory is evaluated together, as one stack is: the backup copy vault in the
second region, the account-wide trail and the IAM roles are part of the same graph as the
database. Account services that are regional (GuardDuty, Security Hub, Config, Inspector) pass
when they run in one of the audited regions, as they do when one stack declares them.

What could not be read is never a pass. A collector error (``AccessDenied``, a service not
enabled in the region, an API the endpoint does not implement, a crash) becomes:

- an UNKNOWN finding "could not verify: <service>:<Api> failed with <code>" for every control
  that depends on the resource types the failure left unread, and no "nothing to check" verdict
  for them;
- UNKNOWN, with the partial verdict kept as evidence in the message, for every finding of a
  stack control that depends on them (a stack rule's verdict rests on the whole inventory), and
  for every pass of a control that needs the missing inventory to judge (a key reference is
  only known to be customer-managed with the KMS inventory at hand);
- for a value that could not be read on one resource, UNKNOWN for exactly the rules that read
  it (the collector marks it ``UNREADABLE``), naming the API and the error code.

``AuditResult.collector_errors`` lists them all; the CLI exits non-zero when there are any.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, replace
from typing import Any

from botocore.credentials import ReadOnlyCredentials
from botocore.exceptions import BotoCoreError, ClientError

from posture.catalog import CONTROLS, Control
from posture.evaluate import STACK_TYPE, evaluate
from posture.facts import AWS_REGION_NAME
from posture.findings import Enforcement, Finding, Verdict
from posture.identity import Identity, identity_of, inherit_identities
from posture.live import COLLECTORS, Collector
from posture.live.base import (
    DEFAULT_TIME_BUDGET,
    Clients,
    CollectorError,
    Context,
    SessionFactory,
    SharedClients,
    within,
)
from posture.live.coverage import EXTRA_DEPENDENCIES, LIVE_CONTROLS
from posture.live.keys import normalise_key_references
from posture.progress import Progress
from posture.resources import ResourceView
from posture.rules.results import ACCOUNT_SCOPE, in_scope
from posture.rules.values import label


class AuditSetupError(Exception):
    """The audit cannot start (bad region name, no or expired credentials); one line for the user."""


@dataclass(frozen=True)
class AuditResult:
    account_id: str
    regions: tuple[str, ...]
    resources: list[ResourceView]
    findings: list[Finding]
    collector_errors: list[CollectorError]
    elapsed_seconds: float
    stack: str | None = None
    """The stack the audit was limited to (``--stack``), or None for the whole account."""
    left_out: int = 0
    """Resources collected but left out because their tags name another stack or none."""

    @property
    def complete(self) -> bool:
        """Whether every API call succeeded; an incomplete audit must not pass a pipeline."""
        return not self.collector_errors

    @property
    def metadata(self) -> dict[str, str]:
        """Text facts for the report's ``metadata``."""
        return {
            "account": self.account_id,
            "regions": ", ".join(self.regions),
            "resources collected": str(len(self.resources)) + (
                f" of stack {self.stack} ({self.left_out} others left out by their tags)" if self.stack else ""),
            "controls checked live": f"{len(live_controls())} of {len(CONTROLS)} (the others: before deploy only)",
            "collector errors": str(len(self.collector_errors)),
            "duration": f"{self.elapsed_seconds:.1f}s",
        }


def profile_session_factory(profile: str | None = None) -> SessionFactory:
    """Sessions from a named AWS profile (or the default credential chain when None)."""
    import boto3

    def factory():
        try:
            return boto3.Session(profile_name=profile) if profile else boto3.Session()
        except BotoCoreError as exc:  # ProfileNotFound and friends
            raise AuditSetupError(f"{exc}; name a profile from ~/.aws/config with --profile") from None

    return factory


def live_controls() -> list[Control]:
    return [c for c in CONTROLS if c.id in LIVE_CONTROLS]


def audit_account(session_factory: SessionFactory | None, regions: Sequence[str], *,
                  levels: Mapping[str, Enforcement] | None = None, endpoint_url: str | None = None,
                  max_workers: int | None = None, collectors: Sequence[Collector] = COLLECTORS,
                  properties: Mapping[str, Mapping[str, Any]] | None = None,
                  progress: Progress | None = None, time_budget: float = DEFAULT_TIME_BUDGET,
                  stack: str | None = None, shared: SharedClients | None = None,
                  credentials: ReadOnlyCredentials | None = None,
                  region_done: Callable[[str, int, int], None] | None = None) -> AuditResult:
    """Audit the account ``session_factory``'s credentials belong to, in ``regions``.

    ``session_factory`` returns a new ``boto3.Session`` (called once per audit; its clients are
    shared by the worker threads), e.g. ``profile_session_factory("audit")``. ``endpoint_url`` points every client at one
    endpoint (a moto server); ``AWS_ENDPOINT_URL`` works too. ``levels`` are enforcement levels
    per control id and ``properties`` the per-control thresholds, as ``posture check`` takes them. Raises ``AuditSetupError`` when the audit
    cannot start; every later failure is a collector error in the result. ``time_budget`` bounds
    the seconds spent on API calls; calls not made in time are collector errors too. ``stack``
    limits the audit to that stack's resources (see ``stack_inventory``). An organization audit
    passes ``shared`` clients and the account's ``credentials`` instead of a session factory, and
    ``region_done(region, resources, failed_calls)`` to hear of each region as it finishes.
    """
    regions = checked_regions(regions)
    started = time.monotonic()
    clients = Clients(session_factory, endpoint_url, time_budget, shared=shared, credentials=credentials)
    account_id, partition = _caller(clients, regions[0])
    resources, errors = collect_inventory(clients, account_id, partition, regions, collectors, max_workers, progress,
                                          region_done)
    left_out = 0
    if stack is not None:
        resources, left_out = stack_inventory(resources, stack)
    findings = evaluate_live(resources, errors, account_id, partition, levels, properties)
    return AuditResult(account_id, tuple(regions), resources, findings, errors, time.monotonic() - started,
                       stack, left_out)


def checked_regions(regions: Sequence[str]) -> list[str]:
    if isinstance(regions, str):
        regions = [regions]
    unique = list(dict.fromkeys(r.strip() for r in regions))
    if not unique:
        raise AuditSetupError("no region to audit; pass --region at least once (e.g. --region eu-west-1)")
    bad = [r for r in unique if not AWS_REGION_NAME.match(r)]
    if bad:
        raise AuditSetupError(f"{', '.join(map(repr, bad))} is not an AWS region name (e.g. eu-west-1)")
    return unique


def _caller(clients: Clients, region: str) -> tuple[str, str]:
    try:
        with clients.acting():
            identity = clients.client("sts", region).get_caller_identity()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise AuditSetupError(f"cannot identify the account: sts:GetCallerIdentity failed with {error.get('Code')} "
                              f"({error.get('Message')}); check the profile's credentials") from None
    except BotoCoreError as exc:
        raise AuditSetupError(f"cannot identify the account: {exc}; configure credentials (--profile or the "
                              "AWS_* environment)") from None
    partition = str(identity.get("Arn", "arn:aws:")).split(":")[1] or "aws"
    return str(identity["Account"]), partition


def collect_inventory(clients: Clients, account_id: str, partition: str, regions: Sequence[str],
                      collectors: Sequence[Collector] = COLLECTORS, max_workers: int | None = None,
                      progress: Progress | None = None, region_done: Callable[[str, int, int], None] | None = None
                      ) -> tuple[list[ResourceView], list[CollectorError]]:
    """Every collector in every region (global ones in the first region), in parallel.

    Views are returned in a stable order (collector, then region) with one view per URN (a
    multi-region trail is listed in every region), and references to AWS-managed keys rewritten
    to their ``alias/aws/...`` form.
    """
    tasks = [(c, r) for c in collectors if c.scope != "global" for r in regions]
    tasks += [(c, regions[0]) for c in collectors if c.scope == "global"]
    workers = max_workers or min(32, max(1, len(tasks)))
    counting = progress.counter(f"Auditing account {account_id}", len(tasks)) if progress else nullcontext(None)
    left = Counter(region for _, region in tasks)
    tally = {region: [0, 0] for region in left}
    lock = threading.Lock()
    with counting as advance, ThreadPoolExecutor(max_workers=workers, thread_name_prefix="posture-audit") as pool:
        def run(task: tuple[Collector, str]) -> tuple[list[ResourceView], list[CollectorError]]:
            found, failed = _run(clients, account_id, partition, *task)
            if advance is not None:
                errors = f", {len(failed)} failed call{'s' if len(failed) != 1 else ''}" if failed else ""
                advance(f"{task[0].name} in {task[1]}: {len(found)} resources{errors}")
            with lock:
                left[task[1]] -= 1
                tally[task[1]][0] += len(found)
                tally[task[1]][1] += len(failed)
                finished = left[task[1]] == 0
            if finished and region_done is not None:
                region_done(task[1], *tally[task[1]])
            return found, failed

        results = list(pool.map(run, tasks))
    views: dict[str, ResourceView] = {}
    errors: dict[tuple, CollectorError] = {}
    for found, failed in results:
        for view in found:
            views.setdefault(view.urn, view)
        for error in failed:
            errors.setdefault((error.api, error.region, error.code, error.resource), error)
    return normalise_key_references(views.values()), list(errors.values())


def _run(clients: Clients, account_id: str, partition: str, collector: Collector, region: str
         ) -> tuple[list[ResourceView], list[CollectorError]]:
    ctx = Context(clients, account_id, region, partition)
    try:
        return collector.collect(ctx), ctx.errors
    except Exception as exc:  # a crashed collector leaves its types unread: an error, never a pass
        ctx.errors.append(CollectorError(f"posture-{collector.name}", "Collect", region, type(exc).__name__,
                                         f"the {collector.name} collector crashed: {exc}", collector.types))
        return [], ctx.errors


# --- from inventory to findings -------------------------------------------------------------------


def evaluate_live(resources: Sequence[ResourceView], errors: Sequence[CollectorError], account_id: str,
                  partition: str = "aws", levels: Mapping[str, Enforcement] | None = None,
                  properties: Mapping[str, Mapping[str, Any]] | None = None) -> list[Finding]:
    """Run the live-checkable controls on ``resources`` and account for what ``errors`` left unread."""
    levels = dict(levels or {})
    for control in CONTROLS:
        if control.id not in LIVE_CONTROLS:
            levels[control.id] = Enforcement.DISABLED
    account = f"arn:{partition}:iam::{account_id}:root"
    identities = inherit_identities(resources)
    with in_scope(ACCOUNT_SCOPE):  # the rules word what they miss as missing from the account, not the stack
        evaluated = evaluate(list(resources), levels, properties, baseline=True)
    findings = [_in_account(f, account, identities.get(f.resource_urn)) for f in evaluated]
    return [replace(f, account=account_id) for f in _account_for_errors(findings, errors, levels, account_id, partition)]


def _in_account(finding: Finding, account: str, identity: Identity | None) -> Finding:
    """A finding about the account's inventory: stack-wide ones are about the account itself."""
    if finding.resource_type == STACK_TYPE:
        return replace(finding, resource_urn=account)
    return replace(finding, owner_stack=identity.stack if identity else None,
                   logical_name=identity.logical_name if identity else None)


def stack_inventory(resources: Sequence[ResourceView], stack: str) -> tuple[list[ResourceView], int]:
    """The part of an account's inventory that belongs to ``stack``, and how many resources were left out.

    Kept: resources tagged with the stack, their settings (``<ARN>?<kind>``), and resources without
    readable tags (it cannot tell whose they are): types AWS keeps no tags for (the Config recorder,
    the Inspector enabler, KMS aliases; ``posture.live.tagging.NOT_TAGGABLE``) and resources whose
    list-tags call failed. Left out: resources whose tags were read and name another stack or none
    (the default VPC, another team's bucket or log group).
    """
    by_urn = {r.urn: r for r in resources}

    def belongs(resource: ResourceView) -> bool:
        owner = by_urn.get(resource.urn.split("?", 1)[0], resource)
        identity = identity_of(owner)
        if identity is not None:
            return identity.stack == stack
        return not isinstance(owner.props.get("tags"), Mapping)

    kept = [r for r in resources if belongs(r)]
    return kept, len(resources) - len(kept)


def _dependencies(control: Control) -> set[str]:
    return set(control.resource_types) | set(EXTRA_DEPENDENCIES.get(control.id, ()))


def _account_for_errors(findings: list[Finding], errors: Sequence[CollectorError], levels: dict[str, Enforcement],
                        account_id: str, partition: str) -> list[Finding]:
    controls = {c.id: c for c in CONTROLS if levels.get(c.id) is not Enforcement.DISABLED}
    affecting = {cid: [e for e in errors if _dependencies(c) & set(e.resource_types)] for cid, c in controls.items()}
    out: list[Finding] = []
    for finding in findings:
        control = controls.get(finding.control_id)
        relevant = affecting.get(finding.control_id) or []
        scoped = [e for e in relevant if e.resource and within(finding.resource_urn, e.resource)]
        unscoped = [e for e in relevant if not e.resource]
        if finding.verdict is Verdict.UNKNOWN:
            out.append(_explain_unknown(finding, scoped or unscoped))
        elif control is None or not relevant:
            out.append(finding)
        elif finding.resource_type == STACK_TYPE and finding.verdict is Verdict.NOT_APPLICABLE and unscoped:
            continue  # "nothing to check" is not known: the listing failed (an UNKNOWN finding says so below)
        elif control.is_stack_control and (scoped or unscoped):
            out.append(_unverified(finding, (scoped or unscoped)[0]))
        elif finding.verdict is Verdict.PASS and any(set(EXTRA_DEPENDENCIES.get(control.id, ()))
                                                     & set(e.resource_types) for e in unscoped):
            out.append(_unverified(finding, unscoped[0]))
        else:
            out.append(finding)
    for cid, relevant in affecting.items():
        control = controls[cid]
        for error in _unique(e for e in relevant if not e.resource):
            out.append(Finding(
                control_id=cid, verdict=Verdict.UNKNOWN, severity=control.severity, enforcement=_level(levels, cid),
                resource_urn=f"arn:{partition}:{error.service}:{error.region}:{account_id}:*", resource_type=STACK_TYPE,
                message=f"could not verify: {error.describe()}; "
                        f"{', '.join(sorted(set(error.resource_types) & _dependencies(control)))} not inventoried"))
    return out


def _level(levels: Mapping[str, Enforcement], control_id: str) -> Enforcement:
    """As evaluate() reports it: remediate is reported as mandatory."""
    level = levels.get(control_id, Enforcement.MANDATORY)
    return Enforcement.MANDATORY if level is Enforcement.REMEDIATE else level


def _unique(errors: Iterable[CollectorError]) -> list[CollectorError]:
    return list({(e.api, e.region, e.code): e for e in errors}.values())


def _explain_unknown(finding: Finding, errors: list[CollectorError]) -> Finding:
    """Live, a value is unknown only because it could not be read: say which read failed."""
    if not finding.path:
        return finding
    cause = f"{errors[0].api} failed with {errors[0].code}" if errors else "it was not readable"
    return replace(finding, message=f"could not verify: {label(finding.path)} could not be read ({cause})",
                   evidence=finding.evidence or tuple(e.describe() for e in errors[:1]))


def _unverified(finding: Finding, error: CollectorError) -> Finding:
    return replace(finding, verdict=Verdict.UNKNOWN,
                   message=f"could not verify: {error.describe()}; with what could be read: "
                           f"{finding.verdict.value}: {finding.message}")
