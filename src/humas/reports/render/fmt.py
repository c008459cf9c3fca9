"""How a report value is shown: one formatter for the PDF, the XLSX headers, the CSV and the web page.

Babel does the locale work: ``1.234,5`` and ``87,5%`` in Indonesian, ``1,234.5`` and ``87.5%`` in English;
dates as ``1 Desember 2026``; times in the report's zone with its label (WIB, WITA, WIT).
A missing value is an em dash. Values that do not fit their kind (a text in a count column) are shown as
text rather than refused: a report never fails to render because one cell is odd.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal, format_percent, get_minus_sign_symbol

from humas.core import workcal
from humas.core.i18n import translations
from humas.reports.document import Figure, ValueKind

MISSING = "—"
NUMERIC_KINDS: frozenset[str] = frozenset({"count", "number", "percent", "hours", "ratio"})
Tone = Literal["good", "bad", "neutral"]
# Colours of a change (also used by the PDF's stylesheet); readable on white and in greyscale print.
TONE_COLOURS: dict[Tone, str] = {"good": "#067647", "bad": "#b42318", "neutral": "#475467"}
ARROWS = {"up": "▲", "down": "▼", "flat": "▬"}

PATTERNS: dict[str, str] = {
    "count": "#,##0",
    "number": "#,##0.##",
    "hours": "#,##0.0",
    "ratio": "#,##0.####",
    "percent": "#,##0.#%",
}


def N_(message: str) -> str:  # noqa: N802 - the gettext marker: extracted here, translated when shown
    return message


HOURS = N_("%(value)s h")
POINTS = N_("%(value)s pts")
ZONE_HEADER = N_("%(label)s (%(zone)s)")  # a time column's header names the zone its times are in
# A text cell starting with one of these is a formula to a spreadsheet (CSV and XLSX neutralise it).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def tr(locale: str, message: str, **params: Any) -> str:
    """``message`` translated into ``locale`` (not the request's: a report keeps its own language)."""
    text = translations(language(locale)).gettext(message)
    return text % params if params else text


def language(locale: str) -> str:
    """The humas language of a Babel locale: ``en_GB`` → ``en``; anything not English is Indonesian."""
    return "en" if (locale or "").lower().startswith("en") else "id"


def to_number(value: Any) -> float | int | None:
    """A cell as a number, or None (bools, text and non-finite floats are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_date(value: Any) -> date | None:
    """An ISO date string (or a date) as a date; None when it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def to_datetime(value: Any, zone: str | ZoneInfo) -> datetime | None:
    """An ISO datetime string (or a datetime) as an aware datetime in ``zone``; a naive one is read as UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_zone(zone))


def _zone(zone: str | ZoneInfo) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else workcal.zone_of(zone)


def format_number(value: float | int, kind: ValueKind, *, locale: str) -> str:
    """A number alone (no unit word) in the pattern of its kind."""
    if kind == "percent":
        return format_percent(value, PATTERNS["percent"], locale=locale)
    return format_decimal(value, PATTERNS.get(kind, PATTERNS["number"]), locale=locale)


def format_datetime_in(value: datetime, *, locale: str, zone: str | ZoneInfo) -> str:
    """ "1 Desember 2026 09.00 WITA": the date, the time and the zone's label."""
    tz = _zone(zone)
    local = value.astimezone(tz)
    day = format_date(local, "long", locale=locale)
    clock = format_time(local, "short", locale=locale)
    return f"{day} {clock} {workcal.zone_label(tz, value)}"


def format_value(value: Any, kind: ValueKind, *, locale: str, zone: str | ZoneInfo) -> str:
    """A report value as text in ``locale``; times in ``zone``; None as an em dash."""
    if value is None or value == "":
        return MISSING
    if kind in NUMERIC_KINDS:
        number = to_number(value)
        if number is None:
            return str(value)
        if kind == "hours":
            return tr(locale, HOURS, value=format_number(number, kind, locale=locale))
        return format_number(number, kind, locale=locale)
    if kind == "date":
        day = to_date(value)
        return str(value) if day is None else format_date(day, "long", locale=locale)
    if kind == "datetime":
        moment = to_datetime(value, zone)
        return str(value) if moment is None else format_datetime_in(moment, locale=locale, zone=zone)
    return str(value)


def change_tone(figure: Figure) -> Tone:
    """good / bad / neutral from ``Figure.improved`` (the colour of the change)."""
    improved = figure.improved
    return "neutral" if improved is None else "good" if improved else "bad"


def change_arrow(figure: Figure) -> str:
    """▲, ▼ or ▬ for the direction of the change; empty when there is nothing to compare."""
    direction = figure.direction
    return "" if direction is None else ARROWS[direction]


def format_change(figure: Figure, *, locale: str, arrow: bool = True) -> str:
    """The change against the previous period: "▲ 12,2%"; a percent figure in points, "▲ 7,5 poin".

    With ``arrow=False`` a sign replaces the arrow ("+12,2%", "−7,5 poin"), for sentences. Empty when the
    figure has nothing to compare. When the previous value was 0 the relative change is undefined, so the
    absolute difference is shown in the figure's own unit ("▲ 5").
    """
    delta = figure.delta
    if delta is None:
        return ""
    if figure.kind == "percent":
        magnitude = tr(locale, POINTS, value=format_decimal(abs(delta) * 100, "#,##0.#", locale=locale))
    elif figure.change is not None:
        magnitude = format_percent(abs(figure.change), PATTERNS["percent"], locale=locale)
    else:
        magnitude = format_value(abs(delta), figure.kind, locale=locale, zone="UTC")
    if arrow:
        return f"{change_arrow(figure)} {magnitude}"
    sign = "+" if delta > 0 else get_minus_sign_symbol(locale) if delta < 0 else "±"
    return f"{sign}{magnitude}"
