"""Hand-made controls and findings for the report tests, independent of the real catalog's ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from posture.catalog import PROMISES, Control
from posture.findings import Enforcement, Finding, Severity, Verdict, Waiver
from posture.reports import Report
from posture.resources import SourceLocation
from posture.waivers import WaiverProblem
from tests.conftest import PROJECT_DIR

STACK_URN = "urn:pulumi:prod::security-baseline::pulumi:pulumi:Stack::security-baseline-prod"
DB_URN = ("urn:pulumi:prod::security-baseline::security-baseline:database:Database$aws:rds/instance:Instance::"
          "database-instance")
SG_URN = ("urn:pulumi:prod::security-baseline::security-baseline:database:Database$aws:ec2/securityGroup:"
          "SecurityGroup::database-sg")
BUCKET_URN = "urn:pulumi:prod::security-baseline::aws:s3/bucket:Bucket::logs<script>"
GENERATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def control(id_: str, severity: Severity, promises: tuple[str, ...], resource_types: tuple[str, ...] = (),
            title: str | None = None) -> Control:
    return Control(id=id_, title=title or f"Title of {id_}", description=f"Why {id_} matters.", severity=severity,
                   promises=promises, frameworks={"AWS FSBP": ("RDS.2",), "NIST 800-53": ("SC-7",)},
                   remediation=f"Fix {id_} like this.", resource_types=resource_types)


CONTROLS = (
    control("aws-test-db-disallow-public-access", Severity.CRITICAL, ("DB-2",), ("aws:rds/instance:Instance",)),
    control("aws-test-db-require-multi-az", Severity.MEDIUM, ("DB-3",), ("aws:rds/instance:Instance",)),
    control("aws-test-sg-disallow-cidr-ingress", Severity.HIGH, ("DB-1", "ADM-1"),
            ("aws:ec2/securityGroup:SecurityGroup",)),
    control("aws-test-bucket-enable-versioning", Severity.LOW, ("DB-3",), ("aws:s3/bucket:Bucket",)),
    control("stack-test-database-reachable-only-from-app-tier", Severity.HIGH, ("DB-2",)),
)
INDEX = {c.id: c for c in CONTROLS}
WAIVER = Waiver("aws-test-db-require-multi-az", "urn:pulumi:prod::*::database-instance", "Cost, staging-like load",
                "jane.doe@example.com", "2099-12-31")
EXPIRED = Waiver("aws-test-bucket-enable-versioning", "urn:pulumi:prod::*", "Temporary", "bob@example.com",
                 "2020-01-31")


def finding(control_id: str, verdict: Verdict, urn: str, message: str, *, severity: Severity | None = None,
            enforcement: Enforcement = Enforcement.MANDATORY, waiver: Waiver | None = None,
            source: SourceLocation | None = None, **details) -> Finding:
    sev = severity or (INDEX[control_id].severity if control_id in INDEX else Severity.HIGH)
    rtype = urn.split("::")[2].rsplit("$", 1)[-1]
    return Finding(control_id, verdict, sev, enforcement, urn, rtype, message, source, waiver, **details)


FINDINGS = (
    finding("aws-test-db-disallow-public-access", Verdict.PASS, DB_URN, "database-instance is not publicly accessible",
            source=SourceLocation(str(PROJECT_DIR / "components/database.py"), 113)),
    finding("aws-test-db-require-multi-az", Verdict.FAIL, DB_URN, "database-instance is single-AZ (multiAz=false)",
            waiver=WAIVER, source=SourceLocation(str(PROJECT_DIR / "components/database.py"), 113)),
    finding("aws-test-sg-disallow-cidr-ingress", Verdict.FAIL, SG_URN,
            "database-sg admits 10.0.0.0/8 on tcp 5432; admit security groups only",
            source=SourceLocation(str(PROJECT_DIR / "components/database.py"), 90),
            path="ingress[0].cidrBlocks", observed="10.0.0.0/8", expected="a security-group reference",
            evidence=("10.0.0.0/8 (any address in the VPC's range)", "database-sg ingress[0]: tcp 5432",
                      "database-instance <port 5432>")),
    finding("aws-test-bucket-enable-versioning", Verdict.FAIL, BUCKET_URN, "bucket <logs> has versioning off & \"x\"",
            enforcement=Enforcement.ADVISORY),
    finding("stack-test-database-reachable-only-from-app-tier", Verdict.UNKNOWN, STACK_URN,
            "cannot verify during preview: the database security group id is not known yet"),
    finding("aws-test-db-disallow-public-access", Verdict.ERROR, SG_URN, "rule raised KeyError: 'publiclyAccessible'",
            source=SourceLocation("/usr/lib/python3/site-packages/x.py", 3)),
    finding("other-pack-policy", Verdict.FAIL, BUCKET_URN, "a policy from another pack", severity=Severity.MEDIUM,
            enforcement=Enforcement.ADVISORY),
    finding("aws-test-bucket-enable-versioning", Verdict.NOT_APPLICABLE, DB_URN, "not a bucket"),
)
PROBLEMS = (
    WaiverProblem("error", "expired", 1, EXPIRED, "waivers[1] (aws-test-bucket-enable-versioning on "
                  "urn:pulumi:prod::*, approved by bob@example.com) expired on 2020-01-31; fix the finding or renew "
                  "the waiver"),
)


def make_report(**overrides) -> Report:
    fields = dict(tool_version="0.1.0", kind="check", stack="prod", project="security-baseline",
                  generated_at=GENERATED, findings=FINDINGS, controls=CONTROLS, promises=PROMISES,
                  fail_on=Severity.LOW, waivers=(WAIVER, EXPIRED), waiver_problems=PROBLEMS, resources=None,
                  source_root=str(PROJECT_DIR), metadata={"resources evaluated": "90"})
    fields.update(overrides)
    return Report(**fields)


@pytest.fixture(scope="session")
def sample_report(prod_stack) -> Report:
    return make_report(resources=tuple(prod_stack))
