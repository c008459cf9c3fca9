"""Webhook receivers: verified first, stored once, handed to the pipeline as a job; bad deliveries refused."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from humas.channels.models import WebhookDelivery
from humas.connectors.meta import sign
from humas.core.db import session_scope
from humas.ingest.models import Mention
from humas.outbox.models import OutboxMessage
from tests.channels.conftest import APP_SECRET, BOT_TOKEN, TG_WEBHOOK_SECRET, VERIFY_TOKEN, raw
from tests.channels.factories import make_channel
from tests.factories import make_unit


def _channel(engine, platform):
    values = {"bot_token": BOT_TOKEN, "webhook_secret": TG_WEBHOOK_SECRET} if platform == "telegram" else None
    with session_scope(engine) as session:
        return make_channel(session, unit=make_unit(session), platform=platform, values=values).id


def _counts(engine):
    with session_scope(engine) as session:
        deliveries = session.scalar(select(func.count()).select_from(WebhookDelivery))
        mentions = session.scalar(select(func.count()).select_from(Mention))
        return deliveries, mentions


def _meta_post(client, channel_id, body, signature=None, kind="meta"):
    headers = {"content-type": "application/json", "x-hub-signature-256": signature or sign(body, APP_SECRET)}
    return client.client.post(f"/webhooks/{kind}/{channel_id}", content=body, headers=headers)


def test_meta_handshake(app_client):
    channel_id = _channel(app_client.engine, "instagram")
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY_TOKEN}
    ok = app_client.client.get(f"/webhooks/meta/{channel_id}", params=params)
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = app_client.client.get(f"/webhooks/meta/{channel_id}", params={**params, "hub.verify_token": "x"})
    assert wrong.status_code == 403
    assert app_client.client.get(f"/webhooks/meta/{channel_id + 999}", params=params).status_code == 404


def test_a_valid_delivery_is_stored_once_and_ingested(app_client):
    channel_id = _channel(app_client.engine, "instagram")
    body = raw("meta", "ig_webhook_comment.json")

    first = _meta_post(app_client, channel_id, body)
    assert first.status_code == 200
    assert _counts(app_client.engine) == (1, 1)  # the job ran (immediate mode) and the pipeline stored it
    with session_scope(app_client.engine) as session:
        mention = session.scalars(select(Mention)).one()
        assert mention.external_id == "17919697626119712" and mention.platform == "instagram"
        assert session.scalars(select(WebhookDelivery)).one().processed_at is not None

    again = _meta_post(app_client, channel_id, body)
    assert again.status_code == 200 and _counts(app_client.engine) == (1, 1)


def test_forged_wrong_secret_and_truncated_deliveries_are_refused(app_client, caplog):
    caplog.set_level(logging.INFO)
    ig = _channel(app_client.engine, "instagram")
    tg = _channel(app_client.engine, "telegram")
    body = raw("meta", "ig_webhook_comment.json")
    truncated = body[: len(body) // 2]

    assert _meta_post(app_client, ig, body, signature=sign(body, "not-the-app-secret")).status_code == 401
    assert _meta_post(app_client, ig, body, signature="sha256=").status_code == 401
    app_client.client.headers.pop("x-hub-signature-256", None)
    assert app_client.client.post(f"/webhooks/meta/{ig}", content=body).status_code == 401
    # A truncated body: its original signature no longer matches, and even signed it does not parse.
    assert _meta_post(app_client, ig, truncated, signature=sign(body, APP_SECRET)).status_code == 401
    assert _meta_post(app_client, ig, truncated).status_code == 400
    # Meta's shape to the Telegram receiver, and a Telegram update with a wrong secret token.
    update = raw("telegram", "webhook_group_reply.json")
    headers = {"x-telegram-bot-api-secret-token": "wrong"}
    assert (
        app_client.client.post(f"/webhooks/telegram/{tg}", content=update, headers=headers).status_code == 403
    )
    assert app_client.client.post(f"/webhooks/telegram/{ig}", content=update).status_code == 404
    assert app_client.client.post(f"/webhooks/meta/{tg}", content=body).status_code == 404

    assert _counts(app_client.engine) == (0, 0)
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 8


def test_telegram_delivery_with_the_secret_token(app_client):
    tg = _channel(app_client.engine, "telegram")
    update = raw("telegram", "webhook_group_reply.json")
    headers = {"x-telegram-bot-api-secret-token": TG_WEBHOOK_SECRET, "content-type": "application/json"}
    assert (
        app_client.client.post(f"/webhooks/telegram/{tg}", content=update, headers=headers).status_code == 200
    )
    assert (
        app_client.client.post(f"/webhooks/telegram/{tg}", content=update, headers=headers).status_code == 200
    )
    assert _counts(app_client.engine) == (1, 1)


def test_whatsapp_statuses_confirm_an_uncertain_send(app_client):
    wa = _channel(app_client.engine, "whatsapp")
    with session_scope(app_client.engine) as session:
        session.add(
            OutboxMessage(
                idempotency_key="reply-42",
                kind="channel.reply",
                owner_type="channel",
                owner_id=wa,
                payload={"parent_external_id": "wamid.X", "text": "Baik", "to": "16505551234"},
                status="unknown",
                attempts=1,
            )
        )
    body = raw("whatsapp", "webhook_status_delivered.json")
    assert _meta_post(app_client, wa, body, kind="whatsapp").status_code == 200
    with session_scope(app_client.engine) as session:
        entry = session.scalars(select(OutboxMessage)).one()
        assert entry.status == "sent" and entry.external_id.startswith("wamid.")


def test_whatsapp_message_reaches_the_pipeline(app_client):
    wa = _channel(app_client.engine, "whatsapp")
    assert (
        _meta_post(app_client, wa, raw("whatsapp", "webhook_text_message.json"), kind="whatsapp").status_code
        == 200
    )
    with session_scope(app_client.engine) as session:
        mention = session.scalars(select(Mention)).one()
        assert mention.platform == "whatsapp" and mention.kind == "message"


def test_binary_and_oversized_bodies_are_refused(app_client):
    ig = _channel(app_client.engine, "instagram")
    garbage = b"\xff\xfe\x00not json"
    assert _meta_post(app_client, ig, garbage).status_code == 400
    assert _meta_post(app_client, ig, b'{"object": "instagram"}').status_code == 400
    huge = b"{" + b" " * 1_000_001 + b"}"
    assert _meta_post(app_client, ig, huge).status_code == 413
    assert _counts(app_client.engine) == (0, 0)


def test_a_pipeline_failure_keeps_the_delivery_for_a_retry(app_client, monkeypatch):
    def broken(texts):
        raise RuntimeError("analysis down")

    monkeypatch.setattr("humas.ingest.service.pipeline.default_analyzer", broken)
    ig = _channel(app_client.engine, "instagram")
    assert _meta_post(app_client, ig, raw("meta", "ig_webhook_comment.json")).status_code == 200
    with session_scope(app_client.engine) as session:
        delivery = session.scalars(select(WebhookDelivery)).one()
        assert delivery.processed_at is None and "analysis down" in delivery.error
