"""Report periods: a month, a quarter, a half-year, a year or a custom range of days, in a unit's zone.

A period is a range of calendar days ``[first, last]`` (both included). Its bounds in UTC come from the
unit's zone, so the November report of a WIT office starts at 1 November 00:00 WIT. Every period knows the
one before it (the same length for a custom range), which the report compares against.

Keys (used in URLs, the CLI and the archive): ``2026-11`` (month), ``2026-Q4`` (quarter), ``2026-H2``
(half-year), ``2026`` (year), ``2026-11-03..2026-11-20`` (custom).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date

from humas.core.errors import Invalid
from humas.core.i18n import _, get_locale

PeriodKind = Literal["month", "quarter", "half", "year", "custom"]
KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "half", "year", "custom")
CUSTOM_MAX_DAYS = 366 * 2
YEAR_MIN, YEAR_MAX = 1970, 9000  # a key outside is refused like any unknown key

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_HALF = re.compile(r"^(\d{4})-H([12])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_CUSTOM = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def _month_end(year: int, month: int) -> date:
    return (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    first: date
    last: date
    kind: PeriodKind = "custom"

    # ---- construction -------------------------------------------------------------------------------------
    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), _month_end(year, month), "month")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first_month = 3 * (quarter - 1) + 1
        return cls(date(year, first_month, 1), _month_end(year, first_month + 2), "quarter")

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        first_month = 6 * (half - 1) + 1
        return cls(date(year, first_month, 1), _month_end(year, first_month + 5), "half")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), "year")

    @classmethod
    def custom(cls, first: date, last: date) -> Period:
        if last < first:
            raise Invalid(_("The end of the period must come after its start."), field="period")
        if (last - first).days + 1 > CUSTOM_MAX_DAYS:
            raise Invalid(_("A custom period is at most two years long."), field="period")
        return cls(first, last, "custom")

    @classmethod
    def parse(cls, key: str) -> Period:
        """The period of a key (see the module's docstring for the forms)."""
        text = (key or "").strip()
        found: Period | None = None
        try:
            if m := _MONTH.match(text):
                year, month = int(m[1]), int(m[2])
                if 1 <= month <= 12:
                    found = cls.month(year, month)
            elif m := _QUARTER.match(text):
                found = cls.quarter(int(m[1]), int(m[2]))
            elif m := _HALF.match(text):
                found = cls.half(int(m[1]), int(m[2]))
            elif m := _YEAR.match(text):
                found = cls.year(int(m[1]))
            elif m := _CUSTOM.match(text):
                found = cls.custom(date.fromisoformat(m[1]), date.fromisoformat(m[2]))
        except ValueError:
            pass
        # NOTE: a period at the ends of the calendar has no previous or next one (date arithmetic overflows).
        if found is not None and found.first.year >= YEAR_MIN and found.last.year <= YEAR_MAX:
            return found
        raise Invalid(
            _(
                "Unknown period %(key)s: use 2026-11, 2026-Q4, 2026-H2, 2026 or 2026-11-03..2026-11-20.",
                key=text[:40],
            ),
            field="period",
        )

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> Period:
        """The month, quarter, half-year or year that holds ``day``."""
        if kind == "month":
            return cls.month(day.year, day.month)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == "half":
            return cls.half(day.year, 1 if day.month <= 6 else 2)
        if kind == "year":
            return cls.year(day.year)
        raise Invalid(_("A custom period has no calendar position."), field="period")

    # ---- reading ------------------------------------------------------------------------------------------
    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.first.year:04d}-{self.first.month:02d}"
        if self.kind == "quarter":
            return f"{self.first.year:04d}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "half":
            return f"{self.first.year:04d}-H{1 if self.first.month == 1 else 2}"
        if self.kind == "year":
            return f"{self.first.year:04d}"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def previous(self) -> Period:
        """The period just before: the previous month, quarter, half or year; as many days if custom."""
        if self.kind == "custom":
            last = self.first - timedelta(days=1)
            return Period(last - timedelta(days=self.days - 1), last, "custom")
        return Period.containing(self.kind, self.first - timedelta(days=1))

    def next(self) -> Period:
        if self.kind == "custom":
            first = self.last + timedelta(days=1)
            return Period(first, first + timedelta(days=self.days - 1), "custom")
        return Period.containing(self.kind, self.last + timedelta(days=1))

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """``[start, end)`` in UTC: midnight of the first day to midnight after the last, in ``zone``."""
        utc = ZoneInfo("UTC")
        start = datetime.combine(self.first, time(0), tzinfo=zone).astimezone(utc)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=zone).astimezone(utc)
        return start, end

    def label(self, locale: str | None = None) -> str:
        """How a person reads it: "November 2026", "Triwulan IV 2026", "1–20 November 2026"."""
        loc = locale or get_locale()
        indonesian = loc.startswith("id")
        if self.kind == "month":
            return format_date(self.first, "LLLL y", locale=loc)
        if self.kind == "quarter":
            q = ("I", "II", "III", "IV")[(self.first.month - 1) // 3]
            return (
                f"Triwulan {q} {self.first.year}"
                if indonesian
                else f"Q{(self.first.month - 1) // 3 + 1} {self.first.year}"
            )
        if self.kind == "half":
            h = 1 if self.first.month == 1 else 2
            if indonesian:
                return f"Semester {'I' if h == 1 else 'II'} {self.first.year}"
            return f"{'First' if h == 1 else 'Second'} half {self.first.year}"
        if self.kind == "year":
            return f"Tahun {self.first.year}" if indonesian else str(self.first.year)
        return f"{format_date(self.first, 'long', locale=loc)} – {format_date(self.last, 'long', locale=loc)}"
