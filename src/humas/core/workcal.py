"""Working-time arithmetic in a unit's time zone: pure, no database.

A `Calendar` holds a zone, the weekly working hours (spans of minutes per weekday, Monday = 0), dated hour
exceptions (Ramadan hours), dated closures (a regional holiday) and, unless turned off, Indonesia's national
holidays and *cuti bersama* from the `holidays` package (categories PUBLIC and GOVERNMENT). Working
intervals are half-open: with 08:00–16:00, 16:00 itself is closed, and a deadline that uses up the day's last
minute falls exactly on 16:00. All arithmetic runs on UTC instants, so it is exact to the microsecond.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DEFAULT_ZONE = "Asia/Jakarta"
# The IANA names a unit may choose: WIB (Jakarta; Pontianak for West and Central Kalimantan), WITA, WIT.
ZONES = ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")
LABELS = {7: "WIB", 8: "WITA", 9: "WIT"}
HOLIDAY_CATEGORIES = ("public", "government")  # government = cuti bersama (joint leave of civil servants)
DAY = 24 * 60
# A calendar with no working time within this many days is refused rather than searched forever.
SEARCH_DAYS = 3 * 366

Span = tuple[int, int]  # minutes from local midnight, start < end <= 1440
ALL_WEEKDAYS = frozenset(range(7))
OFFICE_HOURS: tuple[tuple[Span, ...], ...] = (((8 * 60, 16 * 60),),) * 5 + ((), ())


@dataclass(frozen=True)
class HoursException:
    """Other hours from `first` to `last` (inclusive) on the listed weekdays that are normally working days;
    no spans closes those days."""

    first: date
    last: date
    spans: tuple[Span, ...]
    weekdays: frozenset[int] = ALL_WEEKDAYS
    name: str = ""

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last and day.weekday() in self.weekdays


@dataclass(frozen=True)
class Closure:
    first: date
    last: date
    name: str = ""


@dataclass(frozen=True)
class Calendar:
    """A unit's working calendar; exceptions later in the tuple win over earlier ones on the same day."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_ZONE))
    weekly: tuple[tuple[Span, ...], ...] = OFFICE_HOURS
    exceptions: tuple[HoursException, ...] = ()
    closures: tuple[Closure, ...] = ()
    national_holidays: bool = True
    # Working intervals per local date, computed once per calendar: measures over 100,000 conversations ask
    # for the same days again and again.
    _days: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly hours need 7 weekdays")
        for spans in (*self.weekly, *(e.spans for e in self.exceptions)):
            check_spans(spans)
        if not any(self.weekly):
            raise ValueError("a calendar needs at least one working weekday")

    # --- days --------------------------------------------------------------------------------------

    def closed_because(self, day: date) -> str | None:
        """The name of the holiday or closure that closes a day, or None."""
        for closure in self.closures:
            if closure.first <= day <= closure.last:
                return closure.name or "closed"
        if self.national_holidays:
            return national_holidays(day.year).get(day)
        return None

    def hours_on(self, day: date) -> tuple[Span, ...]:
        """The working spans of a local date (empty: not a working day)."""
        spans = self.weekly[day.weekday()]
        if not spans or self.closed_because(day) is not None:
            return ()
        for exception in reversed(self.exceptions):
            if exception.covers(day):
                return exception.spans
        return spans

    def is_working_day(self, day: date) -> bool:
        return bool(self.hours_on(day))

    def local_date(self, moment: datetime) -> date:
        return _aware(moment).astimezone(self.zone).date()

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of a local date as UTC instants."""
        known = self._days.get(day)
        if known is None:
            midnight = datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)
            # NOTE: midnight + minutes is only right without DST; Indonesia has had none since 1964.
            spans = self.hours_on(day)
            minutes = [(timedelta(minutes=a), timedelta(minutes=b)) for a, b in spans]
            known = tuple((midnight + a, midnight + b) for a, b in minutes)
            if len(self._days) < 20_000:
                self._days[day] = known
        return list(known)

    def _intervals_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals that end after `moment`, in order, without end."""
        day, idle = self.local_date(moment), 0
        while True:
            found = [(s, e) for s, e in self.intervals(day) if e > moment]
            idle = 0 if found else idle + 1
            if idle > SEARCH_DAYS:
                raise ValueError(f"no working time within {SEARCH_DAYS} days of {day.isoformat()}")
            yield from found
            day += timedelta(days=1)

    # --- moments -----------------------------------------------------------------------------------

    def is_working_time(self, moment: datetime) -> bool:
        moment = _aware(moment)
        return any(s <= moment < e for s, e in self.intervals(self.local_date(moment)))

    def next_working_time(self, moment: datetime) -> datetime:
        """The moment itself if it is working time, else the start of the next working interval."""
        moment = _aware(moment)
        start, _end = next(self._intervals_from(moment))
        return max(start, moment)

    def add_working_time(self, moment: datetime, amount: timedelta) -> datetime:
        """The moment at which `amount` of working time has passed since `moment` (UTC)."""
        if amount < timedelta(0):
            raise ValueError("the working time to add must not be negative")
        moment = _aware(moment).astimezone(UTC)
        if not amount:
            return moment
        left = amount
        for start, end in self._intervals_from(moment):
            start = max(start, moment)
            if end - start >= left:
                return start + left
            left -= end - start
        raise AssertionError("unreachable")  # pragma: no cover - _intervals_from never ends

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        return self.add_working_time(moment, timedelta(hours=hours))

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """The end of the `days`-th working day after the moment's local date (0: the moment itself).

        "2 working days" from a complaint received on Monday is due at the close of Wednesday.
        """
        if days < 0:
            raise ValueError("the working days to add must not be negative")
        moment = _aware(moment).astimezone(UTC)
        if days == 0:
            return moment
        day, seen = self.local_date(moment), 0
        for _step in range(days * 7 + SEARCH_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                seen += 1
                if seen == days:
                    return self.intervals(day)[-1][1]
        raise ValueError(f"no working day within {SEARCH_DAYS} days of {day.isoformat()}")

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time within [start, end) (zero when end is not after start)."""
        start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
        total = timedelta(0)
        day = self.local_date(start)
        while day <= self.local_date(end):
            for s, e in self.intervals(day):
                overlap = min(e, end) - max(s, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days whose local date is after the start's, up to the end (exclusive: a day that closes
        at 24:00 ends at the next midnight)."""
        first, last = self.local_date(start), self.local_date(_aware(end) - timedelta(microseconds=1))
        return sum(self.is_working_day(first + timedelta(days=i)) for i in range(1, (last - first).days + 1))


# --- helpers -------------------------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a moment needs a time zone (naive datetimes are ambiguous)")
    return moment


@lru_cache(maxsize=64)
def national_holidays(year: int) -> Mapping[date, str]:
    """Indonesia's national holidays and *cuti bersama* of a year (names in Indonesian)."""
    found = holidays.country_holidays("ID", categories=HOLIDAY_CATEGORIES, years=year, language="id")
    return dict(found)


def zone_of(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or DEFAULT_ZONE)


def zone_label(zone: ZoneInfo | str, at: datetime | None = None) -> str:
    """WIB, WITA or WIT for an Indonesian zone; other zones their own abbreviation."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    moment = (at or datetime.now(UTC)).astimezone(tz)
    offset = moment.utcoffset() or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    return LABELS.get(hours, moment.tzname() or "UTC") if not rest else (moment.tzname() or "UTC")


def check_spans(spans: Sequence[Span]) -> None:
    """Spans must be within a day, each non-empty, in order and not overlapping."""
    last_end = -1
    for start, end in spans:
        if not 0 <= start < end <= DAY:
            raise ValueError(f"a span must lie within the day: {start}-{end}")
        if start < last_end:
            raise ValueError("spans must be in order and must not overlap")
        last_end = end


SPAN = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_spans(text: str) -> tuple[Span, ...]:
    """ "08:00-12:00, 13:00-16:30" → ((480, 720), (780, 990)); empty text → () (closed)."""
    spans: list[Span] = []
    for part in (p for p in re.split(r"[,;]", text or "") if p.strip()):
        match = SPAN.match(part)
        if match is None:
            raise ValueError(f"not a span of hours (HH:MM-HH:MM): {part.strip()[:40]}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if m1 > 59 or m2 > 59 or h1 > 23 or h2 > 24 or (h2 == 24 and m2):
            raise ValueError(f"not a time of day: {part.strip()[:40]}")
        spans.append((h1 * 60 + m1, h2 * 60 + m2))
    spans.sort()
    check_spans(spans)
    return tuple(spans)


def format_spans(spans: Sequence[Span]) -> str:
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in spans)
