"""Resources the account holds but AWS decides: why a control does not apply to them.

The live collectors report every resource they see (docs/extending.md: collectors translate, never
leave out); the rules use these helpers to say NOT_APPLICABLE, with the reason, where AWS and not
the account owns what a control judges. Each helper reads the plain property and answers None when
the value is missing or not known yet, so a resource is judged as the account's own unless its
facts say otherwise: a value not seen never turns a verdict into NOT_APPLICABLE.

Offline no component declares such resources, and a program cannot create them: IAM reserves the
``/aws-service-role/`` path for roles a service creates, no program can create an AWS-managed key,
and every account has its ``default`` event bus already.
"""

from __future__ import annotations

from typing import Any

from posture.resources import ResourceView
from posture.rules.policy_documents import policy_document
from posture.rules.tokens import EVENT_BUS, IAM_ROLE, KMS_EXTERNAL_KEY, KMS_KEY, KMS_REPLICA_KEY
from posture.rules.values import as_list

SERVICE_LINKED_PATH = "/aws-service-role/"
SCHEDULED_FOR_DELETION = ("PendingDeletion", "PendingReplicaDeletion")
DEFAULT_EVENT_BUS = "default"
_KEY_TYPES = (KMS_KEY, KMS_EXTERNAL_KEY, KMS_REPLICA_KEY)


def _text(resource: ResourceView, key: str) -> str | None:
    value = resource.props.get(key)
    return value if isinstance(value, str) else None


def _trusts_services_only(trust: Any) -> bool:
    """Every Allow in the trust policy names AWS services and nothing else, as a service-linked
    role's always does: a role on the reserved path that trusts anyone else is judged as ours."""
    try:
        allows = [s for s in policy_document(trust, "assumeRolePolicy")["Statement"] if s.get("Effect") == "Allow"]
    except (ValueError, TypeError):
        return False
    principals = [s.get("Principal") for s in allows]
    return bool(allows) and all(isinstance(p, dict) and set(p) == {"Service"} and as_list(p["Service"])
                                for p in principals)


def aws_owned(resource: ResourceView) -> str | None:
    """Why AWS, not the account, writes this resource's policies (None when the account does)."""
    if resource.type == IAM_ROLE:
        path = _text(resource, "path") or ""
        if path.startswith(SERVICE_LINKED_PATH) and _trusts_services_only(resource.props.get("assumeRolePolicy")):
            return "a service-linked role: AWS owns service-linked roles' policies, no one in the account can change them"
    elif resource.type in _KEY_TYPES and _text(resource, "keyManager") == "AWS":
        return ("an AWS-managed key: AWS owns it and rotates it every year; no one in the account can change its "
                "policy or delete it")
    return None


def scheduled_for_deletion(resource: ResourceView) -> str | None:
    """Why a key no longer rotates (None when it may): KMS refuses every use of a key scheduled for
    deletion, and deletes it when the window ends. Only the rotation controls may use this: the key's
    policy stays in force, and whoever it admits can cancel the deletion and decrypt again."""
    if resource.type in _KEY_TYPES and _text(resource, "keyState") in SCHEDULED_FOR_DELETION:
        return "scheduled for deletion: KMS refuses every use of the key until the deletion is cancelled"
    return None


def account_default_bus(resource: ResourceView) -> str | None:
    """Why the bus is not one a stack declares (None when it is)."""
    if resource.type == EVENT_BUS and _text(resource, "name") == DEFAULT_EVENT_BUS:
        return ("the account's default event bus: AWS services publish to it, and the control covers the custom "
                "buses a stack declares")
    return None
