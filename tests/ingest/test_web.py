"""Explorer pages and the mentions API through TestClient (both engines): search, filters, access, export."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from humas.ingest.service import pipeline
from humas.ingest.service import queries as queries_service
from tests.factories import make_unit, make_user
from tests.ingest.helpers import fake_analyze, item
from tests.live import api_token

SCRIPT = "<script>alert('xss')</script> layanan pajak lambat"


def _seed(session):
    unit = make_unit(session)
    sibling = make_unit(session)
    user = make_user(session, unit=unit, roles=("analyst",))
    mine = pipeline.ingest_items(
        session,
        [item(SCRIPT, raw={"html": "<img src=x onerror=alert(1)>"}), item("=HYPERLINK(\"x\") pajak bagus"),
         item("kppn ramah")],
        unit=unit, analyzer=fake_analyze,
    )  # fmt: skip
    other = pipeline.ingest_items(
        session, [item("pajak rahasia unit lain")], unit=sibling, analyzer=fake_analyze
    )
    return unit, user, mine.added_ids, other.added_ids[0]


def test_search_filter_and_detail_escape_everything(web, session):
    _unit, user, ids, foreign = _seed(session)
    web.login(user)
    page = web.get("/mentions", params={"q": "pajak"})
    assert page.status_code == 200
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text
    assert "unit lain" not in page.text
    negative = web.get("/mentions", params={"q": "pajak", "sentiment": "negative"})
    assert f'data-id="{ids[0]}"' in negative.text and f'data-id="{ids[1]}"' not in negative.text
    detail = web.get(f"/mentions/{ids[0]}")
    assert detail.status_code == 200
    assert "<img src=x" not in detail.text and "&lt;img src=x onerror=alert(1)&gt;" in detail.text
    assert web.get(f"/mentions/{foreign}").status_code == 404


def test_query_error_is_shown_at_its_column(web, session):
    _unit, user, _ids, _ = _seed(session)
    web.login(user)
    page = web.get("/mentions", params={"q": "pajak AND (kppn"})
    assert page.status_code == 200
    assert "kolom 11: tanda kurung tidak ditutup" in page.text


def test_exports_hold_the_current_result_without_formulas(web, session):
    _unit, user, ids, _ = _seed(session)
    web.login(user)
    response = web.get("/mentions/export.csv", params={"q": "pajak"})
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert sorted(int(r["id"]) for r in rows) == sorted(ids[:2])
    assert any(r["text"].startswith("'=HYPERLINK") for r in rows)
    book = load_workbook(io.BytesIO(web.get("/mentions/export.xlsx", params={"q": "pajak"}).content))
    values = [row for row in book.active.iter_rows(values_only=True)]
    assert values[0][0] == "id" and len(values) == 3


def test_api_search_and_detail(web, session):
    unit, user, ids, foreign = _seed(session)
    saved = queries_service.create_query(session, unit=unit, name="pajak", query="pajak", actor=None)
    token = api_token(session, user, role="analyst")
    found = web.api("GET", "/api/v1/mentions", token, params={"q": "pajak -lambat"}).json()
    assert [m["id"] for m in found["items"]] == [ids[1]]
    assert web.api("GET", f"/api/v1/mentions/{foreign}", token).status_code == 404
    detail = web.api("GET", f"/api/v1/mentions/{ids[0]}", token).json()
    assert detail["raw"] == {"html": "<img src=x onerror=alert(1)>"} and detail["sentiment"] == "negative"
    assert [q["id"] for q in web.api("GET", "/api/v1/queries", token).json()] == [saved.id]
    bad = web.api("GET", "/api/v1/mentions", token, params={"q": "(pajak"})
    assert bad.status_code == 422 and bad.json()["field"] == "query"


def test_feeds_page_shows_health(web, session):
    from humas.ingest.service import feeds as feeds_service

    unit = make_unit(session)
    user = make_user(session, unit=unit, roles=("analyst",))
    ok = feeds_service.add_feed(
        session, unit=unit, url="https://www.antaranews.com/rss/ekonomi.xml", actor=None
    )
    bad = feeds_service.add_feed(
        session, unit=unit, url="https://rss.detik.com/index.php/finance", actor=None
    )
    feeds_service.record_failure(session, feed=bad, error="FeedError: HTTP 503 <b>")
    other = feeds_service.add_feed(
        session, unit=make_unit(session), url="https://rahasia.example/rss", actor=None
    )
    web.login(user)
    page = web.get("/mentions/feeds")
    assert page.status_code == 200
    assert ok.url in page.text and bad.url in page.text and other.url not in page.text
    assert "Gagal" in page.text and "HTTP 503 &lt;b&gt;" in page.text


def test_api_create_query_needs_an_analyst(web, session):
    unit = make_unit(session)
    analyst = make_user(session, unit=unit, roles=("analyst",))
    drafter = make_user(session, unit=unit, roles=("drafter",))
    body = {"unit_id": unit.id, "name": "Pajak", "query": "pajak -promo"}
    denied = web.api("POST", "/api/v1/queries", api_token(session, drafter, role="drafter"), json=body)
    assert denied.status_code == 403
    created = web.api("POST", "/api/v1/queries", api_token(session, analyst, role="analyst"), json=body)
    assert created.status_code == 201 and created.json()["query"] == "pajak AND NOT promo"
    bad = web.api(
        "POST", "/api/v1/queries", api_token(session, analyst, role="analyst"), json={**body, "query": "(x"}
    )
    assert bad.status_code == 422 and bad.json()["message"] == "kolom 1: tanda kurung tidak ditutup"


def test_api_detail_carries_thread_and_media(web, session):
    unit = make_unit(session)
    user = make_user(session, unit=unit, roles=("analyst",))
    photo = item(
        "",
        platform="whatsapp",
        kind="message",
        thread_root_id="wamid.root",
        in_reply_to_id="wamid.root",
        media_kind="image",
        media_ref="1479537139650973",
    )
    added = pipeline.ingest_items(session, [photo], unit=unit, analyzer=fake_analyze).added_ids
    token = api_token(session, user, role="analyst")
    detail = web.api("GET", f"/api/v1/mentions/{added[0]}", token).json()
    assert (detail["thread_root_id"], detail["in_reply_to_id"]) == ("wamid.root", "wamid.root")
    assert (detail["media_kind"], detail["media_ref"], detail["text"]) == ("image", "1479537139650973", "")
