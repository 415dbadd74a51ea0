"""What every live collector shares: clients, read-only calls that never fail silently, and the wire form.

A collector turns a boto3 inventory into ``ResourceView``s whose props are exactly what a
CrossGuard policy would see for the same resource declared in Pulumi (camelCase input names,
the same nesting), so the rule functions in ``posture.rules`` run on them unchanged. ``urn`` is
the resource's ARN (or a synthetic ``arn:`` id for things AWS gives none), so findings name the
real resource.

Every API call goes through ``Context.call``. A failure is never swallowed: it is recorded as a
``CollectorError`` naming the API, the error code and the resource types it left unread, and
the audit turns it into "could not verify" findings. A value a collector could not read is put
in the view as ``UNREADABLE`` (the rules' ``UNKNOWN`` sentinel), so a rule that needs it reports
UNKNOWN instead of mistaking its absence for data.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from posture.resources import UNKNOWN, ResourceView

UNREADABLE = UNKNOWN
"""A value the audit could not read (permission, unsupported API): rules treat it as not known."""

CLIENT_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 10})

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
    shared (a client is), so each service model is loaded once.
    """

    def __init__(self, session_factory: SessionFactory, endpoint_url: str | None = None) -> None:
        self._factory = session_factory
        self._endpoint_url = endpoint_url
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            if key not in self._clients:
                if self._session is None:
                    self._session = self._factory()
                kwargs: dict[str, Any] = {"region_name": region, "config": CLIENT_CONFIG}
                if self._endpoint_url:
                    kwargs["endpoint_url"] = self._endpoint_url
                self._clients[key] = self._session.client(service, **kwargs)
            return self._clients[key]


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
        try:
            client = self.client(service, region)
            if client.can_paginate(operation):
                return client.get_paginator(operation).paginate(**params).build_full_result()
            return getattr(client, operation)(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
            if code in set(absent):
                return None
            self.fail(service, operation, code, str(error.get("Message") or exc), types, resource, region)
        except (BotoCoreError, NotImplementedError) as exc:
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
        return ResourceView(urn=urn, type=type_, name=name, props=props, region=region or self.region)


def api_name(operation: str) -> str:
    """``describe_security_group_rules`` -> ``DescribeSecurityGroupRules``."""
    return "".join(part.capitalize() for part in operation.split("_"))


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


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
