"""What every rule shares: the result type, safe property reads and reference resolution.

Rules read properties through ``props(resource)``, a read-only view that raises
``ValueNotKnownError`` the moment a rule touches a value that is not known yet (preview). The runners
below turn that into a ``Verdict.UNKNOWN`` result, so a rule can never mistake a computed value
for data and pass by accident: the same contract as CrossGuard's own unknown-checking proxy.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from posture.findings import Verdict
from posture.resources import REDACTED, UNKNOWN, ResourceView

AWS_MANAGED_KEY = re.compile(r"(^|:)alias/aws/")


@dataclass(frozen=True)
class RuleResult:
    """One verdict. Beside the readable message, the fields reports, the audit and the diff read
    (never the message text): the property path judged, the value observed (already rendered and
    withheld when secret), the condition expected, and the counterexample hop by hop."""

    verdict: Verdict
    message: str
    urn: str | None = None
    path: str | None = None
    observed: str | None = None
    expected: str | None = None
    evidence: tuple[str, ...] = ()


ResourceRule = Callable[[ResourceView], "RuleResult | list[RuleResult]"]
StackRule = Callable[[Sequence[ResourceView]], list[RuleResult]]


class ValueNotKnownError(Exception):
    """A rule read a value it cannot see: computed by AWS and not known until deploy, or secret."""

    def __init__(self, path: str, urn: str | None = None, reason: str = "is not known yet") -> None:
        super().__init__(path)
        self.path = path
        self.urn = urn
        self.reason = reason

    @property
    def message(self) -> str:
        if self.reason == SECRET_REASON:
            return f"cannot verify: {label(self.path)} {self.reason}"
        return f"cannot verify during preview: {label(self.path)} {self.reason}"


SECRET_REASON = "is a secret value the check cannot read"


@dataclass(frozen=True)
class Reference:
    """A property that names another resource: its value when known, and the resources the engine
    says it was computed from (None when the engine gives no dependency information)."""

    value: Any
    sources: frozenset[str] | None
    path: str


# --- reading properties -------------------------------------------------------------------------


Sources = Mapping[str, frozenset[str]] | frozenset[str] | None
"""Dependency information a Props subtree carries: per top-level key at the root, the top-level
key's set below it, None when the engine gave none."""


def _sources_below(sources: Sources, key: str) -> frozenset[str] | None:
    if isinstance(sources, Mapping):
        return sources.get(key, frozenset())
    return sources


class Props(Mapping):
    """A read-only view of (nested) properties that refuses to hand out unknown values."""

    __slots__ = ("_data", "_path", "_sources")

    def __init__(self, data: Mapping[str, Any], path: str = "", sources: Sources = None) -> None:
        self._data = data
        self._path = path
        self._sources = sources

    def __getitem__(self, key: str) -> Any:
        return _wrap(self._data[key], self.path(key), _sources_below(self._sources, key))

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        """Presence only: asking whether a key is set must not fail because its value is unknown."""
        return key in self._data

    def get(self, key: str, default: Any = None) -> Any:
        """Like dict.get, but an explicit null counts as "not set", as it does for the provider."""
        if self._data.get(key) is None:
            return default
        return self[key]

    def is_set(self, key: str) -> bool:
        """Whether ``key`` has a value, known or not, readable or secret."""
        return self._data.get(key) is not None

    def ref(self, key: str) -> Reference | None:
        """``key`` as a reference to another resource, readable even while its value is unknown;
        None when it is not set. Only ``Graph.resolve`` reads a Reference."""
        value = self._data.get(key)
        if value is None:
            return None
        if value is REDACTED:
            raise ValueNotKnownError(self.path(key), reason=SECRET_REASON)
        return Reference(value, _sources_below(self._sources, key), self.path(key))

    def refs(self, key: str) -> list[Reference]:
        """Every element of list ``key`` as a Reference (a scalar counts as a list of one)."""
        value = self._data.get(key)
        if value is None:
            return []
        if value is REDACTED or value is UNKNOWN:
            if value is REDACTED:
                raise ValueNotKnownError(self.path(key), reason=SECRET_REASON)
            return [Reference(UNKNOWN, _sources_below(self._sources, key), self.path(key))]
        sources = _sources_below(self._sources, key)
        items = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        return [Reference(v, sources, f"{self.path(key)}[{i}]") for i, v in enumerate(items)]

    def path(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def plain(self) -> dict[str, Any]:
        """The whole subtree as plain data; raises if any part of it is unknown."""
        return {k: _plain(v, self.path(k)) for k, v in self._data.items()}


class Items(Sequence):
    __slots__ = ("_data", "_path", "_sources")

    def __init__(self, data: Sequence[Any], path: str, sources: frozenset[str] | None = None) -> None:
        self._data = data
        self._path = path
        self._sources = sources

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._data)))]
        return _wrap(self._data[index], f"{self._path}[{index}]", self._sources)

    def __len__(self) -> int:
        return len(self._data)

    def refs(self) -> list[Reference]:
        return [Reference(v, self._sources, f"{self._path}[{i}]") for i, v in enumerate(self._data)]

    def plain(self) -> list[Any]:
        return [_plain(v, f"{self._path}[{i}]") for i, v in enumerate(self._data)]


def _wrap(value: Any, path: str, sources: Sources = None) -> Any:
    if value is UNKNOWN:
        raise ValueNotKnownError(path)
    if value is REDACTED:
        raise ValueNotKnownError(path, reason=SECRET_REASON)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return Props(value, path, sources)
    if isinstance(value, Sequence):
        return Items(value, path, sources if not isinstance(sources, Mapping) else None)
    return value


def _plain(value: Any, path: str) -> Any:
    if value is UNKNOWN:
        raise ValueNotKnownError(path)
    if value is REDACTED:
        raise ValueNotKnownError(path, reason=SECRET_REASON)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return {k: _plain(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def props(resource: ResourceView) -> Props:
    return Props(resource.props, sources=resource.dependencies)


def plain(value: Any) -> Any:
    """Plain data from a Props/Items subtree (or any value)."""
    if isinstance(value, (Props, Items)):
        return value.plain()
    return value


def as_list(value: Any) -> list[Any]:
    """JSON policies and some inputs accept a scalar where a list is meant."""
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]


def as_int(value: Any) -> int | None:
    """Numbers arrive as floats from the engine (443.0) and sometimes as strings ("443")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.0+)?", value.strip()):
        return int(float(value))
    raise ValueError(f"{value!r} is not a whole number")


def as_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, (int, float)):
        return bool(value)
    raise ValueError(f"{value!r} is not a boolean")


def tags(resource: ResourceView) -> dict[str, str]:
    p = props(resource)
    merged: dict[str, str] = {}
    for key in ("tagsAll", "tags"):
        value = p.get(key)
        if isinstance(value, Mapping):
            merged.update({str(k): str(v) for k, v in plain(value).items()})
    return merged


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
    """IAM action matching: case-insensitive, ``*`` and ``?`` wildcards."""
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns)


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


COMPUTED_KEY = "a key this program creates"
"""What a customer-managed-key property holds on a preview before the key exists. A preview computes
a value only from a resource the program declares (a literal alias and a data source are known), and
no program can create an AWS-managed key (alias/aws/*), so the resource-level control can tell the
AWS-managed default apart without the value; which key it is, and that it rotates, is decided through
the graph by stack-data-store-require-rotating-key, which fails a key taken from anything but a key."""


def customer_key(p: Props, key: str) -> str | None:
    """The key a CMK property names as people read it (the value, or COMPUTED_KEY while unknown)."""
    ref = p.ref(key)
    if ref is None:
        return None
    return COMPUTED_KEY if ref.value is UNKNOWN else ref.value


def is_aws_managed_key(ref: str) -> bool:
    """``alias/aws/<service>``: a key AWS owns, whose policy and rotation we do not control."""
    return bool(AWS_MANAGED_KEY.search(ref))


INTERNET_PREFIX = {4: 8, 6: 16}
"""A public range shorter than /8 (IPv4) or /16 (IPv6) counts as "the internet". 0.0.0.0/0 is the
obvious form, but 0.0.0.0/1 + 128.0.0.0/1 admits exactly the same sources, so every internet
check reads prefix length, not the literal. /8 is the largest block one organisation was ever
allocated in IPv4 and /16 is far beyond any RIR's allocation to a single network in IPv6: a
source broader than that is nobody's allowlist entry. The aggregator /28s and the admin/intranet
allowlists stay well below. Several rules can still add up (sixty /8 rules on one group admit a
quarter of IPv4); no check here sums them."""
NON_PUBLIC_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",  # carrier-grade NAT (RFC 6598)
    "169.254.0.0/16", "127.0.0.0/8",  # link-local, loopback
    "fc00::/7", "fe80::/10", "::1/128"))  # unique-local, link-local, loopback
"""Ranges that never route from the internet: a range wholly inside one of them is internal."""


def is_internet(cidr: Any) -> bool:
    """A source or destination that stands for the internet: public and broader than INTERNET_PREFIX."""
    if not isinstance(cidr, str):
        return False
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return False
    if network.prefixlen >= INTERNET_PREFIX[network.version]:
        return False
    return not any(network.version == private.version and network.subnet_of(private)  # type: ignore[arg-type]
                   for private in NON_PUBLIC_NETWORKS)


def cidr_within(cidr: str, networks: Iterable[str]) -> bool:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    for other in networks:
        try:
            parent = ipaddress.ip_network(other, strict=False)
        except ValueError:
            continue
        if net.version == parent.version and net.subnet_of(parent):  # type: ignore[arg-type]
            return True
    return False


# --- messages -----------------------------------------------------------------------------------


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake(path: str) -> str:
    return _CAMEL.sub(r"_\1", path).lower()


def label(path: str) -> str:
    """``fooBar`` as both the engine sees it and the Python SDK spells it."""
    snaked = snake(path)
    return path if snaked == path else f"{path} ({snaked})"


def _shown(value: Any) -> Any:
    """Plain data for a message, with the parts not known yet named as such: a verdict decided on
    the known parts must not turn unknown because the message quotes the rest."""
    if isinstance(value, (Props, Items)):
        value = value._data
    if value is UNKNOWN:
        return "<not known until deploy>"
    if value is REDACTED:
        return "<secret>"
    if isinstance(value, Mapping):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_shown(v) for v in value]
    return value


def show(value: Any) -> str:
    if value is None:
        return "not set"
    if value is UNKNOWN:
        return "not known until deploy"
    if value is REDACTED:
        return "a secret value"
    value = _shown(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return json.dumps(value, sort_keys=True)
    except TypeError:
        return repr(value)


def passed(resource: ResourceView, message: str) -> RuleResult:
    return RuleResult(Verdict.PASS, f"{resource.name}: {message}", resource.urn)


_SECRET_PROPERTY = re.compile(r"(password|secret(string|binary)|token|privatekey|credential)", re.IGNORECASE)
"""Properties whose value is a secret. CrossGuard hands policies secrets unwrapped, so a message
that quoted the value would put it into the CLI output, Pulumi Cloud and every report."""


def failed(resource: ResourceView, path: str, value: Any, problem: str, fix: str) -> RuleResult:
    leaf = path.rsplit(".", 1)[-1]
    top = re.split(r"[.\[]", path, maxsplit=1)[0]
    withheld = _SECRET_PROPERTY.search(leaf) or top in resource.secret_properties
    shown = "set (value withheld)" if value is not None and withheld else show(value)
    return RuleResult(Verdict.FAIL, f"{resource.name}: {label(path)} is {shown}: {problem}; fix: {fix}", resource.urn,
                      path=path, observed=shown, expected=fix)


def not_applicable(resource: ResourceView, reason: str) -> RuleResult:
    return RuleResult(Verdict.NOT_APPLICABLE, f"{resource.name}: {reason}", resource.urn)


def unknown(resource: ResourceView, path: str) -> RuleResult:
    return RuleResult(Verdict.UNKNOWN, ValueNotKnownError(path).message, resource.urn, path=path)


def stack_failed(message: str) -> RuleResult:
    return RuleResult(Verdict.FAIL, message, None)


def stack_passed(message: str) -> RuleResult:
    return RuleResult(Verdict.PASS, message, None)


# --- running rules ------------------------------------------------------------------------------


def run_resource_rule(rule: ResourceRule, resource: ResourceView) -> list[RuleResult]:
    """Normalise a resource rule's answer; an unknown read becomes UNKNOWN. Other exceptions
    propagate so each engine can report them as errors (never as passes)."""
    try:
        outcome = rule(resource)
    except ValueNotKnownError as exc:
        return [RuleResult(Verdict.UNKNOWN, f"{resource.name}: {exc.message}", resource.urn, path=exc.path)]
    results = outcome if isinstance(outcome, list) else [outcome]
    return [r if r.urn else replace(r, urn=resource.urn) for r in results]


def run_stack_rule(rule: StackRule, resources: Sequence[ResourceView]) -> list[RuleResult]:
    try:
        return list(rule(resources))
    except ValueNotKnownError as exc:
        return [RuleResult(Verdict.UNKNOWN, exc.message, exc.urn, path=exc.path)]


def each(resources: Iterable[ResourceView], check: Callable[[ResourceView], RuleResult | list[RuleResult]]
         ) -> list[RuleResult]:
    """Apply a per-resource check inside a stack rule, so one unknown value only blocks its own resource."""
    results: list[RuleResult] = []
    for resource in resources:
        results.extend(run_resource_rule(check, resource))
    return results


# --- the resource graph -------------------------------------------------------------------------


_NAME_KEYS = ("name", "bucket", "identifier", "clusterIdentifier", "keyId", "functionName")


class Graph(list):
    """The resources of one stack, indexed once by type and by every identity a reference may use.

    ``resolve`` answers "which resource does this property point at" in two ways, so it decides on
    a first preview as well as against a deployed account:
    - by the engine's dependency information (``ResourceView.dependencies``): a reference whose
      value is not known yet points at the one resource of the expected type it was computed from;
    - by value (id, ARN, name, ARN tail) when the value is known: the live audit, and resources an
      earlier deployment already created.
    Where neither decides, it raises ValueNotKnownError: "not found" would then be a guess.
    """

    def __init__(self, resources: Iterable[ResourceView]) -> None:
        super().__init__(resources)
        self._by_type: dict[str, list[ResourceView]] = {}
        for r in self:
            self._by_type.setdefault(r.type, []).append(r)
        self._exact: dict[tuple[str, ...], dict[str, ResourceView]] = {}
        self._tails: dict[tuple[str, ...], dict[str, ResourceView]] = {}
        self._opaque: dict[tuple[str, ...], list[ResourceView]] = {}
        self.by_urn = {r.urn: r for r in self}

    def of_type(self, *types: str) -> list[ResourceView]:
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        return [r for t in types for r in self._by_type.get(t, [])]

    def _index(self, types: tuple[str, ...]) -> None:
        exact: dict[str, ResourceView] = {}
        tails: dict[str, ResourceView] = {}
        opaque: list[ResourceView] = []
        for r in self.of_type(*types):
            raw = r.props
            for key in ("id", "arn"):
                value = raw.get(key)
                if value is UNKNOWN:
                    opaque.append(r)
                elif isinstance(value, str) and value:
                    exact[value] = r
            for name in (v for v in (raw.get(k) for k in _NAME_KEYS) if isinstance(v, str)):
                exact.setdefault(name, r)
                tails.setdefault(name, r)
        self._exact[types], self._tails[types], self._opaque[types] = exact, tails, opaque

    def attached_to(self, attachment_types: tuple[str, ...], key: str, *target_types: str) -> dict[str, ResourceView]:
        """Resources of ``attachment_types`` (a policy, lock, rotation...) keyed by the URN of the
        resource their ``key`` property refers to; the last one declared wins, as in AWS."""
        found: dict[str, ResourceView] = {}
        for attachment in self.of_type(*attachment_types):
            target = self.resolve(props(attachment).ref(key), *target_types)
            if target is not None:
                found[target.urn] = attachment
        return found

    def sources(self, ref: Reference, *types: str) -> list[ResourceView]:
        """The resources of ``types`` the engine says ``ref`` was computed from."""
        found = (self.by_urn.get(urn) for urn in sorted(ref.sources or ()))
        return [r for r in found if r is not None and r.type in types]

    def resolve(self, ref: Any, *types: str, path: str = "reference") -> ResourceView | None:
        """The resource of ``types`` that ``ref`` (a Reference, or a plain value from an engine
        without dependency information) points at, or None when it names nothing in this stack."""
        sources: frozenset[str] | None = None
        if isinstance(ref, Reference):
            ref, sources, path = ref.value, ref.sources, ref.path
        if ref is REDACTED:
            raise ValueNotKnownError(path, reason=SECRET_REASON)
        if ref is UNKNOWN:
            if sources is None:
                raise ValueNotKnownError(path)
            return self._one_source(Reference(ref, sources, path), types)
        if not isinstance(ref, str) or not ref:
            return None
        if types not in self._exact:
            self._index(types)
        found = self._exact[types].get(ref)
        if found is None and ref.startswith("arn:"):
            found = self._tails[types].get(re.split(r"[/:]", ref)[-1])
        if found is not None:
            return found
        if sources is not None:
            # Known and matching nothing: a resource this stack creates has no id before it exists,
            # so a known value names something outside the stack.
            return None
        if self._opaque[types]:
            raise ValueNotKnownError(f"id of {self._opaque[types][0].name}", self._opaque[types][0].urn)
        return None

    def _one_source(self, ref: Reference, types: tuple[str, ...]) -> ResourceView:
        candidates = self.sources(ref, *types)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise ValueNotKnownError(ref.path, reason="is not known yet and is not computed from a resource of this stack")
        names = ", ".join(c.name for c in candidates)
        raise ValueNotKnownError(ref.path, reason=f"is not known yet and could be any of {names}")

    def resolve_all(self, refs: Sequence[Reference], *types: str) -> list[ResourceView]:
        """The resources of ``types`` a list property points at. Elements known by value are matched
        by value; the unknown ones stand for the resources of the type the list was computed from
        that no known element names, when their counts agree (else the list cannot be decided)."""
        found: list[ResourceView] = []
        pending: list[Reference] = []
        for ref in refs:
            if ref.value is UNKNOWN and ref.sources is not None:
                pending.append(ref)
                continue
            target = self.resolve(ref, *types)
            if target is not None:
                found.append(target)
        if pending:
            rest = [c for c in self.sources(pending[0], *types) if c not in found]
            if len(rest) != len(pending):
                # Unknown elements computed from resources of other types (or several per element).
                names = ", ".join(c.name for c in rest) or "no resource of the expected type"
                if len(rest) > len(pending) or not rest:
                    raise ValueNotKnownError(pending[0].path, reason=f"is not known yet and could be any of {names}")
            found.extend(rest)
        return found

    def refers_to(self, ref: Any, target: ResourceView, path: str = "reference") -> bool:
        return self.resolve(ref, target.type, path=path) is target


def graph(resources: Sequence[ResourceView]) -> Graph:
    """Stack rules accept any sequence; evaluate() passes a Graph so indexes are built once."""
    return resources if isinstance(resources, Graph) else Graph(resources)
