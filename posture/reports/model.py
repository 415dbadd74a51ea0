"""The one report model every renderer reads, and the few judgements all of them share.

Renderers are pure functions of a ``Report``: they never re-evaluate, re-load or filter by
their own rules, so a finding that is blocking in the console is blocking in SARIF, JUnit and
HTML too. Everything a reader needs to trust the result is here: the findings, the controls and
promises they back, the waivers and what became of them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from posture.catalog import FRAMEWORK_VERSIONS, Control, Promise
from posture.findings import Finding, Severity, Verdict, Waiver

if TYPE_CHECKING:
    from posture.reports.network import Network
    from posture.resources import ResourceView
    from posture.waivers import WaiverProblem

KINDS = {
    "check": "Offline check (Pulumi mock engine, before deploy)",
    "report": "Policy results from `pulumi preview --policy-pack`",
    "audit": "Live audit of the deployed account",
}

STATES = ("error", "fail", "unknown", "waived", "pass", "not_applicable", "not_evaluated")
"""Display states, worst first. A control or promise takes the worst state among its findings."""

TALLY_STATES = STATES[:-1]
"""The states a finding can be in; every finding is in exactly one, so their counts add up to the total."""

VIEWS = {
    "first-preview": "first preview (nothing deployed yet: ids and computed values unknown)",
    "preview": "preview of a change to a deployed stack",
    "deployed": "the program's desired state, as if deployed",
    "live": "the deployed account, read through the AWS APIs",
}
"""What the findings were judged on. Reports show the view so a reader knows how much could be known."""

FRAMEWORKS = {"fsbp": "AWS FSBP", "cis": "CIS AWS", "nist": "NIST 800-53", "pci": "PCI DSS"}
"""``--framework`` keys to the catalog's framework names (``Control.frameworks``)."""

STATE_LABELS = {
    "error": "Error", "fail": "Fail", "unknown": "Unknown", "waived": "Waived", "pass": "Pass",
    "not_applicable": "Not applicable", "not_evaluated": "Not evaluated",
}


def state(finding: Finding) -> str:
    """What a reader should see for one finding: a waived failure is ``waived``, not ``fail``."""
    if finding.waiver is not None:
        return "waived"
    return finding.verdict.value


def worst(states: Iterable[str]) -> str:
    present = set(states)
    return next((s for s in STATES if s in present), "not_evaluated")


@dataclass(frozen=True)
class Report:
    tool_version: str
    kind: str
    """``check``, ``report`` or ``audit`` (see KINDS)."""
    stack: str | None
    project: str | None
    generated_at: datetime
    findings: tuple[Finding, ...]
    controls: tuple[Control, ...]
    promises: tuple[Promise, ...]
    fail_on: Severity = Severity.LOW
    waivers: tuple[Waiver, ...] = ()
    """The waivers as loaded, in file order."""
    waiver_problems: tuple[WaiverProblem, ...] = ()
    run_errors: tuple[str, ...] = ()
    """What the engine could not do (a live audit's failed API calls); any of them fails the run,
    because an incomplete inventory must never pass a pipeline."""
    resources: tuple[ResourceView, ...] | None = None
    """The resources the findings are about, when the engine saw them (drawn as the network picture)."""
    resource_ids: Mapping[str, str] = field(default_factory=dict)
    """URN to physical id, when known (event logs of existing stacks); resolves SG references."""
    source_root: str | None = None
    """Absolute project directory; finding sources are shown relative to it."""
    metadata: Mapping[str, str] = field(default_factory=dict)
    """Facts about where the findings came from (policy packs, preview result); never config values."""
    view: str = "deployed"
    """What the findings were judged on (see VIEWS)."""
    commit: str | None = None
    """The project's git commit, when it is in a git repository."""
    repository_root: str | None = None
    """Absolute directory SARIF locations are relative to (``--source-root``, by default the git root)."""
    frameworks: tuple[str, ...] = tuple(FRAMEWORKS.values())
    """The frameworks whose per-requirement view the report shows (``--framework``)."""
    accounts: Mapping[str, str] = field(default_factory=dict)
    """An organization audit's accounts, each with how its audit went (``complete: ...``,
    ``incomplete: ...``, ``unknown: <why>``); empty for any other report."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"report kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if not self.view:
            raise ValueError("report view is empty; pass one of " + ", ".join(VIEWS))
        unknown = sorted(set(self.frameworks) - set(FRAMEWORK_VERSIONS))
        if unknown:
            raise ValueError(f"unknown frameworks {unknown}; the catalog knows {', '.join(FRAMEWORK_VERSIONS)}")
        object.__setattr__(self, "findings", tuple(sorted(self.findings, key=_finding_order)))

    # --- verdicts -------------------------------------------------------------------------

    def blocks(self, finding: Finding) -> bool:
        """Blocking, and at or above --fail-on. A rule that crashed blocks whatever its severity:
        it cannot tell how bad the thing it failed to check is."""
        return finding.blocking and (finding.verdict is Verdict.ERROR or finding.severity.at_least(self.fail_on))

    # Reports are read many times over (per promise, per control, per framework requirement), so
    # what they read is computed once per report: at 10,000 resources a report holds ~26,000
    # verdicts, and recounting them per call made rendering take as long as the check.

    @cached_property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if self.blocks(f)]

    @property
    def waiver_errors(self) -> list[WaiverProblem]:
        return [p for p in self.waiver_problems if p.level == "error"]

    @property
    def exit_code(self) -> int:
        return 1 if self.blocking or self.waiver_errors or self.run_errors else 0

    @property
    def outcome(self) -> str:
        """One sentence for headers and CI logs."""
        tally = ((len(self.blocking), "blocking finding"), (len(self.waiver_errors), "waiver error"),
                 (len(self.run_errors), "incomplete check"))
        parts = [f"{n} {noun}{'s' if n != 1 else ''}" for n, noun in tally if n]
        return "failed: " + " and ".join(parts) if parts else "passed: no blocking findings"

    def counts(self) -> dict[str, int]:
        """Findings per display state (not_applicable included), every state present; they sum to the total."""
        return dict(self._counts)

    @cached_property
    def _counts(self) -> dict[str, int]:
        found = Counter(state(f) for f in self.findings)
        return {s: found.get(s, 0) for s in TALLY_STATES}

    @cached_property
    def reported_findings(self) -> list[Finding]:
        """Everything except not-applicable results, which only add noise to a report."""
        return [f for f in self.findings if f.verdict is not Verdict.NOT_APPLICABLE]

    @cached_property
    def account_sections(self) -> list[AccountSection]:
        """One section per audited account, in account order (an organization audit; else none)."""
        by_account: dict[str, list[Finding]] = {a: [] for a in self.accounts}
        for f in self.reported_findings:
            if f.account in by_account:
                by_account[f.account].append(f)
        sections = []
        for account, status in sorted(self.accounts.items()):
            found = Counter(state(f) for f in by_account[account])
            sections.append(AccountSection(account, status, {s: found.get(s, 0) for s in TALLY_STATES},
                                           tuple(by_account[account]),
                                           sum(1 for f in by_account[account] if self.blocks(f))))
        return sections

    # --- controls and promises ------------------------------------------------------------

    @cached_property
    def control_index(self) -> dict[str, Control]:
        return {c.id: c for c in self.controls}

    @cached_property
    def _by_control(self) -> dict[str, list[Finding]]:
        found: dict[str, list[Finding]] = {}
        for f in self.findings:
            found.setdefault(f.control_id, []).append(f)
        return found

    @cached_property
    def _control_states(self) -> dict[str, str]:
        return {cid: worst(state(f) for f in findings) for cid, findings in self._by_control.items()}

    @cached_property
    def unknown_control_ids(self) -> list[str]:
        """Ids in the findings that the catalog does not know (another pack's policies)."""
        known = self.control_index
        return sorted({f.control_id for f in self.findings if f.control_id not in known})

    def passes_for(self, control_id: str) -> list[Finding]:
        return [f for f in self._by_control.get(control_id, ()) if f.verdict is Verdict.PASS]

    def attention_for(self, control_id: str) -> list[Finding]:
        """Everything but passes and not-applicables: what a reader of one control must look at."""
        return [f for f in self._by_control.get(control_id, ()) if f.verdict not in (Verdict.PASS,
                                                                                     Verdict.NOT_APPLICABLE)]

    @cached_property
    def network(self) -> Network | None:
        """The network picture with the network promises' violations marked, drawn once for the HTML
        and Markdown reports; None without resources or when they hold nothing to draw."""
        from posture.reports import network

        if self.resources is None:
            return None
        violations = network.network_violations(self.findings, self.controls)
        return network.build(self.resources, self.resource_ids, violations)

    def control_state(self, control_id: str) -> str:
        return self._control_states.get(control_id, "not_evaluated")

    def controls_for(self, promise: Promise) -> list[Control]:
        return [c for c in self.controls if promise.id in c.promises]

    def promise_state(self, promise: Promise) -> str:
        return worst(self.control_state(c.id) for c in self.controls_for(promise))

    def control_tally(self, control_ids: Iterable[str]) -> dict[str, int]:
        """Controls per state, every state present (not_evaluated: no finding at all); they sum to the input."""
        found = Counter(self.control_state(c) for c in control_ids)
        return {s: found.get(s, 0) for s in STATES}

    def framework_view(self, framework: str) -> list[Requirement]:
        """The framework's requirements this catalog maps, each with its controls and their worst state."""
        return self._framework_views[framework]

    @cached_property
    def _framework_views(self) -> dict[str, list[Requirement]]:
        return {name: self._framework_view(name) for name in FRAMEWORK_VERSIONS}

    def _framework_view(self, framework: str) -> list[Requirement]:
        by_requirement: dict[str, list[str]] = {}
        for c in self.controls:
            for ref in c.frameworks.get(framework, ()):
                by_requirement.setdefault(ref, []).append(c.id)
        return [Requirement(ref, tuple(ids), worst(self.control_state(c) for c in ids))
                for ref, ids in sorted(by_requirement.items(), key=lambda item: natural_key(item[0]))]

    @property
    def framework_versions(self) -> dict[str, str]:
        return {name: FRAMEWORK_VERSIONS[name] for name in self.frameworks}

    def waiver_status(self, index: int) -> tuple[str, int]:
        """(``applied`` | ``expired`` | ``refused`` | ``unused``, number of findings it covers)."""
        waiver = self.waivers[index]
        applied = sum(1 for f in self.findings if f.waiver == waiver)
        kinds = [p.kind for p in self.waiver_problems if p.index == index]
        return (kinds[0] if kinds else "applied"), applied

    # --- locations ------------------------------------------------------------------------

    def relative_source(self, finding: Finding) -> tuple[str, int] | None:
        """The finding's declaring file relative to the project, or None when outside it or unknown."""
        return _relative(finding, self.source_root)

    def repository_source(self, finding: Finding) -> tuple[str, int] | None:
        """The declaring file relative to the repository root (SARIF), or None when outside it or unknown."""
        return _relative(finding, self.repository_root or self.source_root)

    def project_path(self) -> str:
        """The project directory relative to the repository root (``""`` when they are the same)."""
        if not (self.repository_root and self.source_root):
            return ""
        try:
            relative = PurePosixPath(self.source_root).relative_to(PurePosixPath(self.repository_root))
        except ValueError:
            return ""
        return "" if str(relative) == "." else str(relative)


@dataclass(frozen=True)
class AccountSection:
    """One account of an organization audit: how its audit went and its findings (not-applicables left out)."""

    account: str
    status: str
    counts: dict[str, int]
    findings: tuple[Finding, ...]
    blocking: int

    @property
    def unknown_reason(self) -> str | None:
        """Why the account could not be audited at all, or None when it was."""
        return self.status.removeprefix("unknown: ") if self.status.startswith("unknown") else None


@dataclass(frozen=True)
class Requirement:
    """One framework requirement id, the catalog controls that map to it, and their worst state."""

    id: str
    controls: tuple[str, ...]
    state: str


def natural_key(text: str) -> tuple:
    """``EC2.2`` before ``EC2.13``, ``SC-7`` before ``SC-7(5)``."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _relative(finding: Finding, root: str | None) -> tuple[str, int] | None:
    if finding.source is None:
        return None
    path = _relative_path(finding.source.path, root)
    return None if path is None else (path, finding.source.line)


@cache
def _relative_path(source: str, root: str | None) -> str | None:
    path = PurePosixPath(source)
    if root and path.is_absolute():
        try:
            return str(path.relative_to(PurePosixPath(root)))
        except ValueError:
            return None
    return None if path.is_absolute() else str(path)


_STATE_RANK = {s: i for i, s in enumerate(STATES)}
_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


def _finding_order(f: Finding) -> tuple:
    return (_STATE_RANK[state(f)], _SEVERITY_RANK[f.severity], f.control_id, f.resource_urn, f.message)


def waiver_text(finding: Finding) -> str:
    w = finding.waiver
    if w is None:
        return ""
    return f"waived: {w.reason} (approved by {w.approver}, expires {w.expires})"
