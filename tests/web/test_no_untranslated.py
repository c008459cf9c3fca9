"""Every page, rendered in Indonesian and in English, shows no sentence of the other language: an English
message id left untranslated on an Indonesian page (or hard-coded Indonesian on an English one) fails."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from babel.messages.pofile import read_po

from humas.ingest.service import queries as queries_service
from humas.listening.service import facets, narratives
from humas.listening.service import rules as rules_service
from tests.factories import make_unit, make_user
from tests.listening.conftest import add_mentions
from tests.web.test_i18n import PO

TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def _sentences() -> tuple[set[str], set[str]]:
    """(English ids, Indonesian texts) of the catalog that are sentences (3+ words, no placeholder)."""
    with PO.open("rb") as f:
        catalog = read_po(f, locale="id")
    english, indonesian = set(), set()
    for message in catalog:
        if (
            not message.id
            or not isinstance(message.id, str)
            or not message.string
            or message.id == message.string
        ):
            continue
        if "%(" in message.id or len(message.id.split()) < 3:
            continue
        english.add(message.id)
        indonesian.add(str(message.string))
    return english, indonesian - english


def _text(page: str) -> str:
    return " ".join(html.unescape(TAGS.sub(" ", page)).split())


def _pages(session) -> tuple[object, list[str]]:
    unit = make_unit(session, name="Biro Bahasa")
    user = make_user(session, unit=unit, roles=["admin", "analyst"])
    query = queries_service.create_query(session, unit=unit, name="Pajak", query="pajak", actor=user)
    rule = rules_service.create_rule(
        session, unit=unit, data=rules_service.RuleInput(name="Lonjakan", kind="spike"), actor=user
    )
    ids = add_mentions(session, unit, ["Antrean pajak di KPPN lambat sekali hari ini #antrean"] * 5,
                       at=datetime.now(UTC) - timedelta(hours=3))  # fmt: skip
    facets.update_facets(session)
    [narrative] = narratives.build_narratives(session)
    session.commit()
    return user, [
        "/", "/settings", "/units", f"/units/{unit.id}", "/users", f"/users/{user.id}", "/audit", "/profile",
        "/listening", "/listening/pulse?days=30", "/listening/panels/volume?days=30",
        "/listening/panels/sentiment?days=30", "/listening/panels/share_of_voice?days=30",
        "/listening/spikes",
        "/listening/alerts", f"/listening/alerts/rules/{rule.id}", "/listening/narratives",
        f"/listening/narratives/{narrative.id}", "/listening/queries", f"/listening/queries/{query.id}",
        "/listening/queries/new", "/mentions", f"/mentions/{ids[0]}", "/mentions/feeds",
    ]  # fmt: skip


def test_pages_in_indonesian_and_english_hold_no_sentence_of_the_other(web, session, fernet_key):
    english, indonesian = _sentences()
    user, pages = _pages(session)
    web.login(user)
    leftovers: list[str] = []
    own_seen = {"id": 0, "en": 0}
    for locale, own, foreign in (("id", indonesian, english), ("en", english, indonesian)):
        user.locale = locale
        session.commit()
        for url in pages:
            response = web.get(url)
            assert response.status_code == 200, (locale, url, response.status_code)
            text = _text(response.text)
            leftovers += [f"{locale} {url}: {s!r}" for s in foreign if s in text]
            own_seen[locale] += sum(1 for s in own if s in text)
    assert not leftovers, "\n".join(leftovers[:30])
    # The check can see: each language's own sentences are found on its pages.
    assert own_seen["id"] > 20 and own_seen["en"] > 20, own_seen
