"""News feeds on recorded RSS/Atom answers (respx): conditional GET, article text, health and backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx
from sqlalchemy import func, select

from humas.connectors.base import Source
from humas.connectors.feeds import FeedError, FeedSource, html_to_text
from humas.core.errors import Conflict, Invalid
from humas.core.time import utcnow
from humas.ingest.models import Mention
from humas.ingest.service import feeds as feeds_service
from tests.factories import make_unit
from tests.ingest.helpers import fake_analyze

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
ANTARA = "https://www.antaranews.com/rss/ekonomi.xml"
DETIK = "https://rss.detik.com/index.php/finance"
PEMDA = "https://berita.contohkota.go.id/feeds/posts/default"
ARTICLE = "https://www.antaranews.com/berita/4100001/kemenkeu-percepat-pencairan-dana"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _rss(name: str, **headers: str) -> httpx.Response:
    return httpx.Response(
        200, content=_fixture(name), headers={"content-type": "application/rss+xml", **headers}
    )


@respx.mock
def test_rss_with_summaries_fetches_articles_and_uses_conditional_get():
    route = respx.get(ANTARA)
    route.side_effect = [
        _rss("antara_rss.xml", etag='"v1"', **{"last-modified": "Tue, 24 Nov 2026 02:15:00 GMT"}),
        httpx.Response(304),
    ]
    respx.get(ARTICLE).mock(return_value=httpx.Response(200, html=_fixture("antara_article.html").decode()))
    respx.get(url__regex=r".*/4100002/.*").mock(return_value=httpx.Response(500))
    source = FeedSource(ANTARA, client=httpx.Client())
    assert isinstance(source, Source)
    first = source.fetch(None)
    assert [i.external_id for i in first.items] == [
        "https://www.antaranews.com/berita/4100002/penerimaan-pajak-daerah-naik",
        ARTICLE,
    ]  # oldest first
    extracted, summary_only = first.items[1], first.items[0]
    assert extracted.kind == "article" and extracted.platform == "news"
    assert "satu hari kerja" in extracted.text and "Berita Terkait" not in extracted.text
    assert extracted.raw["extracted"] is True
    assert extracted.created_at == datetime(2026, 11, 24, 2, 10, tzinfo=UTC)
    assert summary_only.text.startswith("Penerimaan pajak daerah naik 12 persen\n\nJakarta (ANTARA)")
    assert first.cursor["etag"] == '"v1"' and len(first.cursor["seen"]) == 2

    second = source.fetch(first.cursor)
    assert second.items == [] and second.cursor == first.cursor
    sent = route.calls[1].request.headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Tue, 24 Nov 2026 02:15:00 GMT"


@respx.mock
def test_atom_with_full_content_needs_no_page():
    respx.get(PEMDA).mock(return_value=httpx.Response(200, content=_fixture("pemda_atom.xml")))
    result = FeedSource(PEMDA, client=httpx.Client()).fetch(None)
    (item,) = result.items
    assert item.external_id == "tag:blogger.com,1999:blog-1234567890.post-111"
    assert item.author_name == "Humas Setda"
    assert "Mal Pelayanan Publik (MPP)" in item.text and "<p>" not in item.text
    assert item.url == "https://berita.contohkota.go.id/2026/11/mpp.html"


def test_html_to_text_drops_markup():
    assert html_to_text("<p>Satu &amp; dua</p><p>tiga<br/>empat</p>") == "Satu & dua\ntiga\nempat"


@respx.mock
def test_not_a_feed_raises():
    respx.get(DETIK).mock(return_value=httpx.Response(200, html="<html><body>Maintenance</body></html>"))
    with pytest.raises(FeedError):
        FeedSource(DETIK, client=httpx.Client()).fetch(None)


@respx.mock
def test_broken_feed_is_marked_unhealthy_and_never_stops_the_others(session):
    unit = make_unit(session)
    antara = feeds_service.add_feed(session, unit=unit, url=ANTARA, actor=None, extract_articles=False)
    detik = feeds_service.add_feed(session, unit=unit, url=DETIK, actor=None)
    pemda = feeds_service.add_feed(session, unit=unit, url=PEMDA, actor=None)
    respx.get(ANTARA).mock(return_value=_rss("antara_rss.xml"))
    respx.get(DETIK).mock(return_value=httpx.Response(503))
    respx.get(PEMDA).mock(return_value=httpx.Response(200, content=_fixture("pemda_atom.xml")))
    outcomes = feeds_service.poll_due_feeds(session, client=httpx.Client(), analyzer=fake_analyze)
    assert outcomes[detik.id].startswith("failed")
    assert outcomes[antara.id] == outcomes[pemda.id].replace("1 new", "2 new") == "2 new, 0 known"
    assert session.scalar(select(func.count()).select_from(Mention)) == 3
    assert (antara.healthy, pemda.healthy, detik.healthy) == (True, True, False)
    assert detik.failures == 1 and "HTTP 503" in detik.last_error
    assert detik.next_poll_at - utcnow() > timedelta(seconds=detik.interval_s)
    assert feeds_service.due_feed_ids(session) == []

    # Backoff grows with each failure; a good poll makes the feed healthy again.
    detik.next_poll_at = utcnow() - timedelta(seconds=1)
    feeds_service.poll_due_feeds(session, client=httpx.Client(), analyzer=fake_analyze)
    assert detik.failures == 2
    assert detik.next_poll_at - utcnow() > timedelta(seconds=detik.interval_s * 3)
    respx.get(DETIK).mock(return_value=_rss("detik_rss.xml"))
    respx.get(url__startswith="https://finance.detik.com/").mock(return_value=httpx.Response(404))
    detik.next_poll_at = utcnow() - timedelta(seconds=1)
    feeds_service.poll_due_feeds(session, client=httpx.Client(), analyzer=fake_analyze)
    assert (detik.healthy, detik.failures, detik.last_error) == (True, 0, None)
    article = session.scalar(select(Mention).where(Mention.url.like("%d-7700001%")))
    assert "Sudah tiga jam menunggu" in article.text and "<img" not in article.text
    assert article.author_handle == "rss.detik.com"


def test_add_feed_validates(session):
    unit = make_unit(session)
    with pytest.raises(Invalid):
        feeds_service.add_feed(session, unit=unit, url="ftp://x", actor=None)
    feeds_service.add_feed(session, unit=unit, url=ANTARA, actor=None)
    with pytest.raises(Conflict):
        feeds_service.add_feed(session, unit=unit, url=ANTARA, actor=None)
