"""What every live collector shares: clients, read-only calls that never fail silently, and the wire form.

A collector turns a boto3 inventory into ``ResourceView``s whose props are exactly what a
CrossGuard policy would see for the same resource declared in Pulumi (camelCase input names,
the same nesting), so the rule functions in ``posture.rules`` run on them unchanged. ``urn`` is
the resource's ARN (or a synthetic ``arn:`` id for things AWS gives none), so findings name the
real resource.

Every API call goes through ``Context.call``. A failure is never swallowed: it is recorded as a
``CollectorError`` naming the API, the error code and the resource types it left unread, and
the audit turns it into "could not verify" findings.

Failing reads are cheap. botocore retries a call at most ``MAX_ATTEMPTS`` times in all (throttling
and 5xx answers only; adaptive mode also slows the client down when AWS throttles it). An API that
still fails that way in a region is not called again in that account's audit: every later call to
it is recorded with the same error at once, so an endpoint that does not implement an API (a moto
server answers 500) or an API AWS keeps throttling costs one round of retries, not one per
resource. And every account has a time budget: once it is spent, the calls not yet made are
recorded as ``TimeBudgetExceeded`` instead of being made, so one slow account cannot hold up an
organization audit. A value a collector could not read is put
in the view as ``UNREADABLE`` (the rules' ``UNKNOWN`` sentinel), so a rule that needs it reports
UNKNOWN instead of mistaking its absence for data.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import botocore.credentials
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

from posture.live.tagging import TAG_CALLS, TagCall
from posture.resources import UNKNOWN, ResourceView

UNREADABLE = UNKNOWN
"""A value the audit could not read (permission, unsupported API): rules treat it as not known."""

MAX_ATTEMPTS = 3
"""Attempts per call, the first included (the AWS SDKs' standard default); botocore's backoff
between them is at most 1 s and 2 s."""
CLIENT_CONFIG = Config(retries={"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS}, connect_timeout=5,
                       read_timeout=30)
DEFAULT_TIME_BUDGET = 900.0
"""Seconds one account's audit may spend on API calls (all regions and collectors together)."""
BUDGET_EXCEEDED = "TimeBudgetExceeded"
_RETRIED_CODES = frozenset({"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
                            "TooManyRequestsException", "ProvisionedThroughputExceededException",
                            "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
                            "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
                            "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException"})
"""Error codes botocore's standard retry mode retries (besides HTTP 5xx and connection errors)."""

SessionFactory = Callable[[], Any]
"""Returns a new ``boto3.Session`` (called once per audit)."""


@dataclass(frozen=True)
class CollectorError:
    """One API call (or one collector) that failed: what could not be read, where and why."""

    service: str
    operation: str
    """The API's name as AWS spells it (``DescribeSecurityGroupRules``)."""
    region: str
    code: str
    """The AWS error code (``AccessDenied``), or the exception type for errors outside AWS."""
    message: str
    resource_types: tuple[str, ...]
    """Pulumi type tokens left unread (or partly read) by this failure."""
    resource: str | None = None
    """The ARN of the one resource the failure is about, when that resource is still in the
    inventory with the unread values marked ``UNREADABLE``; None when the failure left resources
    out of the inventory altogether (a listing that failed)."""

    @property
    def api(self) -> str:
        return f"{self.service}:{self.operation}"

    def describe(self) -> str:
        where = f" for {self.resource}" if self.resource else f" in {self.region}"
        return f"{self.api} failed with {self.code}{where}: {self.message}"


class _Failed:
    """Returned by ``Context.call`` when a call failed (and was recorded); falsy like ``None``."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "FAILED"


FAILED = _Failed()


class Clients:
    """boto3 clients per (service, region), shared by the worker threads.

    The audit is handed a session factory rather than a session or module-level clients, so
    callers decide credentials and endpoints and tests pass moto-backed sessions in. One session
    is made per audit; clients are created under a lock (a session is not thread-safe) and then
    shared (a client is), so each service model is loaded once. An organization audit passes
    ``shared`` instead: every account then uses the organization's clients with its own
    ``credentials`` (see ``SharedClients``).
    """

    def __init__(self, session_factory: SessionFactory | None, endpoint_url: str | None = None,
                 time_budget: float = DEFAULT_TIME_BUDGET, *, shared: SharedClients | None = None,
                 credentials: botocore.credentials.ReadOnlyCredentials | None = None) -> None:
        if (session_factory is None) == (shared is None) or (shared is None) != (credentials is None):
            raise ValueError("give a session factory, or shared clients and the account's credentials")
        self._factory = session_factory
        self._shared = shared
        self._credentials = credentials
        self._endpoint_url = endpoint_url
        self._session: Any = None
        self._clients = _ClientCache()
        self._lock = threading.Lock()
        self.time_budget = time_budget
        self._deadline = time.monotonic() + time_budget
        self._given_up: dict[tuple[str, str, str], tuple[str, str]] = {}
        """(service, operation, region) -> (code, message) of an API that failed after its retries."""
        self._answered: set[tuple[str, str, str]] = set()
        self._gates: dict[tuple[str, str, str], threading.Lock] = {}

    def budget_spent(self) -> bool:
        return time.monotonic() >= self._deadline

    # An API is probed by one call at a time until it has answered once; one that failed after its
    # retries is given up for the rest of the audit (see the module docstring).

    def gate(self, api: tuple[str, str, str]) -> threading.Lock | None:
        if api in self._answered:
            return None
        with self._lock:
            return self._gates.setdefault(api, threading.Lock())

    def answered(self, api: tuple[str, str, str]) -> bool:
        return api in self._answered

    def answer(self, api: tuple[str, str, str]) -> None:
        self._answered.add(api)

    def given_up(self, api: tuple[str, str, str]) -> tuple[str, str] | None:
        return self._given_up.get(api)

    def give_up(self, api: tuple[str, str, str], code: str, message: str) -> None:
        self._given_up.setdefault(api, (code, message))

    def acting(self) -> Any:
        """The context every call with ``client()``'s clients is made in: the account's credentials."""
        return self._shared.acting_as(self._credentials) if self._shared else nullcontext()

    def client(self, service: str, region: str) -> Any:
        if self._shared is not None:
            return self._shared.client(service, region)
        return self._clients.get((service, region), lambda: self._new_client(service, region))

    def _new_client(self, service: str, region: str) -> Any:
        if self._session is None:
            self._session = self._factory()
        kwargs: dict[str, Any] = {"region_name": region, "config": CLIENT_CONFIG}
        if self._endpoint_url:
            kwargs["endpoint_url"] = self._endpoint_url
        client = self._session.client(service, **kwargs)
        return one_host(client) if self._endpoint_url else client


class _ClientCache:
    """Clients by (service, region), each created once under a lock: a session is not thread-safe,
    a client is."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], create: Callable[[], Any]) -> Any:
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    client = self._clients[key] = create()
        return client


_ACTING_AS: ContextVar[botocore.credentials.ReadOnlyCredentials | None] = ContextVar("posture_acting_as",
                                                                                    default=None)


class _ActingAccountCredentials(botocore.credentials.Credentials):
    """Credentials that are whichever account's the calling thread acts as (``SharedClients.acting_as``)."""

    def __init__(self) -> None:  # no fixed keys: every value is read at signing time
        self.method = "posture-organization-audit"

    def get_frozen_credentials(self) -> botocore.credentials.ReadOnlyCredentials:
        credentials = _ACTING_AS.get()
        if credentials is None:
            raise RuntimeError("an organization audit client was called outside SharedClients.acting_as()")
        return credentials

    access_key = property(lambda self: self.get_frozen_credentials().access_key)
    secret_key = property(lambda self: self.get_frozen_credentials().secret_key)
    token = property(lambda self: self.get_frozen_credentials().token)
    account_id = property(lambda self: self.get_frozen_credentials().account_id)


class _ActingAccountProvider(botocore.credentials.CredentialProvider):
    METHOD = _ActingAccountCredentials().method

    def load(self) -> botocore.credentials.Credentials:
        return _ActingAccountCredentials()


class SharedClients:
    """One client per (service, region) for every account of an organization audit.

    Creating a botocore client costs 15-25 ms of CPU (the service's API methods, the event
    handlers and the endpoint resolver are built anew for each), and an account's audit needs
    about 60 (some 30 services in each region): with a client set per account that was most of
    an organization audit's time. A client's only per-account part is the credentials it signs
    with, and botocore reads them from its credentials object at signing time; so these clients
    sign with the credentials of the account the calling thread acts as (``acting_as``), and are
    created once for the whole organization.
    """

    def __init__(self, endpoint_url: str | None = None) -> None:
        self._session = botocore.session.get_session()
        self._session.register_component("credential_provider",
                                         botocore.credentials.CredentialResolver([_ActingAccountProvider()]))
        self._endpoint_url = endpoint_url
        self._clients = _ClientCache()

    @staticmethod
    @contextmanager
    def acting_as(credentials: botocore.credentials.ReadOnlyCredentials) -> Iterator[None]:
        token = _ACTING_AS.set(credentials)
        try:
            yield
        finally:
            _ACTING_AS.reset(token)

    def client(self, service: str, region: str) -> Any:
        return self._clients.get((service, region), lambda: self._new_client(service, region))

    def _new_client(self, service: str, region: str) -> Any:
        # Standard retries, not adaptive: adaptive mode's rate limiter belongs to the client, so one
        # throttled account would slow every account's calls. The account-id endpoints (DynamoDB's)
        # would need the account when the client is built.
        config = CLIENT_CONFIG.merge(Config(retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
                                            account_id_endpoint_mode="disabled"))
        client = self._session.create_client(service, region_name=region, endpoint_url=self._endpoint_url,
                                             config=config)
        return one_host(client) if self._endpoint_url else client


@dataclass
class Context:
    """One collector's view of one region of one account, and the errors it met."""

    clients: Clients
    account_id: str
    region: str
    partition: str = "aws"
    errors: list[CollectorError] = field(default_factory=list)

    def client(self, service: str, region: str | None = None) -> Any:
        return self.clients.client(service, region or self.region)

    def call(self, service: str, operation: str, *, types: Iterable[str], resource: str | None = None,
             absent: Iterable[str] = (), region: str | None = None, **params: Any) -> Any:
        """One read-only API call, every page of it.

        Returns the response (all pages merged when the operation can paginate), ``None`` when
        the error code is one of ``absent`` (the thing asked about does not exist), or
        ``FAILED`` after recording the failure. ``operation`` is the snake_case method name.
        """
        if not operation.startswith(("describe_", "list_", "get_", "batch_get_")):
            raise ValueError(f"{operation} is not a read-only call; the audit never writes")
        region = region or self.region
        api = (service, operation, region)
        gate = self.clients.gate(api)
        if gate is not None:  # the API has not answered yet: one call probes it, the others wait for it
            with gate:
                if not self.clients.answered(api) and self.clients.given_up(api) is None:
                    return self._call(api, types, resource, absent, params)
        return self._call(api, types, resource, absent, params)

    def _call(self, api: tuple[str, str, str], types: Iterable[str], resource: str | None, absent: Iterable[str],
              params: dict[str, Any]) -> Any:
        service, operation, region = api
        earlier = self.clients.given_up(api)
        if earlier is not None:
            self.fail(service, operation, earlier[0], f"not called again after: {earlier[1]}", types, resource, region)
            return FAILED
        if self.clients.budget_spent():
            self.fail(service, operation, BUDGET_EXCEEDED, f"not called: the account's {self.clients.time_budget:g}s "
                      "time budget was spent (raise it with --time-budget)", types, resource, region)
            return FAILED
        try:
            client = self.client(service, region)
            with self.clients.acting():
                if client.can_paginate(operation):
                    response = client.get_paginator(operation).paginate(**params).build_full_result()
                else:
                    response = getattr(client, operation)(**params)
            self.clients.answer(api)
            return response
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = str(error.get("Code") or status)
            message = _plain(str(error.get("Message") or exc), status)
            if code in _RETRIED_CODES or (isinstance(status, int) and status >= 500):
                self.clients.give_up(api, code, message)
            else:
                self.clients.answer(api)  # an answer about this resource (denied, absent), not about the API
            if code in set(absent):
                return None
            self.fail(service, operation, code, message, types, resource, region)
        except (BotoCoreError, NotImplementedError) as exc:
            if isinstance(exc, (ConnectionError, HTTPClientError)):  # retried already, as a 5xx is
                self.clients.give_up(api, type(exc).__name__, _one_line(str(exc)))
            self.fail(service, operation, type(exc).__name__, str(exc), types, resource, region)
        except Exception as exc:  # anything else is recorded too, never a silent pass
            self.fail(service, operation, type(exc).__name__, str(exc), types, resource, region)
        return FAILED

    def items(self, service: str, operation: str, key: str, *, types: Iterable[str], **params: Any) -> list[Any]:
        """The ``key`` list of a (paginated) listing; empty when the call failed (the failure is recorded)."""
        response = self.call(service, operation, types=types, **params)
        return list(response.get(key) or []) if response else []

    def fail(self, service: str, operation: str, code: str, message: str, types: Iterable[str],
             resource: str | None = None, region: str | None = None) -> None:
        self.errors.append(CollectorError(service, api_name(operation), region or self.region, code,
                                          _one_line(message), tuple(types), resource))

    # --- views and identities ---------------------------------------------------------------

    def arn(self, service: str, resource: str, region: str | None = None, global_: bool = False) -> str:
        """An ARN in this account: ``arn:<partition>:<service>:<region>:<account>:<resource>``."""
        return f"arn:{self.partition}:{service}:{'' if global_ else region or self.region}:{self.account_id}:{resource}"

    def view(self, type_: str, urn: str, name: str, props: Mapping[str, Any], region: str | None = None
             ) -> ResourceView:
        props = {k: v for k, v in props.items() if v is not None}
        props.setdefault("region", region or self.region)
        call = TAG_CALLS.get(type_)
        if call is not None and "tags" not in props and "?" not in urn:
            props["tags"] = self._tags(call, type_, urn, props, region)
        return ResourceView(urn=urn, type=type_, name=name, props=props, region=region or self.region)


    def _tags(self, call: TagCall, type_: str, urn: str, props: Mapping[str, Any], region: str | None) -> Any:
        """A resource's tags by its list-tags call (``posture.live.tagging``), ``UNREADABLE`` when it failed.

        A failed read is recorded against no resource type: tags decide which stack a resource
        belongs to, not whether it is protected, so no control becomes unknown for it.
        """
        response = self.call(call.service, call.operation, types=(), resource=urn, region=region,
                             **call.params(urn, props))
        return tags_of(call.tags(response)) if response else UNREADABLE


_ACCOUNT_HOST = re.compile(r"^(\w+://)\d{12}\.")


def one_host(client: Any) -> Any:
    """For an endpoint URL (an emulator on one host): no ``<account>.`` host prefix, which S3
    Control's endpoint rules put before every host and which a loopback address cannot take."""

    def strip(request: Any, **_: Any) -> None:
        request.url = _ACCOUNT_HOST.sub(r"\1", request.url)

    client.meta.events.register("before-send", strip)
    return client


def api_name(operation: str) -> str:
    """``describe_security_group_rules`` -> ``DescribeSecurityGroupRules``."""
    return "".join(part.capitalize() for part in operation.split("_"))


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def _plain(message: str, status: Any) -> str:
    """An error page (HTML from a proxy or an emulator) as its title, not its markup."""
    if not message.lstrip().startswith("<"):
        return message
    title = re.search(r"<title>(.*?)</title>", message, re.S | re.I)
    return f"HTTP {status}: {title.group(1).strip() if title else 'an HTML error page'}"


def sub_urn(parent: str, kind: str, name: str | None = None) -> str:
    """A synthetic id for a setting or child of ``parent`` that has no ARN of its own:
    ``<parent ARN>?<kind>`` or ``<parent ARN>?<kind>=<name>`` (S3's sub-resource style)."""
    return f"{parent}?{kind}" if name is None else f"{parent}?{kind}={name}"


def within(urn: str, scope: str) -> bool:
    """Whether ``urn`` is ``scope`` itself or one of its sub-resources (``sub_urn``)."""
    return urn == scope or urn.startswith(scope + "?")


# --- the wire form ------------------------------------------------------------------------------


_LEADING_CAPS = re.compile(r"^([A-Z]+)(?=[A-Z][a-z]|$)")


def camel(key: str) -> str:
    """An AWS API field name in the camelCase the Pulumi wire form uses.

    ``ManagedRuleGroupStatement`` -> ``managedRuleGroupStatement``, ``ARN`` -> ``arn``,
    ``IPSetReferenceStatement`` -> ``ipSetReferenceStatement``, ``KMSMasterKeyID`` -> ``kmsMasterKeyId``.
    """
    if not key or not key[0].isupper():
        return key
    if len(key) > 2 and key.endswith("ID") and not key.isupper():
        key = key[:-2] + "Id"
    match = _LEADING_CAPS.match(key)
    if match and len(match.group(1)) > 1:
        head = match.group(1)
        return head.lower() + key[len(head):]
    return key[0].lower() + key[1:]


def wire(value: Any) -> Any:
    """A boto3 response subtree with every key in camelCase (values untouched)."""
    if isinstance(value, Mapping):
        return {camel(str(k)): wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


def tags_of(value: Any) -> dict[str, str]:
    """Tags given as ``[{"Key": k, "Value": v}]`` (either case) or a mapping, as a plain mapping."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    found: dict[str, str] = {}
    for tag in value or []:
        key = tag.get("Key", tag.get("key"))
        if key is not None:
            found[str(key)] = str(tag.get("Value", tag.get("value", "")))
    return found


@dataclass(frozen=True)
class BatchedTagCall:
    """A list-tags call that takes many ARNs (ELB ``DescribeTags``, CloudTrail ``ListTags``)."""

    service: str
    operation: str
    arns_param: str
    listing: str
    """The response's list of per-resource entries, each with ``arn_key`` and ``tags_key``."""
    arn_key: str
    tags_key: str
    gone: tuple[str, ...] = ()
    """Error codes for an ARN whose resource was deleted since the listing: one such ARN fails the
    whole call, so its batch is read again one ARN at a time."""
    size: int = 20


def batched_tags(ctx: Context, call: BatchedTagCall, arns: Sequence[str], region: str | None = None) -> dict[str, Any]:
    """Every resource's tags in calls of ``call.size`` ARNs instead of one call each. As for one
    resource (``Context._tags``), a failed call is recorded against no resource type and leaves
    its resources' tags ``UNREADABLE`` (the stack audit keeps them); a resource the answer leaves
    out, or deleted since the listing, has no tags."""
    found: dict[str, Any] = {}
    for start in range(0, len(arns), call.size):
        batch = list(arns[start:start + call.size])
        response = ctx.call(call.service, call.operation, types=(), resource=batch[0], region=region,
                            absent=call.gone, **{call.arns_param: batch})
        if response is None and len(batch) > 1:  # one of them is gone: the others still have tags
            for arn in batch:
                found.update(batched_tags(ctx, call, [arn], region))
            continue
        found.update(dict.fromkeys(batch, UNREADABLE if response is FAILED else {}))
        for entry in (response or {}).get(call.listing) or []:
            found[entry[call.arn_key]] = tags_of(entry.get(call.tags_key))
    return found


def display_name(tags: Mapping[str, str], *fallbacks: Any) -> str:
    """How findings name a resource: its Name tag, else its own name or id."""
    if tags.get("Name"):
        return tags["Name"]
    return next((str(f) for f in fallbacks if f), "(unnamed)")


def as_bool_attr(value: Any) -> bool | None:
    """ELB-style string attributes (``"true"``/``"false"``)."""
    if value is None or value == "":
        return None
    return str(value).lower() == "true"
