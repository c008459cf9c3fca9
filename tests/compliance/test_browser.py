"""Real Chromium: the guardrails check as the drafter types — a NIK typed into a post's variant (the draft
editor) and into an inbox reply (the reply editor) is marked and explained before anything is saved."""

from __future__ import annotations

from typing import Any

import pytest

from humas.org.models import Unit
from tests.channels.factories import make_channel
from tests.inbox.factories import make_channel_conversation
from tests.live import LiveServer, login, unique

pytestmark = pytest.mark.browser
NIK = "3273014501900001"


def _seed(live: LiveServer) -> dict[str, Any]:
    drafter = live.add_user("dg_a", "drafter", key=unique("penyusun").replace(" ", "-"))
    responder = live.add_user("dg_a", "responder", key=unique("penjawab").replace(" ", "-"))

    def seed(session) -> dict[str, Any]:
        unit = session.get(Unit, live.units["dg_a"])
        channel = make_channel(session, unit=unit, platform="x")
        conversation = make_channel_conversation(session, unit=unit, channel=channel, texts=("Halo admin?",))
        return {"unit": unit.id, "channel": channel.id, "conversation": conversation.id}

    return {"drafter": drafter.key, "responder": responder.key, **live.run(seed)}


def _wait_for_nik(page: Any, box: str) -> Any:
    finding = page.locator(f"{box} [data-testid=guardrail-finding][data-rule=nik]")
    finding.wait_for()
    assert page.locator(f"{box} [data-testid=guardrail-mark]").first.inner_text().startswith(NIK)
    return finding


def test_a_nik_is_marked_while_typing_in_the_draft_and_reply_editors(page, live_server: LiveServer):
    url, seeded = live_server.url, _seed(live_server)

    login(page, live_server, seeded["drafter"])
    page.goto(f"{url}/publishing/posts/new?unit_id={seeded['unit']}")
    variant = page.locator(f"#f-text-{seeded['channel']}")
    variant.press_sequentially(f"Bantuan untuk NIK {NIK} sudah cair", delay=5)
    finding = _wait_for_nik(page, f"#counter-{seeded['channel']}")
    assert finding.get_attribute("data-severity") == "blokir"
    assert "NIK" in finding.inner_text()  # the rule named in plain Indonesian, with why and what to do
    variant.fill("Bantuan sudah cair")  # fixed: the finding goes away
    page.locator(f"#counter-{seeded['channel']} [data-testid=guardrail-finding]").wait_for(state="detached")

    page.context.clear_cookies()
    login(page, live_server, seeded["responder"])
    page.goto(f"{url}/inbox/{seeded['conversation']}")
    reply = page.locator("#reply-text")
    reply.press_sequentially(f"Data NIK {NIK} sudah kami terima", delay=5)
    _wait_for_nik(page, "#reply-counter")
