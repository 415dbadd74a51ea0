"""The one Finding model every enforcer produces and every reporter renders."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from posture.resources import SourceLocation


class Verdict(StrEnum):
    """What a rule concluded about one resource (or the stack).

    UNKNOWN means a value the rule needs is not known yet (preview) or could not be read (live
    audit without permission): never a pass. ERROR means the rule itself failed: never a pass.
    """

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"
    ERROR = "error"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    def at_least(self, threshold: Severity) -> bool:
        return self.rank <= threshold.rank


class Enforcement(StrEnum):
    """CrossGuard's enforcement levels, used verbatim in policy config files."""

    MANDATORY = "mandatory"
    ADVISORY = "advisory"
    REMEDIATE = "remediate"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Finding:
    control_id: str
    verdict: Verdict
    severity: Severity
    enforcement: Enforcement
    resource_urn: str
    resource_type: str
    message: str
    source: SourceLocation | None = None
    waiver: Waiver | None = None
    path: str | None = None
    """The property judged (engine spelling), when the rule names one."""
    observed: str | None = None
    """The value seen, rendered for people; withheld when it is a secret."""
    expected: str | None = None
    evidence: tuple[str, ...] = ()
    """The counterexample, hop by hop: the path in, the statement that grants, the broken link."""
    owner_stack: str | None = None
    """The stack the resource belongs to (its URN offline, its ``pulumi:stack`` tag live)."""
    logical_name: str | None = None
    """The resource's Pulumi logical name (URN offline, ``pulumi:logical-name`` tag live): what
    ``posture diff`` pairs planned and live findings by."""
    account: str | None = None
    """The AWS account a live finding is about (organization audits merge many)."""

    @property
    def blocking(self) -> bool:
        """A failure (or a crashed rule) under a mandatory level that no waiver covers."""
        return (self.verdict in (Verdict.FAIL, Verdict.ERROR) and self.enforcement is Enforcement.MANDATORY
                and self.waiver is None)


@dataclass(frozen=True)
class Waiver:
    control_id: str
    resource: str
    """A URN or ARN glob."""
    reason: str
    approver: str
    expires: str
    """ISO date (YYYY-MM-DD)."""
