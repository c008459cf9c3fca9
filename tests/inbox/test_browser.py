"""Real Chromium: an open inbox shows a Facebook comment that arrives by a signed webhook, without a reload,
and the keyboard moves through the list (j/k, ? help, o opens)."""

from __future__ import annotations

import json
import random
import time
from typing import Any

import httpx
import pytest

from humas.connectors.meta import sign
from humas.org.models import Unit
from tests.channels.factories import DEFAULT_VALUES, make_channel
from tests.live import LiveServer, login, unique

pytestmark = pytest.mark.browser


def _seed(live: LiveServer) -> dict[str, Any]:
    responder = live.add_user("kanwil_a", "responder", key=unique("cs-live").replace(" ", "-"))
    page_id = f"1040{random.randint(10**8, 10**9 - 1)}"  # noqa: S311 - a test's page id
    values = {**DEFAULT_VALUES["facebook"], "page_id": page_id}

    def seed(session) -> int:
        unit = session.get(Unit, live.units["kanwil_a"])
        return make_channel(
            session, unit=unit, platform="facebook", values=values, account_external_id=page_id
        ).id

    return {
        "responder": responder.key,
        "channel_id": live.run(seed),
        "page_id": page_id,
        "secret": values["app_secret"],
    }


def _comment(page_id: str, k: int, message: str) -> bytes:
    """A Page feed webhook for a new comment, in Meta's documented shape (as the recorded fixture
    tests/connectors/fixtures/meta/fb_webhook_feed_comment.json; its source is in SOURCES.md there)."""
    post = f"{page_id}_{5000 + k}"
    now = int(time.time())
    body = {
        "object": "page",
        "entry": [{"id": page_id, "time": now, "changes": [{"field": "feed", "value": {
            "from": {"id": f"90{k:05d}", "name": "Siti Aminah"},
            "post": {"id": post, "status_type": "mobile_status_update", "is_published": True},
            "message": message, "post_id": post, "comment_id": f"{5000 + k}_{7000 + k}",
            "created_time": now, "item": "comment", "parent_id": post, "verb": "add",
        }}]}],
    }  # fmt: skip
    return json.dumps(body).encode()


def test_a_webhook_comment_appears_in_the_open_inbox_without_reload(page, live_server: LiveServer):
    url, seeded = live_server.url, _seed(live_server)
    login(page, live_server, seeded["responder"])
    page.goto(f"{url}/inbox")
    page.wait_for_selector("[data-testid=inbox-live]", state="attached")
    page.evaluate("window.__stillTheSamePage = true")
    message = f"Apakah ada perpanjangan batas lapor SPT? {unique('tanya')}"
    body = _comment(seeded["page_id"], random.randint(1, 99_999), message)  # noqa: S311
    response = httpx.post(
        f"{url}/webhooks/meta/{seeded['channel_id']}", content=body,
        headers={"content-type": "application/json", "x-hub-signature-256": sign(body, seeded["secret"])},
        timeout=120,  # immediate jobs: the pipeline (and its first model load) runs inside this request
    )  # fmt: skip
    assert response.status_code == 200
    stored = time.perf_counter()
    row = page.locator("[data-testid=inbox-row]", has_text=message)
    row.wait_for(timeout=10_000)
    seen_after = time.perf_counter() - stored
    assert page.evaluate("window.__stillTheSamePage === true"), "the page was reloaded"
    assert seen_after < 6, f"seen {seen_after:.1f} s after it was stored"  # the list polls every 2 s
    # The nav counts follow (loaded after the page, refreshed by htmx).
    page.wait_for_selector("[data-testid=nav-badge-inbox] [data-testid=inbox-count-open]", timeout=30_000)

    # Keyboard: ? shows the help, j moves the cursor, o opens the conversation under it.
    page.keyboard.press("?")
    assert page.locator("[data-testid=shortcut-help]").is_visible()
    page.locator("[data-testid=shortcut-help-close]").click()
    first_id = page.locator("[data-testid=inbox-row]").first.get_attribute("data-id")
    page.keyboard.press("j")
    assert page.locator("[data-testid=inbox-row].cursor").get_attribute("data-id") == first_id
    page.keyboard.press("o")
    page.wait_for_url(f"{url}/inbox/{first_id}")
    assert page.locator("[data-testid=controls]").is_visible()
