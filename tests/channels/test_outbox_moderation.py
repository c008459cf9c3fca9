"""Unhide through the outbox, and answers to direct messages: one request per send, body as documented."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from sqlalchemy import select

from humas.channels import service as channels_service
from humas.channels.models import Channel
from humas.connectors import line
from humas.core.db import session_scope
from humas.core.errors import Invalid
from humas.org.models import AuditLog
from humas.outbox import runner
from humas.outbox.models import OutboxMessage
from tests.channels.conftest import BOT, load
from tests.channels.factories import make_channel
from tests.connectors.conftest import load as load_connector
from tests.factories import make_user

GRAPH = "https://graph.facebook.com/v24.0"
LINE_API = "https://api.line.me"
LINE_VALUES = {
    "channel_access_token": "line-rahasia-token-1234",
    "channel_secret": "line-rahasia-secret-5678",
}
LINE_USER = "U206d25c2ea6bd87c17655609a1c37cb8"


def _setup(engine, platform, values=None):
    with session_scope(engine) as session:
        user = make_user(session, roles=("admin",))
        return make_channel(session, unit=user.unit, platform=platform, values=values).id, user.id


def _run(engine, channel_id, user_id, queue, **kwargs) -> int:
    from humas.org.models import User

    with session_scope(engine) as session:
        channel = session.get(Channel, channel_id)
        entry = queue(session, channel=channel, actor=session.get(User, user_id), **kwargs)
        return entry.id  # the send job runs (immediately, in tests) once this commits


def _entry(engine, entry_id) -> OutboxMessage:
    with session_scope(engine) as session:
        entry = session.get(OutboxMessage, entry_id)
        session.expunge(entry)
        return entry


def _form(request: httpx.Request) -> dict[str, str]:
    return dict(httpx.QueryParams(request.content.decode()))


@respx.mock
def test_hide_then_unhide_a_facebook_comment(app_db):
    channel_id, user_id = _setup(app_db, "facebook")
    route = respx.post(f"{GRAPH}/5001_7002").respond(200, json=load_connector("meta", "success.json"))

    hidden = _run(app_db, channel_id, user_id, channels_service.queue_hide, external_id="5001_7002")
    shown = _run(app_db, channel_id, user_id, channels_service.queue_unhide, external_id="5001_7002")

    assert [_form(c.request)["is_hidden"] for c in route.calls] == ["true", "false"]
    assert _entry(app_db, hidden).status == "sent" and _entry(app_db, shown).status == "sent"
    assert _entry(app_db, shown).kind == "channel.unhide"
    with session_scope(app_db) as session:
        actions = session.scalars(select(AuditLog.action).where(AuditLog.action.like("outbox.%"))).all()
        assert sorted(actions) == ["outbox.hide", "outbox.unhide"]


@respx.mock
def test_unhide_with_the_same_key_is_sent_once_and_a_timeout_is_retried(app_db):
    channel_id, user_id = _setup(app_db, "facebook")
    route = respx.post(f"{GRAPH}/5001_7002")
    route.side_effect = [
        httpx.ReadTimeout("slow"),
        httpx.Response(200, json=load_connector("meta", "success.json")),
    ]
    first = _run(
        app_db,
        channel_id,
        user_id,
        channels_service.queue_unhide,
        external_id="5001_7002",
        idempotency_key="u-1",
    )
    again = _run(
        app_db,
        channel_id,
        user_id,
        channels_service.queue_unhide,
        external_id="5001_7002",
        idempotency_key="u-1",
    )
    assert first == again and _entry(app_db, first).status == "sent"
    assert route.call_count == 2  # showing twice is harmless: the client retried the timed-out call itself


def test_unhide_is_refused_where_the_platform_cannot_hide(app_db):
    channel_id, user_id = _setup(app_db, "telegram")
    for queue in (channels_service.queue_hide, channels_service.queue_unhide):
        with pytest.raises(Invalid) as info:
            _run(app_db, channel_id, user_id, queue, external_id="-1001234567890:1202")
        assert info.value.field == "external_id"
    with session_scope(app_db) as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_unhide_needs_an_item(app_db):
    channel_id, user_id = _setup(app_db, "facebook")
    with pytest.raises(Invalid):
        _run(app_db, channel_id, user_id, channels_service.queue_unhide, external_id="  ")


# --- answers to direct messages ----------------------------------------------------------------------


@respx.mock
def test_line_dm_answer_is_one_push_to_the_person(app_db):
    channel_id, user_id = _setup(app_db, "line", LINE_VALUES)
    push = respx.post(f"{LINE_API}/v2/bot/message/push").respond(
        200, json=load_connector("line", "push_response.json")
    )
    entry_id = _run(
        app_db,
        channel_id,
        user_id,
        channels_service.queue_reply,
        parent_external_id="468789577898262530",
        text="Silakan datang ke kelurahan.",
        to=LINE_USER,
        idempotency_key="dm-line-1",
    )
    assert push.call_count == 1
    request = push.calls[0].request
    assert json.loads(request.content) == {
        "to": LINE_USER,
        "messages": [{"type": "text", "text": "Silakan datang ke kelurahan."}],
    }
    assert request.headers["x-line-retry-key"] == line.retry_key("dm-line-1")
    entry = _entry(app_db, entry_id)
    assert entry.status == "sent" and entry.external_id == "461230966842064897"


@respx.mock
def test_line_dm_answer_uses_a_fresh_reply_token(app_db):
    channel_id, user_id = _setup(app_db, "line", LINE_VALUES)
    reply = respx.post(f"{LINE_API}/v2/bot/message/reply").respond(
        200, json=load_connector("line", "reply_response.json")
    )
    push = respx.post(f"{LINE_API}/v2/bot/message/push")
    entry_id = _run(
        app_db,
        channel_id,
        user_id,
        channels_service.queue_reply,
        parent_external_id="468789577898262530",
        text="Pesan Anda kami terima.",
        to=LINE_USER,
        reply_token="nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
    )
    assert reply.call_count == 1 and push.call_count == 0
    assert json.loads(reply.calls[0].request.content)["replyToken"] == "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA"
    assert _entry(app_db, entry_id).external_id == "461230966842064898"


@respx.mock
def test_line_push_timeout_twice_stays_unknown_and_is_not_resent(app_db):
    channel_id, user_id = _setup(app_db, "line", LINE_VALUES)
    push = respx.post(f"{LINE_API}/v2/bot/message/push").mock(side_effect=httpx.ReadTimeout("slow"))
    entry_id = _run(
        app_db,
        channel_id,
        user_id,
        channels_service.queue_reply,
        parent_external_id="m",
        text="Halo.",
        to=LINE_USER,
    )
    assert _entry(app_db, entry_id).status == "unknown"
    assert push.call_count == 2  # the retry-keyed resend inside the call, then it waits for a person
    assert runner.send_message(app_db, entry_id) == "unknown" and push.call_count == 2


@respx.mock
def test_whatsapp_dm_answer_quotes_the_message(app_db):
    channel_id, user_id = _setup(app_db, "whatsapp")
    send = respx.post(f"{GRAPH}/106540352242922/messages").respond(
        200, json=load_connector("whatsapp", "send_message_response.json")
    )
    _run(
        app_db,
        channel_id,
        user_id,
        channels_service.queue_reply,
        parent_external_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        text="Warna lain tersedia.",
        to="16505551234",
        idempotency_key="dm-wa-1",
    )
    assert send.call_count == 1
    body = json.loads(send.calls[0].request.content)
    assert body["to"] == "16505551234" and body["text"] == {"body": "Warna lain tersedia."}
    assert body["context"] == {"message_id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="}
    assert body["biz_opaque_callback_data"] == "dm-wa-1"


@respx.mock
def test_telegram_dm_answer_replies_to_the_message(app_db):
    channel_id, user_id = _setup(app_db, "telegram")
    send = respx.post(f"{BOT}/sendMessage").respond(200, json=load("telegram", "send_message_response.json"))
    _run(
        app_db,
        channel_id,
        user_id,
        channels_service.queue_reply,
        parent_external_id="77462709:223",
        text="Sudah kami proses.",
        to="77462709",  # what the inbox passes for a direct message: the author
    )
    assert send.call_count == 1
    assert json.loads(send.calls[0].request.content) == {
        "chat_id": "77462709",
        "text": "Sudah kami proses.",
        "reply_parameters": {"message_id": 223},
    }


@respx.mock
def test_a_publisher_that_answers_by_item_is_not_handed_the_person(app_db):
    channel_id, user_id = _setup(app_db, "x")
    create = respx.post("https://api.x.com/2/tweets").respond(
        201, json=load_connector("x", "create_tweet.json")
    )
    entry_id = _run(
        app_db,
        channel_id,
        user_id,
        channels_service.queue_reply,
        parent_external_id="1301580000000000001",
        text="Terima kasih atas laporannya.",
        to="1234567890",
    )
    assert create.call_count == 1 and _entry(app_db, entry_id).status == "sent"
    assert json.loads(create.calls[0].request.content) == {
        "text": "Terima kasih atas laporannya.",
        "reply": {"in_reply_to_tweet_id": "1301580000000000001"},
    }
