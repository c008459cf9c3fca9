"""Layout in real Chromium: no page is wider than a 1366 px office screen."""

from __future__ import annotations

import pytest

from tests.live import LiveServer, login

pytestmark = pytest.mark.browser


def test_user_page_has_no_horizontal_scrollbar_at_1366(browser, live_server: LiveServer) -> None:
    context = browser.new_context(locale="id-ID", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        login(page, live_server, "admin")
        for path in (f"/users/{live_server.users['analyst'].id}", "/users", "/units", "/profile"):
            page.goto(live_server.url + path)
            wide = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert wide <= 0, f"{path} is {wide}px wider than the window"
    finally:
        context.close()
