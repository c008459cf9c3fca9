"""Webhook intake: verify first, store the raw delivery once, hand it to the pipeline as a job.

A delivery is identified by the SHA-256 of its raw body per channel: a retry or a replay of the same
body is acknowledged and changes nothing. Anything that fails verification or parsing raises
``DeliveryRefused`` (401/403/400/404) before a single row is written.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from humas.channels import platforms
from humas.channels.models import Channel, WebhookDelivery
from humas.channels.service.channels import channel_values
from humas.channels.service.outbox import mark_delivered
from humas.connectors import whatsapp
from humas.connectors.errors import UnrecognisedPayload, WebhookRejected
from humas.connectors.parse import parse_payload
from humas.connectors.webhooks import parse_meta_delivery, parse_telegram_delivery, verify_handshake
from humas.core.errors import HumasError
from humas.core.time import utcnow
from humas.ingest.service.pipeline import Analyzer, IngestResult, ingest_items

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


class DeliveryRefused(HumasError):
    """A webhook request that is not (or not provably) from the platform; the reason is only logged."""

    code = "webhook_refused"

    def __init__(self, reason: str, *, status: int) -> None:
        super().__init__(reason)
        self.status_code = status


def _channel_for(session: Session, channel_id: int, kind: str) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or not channel.is_active or platforms.webhook_kind(channel.platform) != kind:
        raise DeliveryRefused(f"no {kind} channel {channel_id}", status=404)
    return channel


def _refuse(channel_id: int, reason: str, status: int) -> DeliveryRefused:
    log.warning("webhook for channel %s refused (%s): %s", channel_id, status, reason)
    return DeliveryRefused(reason, status=status)


def answer_handshake(session: Session, *, channel_id: int, params: Mapping[str, str]) -> str:
    """Meta's subscription check: echo ``hub.challenge`` when ``hub.verify_token`` is the channel's."""
    channel = _channel_for(session, channel_id, "meta")
    try:
        return verify_handshake(params, str(channel_values(channel).get("verify_token") or ""))
    except WebhookRejected as exc:
        raise _refuse(channel_id, str(exc), exc.status) from None


def receive_delivery(
    session: Session, *, channel_id: int, kind: str, raw_body: bytes, headers: Mapping[str, str]
) -> WebhookDelivery | None:
    """Verify and store one delivery; returns it when new, ``None`` for a repeat (nothing changes)."""
    from humas.channels.tasks import process_delivery_task
    from humas.jobs import enqueue_after_commit

    try:
        channel = _channel_for(session, channel_id, kind)
    except DeliveryRefused as exc:
        raise _refuse(channel_id, str(exc), exc.status_code) from None
    if len(raw_body) > MAX_BODY:
        raise _refuse(channel_id, "body too large", 413)
    values = channel_values(channel)
    try:
        if kind == "meta":
            header = headers.get("x-hub-signature-256")
            parse_meta_delivery(raw_body, header, str(values.get("app_secret") or ""))
        else:
            header = headers.get("x-telegram-bot-api-secret-token")
            parse_telegram_delivery(raw_body, header, str(values.get("webhook_secret") or ""))
    except WebhookRejected as exc:
        raise _refuse(channel_id, str(exc), exc.status) from None
    except UnrecognisedPayload as exc:
        raise _refuse(channel_id, f"malformed: {exc}"[:300], 400) from None
    digest = hashlib.sha256(raw_body).hexdigest()
    seen = select(WebhookDelivery.id).where(
        WebhookDelivery.channel_id == channel.id, WebhookDelivery.body_sha256 == digest
    )
    if session.scalar(seen) is not None:
        log.info("webhook for channel %s: repeated delivery ignored", channel_id)
        return None
    delivery = WebhookDelivery(channel_id=channel.id, body_sha256=digest, body=raw_body.decode("utf-8"))
    try:
        with session.begin_nested():
            session.add(delivery)
            session.flush()
    except IntegrityError:
        return None  # the same delivery stored by a concurrent request
    enqueue_after_commit(session, process_delivery_task, delivery_id=delivery.id)
    return delivery


def process_delivery(
    session: Session, *, delivery: WebhookDelivery, analyzer: Analyzer | None = None
) -> IngestResult:
    """Parse a stored delivery into items for the pipeline; WhatsApp ``statuses`` settle outbox rows."""
    channel = session.get(Channel, delivery.channel_id)
    assert channel is not None
    result = IngestResult()
    if delivery.processed_at is not None:
        return result
    items = parse_payload("meta" if channel.platform != "telegram" else "telegram", delivery.body)
    if items:
        result = ingest_items(
            session, items, unit=channel.unit, channel=channel.account_external_id, analyzer=analyzer
        )
    if channel.platform == "whatsapp":
        for status in whatsapp.parse_statuses(delivery.body):
            if status["idempotency_key"] and status["message_id"]:
                mark_delivered(
                    session,
                    channel=channel,
                    idempotency_key=status["idempotency_key"],
                    external_id=status["message_id"],
                )
    delivery.processed_at = utcnow()
    delivery.items = len(items)
    delivery.error = None
    return result
