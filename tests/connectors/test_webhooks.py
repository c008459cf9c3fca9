from __future__ import annotations

import pytest

from humas.connectors import line, webhooks, whatsapp
from humas.connectors.errors import UnrecognisedPayload, WebhookRejected
from tests.connectors.conftest import fixture_path

SECRET = "app-secret-123"


def raw(platform: str, name: str) -> bytes:
    return fixture_path(platform, name).read_bytes()


def test_handshake_returns_challenge():
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "meatyhamhock"}
    assert webhooks.verify_handshake(params, "meatyhamhock") == "1158201444"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "wrong"}, 403),
        ({"hub.mode": "subscribe", "hub.challenge": "1"}, 403),
        ({"hub.mode": "unsubscribe", "hub.challenge": "1", "hub.verify_token": "meatyhamhock"}, 400),
    ],
)
def test_handshake_refused(params, status):
    with pytest.raises(WebhookRejected) as info:
        webhooks.verify_handshake(params, "meatyhamhock")
    assert info.value.status == status


@pytest.mark.parametrize(
    ("platform", "name", "kind"),
    [
        ("whatsapp", "webhook_text_message.json", "message"),
        ("meta", "ig_webhook_comment.json", "comment"),
        ("meta", "ig_webhook_comment_ig_login.json", "reply"),
        ("meta", "fb_webhook_feed_comment.json", "comment"),
        ("meta", "ig_webhook_mention.json", "mention"),
    ],
)
def test_valid_meta_delivery(platform, name, kind):
    body = raw(platform, name)
    items = webhooks.parse_meta_delivery(body, webhooks.sign(body, SECRET), SECRET)
    assert [i.kind for i in items] == [kind]


def test_whatsapp_message_fields():
    body = raw("whatsapp", "webhook_text_message.json")
    (item,) = webhooks.parse_meta_delivery(body, webhooks.sign(body, SECRET), SECRET)
    assert item.author_id == "16505551234" and item.author_name == "Sheena Nelson"
    assert item.channel_external_id == "106540352242922"
    assert item.created_at.isoformat() == "2025-06-08T20:59:43+00:00"


def test_reactions_and_statuses_yield_nothing():
    for platform, name in (
        ("meta", "fb_webhook_reaction.json"),
        ("whatsapp", "webhook_status_delivered.json"),
    ):
        body = raw(platform, name)
        assert webhooks.parse_meta_delivery(body, webhooks.sign(body, SECRET), SECRET) == []
    statuses = whatsapp.parse_statuses(raw("whatsapp", "webhook_status_delivered.json"))
    assert statuses[0]["idempotency_key"] == "reply-42" and statuses[0]["status"] == "delivered"


def test_bad_signature_refused():
    body = raw("whatsapp", "webhook_text_message.json")
    for header in (webhooks.sign(body, "other-secret"), "sha256=deadbeef", "sha1=abc", "", None):
        with pytest.raises(WebhookRejected) as info:
            webhooks.parse_meta_delivery(body, header, SECRET)
        assert info.value.status == 401
    tampered = body.replace(b"pengembalian", b"pengembalia")
    assert not webhooks.verify_signature(tampered, webhooks.sign(body, SECRET), SECRET)


def test_truncated_body_refused():
    body = raw("whatsapp", "webhook_text_message.json")
    truncated = body[: len(body) // 2]
    assert not webhooks.verify_signature(truncated, webhooks.sign(body, SECRET), SECRET)
    # Even correctly signed (a sender bug), a truncated body is malformed and refused.
    with pytest.raises(UnrecognisedPayload):
        webhooks.parse_meta_delivery(truncated, webhooks.sign(truncated, SECRET), SECRET)


def test_telegram_delivery():
    body = raw("telegram", "webhook_group_reply.json")
    (item,) = webhooks.parse_telegram_delivery(body, "tg-secret", "tg-secret")
    assert item.kind == "comment" and item.parent_external_id == "-1009876543210:87"
    with pytest.raises(WebhookRejected) as info:
        webhooks.parse_telegram_delivery(body, "wrong", "tg-secret")
    assert info.value.status == 403
    with pytest.raises(WebhookRejected):
        webhooks.parse_telegram_delivery(body, None, "tg-secret")
    with pytest.raises(UnrecognisedPayload):
        webhooks.parse_telegram_delivery(body[:40], "tg-secret", "tg-secret")


def test_line_delivery():
    body = raw("line", "webhook_text_message.json")
    (item,) = webhooks.parse_line_delivery(body, line.sign(body, "line-secret"), "line-secret")
    assert item.kind == "message" and item.author_id == item.thread_external_id
    for header in (line.sign(body, "other-secret"), "forged", "", None):
        with pytest.raises(WebhookRejected) as info:
            webhooks.parse_line_delivery(body, header, "line-secret")
        assert info.value.status == 401
    truncated = body[:60]
    with pytest.raises(UnrecognisedPayload):
        webhooks.parse_line_delivery(truncated, line.sign(truncated, "line-secret"), "line-secret")
