"""AWS Backup: vaults with their lock and access policy, plans and their selections.

A vault's lock is a property of the vault in the API (``Locked``, ``MinRetentionDays``,
``MaxRetentionDays``, ``LockDate``) and a resource of its own in Pulumi; a locked vault gets an
``aws:backup/vaultLockConfiguration``. The lock mode is read from ``LockDate``: compliance mode
has one (the end of the grace period), governance mode has none. ``changeableForDays`` is the
whole days left until that date (0 once the lock is immutable), so the rules see compliance mode
exactly as they do in the program.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from posture.live.base import UNREADABLE, Context, sub_urn, wire
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (*tok.BACKUP_VAULTS, tok.BACKUP_VAULT_LOCK, tok.BACKUP_VAULT_POLICY, tok.BACKUP_PLAN, tok.BACKUP_SELECTION)
AIR_GAPPED = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"


def collect(ctx: Context) -> list[ResourceView]:
    views: list[ResourceView] = []
    vault_types = (*tok.BACKUP_VAULTS, tok.BACKUP_VAULT_LOCK, tok.BACKUP_VAULT_POLICY)
    for vault in ctx.items("backup", "list_backup_vaults", "BackupVaultList", types=vault_types):
        views += _vault(ctx, vault)
    for plan in ctx.items("backup", "list_backup_plans", "BackupPlansList", types=(tok.BACKUP_PLAN, tok.BACKUP_SELECTION)):
        views += _plan(ctx, plan)
    return views


def _changeable_for_days(lock_date: Any) -> int | None:
    if lock_date is None:
        return None
    if isinstance(lock_date, str):
        lock_date = datetime.fromisoformat(lock_date.replace("Z", "+00:00"))
    if lock_date.tzinfo is None:
        lock_date = lock_date.replace(tzinfo=UTC)
    return max(0, math.ceil((lock_date - datetime.now(UTC)).total_seconds() / 86400))


def _vault(ctx: Context, vault: dict[str, Any]) -> list[ResourceView]:
    name = vault["BackupVaultName"]
    arn = vault.get("BackupVaultArn") or ctx.arn("backup", f"backup-vault:{name}")
    key = vault.get("EncryptionKeyArn")
    common = {"id": name, "arn": arn, "name": name}
    if vault.get("VaultType") == AIR_GAPPED:
        views = [ctx.view(tok.BACKUP_AIR_GAPPED_VAULT, arn, name, {
            **common, "encryptionKeyArn": key, "minRetentionDays": vault.get("MinRetentionDays"),
            "maxRetentionDays": vault.get("MaxRetentionDays")})]
    else:
        views = [ctx.view(tok.BACKUP_VAULT, arn, name, {**common, "kmsKeyArn": key})]
        if vault.get("Locked"):
            lock_date = vault.get("LockDate")
            views.append(ctx.view(tok.BACKUP_VAULT_LOCK, sub_urn(arn, "lock"), f"{name} lock", {
                "backupVaultName": name, "minRetentionDays": vault.get("MinRetentionDays"),
                "maxRetentionDays": vault.get("MaxRetentionDays"),
                "changeableForDays": _changeable_for_days(lock_date),
                "lockDate": lock_date.isoformat() if isinstance(lock_date, datetime) else lock_date,
            }))
    response = ctx.call("backup", "get_backup_vault_access_policy", types=(tok.BACKUP_VAULT_POLICY,), resource=arn,
                        absent=("ResourceNotFoundException",), BackupVaultName=name)
    if response is not None:
        views.append(ctx.view(tok.BACKUP_VAULT_POLICY, sub_urn(arn, "access-policy"), f"{name} access policy", {
            "backupVaultName": name, "policy": response.get("Policy") if response else UNREADABLE,
        }))
    return views


def _lifecycle(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if not value:
        return None
    return {k: v for k, v in {
        "deleteAfter": value.get("DeleteAfterDays"), "coldStorageAfter": value.get("MoveToColdStorageAfterDays"),
        "optInToArchiveForSupportedResources": value.get("OptInToArchiveForSupportedResources"),
    }.items() if v is not None}


def _plan(ctx: Context, summary: dict[str, Any]) -> list[ResourceView]:
    plan_id = summary["BackupPlanId"]
    arn = summary.get("BackupPlanArn") or ctx.arn("backup", f"backup-plan:{plan_id}")
    name = summary.get("BackupPlanName") or plan_id
    response = ctx.call("backup", "get_backup_plan", types=(tok.BACKUP_PLAN,), resource=arn, BackupPlanId=plan_id)
    rules: Any = UNREADABLE
    if response:
        rules = [{k: v for k, v in {
            "ruleName": rule.get("RuleName"), "targetVaultName": rule.get("TargetBackupVaultName"),
            "schedule": rule.get("ScheduleExpression"), "startWindow": rule.get("StartWindowMinutes"),
            "completionWindow": rule.get("CompletionWindowMinutes"),
            "enableContinuousBackup": rule.get("EnableContinuousBackup"),
            "lifecycle": _lifecycle(rule.get("Lifecycle")),
            "copyActions": [{"destinationVaultArn": c.get("DestinationBackupVaultArn"),
                             "lifecycle": _lifecycle(c.get("Lifecycle"))} for c in rule.get("CopyActions") or []],
        }.items() if v is not None} for rule in (response.get("BackupPlan") or {}).get("Rules") or []]
    views = [ctx.view(tok.BACKUP_PLAN, arn, name, {"id": plan_id, "arn": arn, "name": name, "rules": rules})]
    selections = ctx.call("backup", "list_backup_selections", types=(tok.BACKUP_SELECTION,), BackupPlanId=plan_id)
    for item in (selections or {}).get("BackupSelectionsList") or []:
        views += _selection(ctx, arn, plan_id, item)
    return views


def _selection(ctx: Context, plan_arn: str, plan_id: str, item: dict[str, Any]) -> list[ResourceView]:
    selection_id = item["SelectionId"]
    urn = sub_urn(plan_arn, "selection", selection_id)
    response = ctx.call("backup", "get_backup_selection", types=(tok.BACKUP_SELECTION,), resource=urn,
                        BackupPlanId=plan_id, SelectionId=selection_id)
    selection = (response or {}).get("BackupSelection") or {}
    props: dict[str, Any] = {"id": selection_id, "planId": plan_id, "name": item.get("SelectionName"),
                             "iamRoleArn": item.get("IamRoleArn")}
    if response:
        props.update({
            "resources": selection.get("Resources") or [], "notResources": selection.get("NotResources") or [],
            "selectionTags": [{"type": t.get("ConditionType"), "key": t.get("ConditionKey"),
                               "value": t.get("ConditionValue")} for t in selection.get("ListOfTags") or []],
            "condition": wire(selection.get("Conditions")),
        })
    else:
        props.update(resources=UNREADABLE, notResources=UNREADABLE, selectionTags=UNREADABLE)
    return [ctx.view(tok.BACKUP_SELECTION, urn, str(item.get("SelectionName") or selection_id), props)]

