"""Lists come a page at a time with their total; narratives tell a claim from a uniform message; the audit log
reads as sentences; a feed is added from the page (TestClient, both engines)."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from humas.connectors.base import SourceItem
from humas.demo.listening import _fallback_analyzer
from humas.ingest.models import FeedSource
from humas.ingest.service import queries as queries_service
from humas.ingest.service.pipeline import ingest_items
from humas.listening.models import Narrative
from humas.listening.service import narratives as narratives_service
from humas.listening.service import rules as rules_service
from humas.org.models import AuditLog
from tests.factories import make_unit, make_user

_ids = itertools.count(1)


def _total(html: str, testid: str = "pager") -> int:
    match = re.search(rf'data-testid="{testid}".*?data-total="(\d+)"', html, re.S)
    assert match, f"no {testid} on the page"
    return int(match.group(1))


def _items(
    texts: list[str], *, accounts: int, spacing: timedelta, kind: str = "post", at: datetime | None = None
):
    start = at or datetime.now(UTC) - timedelta(hours=5)
    return [
        SourceItem(
            platform="x" if kind != "article" else "news",
            external_id=f"l{next(_ids)}",
            kind=kind,
            text=text,
            created_at=start + i * spacing,
            author_handle=f"akun{i % accounts}",
        )
        for i, text in enumerate(texts)
    ]


def test_lists_are_paginated_with_their_total(web, session, fernet_key):
    unit = make_unit(session, name="Biro Halaman")
    admin = make_user(session, unit=unit, roles=["admin"])
    for i in range(30):
        queries_service.create_query(session, unit=unit, name=f"Topik {i:02d}", query=f"kata{i}", actor=None)
        rules_service.create_rule(
            session,
            unit=unit,
            data=rules_service.RuleInput(name=f"Aturan {i:02d}", kind="spike"),
            actor=admin,
        )
        make_user(session, unit=unit, email=f"orang{i:02d}@contoh.go.id")
    session.commit()
    web.login(admin)

    first = web.get("/listening/queries").text
    assert _total(first) == 30 and first.count('data-testid="query-row"') == 25
    assert "1–25 dari 30" in first and 'rel="next"' in first
    second = web.get("/listening/queries", params={"page": "2"}).text
    assert second.count('data-testid="query-row"') == 5 and "26–30 dari 30" in second
    # A page past the end shows the last page, not an empty list.
    assert web.get("/listening/queries", params={"page": "99"}).text.count('data-testid="query-row"') == 5

    alerts = web.get("/listening/alerts").text
    assert _total(alerts, "rules-pager") == 30 and alerts.count('data-testid="rule-row"') == 25
    assert "rules_page=2" in alerts
    assert web.get("/listening/alerts", params={"rules_page": "2"}).text.count('data-testid="rule-row"') == 5

    users = web.get("/users").text
    assert _total(users) == 31 and users.count("<tr>") - 1 == 25
    assert _total(web.get("/audit").text) >= 60


def test_ten_accounts_with_one_praise_are_a_uniform_message_not_a_claim(session):
    unit = make_unit(session, name="Kanwil Seragam")
    praise = "Terima kasih petugas Kanwil Seragam, pelayanan sangat ramah dan cepat sekali"
    # The same praise from ten accounts within minutes: a coordination signal, shown as its own badge.
    ingest_items(session, _items([praise] * 10, accounts=10, spacing=timedelta(minutes=1)), unit=unit,
                 analyzer=_fallback_analyzer)  # fmt: skip
    # Praise repeated by three people over days: nothing to answer, no narrative.
    slow = "Salut untuk layanan antrean online, mudah dan lancar dipakai warga di Kanwil Seragam"
    ingest_items(session, _items([slow] * 3, accounts=3, spacing=timedelta(hours=30), at=datetime.now(UTC)
                 - timedelta(days=5)), unit=unit, analyzer=_fallback_analyzer)  # fmt: skip
    # A complaint repeated by few accounts, slowly: a claim.
    claim = "Kenapa pencairan dana di Kanwil Seragam lambat sekali, sudah dua minggu belum cair"
    ingest_items(session, _items([claim] * 4, accounts=2, spacing=timedelta(hours=2)), unit=unit,
                 analyzer=_fallback_analyzer)  # fmt: skip
    session.flush()
    narratives_service.build_narratives(session)
    found = {
        n.representative_text: n
        for n in session.scalars(select(Narrative).where(Narrative.unit_id == unit.id))
    }
    assert set(found) == {praise, claim}
    counts = narratives_service.uniform_counts(session, [n.id for n in found.values()])
    assert counts[found[praise].id] == 10 >= narratives_service.UNIFORM_ACCOUNTS
    assert counts[found[claim].id] < narratives_service.UNIFORM_ACCOUNTS


def test_hoax_hint_only_for_news_articles_and_no_preselected_label(web, session):
    unit = make_unit(session, name="Kanwil Hoaks")
    user = make_user(session, unit=unit, roles=["analyst"])
    chain = "Sebarkan! Pesan berantai: bantuan tunai dipotong petugas Kanwil Hoaks mulai besok"
    ingest_items(session, _items([chain] * 4, accounts=4, spacing=timedelta(hours=1)), unit=unit,
                 analyzer=_fallback_analyzer)  # fmt: skip
    session.flush()
    [social] = narratives_service.build_narratives(session)
    assert social.hoax_score is None  # posts only: the model is not calibrated for them
    article = (
        "Sebarkan kabar berantai soal pemotongan bantuan tunai oleh petugas, kata portal berita Kanwil Hoaks"
    )
    ingest_items(session, _items([article] * 3, accounts=3, spacing=timedelta(hours=1), kind="article"),
                 unit=unit, analyzer=_fallback_analyzer)  # fmt: skip
    session.flush()
    narratives_service.build_narratives(session)
    session.refresh(social)
    narratives = list(session.scalars(select(Narrative).where(Narrative.unit_id == unit.id)))
    assert any(n.hoax_score is not None for n in narratives)
    assert (
        narratives_service.hoax_hint("post", 0.9) is None
        and narratives_service.hoax_hint("article", 0.9) == 0.9
    )
    session.commit()
    web.login(user)
    page = web.get(f"/listening/narratives/{social.id}").text
    assert 'data-testid="hoax-hint"' not in page
    select_html = re.search(r'<select id="f-label" name="label" required>(.*?)</select>', page, re.S)
    assert select_html, "the label choice must be required"
    options = re.findall(r"<option[^>]*>", select_html.group(1))
    assert options[0] == '<option value="" selected>' and all("selected" not in o for o in options[1:])
    refused = web.post(f"/listening/narratives/{social.id}/label", {"label": ""})
    assert refused.status_code == 422 and social.label is None


def test_audit_reads_as_sentences_with_hostile_labels_escaped(web, session):
    root = make_unit(session, name="Kementerian Kalimat")
    admin = make_user(session, unit=root, roles=["admin"], name="Admin Demo")
    web.login(admin)
    hostile = "<img src=x onerror=alert(1)> Pajak"
    queries_service.create_query(session, unit=root, name=hostile, query="pajak", actor=admin)
    session.commit()
    html = web.get("/audit", params={"action": "query.create"}).text
    assert "Admin Demo membuat topik pantauan <em>&lt;img src=x onerror=alert(1)&gt; Pajak</em>" in html
    assert "<img src=x" not in html
    english = web.client.get("/audit", params={"action": "query.create"}, cookies={"humas_locale": "en"})
    assert english.status_code == 200


def test_analyst_adds_a_feed_from_the_page_and_a_drafter_cannot(web, session):
    unit = make_unit(session, name="Biro Berita")
    analyst = make_user(session, unit=unit, roles=["analyst"])
    drafter = make_user(session, unit=unit, roles=["drafter"])
    session.commit()
    web.login(drafter)
    page = web.get("/mentions/feeds").text
    assert 'data-testid="feed-add"' not in page and "humas source add-feed" not in page
    assert (
        web.post("/mentions/feeds", {"url": "https://portal.example/rss", "unit_id": unit.id}).status_code
        == 403
    )
    web.login(analyst)
    assert 'data-testid="feed-add"' in web.get("/mentions/feeds").text
    bad = web.post("/mentions/feeds", {"url": "ftp://portal.example/rss", "unit_id": unit.id})
    assert bad.status_code == 422 and "http(s)" in bad.text
    ok = web.post("/mentions/feeds", {"url": "https://portal.example/rss", "unit_id": unit.id})
    assert ok.status_code == 303
    feed = session.scalar(select(FeedSource).where(FeedSource.unit_id == unit.id))
    assert feed is not None and feed.url == "https://portal.example/rss"
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "feed.add", AuditLog.unit_id == unit.id))
    assert entry is not None and entry.actor_id == analyst.id


@pytest.mark.parametrize(
    "path", ["/", "/units", "/users", "/profile", "/listening/queries", "/mentions/feeds", "/channels"]
)
def test_every_list_page_shows_its_pager(web, session, path):
    unit = make_unit(session, name="Biro Penomor")
    web.login(make_user(session, unit=unit, roles=["admin"]))
    assert 'data-testid="pager-total"' in web.get(path).text


def test_an_unsafe_source_address_is_shown_as_text_not_a_link(web, session):
    unit = make_unit(session, name="Biro Tautan")
    user = make_user(session, unit=unit, roles=["analyst"])
    item = SourceItem(platform="x", external_id="unsafe-1", kind="post", text="Tautan aneh di sebutan ini",
                      created_at=datetime.now(UTC), url="javascript:alert(1)")  # fmt: skip
    [mention_id] = ingest_items(session, [item], unit=unit, analyzer=_fallback_analyzer).added_ids
    session.commit()
    web.login(user)
    page = web.get(f"/mentions/{mention_id}").text
    assert 'data-testid="source-link"' not in page and 'href="javascript:' not in page
    assert 'data-testid="source-text"' in page and "javascript:alert(1)" in page


def test_chart_labels_read_in_the_page_language(web, session):
    unit = make_unit(session, name="Biro Grafik")
    user = make_user(session, unit=unit, roles=["analyst"])
    at = datetime.now(UTC) - timedelta(hours=3)
    ingest_items(session, _items(["Layanan lambat sekali, kecewa berat dengan antrean"] * 4, accounts=4,
                 spacing=timedelta(minutes=5), at=at), unit=unit, analyzer=_fallback_analyzer)  # fmt: skip
    from humas.listening.service import facets

    facets.update_facets(session)
    session.commit()
    web.login(user)
    panel = web.get("/listening/panels/emotions", params={"days": "2"}).text
    assert "Marah" in panel and "&#34;anger&#34;" not in panel and '"anger"' not in panel
    assert "&#34;thousands&#34;: &#34;.&#34;" in panel or '"thousands": "."' in panel


def test_dates_are_typed_day_first_whatever_the_browser(web, session):
    unit = make_unit(session, name="Biro Tanggal")
    user = make_user(session, unit=unit, roles=["admin"])
    old = datetime(2026, 11, 20, 5, tzinfo=UTC)
    ingest_items(session, _items(["Sebutan lama tentang antrean pajak di kantor"], accounts=1,
                 spacing=timedelta(minutes=1), at=old), unit=unit, analyzer=_fallback_analyzer)  # fmt: skip
    new = old + timedelta(days=6)
    ingest_items(session, _items(["Sebutan baru tentang antrean pajak di kantor"], accounts=1,
                 spacing=timedelta(minutes=1), at=new), unit=unit, analyzer=_fallback_analyzer)  # fmt: skip
    session.commit()
    web.login(user)
    page = web.get("/mentions", params={"since": "25/11/2026"})
    assert page.status_code == 200
    assert "Sebutan baru" in page.text and "Sebutan lama" not in page.text
    assert 'name="since" type="text"' in page.text and 'value="25/11/2026"' in page.text
    iso = web.get("/mentions", params={"since": "2026-11-25"}).text
    assert 'value="25/11/2026"' in iso and "Sebutan lama" not in iso
    bad = web.get("/mentions", params={"since": "31/02/2026"})
    assert bad.status_code == 422 and "since" in bad.text
    assert "HH/BB/TTTT" in web.get("/audit", params={"since": "kemarin"}).text


def test_a_failed_mail_delivery_says_which_setting_to_fix():
    from humas.core.i18n import use_locale
    from humas.listening.service import deliveries
    from humas.outbox.models import OutboxMessage

    down = OutboxMessage(last_error="SMTP connection to localhost:25 failed: ConnectionRefusedError(111)")
    with use_locale("id"):
        hint = str(deliveries.error_hint(down))
    assert "HUMAS_SMTP_HOST" in hint and "Server surel" in hint
    login = OutboxMessage(last_error="SMTP authentication failed (535)")
    assert "HUMAS_SMTP_PASSWORD" in str(deliveries.error_hint(login))
    assert deliveries.error_hint(OutboxMessage(last_error="HTTP 500 from the webhook")) is None


def test_channels_page_at_a_time_and_the_reauth_notice_names_every_page(web, session, fernet_key):
    from tests.channels.factories import make_channel

    unit = make_unit(session, name="Biro Kanal")
    admin = make_user(session, unit=unit, roles=["admin"])
    for i in range(30):
        status = "needs_reauth" if i == 29 else "ok"
        make_channel(session, unit=unit, name=f"Kanal {i:02d}", status=status)
    session.commit()
    web.login(admin)

    first = web.get("/channels").text
    assert _total(first) == 30 and first.count("data-channel-id=") == 25
    # The channel that needs new credentials is on page 2, and page 1 still says so.
    assert 'data-testid="reauth-alert"' in first and "Kanal 29" in first
    second = web.get("/channels", params={"page": "2"}).text
    assert second.count("data-channel-id=") == 5 and "26–30 dari 30" in second
