"""Real Chromium: an analyst corrects a sentiment label in the explorer and sees it change; a drafter is
offered no correction; an admin opens the Model page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from humas.ingest.models import LabelCorrection
from humas.ingest.service import pipeline
from humas.org.models import Unit
from tests.ingest.helpers import fake_analyze, item
from tests.live import LiveServer, login, unique

pytestmark = pytest.mark.browser


def test_an_analyst_corrects_a_label_in_the_explorer(page, live_server: LiveServer) -> None:
    word = unique("zonkbrowser").replace(" ", "").lower()

    def seed(session):
        unit = session.get(Unit, live_server.units["kppn_a"])
        items = [item(f"{word} pelayanan lambat <b>sekali</b>"), item(f"{word} antrean buruk")]
        return pipeline.ingest_items(session, items, unit=unit, analyzer=fake_analyze).added_ids

    target, other = live_server.run(seed)
    login(page, live_server, "analyst")
    page.goto(f"{live_server.url}/mentions?q={word}&sentiment=negative")
    rows = page.locator("[data-testid=mention-row]")
    expect(rows).to_have_count(2)
    row = page.locator(f"[data-testid=mention-row][data-id='{target}']")
    cell = row.locator("[data-testid=label-sentiment]")
    expect(cell).to_have_attribute("data-value", "negative")

    row.locator("[data-testid=correct-sentiment]").click()
    row.locator("[data-testid=label-form-sentiment] input[value=positive]").check()
    row.locator("[data-testid=label-save-sentiment]").click()
    expect(cell).to_have_attribute("data-value", "positive")  # swapped in place by htmx
    expect(cell).to_have_attribute("data-corrected", "true")
    expect(cell.locator("[data-testid=corrected]")).to_have_text("dikoreksi")
    assert "Analyst Contoh" in (cell.locator("[data-testid=corrected]").get_attribute("title") or "")
    assert page.url.endswith("sentiment=negative")  # the correction did not run the filter form

    page.reload()  # the explorer filter counts the corrected label
    expect(rows).to_have_count(1)
    assert rows.first.get_attribute("data-id") == str(other)
    page.goto(f"{live_server.url}/mentions?q={word}&sentiment=positive")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("[data-testid=corrected]")).to_be_visible()

    def stored(session):
        row = session.query(LabelCorrection).filter_by(mention_id=target).one()
        return row.task, row.model_label, row.label

    assert live_server.run(stored) == ("sentiment", "negative", "positive")


def test_a_drafter_sees_labels_without_forms_and_an_admin_reads_the_model_cards(
    page, live_server: LiveServer
) -> None:
    login(page, live_server, "drafter")
    page.goto(f"{live_server.url}/mentions")
    expect(page.locator("[data-testid=mention-table]")).to_be_visible()
    assert page.locator("[data-testid^=correct-]").count() == 0
    page.goto(f"{live_server.url}/settings")
    assert page.locator("[data-testid=models-tile]").count() == 0

    page.context.clear_cookies()
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/settings")
    page.click("[data-testid=models-tile]")
    page.wait_for_url(f"{live_server.url}/settings/models")
    expect(page.locator("[data-testid=model-card][data-task=sentiment]")).to_contain_text("macro_f1")
    with page.expect_download() as download:
        page.click("[data-testid=corrections-download]")
    assert download.value.suggested_filename == "label-corrections.jsonl"
