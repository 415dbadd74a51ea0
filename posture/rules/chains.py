"""Alarms that can fire: the chain from a recorded event to a person being told (APP-4, BANK-4).

Each link is checked where it joins the next, because every link can be right on its own while
the chain is broken: the trail must record the event (management events unfiltered) and deliver
to the log group the metric filter sits on; the filter's pattern must name the event; an alarm on
the filter's metric must fire on one matching event (statistic, comparison, threshold, datapoints,
dimensions, unit); and it must notify a topic someone is subscribed to. A failure names the first
broken link as ``evidence``, hop by hop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from posture.findings import Verdict
from posture.resources import UNKNOWN, ResourceView
from posture.rules.graph import Graph, graph
from posture.rules.results import RuleResult, each, failed, scope
from posture.rules.tokens import (
    GUARDDUTY_FILTER,
    LOG_GROUP,
    LOG_METRIC_FILTER,
    METRIC_ALARM,
    SECURITY_HUB_AUTOMATION_RULE,
    SNS_TOPIC,
    SNS_TOPIC_SUBSCRIPTION,
    TRAIL,
)
from posture.rules.values import Reference, as_bool, as_int, plain, props

ONE_EVENT_STATISTICS = frozenset({"Sum", "Maximum", "SampleCount"})
"""Statistics that reach the filter's value when one event matches, whatever else the period holds.
Average and Minimum do too when the filter publishes nothing for non-matching events (no
``defaultValue``)."""


@dataclass(frozen=True)
class Link:
    """A broken link: the resource where it breaks, the property, what it is, why and what it should be."""

    resource: ResourceView
    path: str
    value: object
    problem: str
    expected: str


def management_gap(trail: ResourceView) -> str | None:
    """Why ``trail`` misses some management events (None when it records them all, read and write)."""
    p = props(trail)
    if as_bool(p.get("enableLogging")) is False:
        return "logging is off (enableLogging false): it records nothing"
    advanced = p.get("advancedEventSelectors")
    if advanced is not None and len(advanced):
        narrowed = []
        for selector in advanced:
            fields = {str(f.get("field")): plain(f) for f in selector.get("fieldSelectors") or []}
            category = fields.get("eventCategory") or {}
            if category.get("equals") != ["Management"]:
                continue
            extra = {k: {op: v for op, v in f.items() if op != "field"} for k, f in fields.items()
                     if k != "eventCategory"}
            if not extra:
                return None
            narrowed.append(f"selector {selector.get('name') or '?'!r} keeps only {extra}")
        if narrowed:
            return "no advanced event selector records every management event: " + "; ".join(narrowed)
        return "no advanced event selector records management events (eventCategory=Management)"
    basic = p.get("eventSelectors")
    if basic is not None and len(basic):
        for selector in basic:
            if as_bool(selector.get("includeManagementEvents")) is not False and \
                    str(selector.get("readWriteType") or "All") == "All" and \
                    not len(selector.get("excludeManagementEventSources") or []):
                return None
        return "no event selector records every management event (include_management_events with " \
               "read_write_type All and no excluded event sources)"
    return None  # no selectors: CloudTrail's default records every management event


def _log_group_ref(trail: ResourceView) -> Reference | None:
    """The trail's log group: CloudTrail takes the group ARN with a ``:*`` suffix."""
    ref = props(trail).ref("cloudWatchLogsGroupArn")
    if ref is None or ref.value is UNKNOWN:
        return ref
    return Reference(str(ref.value).removesuffix(":*"), ref.sources, ref.path)


class AlarmChains:
    """The stack's trails, filters, alarms and subscribed topics, indexed once per evaluation."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.fed: dict[str, ResourceView] = {}
        """Log group URN -> a trail recording every management event into it."""
        self.trail_breaks: list[Link] = []
        for trail in g.of_type(TRAIL):
            gap = management_gap(trail)
            ref = _log_group_ref(trail)
            group = g.resolve(ref, LOG_GROUP) if ref is not None else None
            if gap:
                self.trail_breaks.append(Link(trail, "advancedEventSelectors", None, f"the trail {gap}",
                                              "selectors that include every management event, read and write"))
            elif group is None:
                self.trail_breaks.append(Link(trail, "cloudWatchLogsGroupArn", ref and ref.value, "the trail delivers "
                                              f"to no CloudWatch Logs group {scope().here}, so no metric filter sees "
                                              "its events", f"the alarms' log group, {scope().declared}"))
            elif not props(trail).is_set("cloudWatchLogsRoleArn"):
                self.trail_breaks.append(Link(trail, "cloudWatchLogsRoleArn", None, "CloudTrail has no role to "
                                              "write to the log group", "a role CloudTrail assumes to write to the log group"))
            else:
                self.fed.setdefault(group.urn, trail)
        self.alarms: dict[tuple[str, str], list[ResourceView]] = {}
        for alarm in g.of_type(METRIC_ALARM):
            p = props(alarm)
            self.alarms.setdefault((str(p.get("namespace")), str(p.get("metricName"))), []).append(alarm)
        self.subscribed: dict[str, ResourceView] = {}
        for subscription in g.of_type(SNS_TOPIC_SUBSCRIPTION):
            topic = g.resolve(props(subscription).ref("topic"), SNS_TOPIC)
            if topic is not None:
                self.subscribed.setdefault(topic.urn, subscription)

    def filters(self, matches: Callable[[str], bool]) -> list[ResourceView]:
        return [f for f in self.g.of_type(LOG_METRIC_FILTER) if matches(str(props(f).get("pattern") or "").lower())]

    def follow(self, metric_filter: ResourceView) -> tuple[list[str], Link | None]:
        """The hops from the trail to a subscriber through ``metric_filter``, and the first broken link."""
        g, p = self.g, props(metric_filter)
        group = g.resolve(p.ref("logGroupName"), LOG_GROUP)
        trail = self.fed.get(group.urn) if group is not None else None
        if trail is None:
            if self.trail_breaks and group is not None and not self.fed:
                return [], self.trail_breaks[0]
            where = group.name if group is not None else show_ref(p.ref("logGroupName"))
            fed = ", ".join(sorted(g.by_urn[u].name for u in self.fed)) or "no log group"
            return [], Link(metric_filter, "logGroupName", where, f"the filter sits on log group {where}, which no "
                            f"trail recording every management event delivers to (the trails deliver to {fed})",
                            "the log group of a trail recording every management event")
        hops = [f"trail {trail.name} records every management event and delivers to log group {group.name}",
                f"metric filter {metric_filter.name} on {group.name} matches the pattern"]
        transform = p.get("metricTransformation")
        key = (str(transform.get("namespace")), str(transform.get("name"))) if transform is not None else ("", "")
        alarms = self.alarms.get(key, [])
        if not alarms:
            return hops, Link(metric_filter, "metricTransformation", f"{key[0]}/{key[1]}", "no alarm watches the "
                              "filter's metric", "a metric an alarm watches (same namespace and metric name)")
        broken: Link | None = None
        for alarm in alarms:
            link = self._alarm_break(alarm, transform)
            if link is None:
                link, subscription = self._notifies(alarm)
                if link is None:
                    return [*hops, f"alarm {alarm.name} fires on one matching event",
                            f"alarm {alarm.name} notifies a topic subscribed by {subscription.name}"], None
                return [*hops, f"alarm {alarm.name} fires on one matching event"], link
            broken = broken or link
        return hops, broken

    def _alarm_break(self, alarm: ResourceView, transform) -> Link | None:
        p = props(alarm)
        if as_bool(p.get("actionsEnabled")) is False:
            return Link(alarm, "actionsEnabled", False, "the alarm's actions are disabled", "true")
        try:
            value = float(str(transform.get("value")))
        except ValueError:
            return Link(alarm, "metricTransformation.value", transform.get("value"), "the filter publishes a value "
                        "taken from the event, so whether one event crosses the threshold cannot be told",
                        '"1" per matching event')
        statistic = p.get("statistic")
        if statistic not in ONE_EVENT_STATISTICS and not (statistic in ("Average", "Minimum")
                                                          and transform.get("defaultValue") is None):
            return Link(alarm, "statistic", statistic or p.get("extendedStatistic"), "one matching event need not "
                        "move this statistic to the filter's value", "Sum")
        if statistic == "SampleCount":
            value = 1.0
        operator, threshold = p.get("comparisonOperator"), float(p.get("threshold") or 0)
        fires = (operator == "GreaterThanOrEqualToThreshold" and threshold <= value) or \
                (operator == "GreaterThanThreshold" and threshold < value)
        if not fires:
            return Link(alarm, "threshold", f"{operator} {threshold:g}", f"one matching event gives {value:g}: the "
                        "alarm never fires on it", "GreaterThanOrEqualToThreshold 1")
        datapoints = as_int(p.get("datapointsToAlarm")) or as_int(p.get("evaluationPeriods")) or 1
        if datapoints > 1:
            return Link(alarm, "datapointsToAlarm", datapoints, f"{datapoints} breaching periods are needed: one "
                        "event raises nothing", "1 (one breaching period)")
        dimensions = p.get("dimensions")
        if dimensions is not None and len(dimensions) and transform.get("dimensions") is None:
            return Link(alarm, "dimensions", dimensions, "the filter publishes its metric without dimensions, so "
                        "this alarm watches a series that never gets data", "none, as the filter publishes none")
        unit = p.get("unit")
        if unit is not None and unit != (transform.get("unit") or "None"):
            return Link(alarm, "unit", unit, "the filter publishes no data in this unit, so the alarm never sees "
                        "its events", "unset, or the unit the filter publishes")
        return None

    def _notifies(self, alarm: ResourceView) -> tuple[Link | None, ResourceView | None]:
        refs = props(alarm).refs("alarmActions")
        topics = self.g.resolve_all(refs, SNS_TOPIC) if refs else []
        for topic in topics:
            if topic.urn in self.subscribed:
                return None, self.subscribed[topic.urn]
        if not topics:
            return Link(alarm, "alarmActions", [show_ref(r) for r in refs] or None, f"the alarm notifies no topic "
                        f"{scope().here}", f"an SNS topic {scope().declared}"), None
        return Link(topics[0], "subscriptions", None, f"alarm {alarm.name} publishes to topic {topics[0].name}, "
                    "which nobody is subscribed to: nobody is told", "at least one subscriber "
                    "(the security team)"), None


def show_ref(ref: Reference | None) -> object:
    if ref is None:
        return None
    return "not known until deploy" if ref.value is UNKNOWN else ref.value


def judge(chains: AlarmChains, what: str, matches: Callable[[str], bool], expected: str) -> RuleResult:
    """The verdict for one alarm ``what`` (a CIS item, the bank token): passes when any filter
    matching it completes the chain; else fails at the link the most complete attempt broke."""
    best: tuple[list[str], Link] | None = None
    for metric_filter in chains.filters(matches):
        hops, link = chains.follow(metric_filter)
        if link is None:
            return RuleResult(Verdict.PASS, f"{what}: {hops[-1]}", None, evidence=tuple(hops))
        if best is None or len(hops) > len(best[0]):
            best = (hops, link)
    if best is None:
        return RuleResult(Verdict.FAIL, f"{what}: no metric filter's pattern names its events", None,
                          path="pattern", observed="not set", expected=expected,
                          evidence=(f"no metric filter pattern matches {what}",))
    hops, link = best
    result = failed(link.resource, link.path, link.value, f"{what}: {link.problem}", link.expected)
    return dataclasses.replace(result, evidence=(*hops, f"broken: {link.resource.name}.{link.path}: {link.problem}"))


def alarm_chains(resources: Sequence[ResourceView]) -> AlarmChains:
    return AlarmChains(graph(resources))


# --- findings stay visible -----------------------------------------------------------------------

GUARDDUTY_NARROWING_FIELDS = ("type", "resource.", "service.action.", "id")
"""Criteria that name particular findings (a finding type, a resource, a caller): an archive or
suppression rule keyed on one of them with ``equals`` silences a known false positive, not a class."""
SECURITY_HUB_NARROWING_CRITERIA = frozenset({
    "awsAccountIds", "complianceSecurityControlIds", "generatorIds", "ids", "resourceIds", "titles", "types"})
"""Security Hub automation criteria that single out findings when compared with EQUALS (awsAccountId
as well: a rule for one sandbox account)."""
LOWERED_SEVERITIES = frozenset({"INFORMATIONAL", "LOW"})
HIDDEN_WORKFLOWS = frozenset({"SUPPRESSED", "RESOLVED"})


def _guardduty_filter_break(flt: ResourceView) -> str | None:
    p = props(flt)
    if str(p.get("action") or "NOOP").upper() != "ARCHIVE":
        return None
    criteria = p.get("findingCriteria")
    criterions = (criteria.get("criterions") or []) if criteria is not None else []
    narrowing = [str(c.get("field")) for c in criterions if len(c.get("equals") or [])
                 and str(c.get("field")).startswith(GUARDDUTY_NARROWING_FIELDS)]
    if narrowing:
        return None
    fields = [str(c.get("field")) for c in criterions] or ["none"]
    return f"archives every finding its criteria ({', '.join(fields)}) admit, not named finding types or resources"


def _automation_rule_break(rule: ResourceView) -> str | None:
    p = props(rule)
    if str(p.get("ruleStatus") or "ENABLED").upper() != "ENABLED":
        return None
    hides = []
    for action in p.get("actions") or []:
        update = action.get("findingFieldsUpdate")
        if update is None:
            continue
        workflow, severity = update.get("workflow"), update.get("severity")
        status = str(workflow.get("status")) if workflow is not None and workflow.get("status") else None
        if status in HIDDEN_WORKFLOWS:
            hides.append(f"sets workflow status {status}")
        label = str(severity.get("label")) if severity is not None and severity.get("label") else None
        normalized = as_int(severity.get("normalized")) if severity is not None else None
        if label in LOWERED_SEVERITIES or (normalized is not None and normalized < 40):
            hides.append(f"lowers severity to {label or normalized}")
    if not hides:
        return None
    criteria = p.get("criteria")
    named = [key for key in sorted(SECURITY_HUB_NARROWING_CRITERIA) if criteria is not None and any(
        str(c.get("comparison")).upper() == "EQUALS" for c in criteria.get(key) or [])]
    if named:
        return None
    keys = sorted(k for k in (criteria or {}) if criteria.get(k) is not None) if criteria is not None else []
    return f"{' and '.join(hides)} for every finding its criteria ({', '.join(keys) or 'none'}) admit"


def findings_disallow_broad_suppression(resources: Sequence[ResourceView]) -> list[RuleResult]:
    g = graph(resources)
    results: list[RuleResult] = []
    checks = ((GUARDDUTY_FILTER, _guardduty_filter_break, "findingCriteria",
               "an equals criterion on type, resource.*, service.action.* or id (named findings only)"),
              (SECURITY_HUB_AUTOMATION_RULE, _automation_rule_break, "criteria",
               "an EQUALS criterion on generatorIds, resourceIds, types, titles, ids, "
               "complianceSecurityControlIds or awsAccountIds (named findings only)"))
    for kind, check, path, expected in checks:
        def one(resource: ResourceView, check=check, path=path, expected=expected) -> RuleResult:
            problem = check(resource)
            if problem is None:
                return RuleResult(Verdict.PASS, f"{resource.name}: silences only named findings", resource.urn)
            return failed(resource, path, props(resource).get(path), f"{problem}: high and critical findings "
                          "disappear before anyone reads them", expected)
        results.extend(each(g.of_type(kind), one))
    if not results:
        return [RuleResult(Verdict.NOT_APPLICABLE, "no GuardDuty filter or Security Hub automation rule", None)]
    return results
