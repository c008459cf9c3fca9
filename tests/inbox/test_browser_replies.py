"""Real Chromium: a responder answers with a canned reply (live count by X's rule), a reviewer approves it,
and the reply reaches X (respx, the documented create-post answer) once; the conversation shows it sent."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from humas.inbox.service import templates, unit_settings
from humas.org.models import Unit, User
from tests.channels.factories import make_channel
from tests.inbox.factories import make_channel_conversation
from tests.live import LiveServer, login, unique

pytestmark = pytest.mark.browser
X_API = "https://api.x.com/2"


def _seed(live: LiveServer) -> dict[str, Any]:
    responder = live.add_user("dg_a", "responder", key=unique("penjawab").replace(" ", "-"))
    reviewer = live.add_user("dg_a", "reviewer", key=unique("peninjau").replace(" ", "-"))
    admin = live.users["admin_a"]

    name = unique("Salam")

    def seed(session) -> dict[str, Any]:
        unit = session.get(Unit, live.units["dg_a"])
        actor = session.get(User, admin.id)
        unit_settings.set_rules(
            session, unit=unit, data=unit_settings.RulesInput(reply_approval="all"), actor=actor
        )
        templates.create_template(
            session,
            unit=unit,
            data=templates.TemplateInput(name=name, text="Yth. {nama}, tiket {nomor_tiket} kami terima."),
            actor=actor,
        )
        conversation = make_channel_conversation(
            session, unit=unit, channel=make_channel(session, unit=unit, platform="x"), texts=("Halo admin?",)
        )
        return {"id": conversation.id, "ticket": conversation.ticket, "template": name}

    return {"responder": responder.key, "reviewer": reviewer.key, **live.run(seed)}


def test_a_canned_reply_goes_through_approval_and_reaches_x_once(page, browser, live_server: LiveServer):
    url, seeded = live_server.url, _seed(live_server)
    with respx.mock(assert_all_called=False) as platform:
        post = platform.post(f"{X_API}/tweets").respond(
            201, json={"data": {"id": "1456012973835788293", "text": "Test Tweet"}}
        )

        login(page, live_server, seeded["responder"])
        page.goto(f"{url}/inbox/{seeded['id']}")
        form = page.locator("[data-testid=reply-form]")
        form.locator("[data-testid=template-picker]").select_option(label=seeded["template"])
        text = page.locator("#reply-text")
        expected = f"Yth. Budi Santoso, tiket {seeded['ticket']} kami terima."
        page.wait_for_function("() => document.querySelector('#reply-text').value.startsWith('Yth.')")
        assert text.input_value() == expected
        page.wait_for_function(
            "n => document.querySelector('[data-testid=reply-count]').textContent.startsWith(n + ' / 280')",
            arg=str(len(expected)),
        )
        text.fill(expected + " https://contoh.go.id/" + "x" * 300)  # X counts any link as 23
        page.wait_for_function(
            "n => document.querySelector('[data-testid=reply-count]').textContent.startsWith(n + ' / 280')",
            arg=str(len(expected) + 1 + 23),
        )
        text.fill(expected)
        form.locator("[data-testid=reply-send]").click()
        page.wait_for_url(f"{url}/inbox/{seeded['id']}")
        assert (
            page.locator("[data-testid=reply-state]").get_attribute("data-status") == "menunggu_persetujuan"
        )
        assert post.call_count == 0

        reviewer_context = browser.new_context(locale="id-ID")
        reviewer_page = reviewer_context.new_page()
        try:
            login(reviewer_page, live_server, seeded["reviewer"])
            reviewer_page.goto(f"{url}/inbox/approvals")
            card = reviewer_page.locator("[data-testid=approval]", has_text=seeded["ticket"])
            card.locator("[data-testid=approve]").click()
            reviewer_page.wait_for_url(f"{url}/inbox/approvals")
        finally:
            reviewer_context.close()

        assert post.call_count == 1
        assert json.loads(post.calls[0].request.content)["text"] == expected
        page.goto(f"{url}/inbox/{seeded['id']}")  # the composer's load brings the outcome back
        page.wait_for_selector("[data-testid=reply-form]")
        page.goto(f"{url}/inbox/{seeded['id']}")
        assert page.locator("[data-testid=reply-state]").get_attribute("data-status") == "terkirim"
        assert post.call_count == 1
