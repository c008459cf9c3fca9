"""Real Chromium: search in the explorer, filter by sentiment, open a hostile mention; nothing runs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from humas.ingest.service import pipeline
from humas.org.models import Unit
from tests.ingest.helpers import fake_analyze, item
from tests.live import LiveServer, login, unique

pytestmark = pytest.mark.browser

HOSTILE = (
    "<script>window.__pwned = 1; alert('xss')</script><img src=x onerror=\"window.__pwned=2\"> {word} buruk"
)


def test_explorer_search_filter_and_hostile_text(page, live_server: LiveServer) -> None:
    word = unique("pajakbrowser").replace(" ", "").lower()

    def seed(session):
        unit = session.get(Unit, live_server.units["root"])
        items = [
            item(HOSTILE.format(word=word), raw={"payload": "<script>window.__pwned = 3</script>"}),
            item(f"{word} bagus sekali pelayanannya"),
            item("tidak ada hubungannya"),
        ]
        return pipeline.ingest_items(session, items, unit=unit, analyzer=fake_analyze).added_ids

    hostile_id, positive_id, _other = live_server.run(seed)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, live_server, "analyst")

    page.goto(f"{live_server.url}/mentions")
    page.fill("[data-testid=mention-q]", word)
    page.click("[data-testid=mention-search]")
    rows = page.locator("[data-testid=mention-row]")
    expect(rows).to_have_count(2)
    assert {rows.nth(i).get_attribute("data-id") for i in range(2)} == {str(hostile_id), str(positive_id)}

    page.select_option("[data-testid=filter-sentiment]", "negative")
    expect(rows).to_have_count(1)
    assert rows.first.get_attribute("data-id") == str(hostile_id)
    assert "sentiment=negative" in page.url

    rows.first.locator("[data-testid=mention-link]").click()
    page.wait_for_url(f"{live_server.url}/mentions/{hostile_id}")
    shown = page.locator("[data-testid=mention-text]").inner_text()
    assert shown.startswith("<script>window.__pwned = 1; alert('xss')</script><img src=x")
    page.locator("details:has([data-testid=mention-raw]) > summary").click()
    assert "<script>window.__pwned = 3</script>" in page.locator("[data-testid=mention-raw]").inner_text()
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("[data-testid=mention-text] script, [data-testid=mention-text] img").count() == 0
    assert dialogs == []


def test_saved_query_create_with_error_edit_and_archive(page, live_server: LiveServer) -> None:
    name = unique('<img src=x onerror="window.__pwned=1"> Pajak')
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, live_server, "analyst")

    page.goto(f"{live_server.url}/listening")
    page.click("[data-testid=tab-queries]")
    page.click("[data-testid=query-new]")
    page.fill("[data-testid=query-name]", name)
    page.fill("[data-testid=query-text]", "pajak AND (kppn")
    page.click("[data-testid=query-save]")
    expect(page.locator("[data-testid=field-error]")).to_have_text("kolom 11: tanda kurung tidak ditutup")
    expect(page.locator("[data-testid=query-text]")).to_have_value("pajak AND (kppn")
    expect(page.locator("[data-testid=query-name]")).to_have_value(name)

    page.fill("[data-testid=query-text]", "pajak AND (kppn OR djpb)")
    page.click("[data-testid=query-save]")
    expect(page.locator(".notice.success")).to_contain_text("disimpan")
    row = page.locator("[data-testid=query-row]", has_text=name)
    expect(row).to_have_count(1)
    expect(row.locator("code")).to_have_text("pajak AND (kppn OR djpb)")

    row.locator("[data-testid=query-link]").click()
    expect(page.locator("[data-testid=query-title]")).to_have_text(name)
    page.fill("[data-testid=query-text]", "kppn -promo")
    page.click("[data-testid=query-save]")
    expect(page.locator("[data-testid=query-text]")).to_have_value("kppn AND NOT promo")

    page.check("[data-testid=query-archive-confirm]")
    page.click("[data-testid=query-archive-submit]")
    page.wait_for_url(f"{live_server.url}/listening/queries?unit_id=*")
    expect(page.locator("[data-testid=query-row]", has_text=name)).to_have_count(0)
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []
