"""How often an AWS schedule expression fires, for controls that need "at least every N days".

Secrets Manager rotation takes ``rate(N days)``, ``rate(N hours)`` or a six-field
``cron(minutes hours day-of-month month day-of-week year)``; AWS Backup takes the same cron
(and EventBridge's ``rate()``). A cron is judged by the days it fires on: every day of a 28-year
cycle (every weekday/date combination, leap years included) is tested against its day, month and
weekday fields, and the longest gap between two firing days is the answer. A year field that
leaves out any year from now to AWS's last (2199) makes the gap infinite: the schedule stops, or
waits years, which is what ``cron(0 3 1 1 ? 2099)`` does. ``next_run`` names the next firing
time, for messages. Anything this module cannot read exactly (an unsupported token) gives
``None``: a caller must then answer UNKNOWN, never pass.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$", re.IGNORECASE)
_CRON = re.compile(r"^cron\((.*)\)$", re.IGNORECASE)
_MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
"""AWS cron numbers weekdays 1 (Sunday) to 7 (Saturday)."""
_CYCLE_START, _CYCLE_YEARS = date(2024, 1, 1), 28
"""The Gregorian calendar repeats its weekday/date pattern every 28 years between 1901 and 2099."""
_LAST_YEAR = 2199
"""The last year an AWS cron year field accepts."""


class ScheduleError(ValueError):
    """The expression uses a form this module does not evaluate exactly."""


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """The numbers a cron field selects: ``*``, ``a``, ``a-b``, ``a/n``, ``a-b/n``, ``*/n`` and lists."""
    found: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ScheduleError(f"step {step_text!r}")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = _number(first, names), _number(last, names)
        else:
            start = _number(base, names)
            end = high if step else start
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise ScheduleError(f"{part!r} outside {low}-{high}")
        found.update(range(start, end + 1, step or 1))
    return found


def _number(text: str, names: dict[str, int] | None) -> int:
    if text.isdigit():
        return int(text)
    if names and text.upper() in names:
        return names[text.upper()]
    raise ScheduleError(f"{text!r}")


def _nth_weekday(day: date) -> int:
    return (day.day - 1) // 7 + 1


def _day_matcher(day_of_month: str, day_of_week: str):
    """A predicate on dates for the two day fields (exactly one of them is ``?`` in AWS cron)."""
    if day_of_month != "?" and day_of_week != "?":
        raise ScheduleError("AWS cron needs ? in day-of-month or day-of-week")
    if day_of_week == "?":
        if day_of_month == "L":
            return lambda d: d.day == calendar.monthrange(d.year, d.month)[1]
        if day_of_month in ("*",):
            return lambda d: True
        days = _values(day_of_month, 1, 31)
        return lambda d: d.day in days
    if day_of_week == "*":
        return lambda d: True
    nth = re.fullmatch(r"([A-Za-z]{3}|[1-7])#([1-5])", day_of_week)
    if nth:
        weekday, n = _number(nth.group(1), _WEEKDAYS), int(nth.group(2))
        return lambda d: _weekday(d) == weekday and _nth_weekday(d) == n
    last = re.fullmatch(r"([A-Za-z]{3}|[1-7])L", day_of_week)
    if last:
        weekday = _number(last.group(1), _WEEKDAYS)
        return lambda d: _weekday(d) == weekday and (d + timedelta(days=7)).month != d.month
    weekdays = _values(day_of_week, 1, 7, _WEEKDAYS)
    return lambda d: _weekday(d) in weekdays


def _weekday(day: date) -> int:
    return (day.isoweekday() % 7) + 1  # Monday=1..Sunday=7 -> Sunday=1..Saturday=7


@dataclass(frozen=True)
class _Cron:
    minutes: set[int]
    hours: set[int]
    months: set[int]
    years: set[int]
    fires_on: Callable[[date], bool]

    def fires(self, day: date) -> bool:
        return day.year in self.years and day.month in self.months and self.fires_on(day)


def _cron(text: str) -> _Cron | None:
    cron = _CRON.match(text)
    if not cron:
        return None
    fields = cron.group(1).split()
    if len(fields) != 6:
        return None
    minutes, hours, day_of_month, month, day_of_week, year = fields
    try:
        return _Cron(_values(minutes, 0, 59), _values(hours, 0, 23), _values(month, 1, 12, _MONTHS),
                     _values(year, 1970, _LAST_YEAR), _day_matcher(day_of_month, day_of_week))
    except (ScheduleError, ValueError):
        return None


def longest_gap_days(expression: str, today: date | None = None) -> float | None:
    """The longest time between two runs from ``today`` on, in days (infinite if it never runs
    again or skips years); None when the expression cannot be read exactly."""
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        amount, unit = int(rate.group(1)), rate.group(2).lower()
        if amount == 0:
            return None
        return float(amount) if unit.startswith("day") else amount / 24
    cron = _cron(text)
    if cron is None:
        return None
    this_year = (today or datetime.now(UTC).date()).year
    if not set(range(this_year, _LAST_YEAR + 1)) <= cron.years:
        return float("inf")
    return _cycle_gap(text)


@functools.lru_cache(maxsize=256)
def _cycle_gap(text: str) -> float:
    """Cached: a stack repeats a handful of schedules across thousands of plans and rotations."""
    cron = _cron(text)
    assert cron is not None
    last: date | None = None
    first: date | None = None
    longest = 0
    day, end = _CYCLE_START, date(_CYCLE_START.year + _CYCLE_YEARS, 1, 1)
    while day < end:
        if day.month in cron.months and cron.fires_on(day):
            if last is not None:
                longest = max(longest, (day - last).days)
            first = first or day
            last = day
        day += timedelta(days=1)
    if first is None or last is None:
        return float("inf")  # never fires (30 February): nothing ever runs
    # The cycle repeats: the gap from the last run back round to the first counts too.
    longest = max(longest, (first - _CYCLE_START).days + (end - last).days)
    return float(longest)


def next_run(expression: str, after: datetime) -> datetime | None:
    """When a cron schedule next fires after ``after`` (UTC), None when it never does again or
    is not a cron this module reads."""
    cron = _cron(expression.strip())
    if cron is None:
        return None
    day = after.date()
    for year in sorted(y for y in cron.years if y >= day.year):
        current = max(day, date(year, 1, 1))
        while current.year == year:
            if current.month in cron.months and cron.fires_on(current):
                for hour in sorted(cron.hours):
                    for minute in sorted(cron.minutes):
                        moment = datetime(current.year, current.month, current.day, hour, minute, tzinfo=UTC)
                        if moment > after:
                            return moment
            current += timedelta(days=1)
    return None
