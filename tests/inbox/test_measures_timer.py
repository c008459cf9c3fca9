"""The measures' working-time counter equals the calendar's own, day intervals cached or not."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from humas.core.workcal import Calendar, Closure
from humas.inbox.service.measures import _Timer


def test_timer_equals_working_time_between():
    rng = random.Random(7)
    for zone in ("Asia/Jakarta", "Asia/Jayapura"):
        calendar = Calendar(
            zone=ZoneInfo(zone), closures=(Closure(date(2026, 12, 3), date(2026, 12, 4), "x"),)
        )
        timer = _Timer(calendar)
        for _ in range(300):
            start = datetime(2026, 11, 20, tzinfo=UTC) + timedelta(minutes=rng.randrange(60 * 24 * 40))
            end = start + timedelta(minutes=rng.randrange(60 * 24 * 12))
            assert timer.hours(start, end) == calendar.working_time_between(start, end) / timedelta(hours=1)
        assert timer.hours(end, start) is None and timer.hours(start, None) is None


def test_spans_from_one_start_to_several_ends():
    calendar = Calendar()
    timer = _Timer(calendar)
    start = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # Friday 15:00 WIB
    first, resolved, earlier, missing = timer.spans_from(
        start, start + timedelta(days=3), start + timedelta(days=4), start - timedelta(hours=1), None
    )
    three, four = timer.hours(start, start + timedelta(days=3)), timer.hours(start, start + timedelta(days=4))
    assert (first, resolved, earlier, missing) == (three, four, None, None)
    assert first == calendar.working_time_between(start, start + timedelta(days=3)) / timedelta(hours=1)
