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
