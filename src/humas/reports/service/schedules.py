"""Report schedules: a unit's report for every month (quarter, half-year, year), generated, finalised and
e-mailed on the first working day after the period, at ``RUN_HOUR`` in the unit's own calendar.

The run day is the first day of the next period or, when that is not a working day in the unit's calendar
(a weekend, a national holiday, *cuti bersama*, a closure of the unit or an ancestor), the first working
day after it. ``RUN_HOUR`` (07:00 local) is before office hours, so the report is waiting when leaders come
in. The schedule keeps the period its next run reports on (``next_period_key``), so a worker that was down
for days still reports on each missed period once, in order.

A run claims its schedule by compare-and-set on ``next_run_at`` inside the run's transaction: of two workers
only one finalises; a failed run rolls back whole (no report, no e-mail), records its error and is tried
again ``RETRY_AFTER`` later for the same period.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from humas.core import workcal
from humas.core.errors import Conflict, Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.reports.models import ArchivedReport, ReportSchedule
from humas.reports.period import Period, PeriodKind
from humas.reports.service import archive as archive_service
from humas.reports.service import mail as mail_service
from humas.reports.service import texts as texts_service

SCHEDULE_KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "half", "year")
RUN_HOUR = time(7, 0)
RETRY_AFTER = timedelta(hours=1)
RECIPIENTS_MAX = 50
MANAGERS = (Role.admin, Role.pimpinan)
# One plain mailbox: no display name, no comments, no second address; a dotted domain.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_ADDRESS = re.compile(rf"[a-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+")


# --- when ---------------------------------------------------------------------------------------------


def run_time(calendar: workcal.Calendar, period: Period) -> datetime:
    """When the report of ``period`` is generated: the first working day from the day after the period,
    at ``RUN_HOUR`` in the calendar's zone (UTC)."""
    day = period.last + timedelta(days=1)
    for _step in range(workcal.SEARCH_DAYS):
        if calendar.is_working_day(day):
            return datetime.combine(day, RUN_HOUR, tzinfo=calendar.zone).astimezone(UTC)
        day += timedelta(days=1)
    raise Invalid(_("The unit's calendar has no working day to send the report on."), field="calendar")


def first_period(calendar: workcal.Calendar, kind: PeriodKind, now: datetime) -> Period:
    """The period a new schedule reports on first: the one just ended if its run is still ahead (a
    schedule made on 1 January, a holiday, still sends December's), else the current one."""
    current = Period.containing(kind, calendar.local_date(now))
    previous = current.previous()
    return previous if run_time(calendar, previous) > now else current


# --- input --------------------------------------------------------------------------------------------


def clean_kind(kind: str | None) -> PeriodKind:
    value = (kind or "").strip().lower()
    for known in SCHEDULE_KINDS:
        if value == known:
            return known
    raise Invalid(
        _("Unknown period kind %(kind)s: use month, quarter, half or year.", kind=value[:20]),
        field="period_kind",
    )


def clean_recipients(values: Sequence[str] | str | None) -> list[str]:
    """Validated, lower-cased, de-duplicated addresses (a text may separate them by commas or lines)."""
    items = values.replace(";", ",").replace("\n", ",").split(",") if isinstance(values, str) else values
    found: list[str] = []
    for raw in items or ():
        text = str(raw).strip()
        if not text:
            continue
        try:
            address = org_service.clean_email(text)
        except Invalid:
            raise Invalid(
                _("Not a valid e-mail address: %(value)s", value=text[:80]), field="recipients"
            ) from None
        if not _ADDRESS.fullmatch(address) or ".." in address:
            raise Invalid(_("Not a valid e-mail address: %(value)s", value=text[:80]), field="recipients")
        if address not in found:
            found.append(address)
    if not found:
        raise Invalid(_("Give at least one recipient's e-mail address."), field="recipients")
    if len(found) > RECIPIENTS_MAX:
        raise Invalid(_("At most %(n)s recipients per schedule.", n=RECIPIENTS_MAX), field="recipients")
    return found


# --- changes ------------------------------------------------------------------------------------------


def create_schedule(
    session: Session,
    *,
    unit: Unit,
    period_kind: str,
    include_descendants: bool,
    locale: str,
    recipients: Sequence[str] | str,
    actor: org_service.Principal | None,
    now: datetime | None = None,
) -> ReportSchedule:
    """Schedule a unit's periodic report to a list of recipients (admins and leaders; ``actor`` None is the
    operator at the command line); audited."""
    if actor is not None:
        texts_service.check_unit_access(actor, unit, *MANAGERS)
    kind = clean_kind(period_kind)
    locale = texts_service.clean_locale(locale)
    addresses = clean_recipients(recipients)
    existing = session.scalar(
        select(ReportSchedule.id).where(
            ReportSchedule.unit_id == unit.id,
            ReportSchedule.period_kind == kind,
            ReportSchedule.include_descendants == include_descendants,
            ReportSchedule.locale == locale,
        )
    )
    if existing is not None:
        raise Conflict(_("This unit already has this report scheduled (schedule %(id)s).", id=existing))
    calendar = org_service.unit_calendar(session, unit)
    period = first_period(calendar, kind, now or utcnow())
    schedule = ReportSchedule(
        unit_id=unit.id,
        period_kind=kind,
        include_descendants=include_descendants,
        locale=locale,
        recipients=addresses,
        active=True,
        next_run_at=run_time(calendar, period),
        next_period_key=period.key,
        created_by_id=actor.id if actor is not None else None,
    )
    session.add(schedule)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="report.schedule",
        obj=schedule,
        unit=unit,
        after=_summary(schedule),
        label=f"{unit.name} {kind}",
    )
    return schedule


def _summary(schedule: ReportSchedule) -> dict[str, object]:
    return {
        "period_kind": schedule.period_kind,
        "include_descendants": schedule.include_descendants,
        "locale": schedule.locale,
        "recipients": list(schedule.recipients),
        "active": schedule.active,
    }


def access_schedule(session: Session, actor: org_service.Principal, schedule_id: int) -> ReportSchedule:
    schedule = session.get(ReportSchedule, schedule_id)
    if schedule is None or not org_service.can_access(actor, schedule.unit):
        raise NotFound(_("Report schedule not found."))
    return schedule


def list_schedules(
    session: Session, actor: org_service.Principal, *, unit: Unit | None = None
) -> list[ReportSchedule]:
    """The schedules of the actor's subtree (or of one unit in it)."""
    stmt = select(ReportSchedule)
    if unit is not None:
        if not org_service.can_access(actor, unit):
            raise NotFound(_("Unit not found."))
        stmt = stmt.where(ReportSchedule.unit_id == unit.id)
    else:
        stmt = stmt.where(ReportSchedule.unit_id.in_(org_service.visible_unit_ids(session, actor)))
    return list(session.scalars(stmt.order_by(ReportSchedule.unit_id, ReportSchedule.id)))


def list_all_schedules(session: Session, *, unit: Unit | None = None) -> list[ReportSchedule]:
    """Every schedule (or one unit's), for the operator's command line; pages use ``list_schedules``."""
    stmt = select(ReportSchedule)
    if unit is not None:
        stmt = stmt.where(ReportSchedule.unit_id == unit.id)
    return list(session.scalars(stmt.order_by(ReportSchedule.unit_id, ReportSchedule.id)))


def set_schedule_active(
    session: Session, *, schedule: ReportSchedule, active: bool, actor: org_service.Principal
) -> ReportSchedule:
    """Pause or resume a schedule; resuming starts from the next period due. Audited."""
    texts_service.check_unit_access(actor, schedule.unit, *MANAGERS)
    before = _summary(schedule)
    if active and not schedule.active:
        calendar = org_service.unit_calendar(session, schedule.unit)
        period = first_period(calendar, clean_kind(schedule.period_kind), utcnow())
        schedule.next_run_at, schedule.next_period_key = run_time(calendar, period), period.key
    schedule.active = active
    session.flush()
    audit_service.record(
        session, actor=actor, action="report.schedule_active", obj=schedule, unit=schedule.unit,
        before=before, after=_summary(schedule), label=f"{schedule.unit.name} {schedule.period_kind}",
    )  # fmt: skip
    return schedule


def remove_schedule(
    session: Session, *, schedule: ReportSchedule, actor: org_service.Principal | None
) -> None:
    """Delete a schedule (its finalised reports stay in the archive; ``actor`` None: the command line)."""
    if actor is not None:
        texts_service.check_unit_access(actor, schedule.unit, *MANAGERS)
    audit_service.record(
        session, actor=actor, action="report.schedule_remove", obj=schedule, unit=schedule.unit,
        before=_summary(schedule), label=f"{schedule.unit.name} {schedule.period_kind}",
    )  # fmt: skip
    session.delete(schedule)
    session.flush()


# --- running ------------------------------------------------------------------------------------------


def due_schedule_ids(session: Session, *, now: datetime) -> list[int]:
    stmt = select(ReportSchedule.id).where(ReportSchedule.active.is_(True), ReportSchedule.next_run_at <= now)
    return list(session.scalars(stmt.order_by(ReportSchedule.next_run_at, ReportSchedule.id)))


def run_schedule(
    session: Session,
    *,
    schedule_id: int,
    now: datetime | None = None,
    build: archive_service.Builder | None = None,
    renderers: archive_service.Renderers | None = None,
) -> ArchivedReport | None:
    """Finalise the due period's report (system actor) and queue its e-mail to every recipient; None when
    the schedule is not due (another worker ran it, or it was paused)."""
    now = now or utcnow()
    schedule = session.get(ReportSchedule, schedule_id)
    if schedule is None or not schedule.active or schedule.next_run_at > now:
        return None
    claimed_at, period = schedule.next_run_at, Period.parse(schedule.next_period_key)
    calendar = org_service.unit_calendar(session, schedule.unit)
    following = period.next()
    claim = update(ReportSchedule).where(
        ReportSchedule.id == schedule.id, ReportSchedule.next_run_at == claimed_at
    )
    result = session.execute(
        claim.values(next_run_at=run_time(calendar, following), next_period_key=following.key),
        execution_options={"synchronize_session": False},
    )
    if not isinstance(result, CursorResult) or result.rowcount != 1:
        return None
    report = archive_service.finalise_report(
        session,
        unit=schedule.unit,
        period=period,
        include_descendants=schedule.include_descendants,
        locale=schedule.locale,
        actor=None,
        now=now,
        build=build,
        renderers=renderers,
    )
    mail_service.queue_report_email(session, report=report, recipients=list(schedule.recipients))
    session.refresh(schedule)
    schedule.last_run_at, schedule.last_report_id, schedule.last_error = now, report.id, None
    session.flush()
    return report


def record_failure(session: Session, *, schedule_id: int, error: str, now: datetime | None = None) -> None:
    """A run failed (rolled back): keep the error on the schedule and try the same period again later."""
    schedule = session.get(ReportSchedule, schedule_id)
    if schedule is None:
        return
    schedule.last_error = error[:2000]
    schedule.next_run_at = (now or utcnow()) + RETRY_AFTER
    session.flush()
