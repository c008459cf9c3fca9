"""Correcting and withdrawing a kit in real Chromium: the ministry's drafter corrects an issued kit with the
prefilled form; a receiving unit's drafter sees what changed and that its draft must be reviewed, marks it
reviewed; the drafter withdraws the kit with a reason, and the unit sees it withdrawn with no way to adapt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from humas.core.time import utcnow
from tests.live import LiveServer, login, unique
from tests.publishing.kit_factories import adapt, issue, make_network

pytestmark = pytest.mark.browser
REASON = "Angka belanja pendidikan di materi salah ketik."


def _seed(live: LiveServer) -> dict[str, Any]:
    def seed(session) -> dict[str, Any]:
        net = make_network(session, offices=1, per_office=1)
        net.ministry.name = unique("Kementerian Koreksi")
        now = utcnow()
        kit = issue(session, net, title=unique("Uang Kita"), starts_at=now - timedelta(hours=1),
                    ends_at=now + timedelta(days=2))  # fmt: skip
        post = adapt(session, kit, net, net.units[0])
        return {"ministry": net.ministry.id, "unit": net.units[0].id, "kit": kit.id, "post": post.id}

    ids = live.run(seed)
    ids["issuer"] = live.add_user(ids["ministry"], "drafter", key=unique("biro").replace(" ", "-"))
    ids["local"] = live.add_user(ids["unit"], "drafter", key=unique("kanwil").replace(" ", "-"))
    return ids


def test_a_kit_corrected_then_withdrawn(page, browser, live_server: LiveServer, fernet_key) -> None:
    ids = _seed(live_server)
    kit_url = f"{live_server.url}/publishing/kits/{ids['kit']}"
    login(page, live_server, ids["issuer"].key)
    page.goto(kit_url)
    page.click("[data-testid=kit-correct]")
    master = page.locator("[data-testid=kit-master]")
    assert "naik 10%" in master.input_value()
    master.fill(master.input_value().replace("10%", "12%"))
    page.fill("[data-testid=kit-correct-reason]", REASON)
    page.click("[data-testid=kit-correct-submit]")
    page.wait_for_selector("[data-testid=kit-changes]")
    assert "2" in page.locator("[data-testid=kit-version]").inner_text()
    assert page.locator("[data-testid=tracker-to-review]").count() == 1

    other = browser.new_context(locale="id-ID")
    unit_page = other.new_page()
    try:
        login(unit_page, live_server, ids["local"].key)
        unit_page.goto(kit_url)
        change = unit_page.locator("[data-testid=kit-change][data-field=master_text]")
        assert "10%" in change.locator("del").inner_text() and "12%" in change.locator("ins").inner_text()
        assert REASON in unit_page.locator("[data-testid=kit-version-reason]").inner_text()
        unit_page.click("[data-testid=kit-review]")
        unit_page.wait_for_selector("[data-testid=kit-adapt]")
        assert unit_page.locator("[data-testid=kit-to-review]").count() == 0

        page.goto(kit_url)
        page.fill("[data-testid=kit-withdraw-reason]", REASON)
        page.click("[data-testid=kit-withdraw]")
        page.wait_for_selector("[data-testid=kit-withdrawn]")
        assert page.locator("[data-testid=kit-correct]").count() == 0

        unit_page.goto(kit_url)
        assert REASON in unit_page.locator("[data-testid=kit-withdrawn-reason]").inner_text()
        assert unit_page.locator("[data-testid=kit-adapt]").count() == 0
        unit_page.goto(f"{live_server.url}/publishing/kits")
        rows = unit_page.locator(f"[data-testid=kit-queue-row][data-kit='{ids['kit']}']")
        assert rows.count() == 2  # the office's own receipt and its service office's
        assert rows.locator("[data-testid=kit-queue-withdrawn]").count() == 2
    finally:
        other.close()


def test_the_kit_form_checks_the_master_text_as_it_is_typed(page, live_server: LiveServer) -> None:
    ids = _seed(live_server)
    login(page, live_server, ids["issuer"].key)
    page.goto(f"{live_server.url}/publishing/kits/new")
    page.select_option("select[name=unit_id]", str(ids["ministry"]))
    page.fill("[data-testid=kit-key-0]", "APBN bekerja untuk rakyat.")
    page.locator("[data-testid=kit-master]").press_sequentially("Info: NIK 3273014501900001 ya", delay=10)
    box = page.locator("[data-testid=kit-check-master]")
    box.locator("[data-testid=guardrail-finding][data-rule=nik]").wait_for()
    assert box.locator("[data-testid=guardrail-blocked]").count() == 1
    page.fill("[data-testid=kit-master]", "APBN 2027 hadir untuk rakyat.")
    page.locator("[data-testid=kit-master]").press("End")
    page.locator("[data-testid=kit-master]").press_sequentially(" Terima kasih.", delay=10)
    box.locator("[data-testid=guardrail-finding]").first.wait_for(state="detached")
