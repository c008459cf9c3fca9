"""Thread and media fields stored by the pipeline (both engines), idempotent across webhook and poll, and the
placeholder the explorer shows for a media-only mention."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from humas.connectors.base import SourceItem
from humas.connectors.parse import parse_payload
from humas.core.i18n import use_locale
from humas.ingest.models import Mention
from humas.ingest.service import pipeline
from humas.ingest.service.threads import display_text, media_label
from tests.connectors.conftest import fixture_path, load
from tests.factories import make_unit, make_user
from tests.ingest.helpers import fake_analyze


def _ingest(session, unit, platform, body):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    items = parse_payload(platform, raw)
    return pipeline.ingest_items(session, items, unit=unit, analyzer=fake_analyze)


def _mention(session, external_id):
    return session.scalar(select(Mention).where(Mention.external_id == external_id))


def _count(session):
    return session.scalar(select(func.count()).select_from(Mention))


def test_media_only_messages_are_stored_with_kind_and_reference(session):
    unit = make_unit(session)
    result = _ingest(session, unit, "whatsapp", load("whatsapp", "webhook_media_messages.json"))
    assert result.added == 9
    rows = session.scalars(select(Mention).order_by(Mention.created_at)).all()
    assert [(m.media_kind, m.text) for m in rows[:3]] == [("image", ""), ("location", ""), ("sticker", "")]
    assert rows[0].media_ref == "1003383421387256"
    assert rows[1].media_ref == "geo:-6.921305,107.607225"
    business = "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA="
    assert rows[1].in_reply_to_id == business and rows[3].in_reply_to_id == business
    assert rows[0].thread_root_id == rows[0].external_id


def test_thread_columns_follow_the_answer(session):
    unit = make_unit(session)
    _ingest(session, unit, "mastodon", load("mastodon", "context_thread.json"))
    reply = _mention(session, "103188982235527758")
    assert (reply.thread_root_id, reply.in_reply_to_id) == ("103188938570975982", "103188971072973252")
    media = _mention(session, "103189026958574542")
    assert media.media_kind == "image" and media.text == ""


def test_same_update_by_webhook_and_by_poll_is_stored_once(session):
    unit = make_unit(session)
    update = load("telegram", "webhook_group_reply.json")
    delivery = fixture_path("telegram", "webhook_group_reply.json").read_bytes()  # the webhook body
    first = _ingest(session, unit, "telegram", delivery)
    again = _ingest(session, unit, "telegram", {"ok": True, "result": [update]})  # getUpdates
    assert (first.added, again.added, again.updated) == (1, 0, 1)
    assert _count(session) == 1
    row = _mention(session, "-1009876543210:88")
    assert (row.thread_root_id, row.in_reply_to_id) == ("-1009876543210:87", "-1009876543210:87")


def test_a_later_sighting_fills_what_an_earlier_one_lacked_and_changes_nothing_else(session):
    unit = make_unit(session)
    lone = load("mastodon", "context_thread.json")["ancestors"][2]  # a reply seen alone: root unknown
    _ingest(session, unit, "mastodon", lone)
    row = _mention(session, "103188982235527758")
    assert row.thread_root_id is None and row.in_reply_to_id == "103188971072973252"
    _ingest(session, unit, "mastodon", load("mastodon", "context_thread.json"))
    _ingest(session, unit, "mastodon", lone)  # seen alone once more: the known root stays
    session.refresh(row)
    assert row.thread_root_id == "103188938570975982"
    assert _count(session) == 4


def test_a_lone_reply_takes_its_stored_parents_root(session):
    unit = make_unit(session)
    _ingest(session, unit, "mastodon", load("mastodon", "context_thread.json"))
    answer = dict(load("mastodon", "context_thread.json")["ancestors"][2])
    answer.update(id="103189100000000001", in_reply_to_id="103188982235527758", content="<p>Baik.</p>")
    _ingest(session, unit, "mastodon", answer)
    assert _mention(session, "103189100000000001").thread_root_id == "103188938570975982"


def test_a_reply_chain_inside_one_batch_resolves(session):
    unit = make_unit(session)
    context = load("mastodon", "context_thread.json")
    first, second, third = context["ancestors"]
    # A single status list (no context): only the first status is known to be a root.
    _ingest(session, unit, "mastodon", [third, second, first])
    assert {_mention(session, s["id"]).thread_root_id for s in (first, second, third)} == {first["id"]}


def test_placeholders_in_both_languages():
    class Media:
        text, media_kind, media_ref = "", "image", "1003383421387256"

    with use_locale("id"):
        assert display_text(Media()) == "[gambar]"
        assert media_label("location") == "[lokasi]" and media_label("sticker") == "[stiker]"
        assert media_label(None) == ""
    with use_locale("en"):
        assert display_text(Media()) == "[image]"
    Media.media_kind, Media.media_ref = "reaction", "\U0001f44d"
    with use_locale("id"):
        assert display_text(Media()) == "[reaksi] \U0001f44d"
    Media.text = "ada teks"
    assert display_text(Media()) == "ada teks"


def test_explorer_and_mention_page_show_the_placeholder_escaped(web, session):
    unit = make_unit(session)
    user = make_user(session, unit=unit, roles=("analyst",))
    body = load("whatsapp", "webhook_media_messages.json")
    message = body["entry"][0]["changes"][0]["value"]["messages"][3]
    message["reaction"]["emoji"] = "<b>x</b>"  # hostile: shown after the label, escaped
    _ingest(session, unit, "whatsapp", body)
    web.login(user)
    listing = web.get("/mentions")
    assert listing.status_code == 200
    assert "[gambar]" in listing.text and "[lokasi]" in listing.text and "[stiker]" in listing.text
    assert "<b>x</b>" not in listing.text and "[reaksi] &lt;b&gt;x&lt;/b&gt;" in listing.text
    image = _mention(session, "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=")
    detail = web.get(f"/mentions/{image.id}")
    assert detail.status_code == 200 and "[gambar]" in detail.text


def test_listening_pulse_shows_the_placeholder(web, session):
    unit = make_unit(session)
    user = make_user(session, unit=unit)
    sticker = SourceItem(
        "whatsapp", "wamid.pulse-sticker", "message", "", datetime.now(UTC) - timedelta(hours=1),
        media_kind="sticker", media_ref="1228429305061640",
    )  # fmt: skip
    pipeline.ingest_items(session, [sticker], unit=unit, analyzer=fake_analyze)
    web.login(user)
    pulse = web.get("/listening/pulse", params={"days": "1"})
    assert pulse.status_code == 200 and "[stiker]" in pulse.text
