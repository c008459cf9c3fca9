"""Typed, bounded request parameters: the one way pages and the API read ids, numbers, days and dates.

Each alias carries its bounds into the OpenAPI schema and is checked by FastAPI before a route runs, so a bad
value (`²`, `1e3`, a number past 64 bits, a year 0001) becomes one `RequestValidationError`, rendered by
`humas.web.errors` as the styled error page, the form with its field marked, or a JSON 422 — never a 500.
Page forms send empty strings for "not chosen": the `Optional*` aliases read "" as None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Form, Path, Query
from pydantic import AfterValidator, BeforeValidator, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from humas.core.errors import Invalid
from humas.core.i18n import _

# Database ids are 32-bit on PostgreSQL: a larger number is refused (422 naming the parameter), not a 500.
MAX_ID = 2**31 - 1
MAX_DAYS = 400  # the longest dashboard range (listening.service.scope.MAX_RANGE)
MAX_PAGE = 10_000
# Dates humas can do arithmetic on (a previous period, a WIB day) without leaving Python's datetime range.
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2999, 12, 31)
DATE_RANGE_TEXT = f"between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}"

_DIGITS = re.compile(r"[0-9]+")  # ASCII only: `str.isdigit()` also accepts `²` and `١٢`
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DMY_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _ascii_int(value: Any) -> Any:
    """Only plain ASCII digits (optionally signed) are a number: not `1e3`, `1.0`, `²` or `١٢`."""
    if isinstance(value, str):
        text = value.strip()
        digits = text.removeprefix("-").removeprefix("+")
        if not _DIGITS.fullmatch(digits):
            raise PydanticCustomError("whole_number", "must be a whole number")
        if len(digits) > 18:  # past 64 bits (and far past any id or count humas keeps)
            raise PydanticCustomError("number_too_large", "is too large")
        return int(text)
    return value


def _optional_int(value: Any) -> Any:
    return _ascii_int(_blank_to_none(value))


def _rfc3339(value: Any) -> Any:
    """A date-time with its offset (RFC 3339), not a Unix timestamp such as `0`."""
    if isinstance(value, str) and not _RFC3339.fullmatch(value.strip()):
        raise PydanticCustomError(
            "datetime_format", "must be a date and time such as 2026-01-31T08:00:00+07:00"
        )
    return value


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value.strip()):
        raise PydanticCustomError("date_format", "must be a date as YYYY-MM-DD")
    return value


def _optional_iso_date(value: Any) -> Any:
    """A page's date: typed as DD/MM/YYYY (the Indonesian order, whatever the browser's language), or
    YYYY-MM-DD as links and the API write it."""
    value = _blank_to_none(value)
    if isinstance(value, str) and (typed := _DMY_DATE.fullmatch(value.strip())):
        day, month, year = typed.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value.strip()):
        raise PydanticCustomError("page_date_format", "must be a date as DD/MM/YYYY")
    return value


def _out_of_range() -> PydanticCustomError:
    return PydanticCustomError("date_range", "must be {range}", {"range": DATE_RANGE_TEXT})


def _date_in_range(value: date | None) -> date | None:
    if value is not None and not MIN_DATE <= value <= MAX_DATE:
        raise _out_of_range()
    return value


def _datetime_in_range(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    low = datetime.combine(MIN_DATE, datetime.min.time(), tzinfo=UTC)
    high = datetime.combine(MAX_DATE, datetime.max.time(), tzinfo=UTC)
    if not low <= aware <= high:
        raise _out_of_range()
    return aware


_INT = BeforeValidator(_ascii_int)
_OPT_INT = BeforeValidator(_optional_int)
# NOTE: bounds go on the inner int: on `int | None` pydantic would apply them to None as well.
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
Days = Annotated[int, Field(ge=1, le=MAX_DAYS)]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
BoundedDate = Annotated[date, AfterValidator(_date_in_range)]
BoundedDateTime = Annotated[datetime, AfterValidator(_datetime_in_range)]

# --- path ---------------------------------------------------------------------------------------------------
IdPath = Annotated[DbId, _INT, Path()]

# --- API query ----------------------------------------------------------------------------------------------
IdQuery = Annotated[DbId | None, _INT, Query()]
DaysQuery = Annotated[Days | None, _INT, Query(description=f"The last N days (at most {MAX_DAYS}).")]
DateTimeQuery = Annotated[
    BoundedDateTime | None,
    BeforeValidator(_rfc3339),
    Query(description=f"RFC 3339 date-time with offset, {DATE_RANGE_TEXT}."),
]
DateQuery = Annotated[
    BoundedDate | None, BeforeValidator(_iso_date), Query(description=f"YYYY-MM-DD, {DATE_RANGE_TEXT}.")
]
PageQuery = Annotated[PageNumber, _INT, Query()]


# Sizes and offsets of lists (the services' own caps, declared):
PerPageQuery = Annotated[int, Field(ge=1, le=200), _INT, Query()]
LatestLimitQuery = Annotated[int, Field(ge=1, le=100), _INT, Query()]
LimitQuery = Annotated[int, Field(ge=1, le=1000), _INT, Query()]
OffsetQuery = Annotated[int, Field(ge=0, le=10_000_000), _INT, Query()]


# --- page query (a form's "not chosen" is an empty string) --------------------------------------------------
OptionalIdParam = Annotated[DbId | None, _OPT_INT, Query()]
OptionalDaysParam = Annotated[Days | None, _OPT_INT, Query()]
OptionalDateParam = Annotated[BoundedDate | None, BeforeValidator(_optional_iso_date), Query()]
OptionalPageParam = Annotated[PageNumber | None, _OPT_INT, Query()]
OptionalPerPageParam = Annotated[Annotated[int, Field(ge=1, le=200)] | None, _OPT_INT, Query()]
# A choice from a list (a platform, a label): the domain service says which values it knows.
OptionalChoiceParam = Annotated[
    Annotated[str, Field(max_length=64)] | None, BeforeValidator(_blank_to_none), Query()
]

# --- page forms ---------------------------------------------------------------------------------------------
IdForm = Annotated[DbId, _INT, Form()]
OptionalIdForm = Annotated[DbId | None, _OPT_INT, Form()]
# For a form read as text (so it can be shown again as typed) and parsed when the service is called:
OptionalId = Annotated[DbId | None, _OPT_INT]
WholeNumber = Annotated[int, _INT]


def N_(message: str) -> str:  # noqa: N802 - the gettext marker (humas.web.flash has the same)
    return message


# What a user reads for each kind of refused value (pydantic's error types and humas.web.params' own).
_PROBLEMS: dict[str, str] = {
    "whole_number": N_("enter a whole number"),
    "int_parsing": N_("enter a whole number"),
    "int_from_float": N_("enter a whole number"),
    "number_too_large": N_("the number is too large"),
    "greater_than_equal": N_("enter at least %(ge)s"),
    "greater_than": N_("enter more than %(gt)s"),
    "less_than_equal": N_("enter at most %(le)s"),
    "less_than": N_("enter less than %(lt)s"),
    "date_format": N_("enter a date as YYYY-MM-DD"),
    "page_date_format": N_("enter a date as DD/MM/YYYY"),
    "date_parsing": N_("enter a date as YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("enter a date as YYYY-MM-DD"),
    "date_from_datetime_inexact": N_("enter a date as YYYY-MM-DD"),
    "datetime_format": N_("enter a date and time such as 2026-01-31T08:00:00+07:00"),
    "datetime_parsing": N_("enter a date and time such as 2026-01-31T08:00:00+07:00"),
    "datetime_from_date_parsing": N_("enter a date and time such as 2026-01-31T08:00:00+07:00"),
    "date_range": N_("choose a date %(range)s"),
    "string_too_long": N_("at most %(max_length)s characters"),
    "too_long": N_("at most %(max_length)s items"),
    "missing": N_("this field is required"),
}


def problem_text(error: Mapping[str, Any]) -> Any:
    """What a person reads for one pydantic error, in their language (pydantic's English text otherwise)."""
    msgid = _PROBLEMS.get(str(error.get("type", "")))
    if msgid is None:
        return error.get("msg", "")
    ctx = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, int | str)}
    if "range" in ctx:
        ctx["range"] = _("between %(low)s and %(high)s", low=MIN_DATE.isoformat(), high=MAX_DATE.isoformat())
    return _(msgid, **ctx)


def parse_field(kind: Any, raw: str, *, field: str) -> Any:
    """A form value typed like every parameter (`OptionalId`, `WholeNumber`); a bad one raises `Invalid`
    naming the field, so the form is shown again with the field marked."""
    try:
        return TypeAdapter(kind).validate_python(raw)
    except ValidationError as exc:
        problem = problem_text(exc.errors()[0])
        raise Invalid(
            _("Check the field %(field)s: %(problem)s", field=field, problem=problem), field=field
        ) from None
