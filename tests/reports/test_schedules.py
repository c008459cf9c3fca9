"""Report schedules: the run day in the unit's calendar, input checks, one run per period, its e-mails."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from humas.core import workcal
from humas.core.errors import Conflict, Invalid, PermissionDenied
from humas.org import service as org_service
from humas.outbox.models import OutboxMessage
from humas.reports.models import ArchivedReport, ReportSchedule
from humas.reports.period import Period
from humas.reports.service import mail, schedules
from tests.factories import make_unit, make_user
from tests.reports.archive_fakes import FAKE_RENDERERS, counting_builder

WIB = workcal.Calendar()


def test_a_month_ending_before_idul_fitri_and_cuti_bersama_runs_on_the_first_working_day_after():
    # March 2025 ends on Monday 31 March, Idul Fitri; 1 April is its second day, 2-4 and 7 April are cuti
    # bersama, 5-6 April a weekend: the first working day of April is Tuesday 8 April.
    assert WIB.closed_because(date(2025, 3, 31)) == "Hari Raya Idul Fitri"
    assert WIB.closed_because(date(2025, 4, 7)) == "Cuti Bersama Hari Raya Idul Fitri"
    run = schedules.run_time(WIB, Period.month(2025, 3))
    assert run == datetime(2025, 4, 8, 0, 0, tzinfo=UTC)  # 07:00 WIB


def test_new_year_on_a_friday_before_a_weekend_moves_decembers_report_to_monday():
    assert WIB.closed_because(date(2027, 1, 1)) == "Tahun Baru Masehi"
    assert schedules.run_time(WIB, Period.month(2026, 12)) == datetime(2027, 1, 4, 0, 0, tzinfo=UTC)
    assert schedules.run_time(WIB, Period.quarter(2026, 4)) == datetime(2027, 1, 4, 0, 0, tzinfo=UTC)


def test_the_units_own_zone_and_closures_count(session):
    root = make_unit(session)
    admin = make_user(session, unit=root, roles=("admin",))
    office = make_unit(session, parent=root, name="KPPN Makassar")
    org_service.set_unit_zone(session, unit=office, zone="Asia/Makassar", actor=admin)
    org_service.add_closure(
        session,
        unit=office,
        name="Hari jadi",
        first_on=date(2027, 1, 4),
        last_on=date(2027, 1, 4),
        actor=admin,
    )
    calendar = org_service.unit_calendar(session, office)
    # Closed on Monday 4 January, and Tuesday 5 January 2027 is Isra Mikraj: Wednesday 07:00 WITA.
    assert calendar.closed_because(date(2027, 1, 5)) == "Isra Mikraj Nabi Muhammad"
    assert schedules.run_time(calendar, Period.month(2026, 12)) == datetime(2027, 1, 5, 23, 0, tzinfo=UTC)


def test_a_new_schedule_reports_on_the_period_just_ended_while_its_run_is_ahead(session):
    unit = make_unit(session)
    leader = make_user(session, unit=unit, roles=("pimpinan",))
    made = schedules.create_schedule(
        session, unit=unit, period_kind="month", include_descendants=True, locale="id",
        recipients="Pimpinan@Kemenkeu.go.id; humas@kemenkeu.go.id\nhumas@kemenkeu.go.id",
        actor=leader, now=datetime(2027, 1, 2, 3, 0, tzinfo=UTC),  # Saturday after New Year
    )  # fmt: skip
    assert made.next_period_key == "2026-12" and made.next_run_at == datetime(2027, 1, 4, 0, 0, tzinfo=UTC)
    assert made.recipients == ["pimpinan@kemenkeu.go.id", "humas@kemenkeu.go.id"]
    later = schedules.create_schedule(
        session, unit=unit, period_kind="quarter", include_descendants=False, locale="en",
        recipients=["a@kemenkeu.go.id"], actor=leader, now=datetime(2026, 12, 2, 3, 0, tzinfo=UTC),
    )  # fmt: skip
    assert later.next_period_key == "2026-Q4" and later.next_run_at == datetime(2027, 1, 4, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"recipients": "pimpinan@kemenkeu"}, "recipients"),
        ({"recipients": "Pimpinan <p@kemenkeu.go.id>"}, "recipients"),
        ({"recipients": "a@kemenkeu.go.id\r\nBcc: x@evil.test"}, "recipients"),
        ({"recipients": " , "}, "recipients"),
        ({"period_kind": "week"}, "period_kind"),
        ({"locale": "fr"}, "locale"),
    ],
)
def test_bad_schedule_input_is_refused_and_nothing_is_stored(session, changes, field):
    unit = make_unit(session)
    leader = make_user(session, unit=unit, roles=("pimpinan",))
    args = {"period_kind": "month", "include_descendants": False, "locale": "id", "recipients": "a@b.go.id"}
    with pytest.raises(Invalid) as bad:
        schedules.create_schedule(session, unit=unit, actor=leader, **(args | changes))
    assert bad.value.field == field
    assert session.scalar(select(func.count()).select_from(ReportSchedule)) == 0


def test_schedules_are_managed_by_admins_and_leaders_of_the_subtree(session):
    root = make_unit(session)
    a, b = make_unit(session, parent=root), make_unit(session, parent=root)
    analyst = make_user(session, unit=a, roles=("analyst",))
    leader_b = make_user(session, unit=b, roles=("pimpinan",))
    args = {"period_kind": "month", "include_descendants": False, "locale": "id", "recipients": "a@b.go.id"}
    with pytest.raises(PermissionDenied):
        schedules.create_schedule(session, unit=a, actor=analyst, **args)
    made = schedules.create_schedule(session, unit=b, actor=leader_b, **args)
    with pytest.raises(Conflict):
        schedules.create_schedule(session, unit=b, actor=leader_b, **args)
    assert schedules.list_schedules(session, analyst) == []
    assert schedules.list_schedules(session, make_user(session, unit=root)) == [made]
    schedules.set_schedule_active(session, schedule=made, active=False, actor=leader_b)
    assert schedules.due_schedule_ids(session, now=datetime(2030, 1, 1, tzinfo=UTC)) == []
    schedules.remove_schedule(session, schedule=made, actor=leader_b)
    assert schedules.list_schedules(session, leader_b) == []


def test_a_due_run_finalises_once_queues_one_email_per_recipient_and_moves_to_the_next_period(session):
    unit = make_unit(session)
    leader = make_user(session, unit=unit, roles=("pimpinan",))
    made = schedules.create_schedule(
        session, unit=unit, period_kind="month", include_descendants=False, locale="id",
        recipients="a@kemenkeu.go.id, b@kemenkeu.go.id", actor=leader,
        now=datetime(2026, 12, 10, tzinfo=UTC),
    )  # fmt: skip
    fakes = {"build": counting_builder, "renderers": FAKE_RENDERERS}
    early = datetime(2027, 1, 3, 23, 59, tzinfo=UTC)  # 06:59 WIB on Monday 4 January
    assert schedules.due_schedule_ids(session, now=early) == []
    assert schedules.run_schedule(session, schedule_id=made.id, now=early, **fakes) is None

    at = datetime(2027, 1, 4, 0, 0, tzinfo=UTC)
    assert schedules.due_schedule_ids(session, now=at) == [made.id]
    report = schedules.run_schedule(session, schedule_id=made.id, now=at, **fakes)
    assert report is not None and report.period_key == "2026-12" and report.finalised_by_label == "system"
    assert schedules.run_schedule(session, schedule_id=made.id, now=at, **fakes) is None  # claimed already
    session.refresh(made)
    assert (made.next_period_key, made.next_run_at) == ("2027-01", datetime(2027, 2, 1, 0, 0, tzinfo=UTC))
    assert made.last_report_id == report.id and made.last_run_at == at and made.last_error is None
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.owner_type == "report")).all()
    assert sorted(r.target for r in rows) == ["a@kemenkeu.go.id", "b@kemenkeu.go.id"]
    assert {r.kind for r in rows} == {mail.KIND} and len({r.idempotency_key for r in rows}) == 2
    assert all("content" not in r.payload and r.payload["file_id"] for r in rows)
    again = mail.queue_report_email(session, report=report, recipients=["a@kemenkeu.go.id"])
    assert again[0].id in {r.id for r in rows}  # the same report to the same person: the same row
    assert session.scalar(select(func.count()).select_from(ArchivedReport)) == 1


def test_a_failed_run_keeps_its_period_and_error_and_tries_again_later(session):
    unit = make_unit(session)
    leader = make_user(session, unit=unit, roles=("pimpinan",))
    made = schedules.create_schedule(
        session, unit=unit, period_kind="month", include_descendants=False, locale="id",
        recipients="a@kemenkeu.go.id", actor=leader, now=datetime(2026, 12, 10, tzinfo=UTC),
    )  # fmt: skip
    at = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    schedules.record_failure(session, schedule_id=made.id, error="RuntimeError: renderer down", now=at)
    assert made.next_period_key == "2026-12" and made.next_run_at == at + schedules.RETRY_AFTER
    assert made.last_error == "RuntimeError: renderer down"


def test_the_worker_knows_the_report_task_and_the_archive_finds_the_real_builder_and_renderers():
    from humas.jobs import huey, import_task_modules
    from humas.outbox import handlers
    from humas.reports.render import csv, pdf, xlsx
    from humas.reports.service import archive, build_report

    assert "humas.reports.tasks" in import_task_modules() and mail.KIND in handlers.kinds()
    due = {t.name for t in huey.read_periodic(datetime(2027, 1, 4, 0, 5))}
    assert any(name.endswith("report_schedules_task") for name in due)
    assert not any(
        t.name.endswith("report_schedules_task") for t in huey.read_periodic(datetime(2027, 1, 4, 0, 7))
    )
    renderers = archive.default_renderers()
    assert (renderers.pdf, renderers.xlsx, renderers.csv) == (
        pdf.render_pdf,
        xlsx.render_xlsx,
        csv.render_csv_zip,
    )
    assert archive.default_builder() is build_report
