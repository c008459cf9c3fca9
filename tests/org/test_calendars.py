"""A unit's zone and working calendar: inheritance down the tree, the admin's changes, refusals, audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from humas.core.errors import Invalid, NotFound, PermissionDenied
from humas.org import service as org_service
from humas.org.models import AuditLog
from tests.factories import make_unit, make_user

MAKASSAR = ZoneInfo("Asia/Makassar")


def _actions(session) -> list[str]:
    return [a.action for a in session.scalars(select(AuditLog).order_by(AuditLog.id))]


def test_zone_is_inherited_and_defaults_to_jakarta(session):
    root = make_unit(session, name="Kementerian")
    kanwil = make_unit(session, parent=root, name="Kanwil Sulsel")
    kppn = make_unit(session, parent=kanwil, name="KPPN Makassar")
    admin = make_user(session, unit=root)
    assert org_service.unit_zone_name(session, kppn) == "Asia/Jakarta"

    org_service.set_unit_zone(session, unit=kanwil, zone="Asia/Makassar", actor=admin)
    assert org_service.unit_zone(session, kppn) == MAKASSAR
    assert org_service.unit_zone_name(session, root) == "Asia/Jakarta"
    org_service.set_unit_zone(session, unit=kppn, zone="Asia/Jayapura", actor=admin)
    assert org_service.unit_zone_name(session, kppn) == "Asia/Jayapura"
    org_service.set_unit_zone(session, unit=kppn, zone="", actor=admin)  # back to the parent's
    assert org_service.unit_zone_name(session, kppn) == "Asia/Makassar"
    assert _actions(session).count("unit.time_zone") == 3


def test_hours_exceptions_and_closures_follow_the_tree(session):
    root = make_unit(session)
    kanwil = make_unit(session, parent=root)
    kppn = make_unit(session, parent=kanwil)
    admin = make_user(session, unit=root)
    org_service.set_work_hours(
        session, unit=kanwil, hours=["07:30-16:00"] * 4 + ["07:30-11:30, 13:00-16:30", "", ""], actor=admin
    )
    org_service.add_hours_exception(
        session,
        unit=root,
        name="Ramadan",
        first_on=date(2026, 2, 18),
        last_on=date(2026, 3, 19),
        hours="08:00-15:00",
        weekdays={0, 1, 2, 3, 4},
        actor=admin,
    )
    org_service.add_closure(
        session, unit=kanwil, name="Hari jadi provinsi", first_on=date(2026, 4, 20), last_on=None, actor=admin
    )
    cal = org_service.unit_calendar(session, kppn)
    assert cal.hours_on(date(2026, 4, 14)) == ((450, 960),)  # a Tuesday, the Kanwil's hours
    assert cal.hours_on(date(2026, 4, 17)) == ((450, 690), (780, 990))  # its Friday
    assert cal.hours_on(date(2026, 3, 3)) == ((480, 900),)  # Ramadan hours from the root
    assert cal.closed_because(date(2026, 4, 20)) == "Hari jadi provinsi"
    assert org_service.unit_calendar(session, root).is_working_day(date(2026, 4, 20))  # not above it

    org_service.set_work_hours(session, unit=kanwil, hours=None, actor=admin)  # back to the default
    assert org_service.unit_calendar(session, kppn).hours_on(date(2026, 4, 14)) == ((480, 960),)
    settings = org_service.calendar_settings(session, kanwil)
    assert not settings.own_hours and len(settings.closures) == 1
    org_service.remove_closure(session, unit=kanwil, entry_id=settings.closures[0].id, actor=admin)
    assert org_service.unit_calendar(session, kppn).is_working_day(date(2026, 4, 20))
    assert _actions(session)[-4:] == [
        "unit.hours_exception.add",
        "unit.closure.add",
        "unit.work_hours",
        "unit.closure.remove",
    ]


def test_deadline_in_a_wita_unit(session):
    root = make_unit(session)
    kanwil = make_unit(session, parent=root)
    admin = make_user(session, unit=root)
    org_service.set_unit_zone(session, unit=kanwil, zone="Asia/Makassar", actor=admin)
    cal = org_service.unit_calendar(session, kanwil)
    friday_3pm = datetime(2026, 8, 14, 15, tzinfo=MAKASSAR)  # Monday 17 August is Independence Day
    assert cal.add_working_days(friday_3pm, 2) == datetime(2026, 8, 19, 16, tzinfo=MAKASSAR)
    assert cal.add_working_time(friday_3pm, timedelta(hours=2)) == datetime(2026, 8, 18, 9, tzinfo=MAKASSAR)


def test_bad_input_is_refused_with_its_field_and_changes_nothing(session):
    root = make_unit(session)
    admin = make_user(session, unit=root)
    drafter = make_user(session, unit=root, roles=("drafter",))
    set_zone, add_closure = org_service.set_unit_zone, org_service.add_closure
    cases = [
        (lambda: set_zone(session, unit=root, zone="Europe/Paris", actor=admin), "time_zone"),
        (lambda: org_service.set_work_hours(session, unit=root, hours=["8-16"] * 7, actor=admin), "hours_0"),
        (lambda: org_service.set_work_hours(session, unit=root, hours=[""] * 7, actor=admin), "hours_0"),
        (
            lambda: org_service.add_closure(
                session, unit=root, name="x", first_on=date(2026, 5, 2), last_on=date(2026, 5, 1), actor=admin
            ),
            "last_on",
        ),
        (
            lambda: org_service.add_hours_exception(
                session,
                unit=root,
                name="Ramadan",
                first_on=date(2026, 2, 18),
                last_on=None,
                hours="15:00-08:00",
                weekdays={0},
                actor=admin,
            ),
            "hours",
        ),
        (
            lambda: add_closure(session, unit=root, name="x", first_on=None, last_on=None, actor=admin),
            "first_on",
        ),
    ]
    before = len(_actions(session))
    for call, field in cases:
        with pytest.raises(Invalid) as err:
            call()
        assert err.value.field == field
    with pytest.raises(PermissionDenied):
        org_service.set_unit_zone(session, unit=root, zone="Asia/Makassar", actor=drafter)
    with pytest.raises(NotFound):
        org_service.remove_closure(session, unit=root, entry_id=10**6, actor=admin)
    assert len(_actions(session)) == before
    assert root.time_zone is None
    assert org_service.calendar_settings(session, root).weekly[0] == "08:00-16:00"
