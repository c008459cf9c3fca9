"""In Chromium: a leader opens a finalised version of a monthly report, sees the weekly net sentiment chart
drawn (local Vega) beside the trend figure, clicks a frozen figure and lands on that version's drill-down: the
frozen value and time, the rows of the snapshot's units (an office added later is not read), and the one
conversation that arrived after finalising marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from humas.core.time import utcnow
from humas.ingest.models import Mention
from humas.reports.service import archive as archive_service
from tests.factories import make_unit
from tests.live import LiveServer, login, unique
from tests.reports.archive_fakes import FAKE_RENDERERS
from tests.reports.world import NOV_MON, NOVEMBER, conv, mentions

pytestmark = pytest.mark.browser

FINALISED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def seed(session: Any) -> dict[str, Any]:
    root = make_unit(session, name=unique("Kementerian Arsip"))
    kanwil = make_unit(session, parent=root, name="Kanwil Arsip")
    kppn = make_unit(session, parent=kanwil, name="KPPN Arsip")
    before = [conv(session, kanwil, NOV_MON, answered_after_h=2).id,
              conv(session, kppn, NOV_MON + timedelta(days=1)).id]  # fmt: skip
    mentions(session, kanwil, NOV_MON, "negative", 3)  # week 1: -1
    mentions(session, kppn, NOV_MON + timedelta(days=21), "positive", 2)  # week 4 (23 Nov): +1
    session.execute(update(Mention).values(fetched_at=Mention.created_at))
    session.flush()
    row = archive_service.finalise_report(
        session, unit=kanwil, period=NOVEMBER, include_descendants=True, locale="id", actor=None,
        now=FINALISED, renderers=FAKE_RENDERERS,
    )  # fmt: skip
    # After finalising: a November conversation delivered late, and a new office with one of its own.
    late = conv(session, kppn, NOV_MON + timedelta(days=2), created_at=utcnow()).id
    newer = make_unit(session, parent=kanwil, name="KPPN Baru")
    conv(session, newer, NOV_MON + timedelta(days=3))
    return {"kanwil": kanwil.id, "report": row.id, "before": before, "late": late}


def test_a_leader_drills_from_a_finalised_figure_to_its_own_rows(
    live_server: LiveServer, page: Any, fernet_key: str
) -> None:
    seeded = live_server.run(seed)
    leader = live_server.add_user(seeded["kanwil"], "pimpinan")
    login(page, live_server, leader.key)
    page.goto(f"{live_server.url}/laporan/arsip/{seeded['report']}")
    trend = page.locator("[data-section=listening][data-figure='listening.net_trend']")
    assert trend.get_attribute("data-value") == "2.0"  # -1 in week 1 to +1 in week 4
    page.wait_for_selector("[data-testid='chart-listening.net_trend'] svg", state="attached")
    assert "Minggu 4" in page.inner_text("[data-testid='chart-listening.net_trend']")

    figure = page.locator("[data-section=responsiveness][data-figure='inbox.received']")
    assert figure.get_attribute("data-value") == "2"
    figure.locator("a[data-testid=drill]").click()
    page.wait_for_url(f"**/laporan/rincian?arsip={seeded['report']}**")
    notice = page.inner_text("[data-testid=drill-frozen]")
    assert "Versi 1 difinalisasi" in notice and "dibekukan pada 2" in notice and "3 baris" in notice
    rows = page.locator("[data-testid=drill-row]")
    shown = {int(rows.nth(i).get_attribute("data-id") or 0) for i in range(rows.count())}
    assert shown == {*seeded["before"], seeded["late"]}  # the later office's conversation is not read
    changed = page.locator("[data-testid=drill-row][data-changed='1']")
    assert changed.count() == 1 and changed.get_attribute("data-id") == str(seeded["late"])
    assert "berubah setelah difinalisasi" in changed.inner_text()
    page.click("[data-testid=back-to-report]")
    page.wait_for_url(f"{live_server.url}/laporan/arsip/{seeded['report']}")
