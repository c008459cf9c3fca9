"""A unit's time zone and working calendar: inheritance down the tree, and the admin's changes (audited).

Reached through `humas.org.service` (`unit_zone`, `unit_calendar`, ...); the arithmetic is `core.workcal`.
- zone: the unit's own, else the nearest ancestor's, else Asia/Jakarta;
- weekly hours: the unit's own seven rows, else the nearest ancestor's, else Monday–Friday 08:00–16:00;
- hour exceptions and closures add up from the root down (a province's holiday closes its offices too); on a
  day two exceptions cover, the one set lower in the tree wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from humas.core import workcal
from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.org import audit as audit_service
from humas.org.models import Role, Unit, UnitClosure, UnitHoursException, UnitWorkHours

if TYPE_CHECKING:
    from humas.org.service import Principal

WEEKDAYS = range(7)
RANGE_MAX_DAYS = 366
# Called after a unit's zone or calendar changed (in the same transaction); domains above org that keep
# times computed from a calendar (the inbox's deadlines) register here, since org may not import them.
CalendarListener = Callable[[Session, Unit], None]
_LISTENERS: dict[str, CalendarListener] = {}


def on_calendar_change(name: str, listener: CalendarListener) -> None:
    """Register (or replace, on a re-import) what to do when a unit's calendar changes."""
    _LISTENERS[name] = listener


def _calendar_changed(session: Session, unit: Unit) -> None:
    for listener in list(_LISTENERS.values()):
        listener(session, unit)


def ancestor_ids(unit: Unit) -> list[int]:
    """The unit's path from the root down to itself."""
    return [int(x) for x in unit.path.strip("/").split("/") if x] or [unit.id]


def _depth_order(unit: Unit) -> dict[int, int]:
    return {uid: i for i, uid in enumerate(ancestor_ids(unit))}


def unit_zone_name(session: Session, unit: Unit) -> str:
    """The IANA name of the unit's zone (its own, else the nearest ancestor's, else Asia/Jakarta)."""
    if unit.time_zone:
        return unit.time_zone
    order = _depth_order(unit)
    stmt = select(Unit.id, Unit.time_zone).where(Unit.id.in_(order), Unit.time_zone.is_not(None))
    rows = session.execute(stmt)
    named = sorted(rows, key=lambda r: -order[r[0]])
    return named[0][1] if named else workcal.DEFAULT_ZONE


def unit_zone(session: Session, unit: Unit) -> ZoneInfo:
    return ZoneInfo(unit_zone_name(session, unit))


def unit_calendar(session: Session, unit: Unit) -> workcal.Calendar:
    """The unit's working calendar with everything inherited resolved."""
    order = _depth_order(unit)
    ids = list(order)
    hours_rows = session.scalars(select(UnitWorkHours).where(UnitWorkHours.unit_id.in_(ids))).all()
    weekly = workcal.OFFICE_HOURS
    if hours_rows:
        nearest = max((r.unit_id for r in hours_rows), key=order.__getitem__)
        by_day = {r.weekday: r.hours for r in hours_rows if r.unit_id == nearest}
        weekly = tuple(workcal.parse_spans(by_day.get(d, "")) for d in WEEKDAYS)
    exceptions = session.scalars(select(UnitHoursException).where(UnitHoursException.unit_id.in_(ids))).all()
    closures = session.scalars(select(UnitClosure).where(UnitClosure.unit_id.in_(ids))).all()
    return workcal.Calendar(
        zone=unit_zone(session, unit),
        weekly=weekly,
        exceptions=tuple(
            workcal.HoursException(
                e.first_on, e.last_on, workcal.parse_spans(e.hours), _weekday_set(e.weekdays), e.name
            )
            for e in sorted(exceptions, key=lambda e: (order[e.unit_id], e.id))
        ),
        closures=tuple(workcal.Closure(c.first_on, c.last_on, c.name) for c in closures),
    )


def _weekday_set(mask: int) -> frozenset[int]:
    return frozenset(d for d in WEEKDAYS if mask >> d & 1)


def _weekday_tuple(mask: int) -> tuple[int, ...]:
    return tuple(sorted(_weekday_set(mask)))


@dataclass(frozen=True)
class CalendarEntry:
    """One of a unit's own hour exceptions or closures, as plain data (pages keep it after a rollback)."""

    id: int
    name: str
    first_on: date
    last_on: date
    hours: str = ""  # exceptions only: "08:00-15:00"; empty: closed
    weekdays: tuple[int, ...] = ()  # exceptions only


@dataclass(frozen=True)
class CalendarSettings:
    """What the unit page shows: the unit's own settings and what it inherits."""

    zone: str | None
    effective_zone: str
    zone_label: str
    own_hours: bool
    weekly: tuple[str, ...]
    exceptions: tuple[CalendarEntry, ...]
    closures: tuple[CalendarEntry, ...]


def calendar_settings(session: Session, unit: Unit) -> CalendarSettings:
    calendar = unit_calendar(session, unit)
    own = session.scalars(select(UnitWorkHours.weekday).where(UnitWorkHours.unit_id == unit.id)).first()
    stmt_e = select(UnitHoursException).where(UnitHoursException.unit_id == unit.id)
    stmt_c = select(UnitClosure).where(UnitClosure.unit_id == unit.id)
    exceptions = session.scalars(stmt_e.order_by(UnitHoursException.first_on, UnitHoursException.id))
    closures = session.scalars(stmt_c.order_by(UnitClosure.first_on, UnitClosure.id))
    return CalendarSettings(
        zone=unit.time_zone,
        effective_zone=calendar.zone.key,
        zone_label=workcal.zone_label(calendar.zone),
        own_hours=own is not None,
        weekly=tuple(workcal.format_spans(spans) for spans in calendar.weekly),
        exceptions=tuple(
            CalendarEntry(e.id, e.name, e.first_on, e.last_on, e.hours, _weekday_tuple(e.weekdays))
            for e in exceptions
        ),
        closures=tuple(CalendarEntry(c.id, c.name, c.first_on, c.last_on) for c in closures),
    )


# --- changes (admins of the unit's subtree; every change audited) ---------------------------------------


def _require_admin(actor: Principal) -> None:
    from humas.org.service import require_role

    require_role(actor, Role.admin)


def set_unit_zone(session: Session, *, unit: Unit, zone: str | None, actor: Principal) -> Unit:
    """Set the unit's time zone (WIB, WITA, WIT); empty means "the parent's"."""
    _require_admin(actor)
    zone = (zone or "").strip() or None
    if zone is not None and zone not in workcal.ZONES:
        raise Invalid(_("Choose one of the listed time zones."), field="time_zone")
    before = unit.time_zone
    unit.time_zone = zone
    audit_service.record(
        session,
        actor=actor,
        action="unit.time_zone",
        obj=unit,
        unit=unit,
        before={"time_zone": before},
        after={"time_zone": zone},
    )
    _calendar_changed(session, unit)
    return unit


def _spans_or_invalid(text: str, field: str) -> str:
    try:
        return workcal.format_spans(workcal.parse_spans(text))
    except ValueError:
        message = _("Enter hours as HH:MM-HH:MM, e.g. 08:00-16:00 (empty: closed).")
        raise Invalid(message, field=field) from None


def set_work_hours(session: Session, *, unit: Unit, hours: list[str] | None, actor: Principal) -> Unit:
    """Give the unit its own hours per weekday (Monday first), or None to take its parent's again."""
    _require_admin(actor)
    cleaned = None
    if hours is not None:
        if len(hours) != 7:
            raise Invalid(_("Enter the hours of all seven weekdays."), field="hours")
        cleaned = [_spans_or_invalid(text, f"hours_{day}") for day, text in enumerate(hours)]
        if not any(cleaned):
            raise Invalid(_("At least one weekday needs working hours."), field="hours_0")
    before = calendar_settings(session, unit)
    session.execute(delete(UnitWorkHours).where(UnitWorkHours.unit_id == unit.id))
    if cleaned is not None:
        session.add_all(UnitWorkHours(unit_id=unit.id, weekday=d, hours=h) for d, h in enumerate(cleaned))
    audit_service.record(
        session,
        actor=actor,
        action="unit.work_hours",
        obj=unit,
        unit=unit,
        before={"own": before.own_hours, "hours": list(before.weekly)},
        after={"own": cleaned is not None, "hours": cleaned},
    )
    _calendar_changed(session, unit)
    return unit


def _date_range(first_on: date | None, last_on: date | None) -> tuple[date, date]:
    if first_on is None:
        raise Invalid(_("Enter the first day."), field="first_on")
    last = last_on or first_on
    if last < first_on:
        raise Invalid(_("The last day must not be before the first."), field="last_on")
    if (last - first_on).days >= RANGE_MAX_DAYS:
        raise Invalid(_("Choose a range of at most a year."), field="last_on")
    return first_on, last


def add_hours_exception(
    session: Session,
    *,
    unit: Unit,
    name: str,
    first_on: date | None,
    last_on: date | None,
    hours: str,
    weekdays: set[int],
    actor: Principal,
) -> UnitHoursException:
    """Other hours for a date range (Ramadan hours) on the chosen weekdays; empty hours close those days."""
    from humas.org.service import clean_name

    _require_admin(actor)
    name = clean_name(name)
    first, last = _date_range(first_on, last_on)
    if not weekdays or not weekdays <= set(WEEKDAYS):
        raise Invalid(_("Choose at least one weekday."), field="weekdays")
    spans = _spans_or_invalid(hours, "hours")
    mask = sum(1 << d for d in weekdays)
    row = UnitHoursException(
        unit_id=unit.id, name=name, first_on=first, last_on=last, weekdays=mask, hours=spans
    )
    session.add(row)
    audit_service.record(
        session,
        actor=actor,
        action="unit.hours_exception.add",
        obj=row,
        unit=unit,
        label=name,
        after={"first_on": first.isoformat(), "last_on": last.isoformat(), "hours": spans, "weekdays": mask},
    )
    _calendar_changed(session, unit)
    return row


def add_closure(
    session: Session, *, unit: Unit, name: str, first_on: date | None, last_on: date | None, actor: Principal
) -> UnitClosure:
    """Close the unit on a date range besides the national holidays (a regional holiday)."""
    from humas.org.service import clean_name

    _require_admin(actor)
    name = clean_name(name)
    first, last = _date_range(first_on, last_on)
    row = UnitClosure(unit_id=unit.id, name=name, first_on=first, last_on=last)
    session.add(row)
    audit_service.record(
        session,
        actor=actor,
        action="unit.closure.add",
        obj=row,
        unit=unit,
        label=name,
        after={"first_on": first.isoformat(), "last_on": last.isoformat()},
    )
    _calendar_changed(session, unit)
    return row


def remove_hours_exception(session: Session, *, unit: Unit, entry_id: int, actor: Principal) -> None:
    """Delete one of the unit's own hour exceptions."""
    _require_admin(actor)
    row = session.get(UnitHoursException, entry_id)
    _remove_own(session, row, unit=unit, action="unit.hours_exception.remove", actor=actor)


def remove_closure(session: Session, *, unit: Unit, entry_id: int, actor: Principal) -> None:
    """Delete one of the unit's own closures."""
    _require_admin(actor)
    row = session.get(UnitClosure, entry_id)
    _remove_own(session, row, unit=unit, action="unit.closure.remove", actor=actor)


def _remove_own(
    session: Session,
    row: UnitHoursException | UnitClosure | None,
    *,
    unit: Unit,
    action: str,
    actor: Principal,
) -> None:
    """Delete a dated entry the unit set itself (never an inherited one), audited with what it was."""
    if row is None or row.unit_id != unit.id:
        raise NotFound(_("Entry not found."), field="entry_id")
    before = {"name": row.name, "first_on": row.first_on.isoformat(), "last_on": row.last_on.isoformat()}
    audit_service.record(
        session, actor=actor, action=action, obj=row, unit=unit, label=row.name, before=before
    )
    session.delete(row)
    _calendar_changed(session, unit)
