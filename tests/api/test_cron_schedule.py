"""Cron parsing as Kubernetes (robfig/cron ParseStandard): fields, names, macros, zones, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kube.api.cron_schedule import ScheduleError, load_zone, parse_schedule

T = datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)  # a Thursday


def times(spec: str, start: datetime = T, n: int = 4, zone: str | None = None) -> list[str]:
    s = parse_schedule(spec, load_zone(zone))
    out, at = [], start
    for _ in range(n):
        at = s.next(at)
        out.append(at.strftime("%Y-%m-%d %H:%M"))
    return out


def test_fields_ranges_steps_lists_and_names() -> None:
    assert times("*/15 * * * *") == ["2026-01-01 00:15", "2026-01-01 00:30", "2026-01-01 00:45", "2026-01-01 01:00"]
    assert times("0 9-17/4 * * *", n=3) == ["2026-01-01 09:00", "2026-01-01 13:00", "2026-01-01 17:00"]
    assert times("5,10 0 * * *", n=3) == ["2026-01-01 00:05", "2026-01-01 00:10", "2026-01-02 00:05"]
    assert times("0 0 * FEB MON", n=2) == ["2026-02-02 00:00", "2026-02-09 00:00"]
    assert times("0 0 * * fri-sat", n=2) == ["2026-01-02 00:00", "2026-01-03 00:00"]
    assert times("30 5/6 * * ?", n=2) == ["2026-01-01 05:30", "2026-01-01 11:30"]


def test_day_of_month_and_week_both_restricted_means_either() -> None:
    assert times("0 0 13 * FRI", n=3) == ["2026-01-02 00:00", "2026-01-09 00:00", "2026-01-13 00:00"]


@pytest.mark.parametrize(("macro", "first"), [
    ("@yearly", "2027-01-01 00:00"), ("@annually", "2027-01-01 00:00"), ("@monthly", "2026-02-01 00:00"),
    ("@weekly", "2026-01-04 00:00"), ("@daily", "2026-01-02 00:00"), ("@midnight", "2026-01-02 00:00"),
    ("@hourly", "2026-01-01 01:00")])
def test_macros(macro: str, first: str) -> None:
    assert times(macro, n=1) == [first]


def test_time_zone_is_the_wall_clock_of_that_zone_across_dst() -> None:
    # 02:30 does not exist in New York on 2026-03-08 (spring forward): that day is skipped
    assert times("30 2 * * *", datetime(2026, 3, 7, 12, tzinfo=UTC), 2, "America/New_York") == [
        "2026-03-09 06:30", "2026-03-10 06:30"]
    # 01:30 happens twice on 2026-11-01 (fall back): it fires once
    assert times("30 1 * * *", datetime(2026, 10, 31, 12, tzinfo=UTC), 2, "America/New_York") == [
        "2026-11-01 05:30", "2026-11-02 06:30"]
    assert times("0 9 * * *", n=1, zone="Asia/Tokyo") == ["2026-01-02 00:00"]  # 09:00 JST is 00:00 UTC


@pytest.mark.parametrize(("spec", "message"), [
    ("", "empty spec string"),
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("* * * * * *", "expected exactly 5 fields, found 6"),
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("* * * * 7", "end of range (7) above maximum (6): 7"),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("*/0 * * * *", "step of range should be a positive number"),
    ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
    ("@often", "unrecognized descriptor: @often"),
    ("TZ=UTC 0 * * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
    ("CRON_TZ=Europe/Paris 0 * * * *", "cannot use TZ or CRON_TZ in schedule"),
])
def test_bad_schedules_say_why(spec: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]").replace("*", r"\*")):
        parse_schedule(spec)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Local", "", "../etc/passwd", "/etc/localtime"])
def test_bad_time_zones(zone: str) -> None:
    with pytest.raises(ScheduleError):
        load_zone(zone)


def _field(low: int, high: int) -> st.SearchStrategy[str]:
    single = st.integers(low, high).map(str)
    ranged = st.tuples(st.integers(low, high), st.integers(low, high), st.integers(1, 7)).map(
        lambda t: f"{min(t[0], t[1])}-{max(t[0], t[1])}/{t[2]}")
    return st.one_of(st.just("*"), single, ranged, st.lists(single, min_size=1, max_size=3).map(",".join))


SPECS = st.tuples(_field(0, 59), _field(0, 23), _field(1, 28), _field(1, 12), _field(0, 6)).map(" ".join)
ZONES = st.sampled_from([None, "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe"])
MOMENTS = st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)).map(lambda d: d.replace(tzinfo=UTC))


@settings(max_examples=150, deadline=None)
@given(SPECS, ZONES, MOMENTS)
def test_next_is_strictly_after_matches_and_nothing_matches_between(spec: str, zone: str | None,
                                                                    moment: datetime) -> None:
    s = parse_schedule(spec, load_zone(zone))
    following = s.next(moment)
    assert following is not None
    assert following > moment and s.matches(following)
    assert s.previous(following) == following
    before = s.previous(following - timedelta(minutes=1))
    assert before is None or before <= moment or not (moment < before < following)
    # nothing in between, checked minute by minute when the gap is short
    if following - moment <= timedelta(hours=3):
        at = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        while at < following:
            assert not s.matches(at) or at.astimezone(s.zone).replace(tzinfo=None) == \
                following.astimezone(s.zone).replace(tzinfo=None)  # a repeated wall minute (fall back)
            at += timedelta(minutes=1)
