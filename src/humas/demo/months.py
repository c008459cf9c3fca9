"""The demo's calendar months: the history it adds covers the two calendar months before the one it is built
in, in each unit's zone, so the previous month's report (and the comparison with the month before) is full
whatever day of the month the demo is built."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

HISTORY_MONTHS = 2


def month_start(day: date, back: int) -> date:
    """The first day of the month ``back`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def history_months(now: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """[start, end) in UTC of each of the two months before ``now``'s month in ``zone``, oldest first."""
    today = now.astimezone(zone).date()
    out = []
    for back in range(HISTORY_MONTHS, 0, -1):
        first, nxt = month_start(today, back), month_start(today, back - 1)
        out.append(
            (
                datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC),
                datetime.combine(nxt, time(0), tzinfo=zone).astimezone(UTC),
            )
        )
    return out


def history_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The first instant of the demo's history: the start of the month before last, in ``zone``."""
    return history_months(now, zone)[0][0]
