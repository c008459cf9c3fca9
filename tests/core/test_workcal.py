"""Working-time arithmetic: property tests over random moments, amounts and calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from humas.core.workcal import (
    ZONES,
    Calendar,
    Closure,
    HoursException,
    format_spans,
    parse_spans,
    zone_label,
)

MAKASSAR, JAYAPURA, JAKARTA = ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura"), ZoneInfo("Asia/Jakarta")
FIRST, LAST = date(2026, 2, 18), date(2026, 3, 19)  # Ramadan 1447
RAMADAN_2026 = HoursException(FIRST, LAST, ((8 * 60, 15 * 60),), frozenset(range(4)))
RAMADAN_FRIDAY = HoursException(FIRST, LAST, ((8 * 60, 15 * 60 + 30),), frozenset({4}))

moments = st.datetimes(datetime(2025, 12, 1), datetime(2027, 1, 31), timezones=st.just(UTC))
spans = st.lists(st.integers(0, 1440), min_size=0, max_size=4, unique=True).map(
    lambda xs: tuple(zip(sorted(xs)[::2], sorted(xs)[1::2], strict=False))
)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    weekly = [draw(spans) for _ in range(7)]
    if not any(weekly):
        weekly[0] = ((8 * 60, 16 * 60),)
    closures = tuple(
        Closure(d, d + timedelta(days=draw(st.integers(0, 3))), "regional")
        for d in draw(st.lists(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=3))
    )
    exceptions = (RAMADAN_2026, RAMADAN_FRIDAY) if draw(st.booleans()) else ()
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    return Calendar(zone=zone, weekly=tuple(weekly), exceptions=exceptions, closures=closures)


@settings(max_examples=300, deadline=None)
@given(cal=calendars(), start=moments, minutes=st.integers(0, 60 * 200))
def test_adding_then_counting_gives_back_the_amount(cal: Calendar, start: datetime, minutes: int) -> None:
    amount = timedelta(minutes=minutes, microseconds=minutes % 7)
    due = cal.add_working_time(start, amount)
    assert due >= start
    assert cal.working_time_between(start, due) == amount


@settings(max_examples=300, deadline=None)
@given(cal=calendars(), start=moments, minutes=st.integers(1, 60 * 200))
def test_a_deadline_never_lands_in_a_closed_period(cal: Calendar, start: datetime, minutes: int) -> None:
    due = cal.add_working_time(start, timedelta(minutes=minutes))
    # The deadline is inside working time or exactly at the close of a working interval.
    assert cal.is_working_time(due - timedelta(microseconds=1))
    assert cal.is_working_day(cal.local_date(due - timedelta(microseconds=1)))


@settings(max_examples=200, deadline=None)
@given(cal=calendars(), start=moments, days=st.integers(0, 60))
def test_working_days_added_are_counted_back(cal: Calendar, start: datetime, days: int) -> None:
    due = cal.add_working_days(start, days)
    assert cal.working_days_between(start, due) == days
    if days:
        last_day = cal.local_date(due - timedelta(microseconds=1))
        assert cal.intervals(last_day)[-1][1] == due  # the close of that working day


def test_cuti_bersama_2026_are_not_working_days() -> None:
    joint = holidays.country_holidays("ID", categories=("government",), years=2026)
    weekdays = [d for d in joint if d.weekday() < 5]
    assert len(weekdays) >= 5, joint  # the package knows 2026's joint leave days
    cal = Calendar()
    for day in weekdays:
        assert not cal.is_working_day(day), day
        assert not cal.is_working_time(datetime(day.year, day.month, day.day, 10, tzinfo=JAKARTA))
    # Without the national calendar the same weekdays would be working days.
    assert all(Calendar(national_holidays=False).is_working_day(d) for d in weekdays)


def test_hours_across_a_holiday_weekend() -> None:
    # Thursday 14 May 2026 (Ascension) and Friday 15 May (cuti bersama), then the weekend.
    cal = Calendar(zone=MAKASSAR)
    wednesday_3pm = datetime(2026, 5, 13, 15, tzinfo=MAKASSAR)
    due = cal.add_working_hours(wednesday_3pm, 4)
    assert due == datetime(2026, 5, 18, 11, tzinfo=MAKASSAR)  # 1 h on Wednesday, 3 h on Monday
    assert cal.working_time_between(wednesday_3pm, due) == timedelta(hours=4)
    assert cal.add_working_days(wednesday_3pm, 1) == datetime(2026, 5, 18, 16, tzinfo=MAKASSAR)


@pytest.mark.parametrize(
    ("zone", "label", "utc_hour"), [(JAKARTA, "WIB", 1), (MAKASSAR, "WITA", 0), (JAYAPURA, "WIT", 23)]
)
def test_zones_have_fixed_offsets_all_year(zone: ZoneInfo, label: str, utc_hour: int) -> None:
    cal = Calendar(zone=zone)
    for month in range(1, 13):
        at = datetime(2026, month, 1, tzinfo=UTC)
        assert zone_label(zone, at) == label
        assert (at.astimezone(zone).utcoffset() or timedelta()).total_seconds() % 3600 == 0
    # 08:00 local opens the day: 01:00 UTC in WIB, 00:00 in WITA, 23:00 the day before in WIT.
    opening = cal.next_working_time(datetime(2026, 7, 5, 12, tzinfo=UTC))  # Sunday evening everywhere
    assert opening.astimezone(zone).hour == 8
    assert opening.astimezone(UTC).hour == utc_hour
    assert zone_label(ZoneInfo("Asia/Pontianak")) == "WIB"


def test_ramadan_hours_and_closures() -> None:
    closure = Closure(date(2026, 3, 2), date(2026, 3, 2), "Hari jadi provinsi")
    cal = Calendar(exceptions=(RAMADAN_2026, RAMADAN_FRIDAY), closures=(closure,))
    assert cal.hours_on(date(2026, 3, 3)) == ((480, 900),)  # a Ramadan Tuesday
    assert cal.hours_on(date(2026, 3, 6)) == ((480, 930),)  # a Ramadan Friday
    assert cal.hours_on(date(2026, 3, 7)) == ()  # Saturday stays closed
    assert cal.hours_on(date(2026, 4, 7)) == ((480, 960),)  # after Ramadan
    assert cal.closed_because(date(2026, 3, 2)) == "Hari jadi provinsi"
    assert cal.closed_because(date(2026, 8, 17)) is not None  # Independence Day


def test_spans_parse_and_refuse_bad_input() -> None:
    assert parse_spans("13:00-16:30, 08:00-12:00") == ((480, 720), (780, 990))
    assert parse_spans(" ") == ()
    assert format_spans(parse_spans("7.30-24:00")) == "07:30-24:00"
    for bad in ("8-16", "08:00-07:00", "08:00-12:00, 11:00-13:00", "25:00-26:00", "08:60-09:00"):
        with pytest.raises(ValueError):
            parse_spans(bad)
    with pytest.raises(ValueError):
        Calendar(weekly=((),) * 7)
    with pytest.raises(ValueError):
        Calendar().add_working_hours(datetime(2026, 1, 1, 9), 1)  # naive
