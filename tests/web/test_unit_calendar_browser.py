"""Real Chromium: an admin gives a unit its zone and Ramadan hours; the pages then speak WITA."""

from __future__ import annotations

import pytest

from humas.org import service as org_service
from humas.org.models import Unit
from tests.live import LiveServer, login

pytestmark = pytest.mark.browser


def test_admin_sets_a_wita_zone_and_ramadan_hours(page, live_server: LiveServer) -> None:
    url, unit_id = live_server.url, live_server.units["dg_b"]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server, "admin_b")
    page.goto(f"{url}/units/{unit_id}")
    assert "WIB · Asia/Jakarta" in page.locator("[data-testid=unit-zone]").inner_text()

    page.select_option("[data-testid=unit-zone-form] select[name=time_zone]", "Asia/Makassar")
    page.click("[data-testid=unit-zone-form] button[type=submit]")
    assert "Zona waktu disimpan." in page.locator(".notice.success").inner_text()
    assert "WITA · Asia/Makassar" in page.locator("[data-testid=unit-zone]").inner_text()

    form = page.locator("[data-testid=unit-exception-form]")
    form.locator("input[name=x_name]").fill("Ramadan 1448 H")
    form.locator("input[name=x_first_on]").fill("2027-02-08")
    form.locator("input[name=x_last_on]").fill("2027-03-09")
    form.locator("input[name=x_hours]").fill("08:00-15:00")
    form.locator("input[name=x_weekdays][value='4']").uncheck()  # Friday has its own hours
    form.locator("button[type=submit]").click()
    assert "Ramadan 1448 H" in page.locator("[data-testid=unit-exceptions]").inner_text()

    # A bad time span is marked on its field, and nothing is added.
    form = page.locator("[data-testid=unit-exception-form]")
    form.locator("input[name=x_name]").fill("Salah")
    form.locator("input[name=x_first_on]").fill("2027-04-01")
    form.locator("input[name=x_hours]").fill("16:00-08:00")
    form.locator("button[type=submit]").click()
    assert page.locator("#f-x_hours[aria-invalid=true]").count() == 1
    assert "Salah" not in page.locator("[data-testid=unit-exceptions]").inner_text()

    # Times on the pages are now WITA for this admin (the audit log lists the change just made).
    page.goto(f"{url}/audit")
    assert "WITA" in page.locator("main").inner_text()

    def zone(session) -> str:
        return org_service.unit_zone_name(session, session.get(Unit, unit_id))

    assert live_server.run(zone) == "Asia/Makassar"
    page.goto(f"{url}/units/{unit_id}")  # back to the ministry's zone for the other browser tests
    page.select_option("[data-testid=unit-zone-form] select[name=time_zone]", "")
    page.click("[data-testid=unit-zone-form] button[type=submit]")
    assert live_server.run(zone) == "Asia/Jakarta"
    assert not [e for e in errors if "422" not in e], errors  # the refused form answers 422 on purpose
