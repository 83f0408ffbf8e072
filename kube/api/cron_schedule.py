"""Cron schedules as Kubernetes reads `spec.schedule` (robfig/cron's ParseStandard); shared by
CronJob validation and the CronJob controller, so what is accepted is what runs.

Five fields (minute hour day-of-month month day-of-week) with `*`, `?`, lists,
ranges, `/steps` and JAN-DEC / SUN-SAT names, or one of the macros (@yearly,
@annually, @monthly, @weekly, @daily, @midnight, @hourly). When both day fields
are restricted a day matches if either does (cron's rule). A `CRON_TZ=` or `TZ=`
prefix is refused as Kubernetes refuses it: the zone belongs in `spec.timeZone`.

Times are searched in the zone's wall clock: a wall time that does not exist
(spring-forward gap) is skipped, one that happens twice (fall-back) fires once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
_MONTHS = {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
_DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}
# (name, low, high, names)
_FIELDS = (("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day-of-month", 1, 31, {}),
           ("month", 1, 12, _MONTHS), ("day-of-week", 0, 6, _DAYS))
SEARCH_YEARS = 5  # a schedule with no time in this many years (Feb 30) has none


class ScheduleError(ValueError):
    """The schedule cannot be parsed; the message is what validation reports."""


@dataclass(frozen=True)
class Schedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day-of-month was `*` or `?`
    any_weekday: bool
    zone: tzinfo = UTC

    def day_matches(self, moment: datetime) -> bool:
        dom = moment.day in self.days
        dow = (moment.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def matches(self, moment: datetime) -> bool:
        """Whether a time (in the schedule's zone) is one of the schedule's minutes."""
        local = moment.astimezone(self.zone) if moment.tzinfo else moment
        return (local.second == 0 and local.microsecond == 0 and local.minute in self.minutes
                and local.hour in self.hours and local.month in self.months and self.day_matches(local))

    def next(self, after: datetime) -> datetime | None:
        """The first scheduled time strictly after `after` (an aware datetime), or None."""
        wall = after.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0) + timedelta(minutes=1)
        return self._search(wall, after, forward=True)

    def previous(self, at_or_before: datetime) -> datetime | None:
        """The last scheduled time at or before `at_or_before`, or None."""
        wall = at_or_before.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0)
        return self._search(wall, at_or_before, forward=False)

    def _search(self, wall: datetime, bound: datetime, *, forward: bool) -> datetime | None:
        limit_year = wall.year + (SEARCH_YEARS if forward else -SEARCH_YEARS)
        while (wall.year <= limit_year) if forward else (wall.year >= limit_year):
            if wall.month not in self.months:
                wall = _next_month(wall) if forward else wall.replace(day=1, hour=0, minute=0) - timedelta(minutes=1)
            elif not self.day_matches(wall):
                wall = (wall.replace(hour=0, minute=0) + timedelta(days=1)) if forward \
                    else wall.replace(hour=0, minute=0) - timedelta(minutes=1)
            elif wall.hour not in self.hours:
                wall = (wall.replace(minute=0) + timedelta(hours=1)) if forward \
                    else wall.replace(minute=0) - timedelta(minutes=1)
            elif wall.minute not in self.minutes:
                wall += timedelta(minutes=1 if forward else -1)
            else:
                moment = _existing(wall, self.zone)
                if moment is not None and (moment > bound if forward else moment <= bound):
                    return moment.astimezone(UTC)
                wall += timedelta(minutes=1 if forward else -1)
        return None


def _next_month(wall: datetime) -> datetime:
    year, month = (wall.year + 1, 1) if wall.month == 12 else (wall.year, wall.month + 1)
    return datetime(year, month, 1)


def _existing(wall: datetime, zone: tzinfo) -> datetime | None:
    """The aware time of a wall-clock time, None in a DST gap (it does not happen that day)."""
    moment = wall.replace(tzinfo=zone, fold=0)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return moment


def _number(text: str, names: dict[str, int]) -> int:
    if text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ScheduleError(f"failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": invalid syntax")
    return int(text)


def _field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        spec, _, step_text = part.partition("/")
        step = 1
        if step_text or part.endswith("/"):
            step = _number(step_text, {})
            if step == 0:
                raise ScheduleError(f"step of range should be a positive number: {part}")
        if spec in ("*", "?"):
            start, end = low, high
        else:
            first, dash, last = spec.partition("-")
            start = _number(first, names)
            end = _number(last, names) if dash else (high if step_text else start)
        if start < low:
            raise ScheduleError(f"beginning of range ({start}) below minimum ({low}): {part}")
        if end > high:
            raise ScheduleError(f"end of range ({end}) above maximum ({high}): {part}")
        if start > end:
            raise ScheduleError(f"beginning of range ({start}) beyond end of range ({end}): {part}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def parse_schedule(text: str, zone: tzinfo = UTC) -> Schedule:
    """Parse a schedule; raises ScheduleError with the reason."""
    if not isinstance(text, str) or not text.strip():
        raise ScheduleError("empty spec string")
    spec = text.strip()
    if spec.startswith(("TZ=", "CRON_TZ=")):
        raise ScheduleError("cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
    if spec.startswith("@"):
        if spec not in MACROS:
            raise ScheduleError(f"unrecognized descriptor: {spec}")
        spec = MACROS[spec]
    parts = spec.split()
    if len(parts) != 5:
        raise ScheduleError(f"expected exactly 5 fields, found {len(parts)}: [{' '.join(parts)}]")
    sets = [_field(p, *f) for p, f in zip(parts, _FIELDS, strict=True)]
    return Schedule(*sets, any_day=parts[2] in ("*", "?"), any_weekday=parts[4] in ("*", "?"), zone=zone)


def load_zone(name: str | None) -> tzinfo:
    """The zone of `spec.timeZone` (UTC when unset, as the controller-manager runs in UTC);
    raises ScheduleError with the message Kubernetes' validation gives."""
    if name is None:
        return UTC
    if name == "" or name.lower() == "local":
        raise ScheduleError("timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")
    try:
        if name.startswith(("/", ".")) or ".." in name:
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(f"unknown time zone {name}") from None
