"""The content kit acceptance run in real Chromium: a ministry's drafter issues a kit with the form to the
ministry's 50 descendant units (5 regional offices × 9 service offices); 20 units publish it, 5 hold a
draft, the window closes and the other 30 are late. The tracker shows exactly that, the public's uses of the
kit's hashtags are counted, and "remind" e-mails the 30 late units' drafters through a real local SMTP server
(and nobody else)."""

from __future__ import annotations

import email
import time
from datetime import timedelta
from email import policy
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from humas.core.time import utcnow
from humas.publishing.kits import ContentKit
from tests.live import LiveServer, login, unique
from tests.publishing.kit_factories import adapt, make_network, mark_published
from tests.smtp import Inbox

pytestmark = pytest.mark.browser
WIB = ZoneInfo("Asia/Jakarta")


def _ministry(live: LiveServer) -> dict[str, Any]:
    def seed(session) -> dict[str, Any]:
        net = make_network(session)
        net.ministry.name = unique("Kementerian Narasi")
        return {
            "ministry": net.ministry.id,
            "units": [u.id for u in net.units],
            "emails": {u.id: net.drafters[u.id].email for u in net.units},
        }

    ids = live.run(seed)
    ids["issuer"] = live.add_user(ids["ministry"], "drafter", key=unique("biro").replace(" ", "-"))
    return ids


def _progress(live: LiveServer, kit_id: int, units: list[int]) -> None:
    """20 units publish (an hour apart), 5 make a draft; then the window closes."""

    def run(session) -> None:
        from humas.org.models import Unit
        from tests.publishing.kit_factories import Network

        kit = session.get(ContentKit, kit_id)
        start = utcnow() - timedelta(days=2)
        drafters = {r.unit_id: _drafter(session, r.unit_id) for r in kit.receipts}
        net = Network(kit.issuer, drafters[units[0]], drafters[units[0]], [], {}, drafters)
        for k, unit_id in enumerate(units[:25]):
            post = adapt(session, kit, net, session.get(Unit, unit_id))
            if k < 20:
                mark_published(session, post, start + timedelta(hours=k + 1))
        kit.starts_at, kit.ends_at = start, utcnow() - timedelta(minutes=1)

    live.run(run)


def _drafter(session, unit_id: int):
    from humas.org.models import User

    return session.scalars(select(User).where(User.unit_id == unit_id)).first()


def _mentions(live: LiveServer, ministry_id: int) -> None:
    def run(session) -> None:
        from humas.ingest.service import pipeline
        from humas.org.models import Unit
        from tests.ingest.helpers import fake_analyze, item

        texts = [
            "Mantap #UangKita bagus",
            "Pajak kita untuk sekolah #uangkita",
            "Tidak terkait",
            "#UangKita lambat",
        ]
        stamp = unique("m").replace(" ", "-")
        items = [item(t, external_id=f"{stamp}-{i}") for i, t in enumerate(texts)]
        pipeline.ingest_items(session, items, unit=session.get(Unit, ministry_id), analyzer=fake_analyze)

    live.run(run)


def test_a_kit_to_50_units_tracked_and_late_units_reminded(
    page, live_server: LiveServer, smtp_inbox: Inbox, fernet_key
) -> None:
    ids = _ministry(live_server)
    login(page, live_server, ids["issuer"].key)
    page.goto(f"{live_server.url}/publishing/kits/new")
    now = utcnow().astimezone(WIB)
    page.select_option("select[name=unit_id]", str(ids["ministry"]))
    title = unique("Uang Kita")
    page.fill("[data-testid=kit-title]", title)
    page.fill("[data-testid=kit-key-0]", "APBN bekerja untuk rakyat.")
    page.check("[data-testid=kit-lock-0]")
    page.fill("[data-testid=kit-master]", "APBN 2027 hadir untuk rakyat.")
    page.fill("[data-testid=kit-hashtags]", "#UangKita")
    page.fill("[data-testid=kit-starts]", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("[data-testid=kit-ends]", (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.check("[data-testid=kit-mandatory]")
    page.click("[data-testid=kit-issue]")
    page.wait_for_selector("[data-testid=kit-tracker]")
    assert page.locator("[data-testid=tracker-row]").count() == 50
    assert page.locator("[data-testid=kit-count-belum]").inner_text() == "50"
    kit_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

    _progress(live_server, kit_id, ids["units"])
    _mentions(live_server, ids["ministry"])
    page.reload()
    counts = {s: page.locator(f"[data-testid=kit-count-{s}]").inner_text()
              for s in ("terbit", "menunggu_persetujuan", "draf", "belum", "terlambat")}  # fmt: skip
    assert counts == {
        "terbit": "20",
        "menunggu_persetujuan": "0",
        "draf": "0",
        "belum": "0",
        "terlambat": "30",
    }
    assert page.locator("[data-testid=tracker-row][data-state=terbit]").count() == 20
    assert page.locator("[data-testid=tracker-row][data-state=terlambat]").count() == 30
    first = page.locator(f"[data-testid=tracker-row][data-unit='{ids['units'][0]}']")
    assert first.locator("[data-testid=tracker-link]").get_attribute("href").startswith("https://x.com/")
    assert "WIB" in first.locator("[data-testid=tracker-time]").inner_text()
    assert page.locator("[data-testid=kit-coverage]").inner_text() == "40%"
    assert page.locator("[data-testid=kit-mentions]").inner_text() == "3"

    smtp_inbox.messages.clear()  # the issue's own notices went out when it was issued
    page.click("[data-testid=kit-remind]")
    page.wait_for_selector("text=30 unit diingatkan.")
    late = {ids["emails"][u] for u in ids["units"][20:]}
    deadline = time.monotonic() + 15
    while (
        len({r for _f, rcpts, _raw in smtp_inbox.messages for r in rcpts} & late) < 30
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    mails = [email.message_from_bytes(raw, policy=policy.default) for _f, _r, raw in smtp_inbox.messages]
    assert {r for _f, rcpts, _raw in smtp_inbox.messages for r in rcpts} == late
    assert all(title in m["Subject"] and m["Subject"].startswith("Terlambat") for m in mails)
    page.click("[data-testid=kit-remind]")  # the same day: nobody twice
    page.wait_for_selector("text=0 unit diingatkan.")
    assert len(smtp_inbox.messages) == 30
