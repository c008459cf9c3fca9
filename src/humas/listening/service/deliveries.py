"""Sending stored alerts: one attempt per due delivery per run, retried with backoff, never lost.

A delivery is `pending` until its first attempt, then `sent`, `retrying` (with `next_attempt_at` and the last
error shown on the alert history page) or `failed` (a permanent error, or every attempt used). A failed
delivery can be retried by hand from the history page. Webhook retries reuse the delivery's idempotency key
as `X-Humas-Delivery`, so a receiver drops a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.core.errors import Conflict
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.listening import alert_transport as transport
from humas.listening.alert_text import RenderedAlert
from humas.listening.models import AlertDelivery
from humas.listening.service import rules
from humas.listening.settings import DeliverySettings, get_delivery_settings
from humas.org import audit as audit_service
from humas.org.models import User

log = logging.getLogger(__name__)
Sender = Callable[[AlertDelivery, RenderedAlert], transport.DeliveryResult]


def _send(
    delivery: AlertDelivery, rendered: RenderedAlert, settings: DeliverySettings
) -> transport.DeliveryResult:
    event = delivery.event
    if delivery.channel == "email":
        return transport.send_email(rendered, to=[delivery.target], settings=settings)
    if delivery.channel == "telegram":
        return transport.send_telegram(rendered.text, chat_id=delivery.target, settings=settings)
    if delivery.channel == "webhook":
        payload = {
            "alert_id": event.id,
            "kind": event.kind,
            "subject": event.subject,
            "text": event.text,
            "occurred_at": event.occurred_at.isoformat(),
            "unit_id": event.unit_id,
            "url": event.payload.get("url"),
        }
        return transport.send_webhook(
            payload,
            url=delivery.target,
            secret=rules.webhook_secret(event.rule) or "",
            settings=settings,
            delivery_id=delivery.idempotency_key,
        )
    return transport.DeliveryResult(delivery.channel, transport.Outcome.PERMANENT, "unknown channel")


@dataclass
class DeliveryRun:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(
    session: Session,
    *,
    now: datetime | None = None,
    settings: DeliverySettings | None = None,
    limit: int = 200,
) -> DeliveryRun:
    """Attempt every delivery that is due once; commit-safe per delivery (the caller commits the batch)."""
    now = now or utcnow()
    s = settings or get_delivery_settings()
    stmt = (
        select(AlertDelivery)
        .where(AlertDelivery.status.in_(("pending", "retrying")), AlertDelivery.next_attempt_at <= now)
        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(
            skip_locked=True, of=AlertDelivery
        )  # two workers never send the same delivery
    run = DeliveryRun()
    for delivery in list(session.scalars(stmt)):
        attempt(session, delivery=delivery, now=now, settings=s)
        if delivery.status == "sent":
            run.sent += 1
        elif delivery.status == "retrying":
            run.retrying += 1
        else:
            run.failed += 1
    return run


def attempt(session: Session, *, delivery: AlertDelivery, now: datetime, settings: DeliverySettings) -> None:
    """One attempt of one delivery; records the outcome and schedules the next attempt if it may help."""
    event = delivery.event
    rendered = RenderedAlert(subject=event.subject, text=event.text, html=event.payload.get("html", ""))
    try:
        result = _send(delivery, rendered, settings)
    except Exception as exc:  # noqa: BLE001 - a crash is a failed attempt, shown, never lost
        log.exception("alert delivery %s crashed", delivery.id)
        result = transport.DeliveryResult(
            delivery.channel, transport.Outcome.RETRYABLE, f"crashed: {exc!r}"[:500]
        )
    delivery.attempts += 1
    if result.ok:
        delivery.status, delivery.sent_at, delivery.last_error = "sent", now, None
        delivery.remote_id = (result.remote_id or "")[:255] or None
        delivery.next_attempt_at = None
        return
    delivery.last_error = (result.message or result.outcome)[:1000]
    if result.retryable and delivery.attempts < settings.delivery_attempts:
        wait = transport.backoff_delay(
            delivery.attempts, result, base=settings.delivery_backoff_s, cap=settings.delivery_backoff_max_s
        )
        delivery.status, delivery.next_attempt_at = "retrying", now + timedelta(seconds=wait)
    else:
        delivery.status, delivery.next_attempt_at = "failed", None
    session.flush()


def retry_delivery(session: Session, *, delivery: AlertDelivery, actor: User) -> AlertDelivery:
    """Queue a failed delivery again (after fixing the rule or the channel)."""
    if delivery.status == "sent":
        raise Conflict(_("This alert was already delivered."))
    delivery.status, delivery.next_attempt_at, delivery.attempts = "retrying", utcnow(), 0
    audit_service.record(
        session,
        actor=actor,
        action="alert_delivery.retry",
        obj=delivery,
        unit=delivery.event.rule.unit,
        label=f"{delivery.channel} {delivery.target}"[:200],
    )
    return delivery
