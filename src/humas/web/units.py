"""Units: the tree, create, rename, move, archive; a unit's time zone and working calendar."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from humas.core import workcal
from humas.core.errors import HumasError, Invalid
from humas.core.i18n import _
from humas.core.pages import paginate_list
from humas.core.time import utcnow
from humas.org import service as org_service
from humas.org.models import Unit, User
from humas.web.deps import CurrentUser, DbSession, IdForm, IdPath, OptionalIdForm, error_field
from humas.web.errors import with_form
from humas.web.flash import N_, redirect
from humas.web.params import OptionalPageParam
from humas.web.templating import render

router = APIRouter(include_in_schema=False)

# Form fields are capped well above the service's own limit, so an over-long name reaches the service and
# gets its clear message, while a megabyte of text is refused before it is read into memory twice.
FIELD_MAX = 20_000


@dataclass(frozen=True)
class UnitRow:
    """Plain data for templates (survives the rollback that precedes an error page)."""

    id: int
    name: str
    depth: int
    parent_id: int | None
    path: str
    archived: bool


def unit_rows(units: list[Unit]) -> list[UnitRow]:
    base = min((u.depth for u in units), default=0)
    return [
        UnitRow(u.id, u.name, u.depth - base, u.parent_id, u.path, u.archived_at is not None) for u in units
    ]


def _tree(session: Session, user: User, *, archived: bool = False) -> list[UnitRow]:
    return unit_rows(org_service.list_units(session, user, include_archived=archived))


@router.get("/units", response_class=HTMLResponse)
def units_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    archived: bool = False,
    page: OptionalPageParam = None,
) -> HTMLResponse:
    """The unit tree of the user's subtree, a page at a time."""
    tree = _tree(session, user, archived=archived)
    rows = paginate_list(tree, page=page)
    return render(
        request,
        "units/index.html",
        rows=rows,
        page=rows,
        parents=[r for r in tree if not r.archived],
        show_archived=archived,
        error=None,
        values={},
    )


@router.post("/units")
def create_unit(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    parent_id: OptionalIdForm = None,
) -> Response:
    """Add a unit under a parent of the user's subtree."""
    rows = _tree(session, user)
    with_form(
        request,
        "units/index.html",
        values={"name": name, "parent_id": parent_id},
        rows=paginate_list(rows),
        page=paginate_list(rows),
        parents=rows,
        show_archived=False,
    )
    with error_field("parent_id"):
        parent = org_service.access_unit(session, user, parent_id if parent_id is not None else user.unit_id)
    unit = org_service.create_unit(session, name=name, parent=parent, actor=user)
    return redirect("/units", N_("Unit %(name)s created."), name=unit.name)


@router.get("/units/{unit_id}", response_class=HTMLResponse)
def unit_page(
    request: Request, session: DbSession, user: CurrentUser, unit_id: IdPath, page: OptionalPageParam = None
) -> HTMLResponse:
    """One unit: rename, move, archive, and its people (a page at a time)."""
    unit = org_service.access_unit(session, user, unit_id)
    context = _detail_context(session, user, unit, page)
    return render(request, "units/detail.html", **context, error=None, values={})


def _detail_context(
    session: Session, user: User, unit: Unit, members_page: int | None = None
) -> dict[str, Any]:
    rows = _tree(session, user)
    # Possible new parents: anything outside the unit's own subtree.
    targets = [r for r in rows if not r.path.startswith(unit.path)]
    members = org_service.page_users(session, user, unit=unit, page=members_page)
    return {
        "unit": unit_rows([unit])[0],
        "unit_depth": unit.depth,
        "parent_name": unit.parent.name if unit.parent else None,
        "targets": targets,
        "members": [(m.id, m.name, m.email) for m in members],
        "members_page": members,
        "is_own_unit": unit.id == user.unit_id,
        **_calendar_context(session, unit),
    }


def _mutation_form(request: Request, session: DbSession, user: User, unit: Unit, **values: object) -> None:
    with_form(request, "units/detail.html", values=values, **_detail_context(session, user, unit))


@router.post("/units/{unit_id}/rename")
def rename_unit(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdPath,
    name: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    """Give a unit a new name."""
    unit = org_service.access_unit(session, user, unit_id)
    _mutation_form(request, session, user, unit, name=name)
    org_service.rename_unit(session, unit=unit, name=name, actor=user)
    return redirect(f"/units/{unit.id}", N_("Unit renamed."))


@router.post("/units/{unit_id}/move")
def move_unit(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdPath,
    parent_id: IdForm,
) -> Response:
    """Move a unit with its whole subtree under another unit."""
    unit = org_service.access_unit(session, user, unit_id)
    _mutation_form(request, session, user, unit, parent_id=parent_id)
    with error_field("parent_id"):
        new_parent = org_service.access_unit(session, user, parent_id)
    org_service.move_unit(session, unit=unit, new_parent=new_parent, actor=user)
    return redirect(f"/units/{unit_id}", N_("Unit moved."))


@router.post("/units/{unit_id}/archive")
def archive_unit(request: Request, session: DbSession, user: CurrentUser, unit_id: IdPath) -> Response:
    """Archive a unit and everything below it."""
    unit = org_service.access_unit(session, user, unit_id)
    _mutation_form(request, session, user, unit)
    org_service.archive_unit(session, unit=unit, actor=user)
    return redirect("/units", N_("Unit %(name)s archived."), name=unit.name)


# --- time zone and working calendar -------------------------------------------------------------------

# Msgids (N_ marks them for extraction; the template translates them).
WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
ZONE_CHOICES = (
    ("Asia/Jakarta", "WIB", N_("Java, Sumatra")),
    ("Asia/Pontianak", "WIB", N_("West and Central Kalimantan")),
    ("Asia/Makassar", "WITA", N_("Bali, Nusa Tenggara, Sulawesi, South, East and North Kalimantan")),
    ("Asia/Jayapura", "WIT", N_("Maluku, Papua")),
)


# Fields of the calendar forms; the exception form's are prefixed x_, the closure form's c_ (both have dates).
CALENDAR_FIELDS = ("time_zone", "hours", *(f"hours_{d}" for d in range(7)))
CALENDAR_FIELDS += tuple(f"x_{f}" for f in ("name", "first_on", "last_on", "hours", "weekdays"))
CALENDAR_FIELDS += tuple(f"c_{f}" for f in ("name", "first_on", "last_on"))


def _calendar_context(session: Session, unit: Unit) -> dict[str, Any]:
    settings = org_service.calendar_settings(session, unit)
    today = utcnow().astimezone(ZoneInfo(settings.effective_zone)).date()
    national = [item for y in (today.year, today.year + 1) for item in workcal.national_holidays(y).items()]
    return {
        "calendar": settings,
        "calendar_fields": CALENDAR_FIELDS,
        "zone_choices": ZONE_CHOICES,
        "weekday_names": WEEKDAY_NAMES,
        "national_holidays": sorted(d for d in national if d[0] >= today)[:12],
    }


@contextmanager
def _form_prefix(prefix: str) -> Iterator[None]:
    """Name a service error's field as the form names it (x_first_on for the exception form's first_on)."""
    try:
        yield
    except HumasError as error:
        if error.field and not error.field.startswith(prefix):
            error.field = prefix + error.field
        raise


def _date(value: str, field: str) -> date | None:
    """A YYYY-MM-DD form value (empty: none)."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(_("Enter a date as YYYY-MM-DD."), field=field) from None


def _weekdays(values: list[str]) -> set[int]:
    if any(len(v) != 1 or v not in "0123456" for v in values):  # not isdigit(): "²" is a digit
        raise Invalid(_("Choose at least one weekday."), field="weekdays")
    return {int(v) for v in values}


@router.post("/units/{unit_id}/zone")
def set_zone(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdPath,
    time_zone: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    """Set the unit's time zone (WIB, WITA, WIT) or take its parent's."""
    unit = org_service.access_unit(session, user, unit_id)
    _mutation_form(request, session, user, unit, time_zone=time_zone)
    org_service.set_unit_zone(session, unit=unit, zone=time_zone, actor=user)
    return redirect(f"/units/{unit.id}", N_("Time zone saved."))


@router.post("/units/{unit_id}/hours")
def set_hours(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdPath,
    hours: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    inherit: Annotated[bool, Form()] = False,
) -> Response:
    """Set the unit's own working hours per weekday, or take its parent's again."""
    unit = org_service.access_unit(session, user, unit_id)
    values = {f"hours_{i}": text for i, text in enumerate(hours)}
    _mutation_form(request, session, user, unit, **values)
    org_service.set_work_hours(session, unit=unit, hours=None if inherit else hours, actor=user)
    return redirect(f"/units/{unit.id}", N_("Working hours saved."))


@router.post("/units/{unit_id}/exceptions")
def add_exception(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdPath,
    name: Annotated[str, Form(alias="x_name", max_length=FIELD_MAX)] = "",
    first_on: Annotated[str, Form(alias="x_first_on", max_length=FIELD_MAX)] = "",
    last_on: Annotated[str, Form(alias="x_last_on", max_length=FIELD_MAX)] = "",
    hours: Annotated[str, Form(alias="x_hours", max_length=FIELD_MAX)] = "",
    weekdays: Annotated[list[str], Form(alias="x_weekdays")] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    """Other working hours for a date range (Ramadan hours)."""
    unit = org_service.access_unit(session, user, unit_id)
    form = {"x_name": name, "x_first_on": first_on, "x_last_on": last_on, "x_hours": hours}
    _mutation_form(request, session, user, unit, **form, x_weekdays=weekdays)
    with _form_prefix("x_"):
        org_service.add_hours_exception(
            session,
            unit=unit,
            name=name,
            first_on=_date(first_on, "first_on"),
            last_on=_date(last_on, "last_on"),
            hours=hours,
            weekdays=_weekdays(weekdays),
            actor=user,
        )
    return redirect(f"/units/{unit.id}", N_("Hours for %(name)s added."), name=name.strip())


@router.post("/units/{unit_id}/closures")
def add_closure(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    unit_id: IdPath,
    name: Annotated[str, Form(alias="c_name", max_length=FIELD_MAX)] = "",
    first_on: Annotated[str, Form(alias="c_first_on", max_length=FIELD_MAX)] = "",
    last_on: Annotated[str, Form(alias="c_last_on", max_length=FIELD_MAX)] = "",
) -> Response:
    """Close the unit on a date range (a regional holiday)."""
    unit = org_service.access_unit(session, user, unit_id)
    _mutation_form(request, session, user, unit, c_name=name, c_first_on=first_on, c_last_on=last_on)
    with _form_prefix("c_"):
        org_service.add_closure(
            session,
            unit=unit,
            name=name,
            first_on=_date(first_on, "first_on"),
            last_on=_date(last_on, "last_on"),
            actor=user,
        )
    return redirect(f"/units/{unit.id}", N_("Closure %(name)s added."), name=name.strip())


@router.post("/units/{unit_id}/exceptions/{exception_id}/delete")
def delete_exception(
    request: Request, session: DbSession, user: CurrentUser, unit_id: IdPath, exception_id: IdPath
) -> Response:
    """Remove one of the unit's own hour exceptions."""
    unit = org_service.access_unit(session, user, unit_id)
    _mutation_form(request, session, user, unit)
    org_service.remove_hours_exception(session, unit=unit, entry_id=exception_id, actor=user)
    return redirect(f"/units/{unit.id}", N_("Entry removed."))


@router.post("/units/{unit_id}/closures/{closure_id}/delete")
def delete_closure(
    request: Request, session: DbSession, user: CurrentUser, unit_id: IdPath, closure_id: IdPath
) -> Response:
    """Remove one of the unit's own closures."""
    unit = org_service.access_unit(session, user, unit_id)
    _mutation_form(request, session, user, unit)
    org_service.remove_closure(session, unit=unit, entry_id=closure_id, actor=user)
    return redirect(f"/units/{unit.id}", N_("Entry removed."))
