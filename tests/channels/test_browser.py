"""Real Chromium: connect a Telegram channel, see its health go from never run to ok to re-authorisation."""

from __future__ import annotations

import random

import httpx
import pytest
import respx

from tests.channels.conftest import load
from tests.live import LiveServer, login, unique

pytestmark = pytest.mark.browser


def _health(page) -> tuple[str, str]:
    badge = page.locator(".page-head [data-testid=health]")
    return badge.get_attribute("data-status"), badge.inner_text()


def test_connect_a_channel_and_watch_its_health(page, live_server: LiveServer) -> None:
    url = live_server.url
    bot_id = random.randint(10**9, 2 * 10**9)
    token = f"{bot_id}:AAH-browser-token-{random.randint(0, 10**6)}"
    api = f"https://api.telegram.org/bot{token}"
    me = load("telegram", "get_me.json")
    me["result"]["id"] = bot_id
    name = unique("Bot Humas")

    with respx.mock(assert_all_called=False) as platform:
        platform.get(f"{api}/getMe").respond(200, json=me)
        updates = platform.get(f"{api}/getUpdates")
        updates.side_effect = [
            httpx.Response(200, json=load("telegram", "get_updates_page1.json")),
            httpx.Response(401, json=load("telegram", "error_401.json")),
        ]

        login(page, live_server, "admin")
        page.goto(f"{url}/channels")
        page.click("[data-testid=platform-choices] a[data-platform=telegram]")
        form = page.locator("[data-testid=channel-create]")
        form.locator("input[name=name]").fill(name)
        form.locator("select[name=unit_id]").select_option(str(live_server.units["kanwil_a"]))
        form.locator("input[name=bot_token]").fill(token)
        form.locator("button[type=submit]").click()

        page.wait_for_url(f"{url}/channels/*")
        assert f"Kanal {name} tersambung." in page.locator(".notice.success").inner_text()
        status, label = _health(page)
        assert status == "never_run" and "belum pernah" in label.lower()
        assert token not in page.content()

        page.click("[data-testid=channel-poll] button[type=submit]")  # the replayed poll runs as a job
        page.wait_for_load_state()
        status, label = _health(page)
        assert status == "ok" and label == "Sehat"
        assert updates.call_count == 1

        page.click("[data-testid=channel-poll] button[type=submit]")  # now the token is revoked
        page.wait_for_load_state()
        status, label = _health(page)
        assert status == "needs_reauth" and label.lower() == "perlu otorisasi ulang"
        assert page.locator("[data-testid=reauth-alert]").is_visible()

        page.goto(f"{url}/channels")
        row = page.locator("[data-testid=channel-list] tr", has_text=name)
        assert row.locator("[data-testid=health]").inner_text().lower() == "perlu otorisasi ulang"
        assert token not in page.content()
