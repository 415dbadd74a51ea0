"""IAM-style policy documents and their conditions, read as AWS evaluates them."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from posture.resources import REDACTED
from posture.rules.values import SECRET_REASON, Items, Props, ValueNotKnownError, as_list


def policy_document(value: Any, where: str = "policy") -> dict[str, Any]:
    """An IAM-style JSON policy given as a string or an object, with Statement always a list."""
    if isinstance(value, (Props, Items)):
        value = value.plain()
    if value is REDACTED:
        raise ValueNotKnownError(where, reason=SECRET_REASON)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where} is not valid JSON ({exc.msg})") from None
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} is not a JSON policy object")
    document = dict(value)
    document["Statement"] = [dict(s) for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]
    return document


def fnmatch_any(action: str, patterns: Iterable[str]) -> bool:
    """IAM action matching: case-insensitive, ``*`` and ``?`` wildcards. A pattern without a wildcard is
    compared as text: IAM has no ``[...]`` classes, and compiling a regex for each of the thousands of
    plain action names in AWS managed policies cost more than the whole evaluation of a stack."""
    action = action.lower()
    for pattern in patterns:
        pattern = pattern.lower()
        if "*" in pattern or "?" in pattern:
            if fnmatch.fnmatchcase(action, pattern.replace("[", "[[]")):
                return True
        elif action == pattern:
            return True
    return False


# --- policy conditions ---------------------------------------------------------------------------

POSITIVE_OPERATORS = frozenset({"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"})
"""Operators that admit only requests whose key matches. Not the ...IfExists forms (they admit a
request that carries no such key at all), not Not... (they admit every value but one), not the
ForAllValues:/ForAnyValue: set forms (ForAllValues is true for a missing key)."""
EXEMPTING_OPERATORS = frozenset({
    "stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike",
    *(f"{o}ifexists" for o in ("stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals",
                               "arnnotlike"))})
"""Operators a Deny may use to exempt the listed values only. A missing key makes every one of them
true, so the Deny still applies to requests that carry no such key."""
ACCOUNT_ID = re.compile(r"^\d{12}$")
ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_WILDCARD = frozenset("*?")
ACCOUNT_PINS = frozenset({"aws:sourceaccount", "aws:principalaccount", "kms:calleraccount"})
ORG_PINS = frozenset({"aws:sourceorgid", "aws:principalorgid"})
ORG_PATH_PINS = frozenset({"aws:sourceorgpaths", "aws:principalorgpaths"})
ARN_PINS = frozenset({"aws:sourcearn", "aws:principalarn"})
NETWORK_PINS = frozenset({"aws:sourcevpce", "aws:sourcevpc"})


def is_concrete(value: Any) -> bool:
    """A non-empty value with no IAM wildcard in it."""
    return isinstance(value, str) and value != "" and not _WILDCARD & set(value)


def arn_in_account(value: str) -> bool:
    """An ARN whose account field is one 12-digit account (an S3 ARN, which has none, must be exact)."""
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return False
    account, resource = parts[4], parts[5]
    return bool(ACCOUNT_ID.match(account)) or (account == "" and resource != "" and is_concrete(value))


def pins(key: str, value: Any) -> bool:
    """Whether ``value`` narrows condition ``key`` to one account, organization, resource, role,
    network path or service: a wildcard where the account or service goes narrows nothing."""
    key, value = key.lower(), str(value)
    if key in ACCOUNT_PINS:
        return bool(ACCOUNT_ID.match(value))
    if key in ORG_PINS:
        return bool(ORG_ID.match(value))
    if key in ORG_PATH_PINS:
        return bool(ORG_ID.match(value.split("/", 1)[0]))
    if key in ARN_PINS or key.startswith("kms:encryptioncontext:aws:"):
        return arn_in_account(value)
    if key in NETWORK_PINS:
        return is_concrete(value)
    if key == "kms:viaservice":
        return is_concrete(value) and value.endswith((".amazonaws.com", ".amazonaws.com.cn"))
    return False


EVERYONE_PINS = ACCOUNT_PINS | ORG_PINS | ORG_PATH_PINS | ARN_PINS | NETWORK_PINS
"""Condition keys that turn a grant to Principal "*" into a grant to callers we can name: an
account, organization or principal ARN (aws:Principal*, kms:CallerAccount), a service acting for
our account or resource (aws:Source*), or a request through our own VPC endpoint. Anything else
(aws:SecureTransport, aws:SourceIp, kms:ViaService alone, an ...IfExists test) still admits
strangers."""


def is_everyone(principal: Any) -> bool:
    """Principal "*" or {"AWS": "*"} (also inside a list): every AWS principal there is."""
    if isinstance(principal, (Props, Items)):
        principal = principal.plain()
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in [str(p) for p in as_list(principal.get("AWS"))]


def condition_entries(condition: Any) -> list[tuple[str, str, list[Any]]]:
    """``(operator, key, values)`` for every test in a Condition block, operator and key lowercased."""
    if not isinstance(condition, Mapping):
        return []
    return [(str(operator).lower(), str(key).lower(), as_list(values))
            for operator, entries in condition.items() if isinstance(entries, Mapping)
            for key, values in entries.items()]


def pinned_keys(condition: Any) -> set[str]:
    """Condition keys a positive operator pins to concrete values (every value listed pins).

    The tests of a Condition block all have to hold, so one pinning test narrows the statement
    whatever else the block says."""
    return {key for operator, key, values in condition_entries(condition)
            if operator in POSITIVE_OPERATORS and values and all(pins(key, v) for v in values)}


