"""What an independent Prowler run found open around the prod stack: VPC endpoints that admit any
principal and action, a default network ACL left as AWS makes it (allow everything), and no
account-wide S3 Block Public Access.

Each rule reads only props the offline graph and the live collectors both provide, so the same
verdict comes before deploy and after.
"""

from __future__ import annotations

from collections.abc import Sequence

from posture.resources import ResourceView
from posture.rules.graph import Graph, graph
from posture.rules.policy_documents import ACCOUNT_ID, is_everyone, pinned_keys, policy_document
from posture.rules.results import RuleResult, each, failed, passed, scope, stack_failed
from posture.rules.tokens import ACCOUNT_PUBLIC_ACCESS_BLOCK, DEFAULT_NETWORK_ACL, VPC
from posture.rules.values import as_bool, as_list, props

PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
_CALLER_PINS = frozenset({"aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths"})


# --- VPC endpoint policies ---------------------------------------------------------------------


def vpcendpoint_require_restrictive_policy(resource: ResourceView) -> RuleResult:
    """Without a policy an endpoint admits every principal, of any account, to every action: a
    stolen key from elsewhere can read or exfiltrate through our private path."""
    p = props(resource)
    raw = p.get("policy")
    if not raw:
        return failed(resource, "policy", None, "the endpoint keeps AWS's default policy: any principal of any "
                      "account may call any action through it", _RESTRICTIVE_POLICY)
    document = policy_document(raw)
    own = _account_of(str(p.get("arn") or ""))
    for i, statement in enumerate(document["Statement"]):
        if str(statement.get("Effect")) != "Allow":
            continue
        where = f"policy.Statement[{i}]"
        actions = [str(a) for a in as_list(statement.get("Action"))]
        if statement.get("NotAction") is not None or any(a == "*" or a.endswith(":*") for a in actions):
            return failed(resource, f"{where}.Action", actions or statement.get("NotAction"),
                          "the statement allows every action of the service",
                          "the actions the workloads need, not * or service:* or NotAction")
        principal = statement.get("Principal")
        if is_everyone(principal):
            pinned = pinned_keys(statement.get("Condition")) & _CALLER_PINS
            if not pinned:
                return failed(resource, f"{where}.Condition", statement.get("Condition"),
                              "Principal \"*\" with no aws:PrincipalAccount or aws:PrincipalOrgID condition admits "
                              "callers from any account", _CALLER_PIN)
            strangers = _other_accounts(statement.get("Condition"), own)
            if strangers:
                return failed(resource, f"{where}.Condition", sorted(strangers),
                              "aws:PrincipalAccount names accounts other than this one", f"this account ({own}) only")
        else:
            strangers = {a for a in _principal_accounts(principal) if own and a != own}
            if strangers:
                return failed(resource, f"{where}.Principal", sorted(strangers),
                              "the statement admits principals of other accounts", f"principals of this account ({own}) only")
    return passed(resource, "endpoint policy admits only this account's (or organization's) principals and the "
                            "actions the services need")


_CALLER_PIN = "a StringEquals aws:PrincipalAccount (this account) or aws:PrincipalOrgID condition"
_RESTRICTIVE_POLICY = f'a policy allowing only the actions the workloads need, to Principal "*" with {_CALLER_PIN}'


def _account_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and ACCOUNT_ID.match(parts[4]) else None


def _other_accounts(condition: object, own: str | None) -> set[str]:
    if own is None or not isinstance(condition, dict):
        return set()
    found = set()
    for entries in condition.values():
        if isinstance(entries, dict):
            for key, values in entries.items():
                if str(key).lower() == "aws:principalaccount":
                    found |= {str(v) for v in as_list(values) if str(v) != own}
    return found


def _principal_accounts(principal: object) -> set[str]:
    values = as_list(principal.get("AWS")) if isinstance(principal, dict) else as_list(principal)
    accounts = set()
    for value in map(str, values):
        if ACCOUNT_ID.match(value):
            accounts.add(value)
        elif value.startswith("arn:") and len(value.split(":")) > 5:
            accounts.add(value.split(":")[4])
    return accounts


# --- the default network ACL -------------------------------------------------------------------


def vpc_require_locked_default_network_acl(resources: Sequence[ResourceView]) -> list[RuleResult]:
    """A subnet that loses its network ACL association falls back to the VPC's default ACL; AWS
    makes it allow all traffic both ways. Adopted and stripped, it denies everything instead."""
    g = graph(resources)
    adopted: dict[str, ResourceView] = {}
    for acl in g.of_type(DEFAULT_NETWORK_ACL):
        vpc = vpc_of_default_acl(g, acl)
        if vpc is not None:
            adopted[vpc.urn] = acl

    def check(vpc: ResourceView) -> RuleResult:
        acl = adopted.get(vpc.urn)
        if acl is None:
            acl_id = vpc.props.get("defaultNetworkAclId")
            return failed(vpc, "defaultNetworkAclId", acl_id, "the default network ACL is not adopted: AWS's allows "
                          "all traffic in and out of any subnet that falls back on it",
                          "adopted (aws.ec2.DefaultNetworkAcl) with no ingress and no egress rules")
        for key in ("ingress", "egress"):
            entries = props(acl).get(key) or []
            if len(entries):
                return failed(vpc, f"defaultNetworkAcl.{key}", entries, f"the default network ACL {acl.name} has "
                              "rules: a subnet that falls back on it gets them",
                              "[] (no rules)")
        return passed(vpc, f"default network ACL adopted by {acl.name} with no rules (denies everything)")

    return each(g.of_type(VPC), check)


def vpc_of_default_acl(g: Graph, acl: ResourceView) -> ResourceView | None:
    """The VPC whose default ACL ``acl`` adopts: by the id once known, else (first preview) the VPC the
    engine says ``default_network_acl_id`` was computed from."""
    ref = props(acl).ref("defaultNetworkAclId")
    if ref is None:
        return None
    if isinstance(ref.value, str):
        return next((vpc for vpc in g.of_type(VPC) if vpc.props.get("defaultNetworkAclId") == ref.value), None)
    return g.resolve(ref, VPC)


# --- account-wide S3 Block Public Access -------------------------------------------------------


def account_require_s3_public_access_block(resources: Sequence[ResourceView]) -> list[RuleResult]:
    """Bucket-level blocks protect the stack's buckets; the account-level block also covers every
    bucket someone creates later by hand or with another tool."""
    blocks = graph(resources).of_type(ACCOUNT_PUBLIC_ACCESS_BLOCK)
    if not blocks:
        return [stack_failed(f"no account-level S3 Block Public Access {scope().here}")]
    results = []
    for block in blocks:
        p = props(block)
        off = [flag for flag in PUBLIC_ACCESS_FLAGS if as_bool(p.get(flag)) is not True]
        results.append(failed(block, off[0], p.get(off[0]), "a bucket anyone creates can still be made public",
                              "true" + (f" (and {', '.join(off[1:])} true too)" if off[1:] else "")) if off
                       else passed(block, "account-level S3 Block Public Access: all four flags on"))
    return results
