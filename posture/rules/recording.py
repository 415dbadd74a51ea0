"""What the audit record holds and for how long (BANK-4, APP-4): the four gaps a third-party
scanner (checkov CKV_AWS_18, CKV_AWS_118, CKV2_AWS_30, CKV2_AWS_61) found, each checked as the
promise needs it rather than as the scanner's presence test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from posture.resources import ResourceView
from posture.rules.database import _parameters, postgres_parameter_group
from posture.rules.graph import graph
from posture.rules.monitoring import MIN_LOG_RETENTION_DAYS
from posture.rules.policy_documents import fnmatch_any, is_everyone, policy_document
from posture.rules.results import RuleResult, each, failed, not_applicable, passed, scope
from posture.rules.tokens import (
    BUCKET_LIFECYCLE,
    BUCKET_LOGGING,
    BUCKET_OBJECT_LOCK,
    BUCKET_POLICY,
    BUCKETS,
    CONFIG_DELIVERY_CHANNEL,
    RDS_CLUSTER,
    RDS_INSTANCE,
    TRAIL,
)
from posture.rules.values import as_int, as_list, props

MONITORING_INTERVALS = frozenset({1, 5, 10, 15, 30, 60})
PGAUDIT_CLASSES = frozenset({"read", "write", "ddl", "role"})
LOG_DELETES = ("s3:DeleteObject", "s3:DeleteObjectVersion")


def instance_enable_enhanced_monitoring(resource: ResourceView) -> RuleResult:
    p = props(resource)
    interval = as_int(p.get("monitoringInterval"))
    if interval not in MONITORING_INTERVALS:
        return failed(resource, "monitoringInterval", interval, "no OS-level metrics: a host under attack or "
                      "starving looks healthy", "1, 5, 10, 15, 30 or 60 seconds")
    if not p.is_set("monitoringRoleArn"):
        return failed(resource, "monitoringRoleArn", None, "RDS cannot publish enhanced-monitoring metrics without "
                      "a role", "a role with the AmazonRDSEnhancedMonitoringRole policy")
    return passed(resource, f"enhanced monitoring every {interval} s")


def database_require_audit_logging(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)

    def check(db: ResourceView) -> RuleResult:
        group = postgres_parameter_group(g, db, "audits statements")
        if isinstance(group, RuleResult):
            return group
        values = _parameters(group)
        statement = values.get("log_statement")
        if statement == "all":
            return passed(db, f"every statement logged by {group.name} (log_statement=all)")
        libraries = {v.strip() for v in values.get("shared_preload_libraries", "").split(",")}
        classes = {v.strip() for v in values.get("pgaudit.log", "").split(",")}
        if "pgaudit" not in libraries:
            return failed(group, "parameters", {"shared_preload_libraries": values.get("shared_preload_libraries"),
                                                "log_statement": statement},
                          f"reads and writes of {db.name} leave no record (BANK-4: every access recorded)",
                          "shared_preload_libraries including pgaudit and pgaudit.log covering read, write, "
                          "ddl and role, or log_statement all")
        missing = sorted(PGAUDIT_CLASSES - classes) if "all" not in classes else []
        if missing:
            return failed(group, "parameters", {"pgaudit.log": values.get("pgaudit.log")},
                          f"pgaudit does not record {', '.join(missing)} statements on {db.name}",
                          "pgaudit.log covering read, write, ddl and role (or all)")
        return passed(db, f"statements audited by pgaudit through {group.name}")

    return each(g.of_type(RDS_INSTANCE, RDS_CLUSTER), check)


def _denies_log_deletion(statement: dict[str, Any]) -> bool:
    if statement.get("Effect") != "Deny" or statement.get("Condition") or not is_everyone(statement.get("Principal")):
        return False
    actions = [str(a) for a in as_list(statement.get("Action"))]
    return all(fnmatch_any(a, actions) for a in LOG_DELETES) and statement.get("NotResource") is None


def cloudtrail_bucket_require_access_logging(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    loggings = g.attached_to(BUCKET_LOGGING, "bucket", *BUCKETS)
    policies = g.attached_to((BUCKET_POLICY,), "bucket", *BUCKETS)

    def check(trail: ResourceView) -> RuleResult:
        ref = props(trail).ref("s3BucketName")
        bucket = g.resolve(ref, *BUCKETS) if ref is not None else None
        if bucket is None:
            return not_applicable(trail, f"the trail's bucket is not {scope().here} (see "
                                         "stack-cloudtrail-bucket-require-object-lock)")
        logging = loggings.get(bucket.urn)
        if logging is None:
            return failed(bucket, "logging", None, "reads and deletions of the trail's log files leave no record "
                          "(CIS 3.6)", "server access logging to a separate bucket whose policy denies deletion")
        target = g.resolve(props(logging).ref("targetBucket"), *BUCKETS)
        if target is None or target is bucket:
            return failed(logging, "targetBucket", props(logging).ref("targetBucket").value, "the access logs are "
                          f"not kept in a separate bucket {scope().here}", f"a separate bucket {scope().declared}")
        policy = policies.get(target.urn)
        statements = policy_document(props(policy).get("policy"))["Statement"] if policy is not None else []
        if not any(_denies_log_deletion(s) for s in statements):
            return failed(policy or target, "policy", None, f"anyone with s3:DeleteObject on {target.name} can erase "
                          "the record of who read the trail", "an unconditional Deny of s3:DeleteObject and "
                          "s3:DeleteObjectVersion for Principal *")
        return passed(trail, f"access to {bucket.name} logged to {target.name}, which denies deletion")

    return each(g.of_type(TRAIL), check)


def _lock_days(lock: ResourceView | None) -> int:
    if lock is None:
        return 0
    rule = props(lock).get("rule")
    retention = rule.get("defaultRetention") if rule is not None else None
    if retention is None:
        return 0
    return as_int(retention.get("days")) or 365 * (as_int(retention.get("years")) or 0)


def audit_bucket_require_lifecycle_retention(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    lifecycles = g.attached_to(BUCKET_LIFECYCLE, "bucket", *BUCKETS)
    locks = g.attached_to(BUCKET_OBJECT_LOCK, "bucket", *BUCKETS)
    loggings = g.attached_to(BUCKET_LOGGING, "bucket", *BUCKETS)
    audit: dict[str, str] = {}
    for r in g.of_type(TRAIL, CONFIG_DELIVERY_CHANNEL):
        ref = props(r).ref("s3BucketName")
        bucket = g.resolve(ref, *BUCKETS) if ref is not None else None
        if bucket is not None:
            audit.setdefault(bucket.urn, f"{r.name}'s log files")
            logging = loggings.get(bucket.urn)
            target = g.resolve(props(logging).ref("targetBucket"), *BUCKETS) if logging is not None else None
            if target is not None:
                audit.setdefault(target.urn, f"access logs of {bucket.name}")

    def check(bucket: ResourceView) -> RuleResult:
        floor = max(MIN_LOG_RETENTION_DAYS, _lock_days(locks.get(bucket.urn)))
        lifecycle = lifecycles.get(bucket.urn)
        if lifecycle is None:
            return failed(bucket, "lifecycle", None, f"no lifecycle rule states how long {audit[bucket.urn]} are kept",
                          f"a lifecycle configuration expiring objects after at least {floor} days")
        enabled = [r for r in props(lifecycle).get("rules") or [] if str(r.get("status")) == "Enabled"]
        if not enabled:
            return failed(lifecycle, "rules", None, "no enabled lifecycle rule", 'a rule with status "Enabled"')
        for i, rule in enumerate(enabled):
            for path, days in ((f"rules[{i}].expiration.days", (rule.get("expiration") or {}).get("days")),
                               (f"rules[{i}].noncurrentVersionExpiration.noncurrentDays",
                                (rule.get("noncurrentVersionExpiration") or {}).get("noncurrentDays"))):
                days = as_int(days)
                if days is not None and days < floor:
                    return failed(lifecycle, path, days, f"{audit[bucket.urn]} expire before the {floor} days the "
                                  "promises (and the object lock) need", f"at least {floor} days")
        return passed(bucket, f"{audit[bucket.urn]} kept at least {floor} days")

    return each([g.by_urn[u] for u in audit], check)
