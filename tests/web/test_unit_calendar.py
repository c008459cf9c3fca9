"""The unit page's time zone and working calendar; times shown in the viewer's unit zone (both engines)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from humas.org import service as org_service
from humas.org.models import AuditLog, UnitClosure, UnitHoursException
from tests.factories import make_unit, make_user
from tests.web.conftest import WebClient


def _audit(session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_an_admin_sets_zone_hours_exceptions_and_closures(web: WebClient, session) -> None:
    admin = make_user(session)
    kanwil = make_unit(session, parent=admin.unit, name="Kanwil Sulawesi Selatan")
    web.login(admin)
    page = web.get(f"/units/{kanwil.id}")
    assert page.status_code == 200 and 'data-testid="unit-calendar"' in page.text
    assert "WIB · Asia/Jakarta" in page.text  # inherited from the top

    assert web.post(f"/units/{kanwil.id}/zone", {"time_zone": "Asia/Makassar"}).status_code == 303
    hours = ["07:30-16:00"] * 4 + ["07:30-11:30, 13:00-16:30", "", ""]
    assert web.post(f"/units/{kanwil.id}/hours", {"hours": hours}).status_code == 303
    ramadan = {
        "x_name": "Ramadan",
        "x_first_on": "2026-02-18",
        "x_last_on": "2026-03-19",
        "x_hours": "08:00-15:00",
        "x_weekdays": ["0", "1", "2", "3"],
    }
    assert web.post(f"/units/{kanwil.id}/exceptions", ramadan).status_code == 303
    closure = {"c_name": "Hari jadi Sulsel", "c_first_on": "2026-10-19", "c_last_on": ""}
    assert web.post(f"/units/{kanwil.id}/closures", closure).status_code == 303

    page = web.get(f"/units/{kanwil.id}")
    assert "WITA · Asia/Makassar" in page.text and "07:30-11:30, 13:00-16:30" in page.text
    assert "Ramadan" in page.text and "Hari jadi Sulsel" in page.text
    cal = org_service.unit_calendar(session, kanwil)
    assert cal.zone.key == "Asia/Makassar" and cal.hours_on(datetime(2026, 3, 3).date()) == ((480, 900),)
    assert cal.closed_because(datetime(2026, 10, 19).date()) == "Hari jadi Sulsel"

    closure_id = session.scalar(select(UnitClosure.id).where(UnitClosure.unit_id == kanwil.id))
    exception_id = session.scalar(
        select(UnitHoursException.id).where(UnitHoursException.unit_id == kanwil.id)
    )
    assert web.post(f"/units/{kanwil.id}/closures/{closure_id}/delete").status_code == 303
    assert web.post(f"/units/{kanwil.id}/exceptions/{exception_id}/delete").status_code == 303
    assert web.post(f"/units/{kanwil.id}/hours", {"hours": [""] * 7, "inherit": "true"}).status_code == 303
    assert _audit(session)[-7:] == [
        "unit.time_zone",
        "unit.work_hours",
        "unit.hours_exception.add",
        "unit.closure.add",
        "unit.closure.remove",
        "unit.hours_exception.remove",
        "unit.work_hours",
    ]
    assert not org_service.calendar_settings(session, kanwil).own_hours


def test_bad_calendar_input_is_marked_and_changes_nothing(web: WebClient, session) -> None:
    admin = make_user(session)
    unit = make_unit(session, parent=admin.unit, name="KPPN Bima")
    web.login(admin)
    before = session.scalar(select(func.count(AuditLog.id)))
    cases = [
        ("zone", {"time_zone": "Mars/Olympus"}, "time_zone"),
        ("hours", {"hours": ["8 sampai 4"] + [""] * 6}, "hours_0"),
        ("hours", {"hours": [""] * 7}, "hours_0"),
        ("exceptions", {"x_name": "Ramadan", "x_first_on": "18-02-2026", "x_weekdays": ["0"]}, "x_first_on"),
        ("exceptions", {"x_name": "R", "x_first_on": "2026-02-18", "x_hours": "15-08"}, "x_weekdays"),
        ("closures", {"c_name": "", "c_first_on": "2026-10-19"}, "c_name"),
        ("closures", {"c_name": "Libur", "c_first_on": "2026-10-19", "c_last_on": "2026-10-01"}, "c_last_on"),
    ]
    for path, data, field in cases:
        response = web.post(f"/units/{unit.id}/{path}", data)
        assert response.status_code == 422, (path, data)
        marked = re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', response.text) or re.search(
            rf'field has-error">\s*(?:<legend>[^<]*</legend>\s*)?<label for="f-{field}"', response.text
        )
        assert marked or f'id="e-{field}"' in response.text, (field, response.text[:2000])
    assert session.scalar(select(func.count(AuditLog.id))) == before
    drafter = make_user(session, unit=admin.unit, roles=("drafter",))
    web.login(drafter)
    assert 'data-testid="unit-zone-form"' not in web.get(f"/units/{unit.id}").text
    assert web.post(f"/units/{unit.id}/zone", {"time_zone": "Asia/Makassar"}).status_code == 403


def test_pages_show_times_in_the_viewers_unit_zone(web: WebClient, session) -> None:
    root = make_unit(session, name="Kementerian")
    papua = make_unit(session, parent=root, name="Kanwil Papua")
    admin = make_user(session, unit=root)
    org_service.set_unit_zone(session, unit=papua, zone="Asia/Jayapura", actor=admin)
    viewer = make_user(session, unit=papua, roles=("admin",))
    colleague = make_user(session, unit=papua, roles=("drafter",))
    colleague.last_login_at = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    session.flush()
    web.login(viewer)
    text = web.get(f"/users/{colleague.id}").text
    assert re.search(r"11[.:]00[.:]00 WIT\b", text), text[:3000]  # 02:00 UTC is 11:00 in Jayapura
    web.login(admin)
    text = web.get(f"/users/{colleague.id}").text
    assert re.search(r"09[.:]00[.:]00 WIB\b", text)  # the same moment for a viewer in Jakarta


def test_explorer_dates_are_days_of_the_viewers_zone(web: WebClient, session) -> None:
    from zoneinfo import ZoneInfo

    from tests.listening.conftest import add_mentions

    makassar = ZoneInfo("Asia/Makassar")
    root = make_unit(session, name="Kementerian")
    sulsel = make_unit(session, parent=root, name="Kanwil Sulsel")
    admin = make_user(session, unit=root)
    org_service.set_unit_zone(session, unit=sulsel, zone="Asia/Makassar", actor=admin)
    late = datetime(2026, 11, 10, 23, 30, tzinfo=makassar)
    early = datetime(2026, 11, 11, 0, 30, tzinfo=makassar)
    add_mentions(session, sulsel, ["Larut malam di Makassar"], at=late)
    add_mentions(session, sulsel, ["Lewat tengah malam"], at=early)
    day = "/mentions?since=2026-11-10&until=2026-11-10"
    web.login(make_user(session, unit=sulsel, roles=("analyst",)))
    text = web.get(day).text
    assert "Larut malam di Makassar" in text and "Lewat tengah malam" not in text  # 10 Nov in WITA
    web.login(admin)
    text = web.get(day).text
    assert "Larut malam di Makassar" in text and "Lewat tengah malam" in text  # both on 10 Nov in WIB


def test_audit_days_are_days_of_the_viewers_zone(web: WebClient, session) -> None:
    root = make_unit(session, name="Kementerian")
    papua = make_unit(session, parent=root, name="Kanwil Papua")
    admin = make_user(session, unit=root)
    org_service.set_unit_zone(session, unit=papua, zone="Asia/Jayapura", actor=admin)
    session.add(
        AuditLog(
            at=datetime(2026, 11, 23, 16, 0, tzinfo=UTC),  # 24 Nov 01:00 WIT, 23 Nov 23:00 WIB
            actor_label="system",
            action="unit.uji_zona",
            object_type="unit",
            object_label="entri pagi",
            unit_id=papua.id,
        )
    )
    session.flush()
    day = "/audit?action=unit.uji_zona&since=2026-11-24&until=2026-11-24"
    web.login(make_user(session, unit=papua, roles=("admin",)))
    assert "entri pagi" in web.get(day).text  # 01:00 on 24 Nov in Jayapura
    web.login(admin)
    assert "entri pagi" not in web.get(day).text  # still 23 Nov (23:00) in Jakarta
