"""A leader opens a unit's monthly report in Chromium, reads its charts (local Vega, no internet), clicks a
responsiveness figure and lands on the conversations behind it: the same ones, with the same subjects, as
the drill-down service lists (on demo-like data: tests/reports/world.py, a sibling's conversations included
so that leaking one would show)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from humas.org import service as org_service
from humas.org.models import Unit, User
from humas.reports.service import drill_rows
from tests.factories import make_unit
from tests.live import LiveServer, login, unique
from tests.reports.world import NOV_MON, NOVEMBER, conv, mentions

RECEIVED = 4


def seed(session: Any) -> tuple[int, int]:
    """A unit with a child and a sibling, each with conversations in November (WIB) and mentions."""
    root = make_unit(session, name=unique("Kementerian Laporan"))
    kanwil_a = make_unit(session, parent=root, name="Kanwil A")
    kppn = make_unit(session, parent=kanwil_a, name="KPPN A1")
    sibling = make_unit(session, parent=root, name="Kanwil B")
    conv(session, kanwil_a, NOV_MON, answered_after_h=2, subject="Kapan gaji ke-13 cair?")
    conv(session, kanwil_a, NOV_MON + timedelta(days=1), subject="Antrian layanan <b>panjang</b>")
    conv(session, kppn, NOV_MON + timedelta(days=2), answered_after_h=1, subject="Jadwal SP2D")
    conv(session, kppn, NOV_MON + timedelta(days=3), answered_after_h=3, subject="Terima kasih KPPN")
    for i in range(3):
        conv(session, sibling, NOV_MON, answered_after_h=1, subject=f"Percakapan tetangga {i}")
    mentions(session, kanwil_a, NOV_MON, "positive", 3)
    mentions(session, kppn, NOV_MON, "negative", 2)
    return kanwil_a.id, sibling.id


pytestmark = pytest.mark.browser


def test_leader_drills_from_a_figure_to_its_conversations(
    live_server: LiveServer, page: Any, fernet_key: str
) -> None:
    kanwil_a, kanwil_b = live_server.run(seed)
    leader = live_server.add_user(kanwil_a, "pimpinan")
    login(page, live_server, leader.key)

    page.click("a[data-nav=reports]")
    page.wait_for_url(f"{live_server.url}/laporan")
    page.select_option("#f-unit", str(kanwil_a))
    if page.locator(f"#f-period option[value='{NOVEMBER.key}']").count():
        page.select_option("#f-period", NOVEMBER.key)
    else:  # a later year: the same month typed as custom dates
        page.select_option("#f-period", "custom")
        page.fill("#f-dari", "01/11/2026")
        page.fill("#f-sampai", "30/11/2026")
    page.click("[data-testid=open-report]")
    page.wait_for_url("**/laporan/draf?**")
    assert "November 2026" in page.inner_text("[data-testid=report-scope]")
    page.wait_for_selector(".vl-chart svg", state="attached")  # drawn by the local Vega bundle

    figure = page.locator("[data-section=responsiveness][data-figure='inbox.received']")
    assert figure.get_attribute("data-value") == str(RECEIVED)
    figure.locator("a[data-testid=drill]").click()
    page.wait_for_url("**/laporan/rincian?**")
    rows = page.locator("[data-testid=drill-row]")
    shown = {int(rows.nth(i).get_attribute("data-id") or 0): rows.nth(i).locator("td").nth(1).inner_text()
             for i in range(rows.count())}  # fmt: skip

    def expected(session: Any) -> dict[int, str]:
        actor = session.get(User, leader.id)
        unit = session.get(Unit, kanwil_a)
        period = NOVEMBER if "period=2026-11" in page.url else NOVEMBER.custom(NOVEMBER.first, NOVEMBER.last)
        found = drill_rows(session, actor=actor, unit=unit, period=period, include_descendants=True,
                           figure="inbox.received", page=1, per_page=50)  # fmt: skip
        assert not org_service.can_access(actor, session.get(Unit, kanwil_b))
        return {c.id: c.subject for c in found.page.items}

    want = live_server.run(expected)
    assert len(want) == RECEIVED and shown == want
    assert "Antrian layanan <b>panjang</b>" in shown.values()  # shown as text, not markup
    # Each row opens the conversation's own page in the inbox.
    first = min(shown)
    page.click(f"[data-testid=drill-row][data-id='{first}'] a[data-testid=drill-link]")
    page.wait_for_url(f"{live_server.url}/inbox/{first}")
