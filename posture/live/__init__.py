"""Live collectors: the boto3 inventory of an account as the ``ResourceView``s the rules read.

This is the live adapter of the rule engine (STYLE.md point 3): one module per service area,
each a read-only ``collect(ctx) -> list[ResourceView]`` whose views use the same type tokens and
wire-form props as the offline graph, so ``posture.evaluate.evaluate`` runs the same rule
functions on both and planned-vs-live drift is a diff of two finding lists. ``posture.audit``
runs the collectors; ``coverage`` says which controls they can feed.

Collectors are registered here, explicitly (no registration by import).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from posture.live import (
    addresses,
    apis,
    aws_config,
    backup,
    caches,
    containers,
    database,
    distributions,
    event_buses,
    file_systems,
    functions,
    guardduty,
    identity,
    inspector,
    keys,
    load_balancers,
    logs,
    network,
    queues,
    search_domains,
    secrets,
    security_hub,
    state_machines,
    storage,
    streams,
    tables,
    tasks,
    topics,
    trails,
    waf,
)
from posture.live.base import Context
from posture.resources import ResourceView


@dataclass(frozen=True)
class Collector:
    name: str
    collect: Callable[[Context], list[ResourceView]]
    types: tuple[str, ...]
    """Every type token the collector produces: a collector that crashes leaves all of them unread."""
    scope: str = "regional"
    """``regional`` (run once per audited region) or ``global`` (once per account)."""


COLLECTORS: tuple[Collector, ...] = (
    Collector("network", network.collect, network.TYPES),
    Collector("database", database.collect, database.TYPES),
    Collector("backup", backup.collect, backup.TYPES),
    Collector("keys", keys.collect, keys.TYPES),
    Collector("load-balancers", load_balancers.collect, load_balancers.TYPES),
    Collector("waf", waf.collect, waf.TYPES),
    Collector("trails", trails.collect, trails.TYPES),
    Collector("guardduty", guardduty.collect, guardduty.TYPES),
    Collector("security-hub", security_hub.collect, security_hub.TYPES),
    Collector("config", aws_config.collect, aws_config.TYPES),
    Collector("inspector", inspector.collect, inspector.TYPES),
    Collector("secrets", secrets.collect, secrets.TYPES),
    Collector("tables", tables.collect, tables.TYPES),
    Collector("logs", logs.collect, logs.TYPES),
    Collector("topics", topics.collect, topics.TYPES),
    Collector("queues", queues.collect, queues.TYPES),
    Collector("functions", functions.collect, functions.TYPES),
    Collector("containers", containers.collect, containers.TYPES),
    Collector("file-systems", file_systems.collect, file_systems.TYPES),
    Collector("streams", streams.collect, streams.TYPES),
    Collector("search-domains", search_domains.collect, search_domains.TYPES),
    Collector("state-machines", state_machines.collect, state_machines.TYPES),
    Collector("tasks", tasks.collect, tasks.TYPES),
    Collector("apis", apis.collect, apis.TYPES),
    Collector("caches", caches.collect, caches.TYPES),
    Collector("addresses", addresses.collect, addresses.TYPES),
    Collector("event-buses", event_buses.collect, event_buses.TYPES),
    Collector("storage", storage.collect, storage.TYPES, scope="global"),
    Collector("identity", identity.collect, identity.TYPES, scope="global"),
    Collector("distributions", distributions.collect, distributions.TYPES, scope="global"),
)
