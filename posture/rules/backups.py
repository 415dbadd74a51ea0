"""AWS Backup: every data store backed up into locked, key-protected vaults, copied to an equal vault elsewhere (DB-3).

The presence of a vault's lock and access policy is a stack question (they are separate
resources); their content is checked on the resources themselves, so a weak lock and a missing
lock are two different, non-overlapping violations.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from posture.findings import Verdict
from posture.resources import UNKNOWN, ResourceView
from posture.rules.graph import Graph, graph
from posture.rules.policy_documents import fnmatch_any, is_everyone, policy_document
from posture.rules.results import RuleResult, each, failed, passed, scope
from posture.rules.schedules import longest_gap_days, next_run
from posture.rules.tokens import (
    BACKUP_AIR_GAPPED_VAULT,
    BACKUP_PLAN,
    BACKUP_SELECTION,
    BACKUP_VAULT,
    BACKUP_VAULT_LOCK,
    BACKUP_VAULT_POLICY,
    BACKUP_VAULTS,
    DATA_STORES,
    DYNAMODB_TABLE,
    RDS_CLUSTER,
)
from posture.rules.values import ValueNotKnownError, as_bool, as_int, as_list, customer_key, is_aws_managed_key, props, tags

MIN_RETENTION_DAYS = 7
PROTECTED_ACTIONS = ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle")


def vault_require_cmk_encryption(resource: ResourceView) -> RuleResult:
    key_prop = "encryptionKeyArn" if resource.type == BACKUP_AIR_GAPPED_VAULT else "kmsKeyArn"
    key = customer_key(props(resource), key_prop)
    if not key or is_aws_managed_key(key):
        return failed(resource, key_prop, key, "recovery points are encrypted with an AWS-managed key whose policy "
                      "we cannot restrict", "the backups customer-managed key")
    return passed(resource, f"recovery points encrypted with {key}")


def vaultlockconfiguration_require_compliance_mode(resource: ResourceView) -> RuleResult:
    p = props(resource)
    changeable = as_int(p.get("changeableForDays"))
    if changeable is None:
        return failed(resource, "changeableForDays", None, "governance mode: anyone with the permission can remove "
                      "the lock and delete recovery points", "a grace period of at least 3 days (compliance mode)")
    minimum = as_int(p.get("minRetentionDays"))
    if minimum is None or minimum < MIN_RETENTION_DAYS:
        return failed(resource, "minRetentionDays", minimum, "recovery points may be deleted before they can serve a "
                      "restore", f"at least {MIN_RETENTION_DAYS} days")
    return passed(resource, f"compliance-mode lock, minimum retention {minimum} days")


_RECOVERY_POINTS = re.compile(r"^arn:[^:]+:backup:[^:]*:[^:]*:recovery-point:\*$")
"""AWS Backup authorises DeleteRecoveryPoint and UpdateRecoveryPointLifecycle against the recovery
point's ARN, not the vault's: a Deny whose Resource is only the vault ARN denies nothing there."""


def _covers_recovery_points(statement: dict[str, Any]) -> bool:
    if statement.get("NotResource") is not None:
        return False
    return any(r == "*" or _RECOVERY_POINTS.match(r) for r in (str(x) for x in as_list(statement.get("Resource"))))


def _statement_denies_deletion(statement: dict[str, Any]) -> bool:
    """An unconditional Deny to everyone of both protected actions on every recovery point."""
    if statement.get("Effect") != "Deny" or statement.get("Condition") or not is_everyone(statement.get("Principal")):
        return False
    if statement.get("NotAction") is not None:
        return False
    actions = [str(a) for a in as_list(statement.get("Action"))]
    return all(fnmatch_any(needed, actions) for needed in PROTECTED_ACTIONS) and _covers_recovery_points(statement)


def vaultpolicy_require_deny_delete(resource: ResourceView) -> RuleResult:
    document = policy_document(props(resource).get("policy"))
    if not any(_statement_denies_deletion(s) for s in document["Statement"]):
        return failed(resource, "policy", document, "nothing stops a stolen administrator credential from deleting "
                      "recovery points", f"an unconditional Deny of {' and '.join(PROTECTED_ACTIONS)} for Principal * "
                      'on Resource "*" or arn:aws:backup:<region>:<account>:recovery-point:*')
    return passed(resource, "denies deleting recovery points to everyone")


def plan_require_retention(resource: ResourceView) -> RuleResult:
    for i, rule in enumerate(props(resource).get("rules") or []):
        lifecycles = [(f"rules[{i}].lifecycle", rule.get("lifecycle"))]
        lifecycles += [(f"rules[{i}].copyActions[{j}].lifecycle", c.get("lifecycle"))
                       for j, c in enumerate(rule.get("copyActions") or [])]
        for path, lifecycle in lifecycles:
            days = as_int(lifecycle.get("deleteAfter")) if lifecycle is not None else None
            if days is not None and days < MIN_RETENTION_DAYS:
                return failed(resource, f"{path}.deleteAfter", days, "recovery points expire before a slow-burning "
                              "incident is noticed", f"at least {MIN_RETENTION_DAYS} days")
    return passed(resource, f"every rule keeps recovery points at least {MIN_RETENTION_DAYS} days")


def _vault_ref(g: Graph, ref: Any, path: str) -> ResourceView | None:
    return g.resolve(ref, *BACKUP_VAULTS, path=path)


def _locks_and_policies(g: Graph) -> tuple[dict[str, ResourceView], dict[str, ResourceView]]:
    locks: dict[str, ResourceView] = {}
    policies: dict[str, ResourceView] = {}
    for kind, found in ((BACKUP_VAULT_LOCK, locks), (BACKUP_VAULT_POLICY, policies)):
        for r in g.of_type(kind):
            vault = _vault_ref(g, props(r).ref("backupVaultName"), "backupVaultName")
            if vault is not None:
                found[vault.urn] = r
    return locks, policies


def backup_vault_require_lock_and_policy(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    locks, policies = _locks_and_policies(g)

    def check(vault: ResourceView) -> RuleResult:
        if vault.urn not in locks:
            return failed(vault, "vaultLockConfiguration", None, "the vault is not locked: recovery points can be "
                          "deleted early", "a vault lock configuration in compliance mode (changeableForDays set)")
        if vault.urn not in policies:
            return failed(vault, "vaultPolicy", None, "no access policy denies deleting recovery points",
                          "a vault access policy denying backup:DeleteRecoveryPoint to Principal *")
        return passed(vault, f"locked by {locks[vault.urn].name}, guarded by {policies[vault.urn].name}")

    return each(g.of_type(BACKUP_VAULT), check)


def _region(resource: ResourceView) -> str | None:
    return props(resource).get("region") or resource.region


def _min_retention(vault: ResourceView, locks: dict[str, ResourceView]) -> int | None:
    if vault.type == BACKUP_AIR_GAPPED_VAULT:
        return as_int(props(vault).get("minRetentionDays"))
    lock = locks.get(vault.urn)
    return as_int(props(lock).get("minRetentionDays")) if lock is not None else None


def backup_copy_require_equally_fortified_vault(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    locks, _ = _locks_and_policies(g)

    def check(plan: ResourceView) -> RuleResult:
        for i, rule in enumerate(props(plan).get("rules") or []):
            where = f"rules[{i}]"
            copies = rule.get("copyActions") or []
            if not len(copies):
                return failed(plan, f"{where}.copyActions", None, "recovery points exist in one region only",
                              "at least one copy action, to a vault in another region")
            target_ref = rule.ref("targetVaultName")
            primary = _vault_ref(g, target_ref, f"{where}.targetVaultName")
            if primary is None:
                return failed(plan, f"{where}.targetVaultName", target_ref and target_ref.value, "the target vault is "
                              f"not {scope().declared}, so its lock and key cannot be proven",
                              f"a vault {scope().declared}")
            for j, copy in enumerate(copies):
                path = f"{where}.copyActions[{j}].destinationVaultArn"
                copy_ref = copy.ref("destinationVaultArn")
                target = _vault_ref(g, copy_ref, path)
                if target is None:
                    return failed(plan, path, copy_ref and copy_ref.value, f"the copy vault is not {scope().declared}, "
                                  "so its protection cannot be proven", f"a vault {scope().declared}")
                if _region(target) == _region(primary):
                    return failed(plan, path, _region(target), f"the copy stays in {_region(primary)} with the "
                                  "primary", f"a vault in a region other than {_region(primary)}")
                floor, copy_floor = _min_retention(primary, locks), _min_retention(target, locks)
                if floor is not None and copy_floor is not None and copy_floor < floor:
                    return failed(locks.get(target.urn, target), "minRetentionDays", copy_floor,
                                  f"the copy vault's lock is weaker than the primary's ({floor} days)",
                                  f"at least {floor} days (the primary vault's lock)")
                keep = as_int((rule.get("lifecycle") or {}).get("deleteAfter"))
                copy_keep = as_int((copy.get("lifecycle") or {}).get("deleteAfter"))
                if keep is None and copy_keep is not None:
                    return failed(plan, f"{where}.copyActions[{j}].lifecycle.deleteAfter", copy_keep,
                                  f"copies expire after {copy_keep} days while the primary recovery points are kept "
                                  "forever", "unset, like the primary's (copies kept as long as the primary recovery points)")
                if keep is not None and copy_keep is not None and copy_keep < keep:
                    return failed(plan, f"{where}.copyActions[{j}].lifecycle.deleteAfter", copy_keep,
                                  f"copies expire before the primary recovery points ({keep} days)",
                                  f"at least {keep} days (the primary's deleteAfter)")
        return passed(plan, "every rule copies to a locked vault in another region")

    return each(g.of_type(BACKUP_PLAN), check)


# --- coverage of every data store --------------------------------------------------------------


def _store_arn_parts(store: ResourceView) -> tuple[str, str]:
    p = props(store)
    if store.type == DYNAMODB_TABLE:
        return "dynamodb", f"table/{p.get('name') or store.name}"
    if store.type == RDS_CLUSTER:
        return "rds", f"cluster:{p.get('clusterIdentifier') or store.name}"
    return "rds", f"db:{p.get('identifier') or store.name}"


def _entry_covers(g: Graph, entry: Any, store: ResourceView) -> bool:
    if entry == "*":
        return True
    if isinstance(entry, str) and "*" in entry:
        arn = props(store).get("arn")
        if isinstance(arn, str):
            return fnmatch.fnmatchcase(arn, entry)
        service, resource = _store_arn_parts(store)
        parts = entry.split(":", 5)
        return len(parts) == 6 and fnmatch.fnmatchcase(service, parts[2]) and fnmatch.fnmatchcase(resource, parts[5])
    return g.resolve(entry, store.type, path="resources") is store


def _tags_cover(selection: ResourceView, store: ResourceView) -> bool:
    store_tags = tags(store)
    for condition in props(selection).get("selectionTags") or []:
        if str(condition.get("type")).upper() == "STRINGEQUALS" and \
                store_tags.get(str(condition.get("key"))) == condition.get("value"):
            return True
    return False


_CONDITION_TESTS = {
    # Pulumi's Selection.conditions[] and the API's Conditions (the live audit's ``condition``)
    "stringequals": "equals", "stringlikes": "like", "stringlike": "like", "stringnotequals": "not-equals",
    "stringnotlikes": "not-like", "stringnotlike": "not-like",
}
_TAG_KEY = "aws:resourcetag/"


def _conditions(selection: ResourceView) -> list[tuple[str, str, Any]]:
    """``(test, key, value)`` for every tag condition of a selection, whichever form declared it."""
    p = props(selection)
    blocks = [*(p.get("conditions") or []), *as_list(p.get("condition"))]
    found = []
    for block in blocks:
        for name, entries in block.items():
            test = _CONDITION_TESTS.get(str(name).lower())
            for entry in entries or []:
                key = entry.get("key") if entry.get("key") is not None else entry.get("conditionKey")
                value = entry.get("value") if entry.get("value") is not None else entry.get("conditionValue")
                found.append((test or str(name), str(key), value))
    return found


def _conditions_hold(selection: ResourceView, store: ResourceView) -> bool | str:
    """Whether every tag condition holds for the store (AWS ANDs them), or why that cannot be told."""
    store_tags = tags(store)
    for test, key, value in _conditions(selection):
        if test not in _CONDITION_TESTS.values():
            return f"condition {test} is not one AWS Backup evaluates"
        if not key.lower().startswith(_TAG_KEY):
            return f"condition key {key} is not a resource tag"
        tag = store_tags.get(key[len(_TAG_KEY):])
        if test == "equals":
            holds = tag == value
        elif test == "not-equals":
            holds = tag != value
        elif test == "like":
            holds = tag is not None and fnmatch.fnmatchcase(tag, str(value))
        else:
            holds = tag is None or not fnmatch.fnmatchcase(tag, str(value))
        if not holds:
            return False
    return True


def _named_stores(g: Graph, selection: ResourceView) -> set[str] | None:
    """URNs of the stores a selection names exactly, or None when it must be checked store by store
    (wildcards, tag conditions, exclusions, or a reference not known yet)."""
    p = props(selection)
    try:
        if p.get("notResources") or p.get("selectionTags") or _conditions(selection):
            return None
    except ValueNotKnownError:
        return None  # decided store by store, where the unknown blocks only the stores it could cover
    refs = p.refs("resources")
    if any(ref.value is not UNKNOWN and (not isinstance(ref.value, str) or "*" in ref.value) for ref in refs):
        return None
    try:
        return {store.urn for store in g.resolve_all(refs, *DATA_STORES)}
    except ValueNotKnownError:
        return None


def data_store_require_backup_plan(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    plans: dict[str, ResourceView] = {}
    for selection in g.of_type(BACKUP_SELECTION):
        plan = g.resolve(props(selection).ref("planId"), BACKUP_PLAN)
        if plan is not None:
            plans[selection.urn] = plan
    # Index the common case (a selection listing ARNs) once, so a stack with thousands of stores
    # and selections stays linear; only the rest is matched against each store.
    naming: dict[str, list[ResourceView]] = {}
    general: list[ResourceView] = []
    for urn in plans:
        selection = g.by_urn[urn]
        named = _named_stores(g, selection)
        if named is None:
            general.append(selection)
        for store_urn in named or ():
            naming.setdefault(store_urn, []).append(selection)
    schedules: dict[tuple[str, bool], tuple[str | None, tuple[str, ...]]] = {}

    def check(store: ResourceView) -> RuleResult:
        covering = list(naming.get(store.urn, []))
        undecided: list[str] = []
        for selection in general:
            p = props(selection)
            if any(_entry_covers(g, e, store) for e in p.get("notResources") or []):
                continue
            if not (any(_entry_covers(g, e, store) for e in p.get("resources") or []) or _tags_cover(selection, store)):
                continue
            holds = _conditions_hold(selection, store)
            if holds is True:
                covering.append(selection)
            elif holds is not False:
                undecided.append(f"{selection.name} ({holds})")
        if not covering and undecided:
            return RuleResult(Verdict.UNKNOWN, f"{store.name}: cannot verify that selection {undecided[0]} backs it "
                              "up", store.urn)
        if not covering:
            return failed(store, "backupSelection", None, f"no AWS Backup plan {scope().here} covers this data store "
                          "(selections whose tag conditions it does not meet do not count)",
                          f"a backup selection {scope().here} whose resources or tag conditions cover this store")
        evidence: list[str] = []
        for selection in covering:
            plan = plans[selection.urn]
            key = (plan.urn, store.type != DYNAMODB_TABLE)
            if key not in schedules:
                schedules[key] = _daily_copied_rule(plan, continuous_counts=key[1])
            rule, why = schedules[key]
            if rule is not None:
                return RuleResult(Verdict.PASS, f"{store.name}: backed up by selection {selection.name}, rule {rule} "
                                  f"of {plan.name} runs at least daily and copies to the second region", store.urn,
                                  evidence=(f"selection {selection.name} covers {store.name}",
                                            f"plan {plan.name} rule {rule} runs at least daily with a copy"))
            evidence += [f"selection {selection.name} covers {store.name} through plan {plan.name}", *why]
        plan = plans[covering[0].urn]
        result = failed(plan, "rules", None, f"{store.name} gets no daily, copied recovery point: " + "; ".join(
            evidence[1:]), "a rule that runs at least daily and copies to the second region's vault")
        return dataclasses.replace(result, evidence=tuple(evidence))

    return each(g.of_type(*DATA_STORES), check)


DAILY = 1.0
DEFAULT_SCHEDULE = "cron(0 5 ? * * *)"
"""AWS Backup runs a rule without a schedule expression daily at 05:00 UTC."""


def _daily_copied_rule(plan: ResourceView, continuous_counts: bool) -> tuple[str | None, tuple[str, ...]]:
    """The name of a rule of ``plan`` that fires at least daily and copies its recovery points, or
    None and, rule by rule, why not (with the next date a rule that rarely fires will fire).
    A continuous-backup rule counts for RDS only: AWS Backup offers no continuous backup of DynamoDB."""
    why: list[str] = []
    now = datetime.now(UTC)
    for i, rule in enumerate(props(plan).get("rules") or []):
        name = str(rule.get("ruleName") or f"rules[{i}]")
        if not continuous_counts and as_bool(rule.get("enableContinuousBackup")):
            why.append(f"rule {name} is continuous backup, which AWS Backup does not offer for DynamoDB")
            continue
        schedule = str(rule.get("schedule") or DEFAULT_SCHEDULE)
        gap = longest_gap_days(schedule)
        if gap is None:
            raise ValueNotKnownError(f"rules[{i}].schedule", plan.urn, reason=f"({schedule}) is a schedule this "
                                     "check cannot evaluate exactly")
        if gap > DAILY:
            upcoming = next_run(schedule, now)
            when = upcoming.strftime("%Y-%m-%d %H:%M UTC") if upcoming else "never again"
            why.append(f"rule {name} ({schedule}) next fires {when}, up to {gap:g} days apart")
            continue
        if not len(rule.get("copyActions") or []):
            why.append(f"rule {name} runs daily but copies nothing to the second region")
            continue
        return name, ()
    return None, tuple(why) or (f"plan {plan.name} has no rules",)
