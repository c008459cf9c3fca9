"""Webhook intake: verify first, store the raw delivery once, hand it to the pipeline as a job.

A delivery is identified by the SHA-256 of its raw body per channel: a retry or a replay of the same
body is acknowledged and changes nothing. Anything that fails verification or parsing raises
``DeliveryRefused`` (401/403/400/404) before a single row is written.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from humas.channels import platforms
from humas.channels.models import Channel, WebhookDelivery
from humas.channels.service.channels import channel_values
from humas.channels.service.outbox import mark_delivered
from humas.connectors.errors import UnrecognisedPayload, WebhookRejected
from humas.connectors.spec import WebhookSpec
from humas.core.errors import HumasError
from humas.core.time import utcnow
from humas.ingest.service.pipeline import Analyzer, IngestResult, ingest_items

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000
# How far back (in deliveries, newest first) the sweep for lost jobs looks: a bounded primary-key range.
STALE_WINDOW = 100_000


class DeliveryRefused(HumasError):
    """A webhook request that is not (or not provably) from the platform; the reason is only logged."""

    code = "webhook_refused"

    def __init__(self, reason: str, *, status: int) -> None:
        super().__init__(reason)
        self.status_code = status


def _channel_for(session: Session, channel_id: int, kind: str) -> tuple[Channel, WebhookSpec]:
    """The active channel whose platform pushes webhooks of this kind (verification scheme)."""
    channel = session.get(Channel, channel_id)
    hook = platforms.spec(channel.platform).webhook if channel is not None else None
    if channel is None or hook is None or not channel.is_active or hook.kind != kind:
        raise DeliveryRefused(f"no {kind} channel {channel_id}", status=404)
    return channel, hook


def _refuse(channel_id: int, reason: str, status: int) -> DeliveryRefused:
    log.warning("webhook for channel %s refused (%s): %s", channel_id, status, reason)
    return DeliveryRefused(reason, status=status)


def answer_handshake(session: Session, *, channel_id: int, kind: str, params: Mapping[str, str]) -> str:
    """A subscription check (Meta's ``hub.challenge``), answered when it carries the channel's token."""
    channel, hook = _channel_for(session, channel_id, kind)
    if hook.handshake is None:
        raise _refuse(channel_id, f"{kind} webhooks make no handshake", 405)
    try:
        return hook.handshake(params, channel_values(channel))
    except WebhookRejected as exc:
        raise _refuse(channel_id, str(exc), exc.status) from None


def receive_delivery(
    session: Session, *, channel_id: int, kind: str, raw_body: bytes, headers: Mapping[str, str]
) -> WebhookDelivery | None:
    """Verify and store one delivery; returns it when new, ``None`` for a repeat (nothing changes)."""
    from humas.channels.tasks import process_delivery_task
    from humas.jobs import enqueue_after_commit

    try:
        channel, hook = _channel_for(session, channel_id, kind)
    except DeliveryRefused as exc:
        raise _refuse(channel_id, str(exc), exc.status_code) from None
    if len(raw_body) > MAX_BODY:
        raise _refuse(channel_id, "body too large", 413)
    try:
        hook.verify(raw_body, headers, channel_values(channel))  # first: nothing unverified is parsed
        hook.parse(raw_body)
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
    """Parse a stored delivery into items for the pipeline; receipts of our sends (WhatsApp ``statuses``)
    settle outbox rows."""
    channel = session.get(Channel, delivery.channel_id)
    assert channel is not None
    result = IngestResult()
    if delivery.processed_at is not None:
        return result
    hook = platforms.spec(channel.platform).webhook
    assert hook is not None  # only a webhook platform's channel stores deliveries
    items = hook.parse(delivery.body)
    if items:
        result = ingest_items(
            session, items, unit=channel.unit, channel=channel.account_external_id, analyzer=analyzer
        )
    if hook.receipts is not None:
        for status in hook.receipts(delivery.body):
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


def stale_delivery_ids(session: Session, *, older_than: timedelta, limit: int = 1000) -> list[int]:
    """Deliveries stored but neither processed nor failed after ``older_than``: their job was lost (a worker
    killed in the middle of it, a queue emptied), so they are queued again. Processing is idempotent (a
    processed delivery is skipped, the pipeline stores each mention once), so a slow job queued twice is
    harmless. Only the newest ``STALE_WINDOW`` deliveries are looked at, so the sweep costs the same at any
    size."""
    newest = session.scalar(select(func.max(WebhookDelivery.id)))
    if newest is None:
        return []
    stmt = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.id > newest - STALE_WINDOW,
            WebhookDelivery.processed_at.is_(None),
            WebhookDelivery.error.is_(None),
            WebhookDelivery.received_at <= utcnow() - older_than,
        )
        .order_by(WebhookDelivery.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
