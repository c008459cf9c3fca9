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
    page.locator("summary").click()
    assert "<script>window.__pwned = 3</script>" in page.locator("[data-testid=mention-raw]").inner_text()
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("[data-testid=mention-text] script, [data-testid=mention-text] img").count() == 0
    assert dialogs == []
