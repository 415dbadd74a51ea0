"""IAM (account-wide): roles, users and groups with their inline and attached policies, and
customer-managed policies, from one paginated ``GetAccountAuthorizationDetails``.

Inline policies become ``aws:iam/rolePolicy`` (``userPolicy``, ``groupPolicy``) resources and
attachments ``aws:iam/rolePolicyAttachment`` (...), the forms the components declare; the role
itself carries no inline policies, so each document is judged once.

Every principal is reported with its ``path``, service-linked roles (``/aws-service-role/``)
included: AWS owns their policies, and the rules that judge a role's policies say so
(posture.rules.aws_owned) rather than never seeing them.
"""

from __future__ import annotations

import json
from typing import Any

from posture.live.base import Context, sub_urn, tags_of
from posture.resources import ResourceView
from posture.rules import tokens as tok

ROLE_POLICY, USER_POLICY, GROUP_POLICY = (tok.IAM_ROLE_POLICY, tok.IAM_POLICY_DOCUMENTS[3],
                                          tok.IAM_POLICY_DOCUMENTS[4])
POLICY = tok.IAM_POLICY
ROLE_ATTACHMENT, USER_ATTACHMENT, GROUP_ATTACHMENT = tok.IAM_POLICY_ATTACHMENTS[:3]
TYPES = (*tok.IAM_POLICY_DOCUMENTS, *tok.IAM_POLICY_ATTACHMENTS[:3])
_PRINCIPALS = (  # listing key, name key, owner prop, principal type, inline type, attachment type
    ("RoleDetailList", "RoleName", "role", tok.IAM_ROLE, ROLE_POLICY, ROLE_ATTACHMENT, "RolePolicyList"),
    ("UserDetailList", "UserName", "user", "aws:iam/user:User", USER_POLICY, USER_ATTACHMENT, "UserPolicyList"),
    ("GroupDetailList", "GroupName", "group", "aws:iam/group:Group", GROUP_POLICY, GROUP_ATTACHMENT,
     "GroupPolicyList"),
)

_TAGGABLE = (tok.IAM_ROLE, "aws:iam/user:User")
"""IAM groups carry no tags: the audit cannot tell whose a group is (``posture.live.tagging``)."""


def _document(value: Any) -> Any:
    """Policy documents as the JSON strings the wire form carries (boto3 decodes them)."""
    return value if isinstance(value, str) or value is None else json.dumps(value, sort_keys=True)


def collect(ctx: Context) -> list[ResourceView]:
    details = ctx.call("iam", "get_account_authorization_details", types=TYPES,
                       Filter=["User", "Role", "Group", "LocalManagedPolicy"])
    if not details:
        return []
    views: list[ResourceView] = []
    for listing, name_key, owner, principal_type, inline_type, attachment_type, inline_key in _PRINCIPALS:
        for principal in details.get(listing) or []:
            name, arn = principal[name_key], principal["Arn"]
            props: dict[str, Any] = {"id": name, "arn": arn, "name": name, "path": principal.get("Path"),
                                     "tags": tags_of(principal.get("Tags")) if principal_type in _TAGGABLE else None}
            if principal_type == tok.IAM_ROLE:
                props["assumeRolePolicy"] = _document(principal.get("AssumeRolePolicyDocument"))
            views.append(ctx.view(principal_type, arn, name, props, region="global"))
            for inline in principal.get(inline_key) or []:
                views.append(ctx.view(inline_type, sub_urn(arn, "policy", inline["PolicyName"]),
                                      f"{name}/{inline['PolicyName']}", {
                                          "id": f"{name}:{inline['PolicyName']}", owner: name,
                                          "name": inline["PolicyName"], "policy": _document(inline.get("PolicyDocument")),
                                      }, region="global"))
            for attached in principal.get("AttachedManagedPolicies") or []:
                views.append(ctx.view(attachment_type, sub_urn(arn, "attached", attached["PolicyArn"]),
                                      f"{name}/{attached.get('PolicyName')}",
                                      {owner: name, "policyArn": attached["PolicyArn"]}, region="global"))
    for policy in details.get("Policies") or []:
        default = next((v for v in policy.get("PolicyVersionList") or [] if v.get("IsDefaultVersion")), {})
        views.append(ctx.view(POLICY, policy["Arn"], policy["PolicyName"], {
            "id": policy["Arn"], "arn": policy["Arn"], "name": policy["PolicyName"], "path": policy.get("Path"),
            "policy": _document(default.get("Document")),
        }, region="global"))
    return views
