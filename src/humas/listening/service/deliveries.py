"""Alert deliveries through the outbox: one row per channel of an alert (e-mail, Telegram, webhook).

A delivery is an outbox row (``humas.outbox``) of kind ``alert.email`` / ``alert.telegram`` /
``alert.webhook`` owned by its alert event. The outbox claims, sends, retries with its one policy and shows
the last error on the alert history page; a failed delivery is retried by hand there. Before resending a row
whose previous outcome is unknown: a webhook goes again with the same delivery id (``X-Humas-Delivery``;
receivers drop a duplicate) and an e-mail with the same ``Message-ID``; a Telegram message, which a bot
cannot read back, is left for a person to check.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from humas.core.errors import NotFound
from humas.core.i18n import _
from humas.listening.alert_text import RenderedAlert
from humas.listening.models import AlertEvent, AlertRule
from humas.listening.service import rules
from humas.org import audit as audit_service
from humas.org.models import User
from humas.outbox import handlers, transport
from humas.outbox import service as outbox_service
from humas.outbox.models import OutboxMessage
from humas.outbox.policy import Permanent, Retry, Sent, Unknown
from humas.outbox.settings import get_delivery_settings

OWNER = "alert_event"


def queue_deliveries(session: Session, *, event: AlertEvent, rule: AlertRule) -> list[OutboxMessage]:
    """One outbox row per channel of the rule, in the caller's transaction (sent after its commit)."""
    targets: list[tuple[str, str]] = [(transport.EMAIL, e) for e in rule.emails or []]
    if rule.telegram_chat_id:
        targets.append((transport.TELEGRAM, rule.telegram_chat_id))
    if rule.webhook_url:
        targets.append((transport.WEBHOOK, rule.webhook_url))
    return [
        outbox_service.enqueue(
            session,
            kind=f"alert.{medium}",
            key=uuid.uuid4().hex,
            owner_type=OWNER,
            owner_id=event.id,
            target=target,
        )
        for medium, target in targets
    ]


# What a failed e-mail delivery asks of the person who runs humas, by the start of its technical error.
_EMAIL_HINTS = (
    (
        "SMTP connection to",
        _(
            "The mail server could not be reached: set HUMAS_SMTP_HOST and HUMAS_SMTP_PORT (and "
            "HUMAS_SMTP_STARTTLS for port 587 or HUMAS_SMTP_SSL for port 465) to your office's mail server, "
            "then retry."
        ),
    ),
    (
        "SMTP authentication failed",
        _(
            "The mail server refused the login: check HUMAS_SMTP_USERNAME and HUMAS_SMTP_PASSWORD, "
            "then retry."
        ),
    ),
    (
        "all recipients refused",
        _("The mail server refused every address: check the rule's e-mail addresses."),
    ),
)


def error_hint(delivery: OutboxMessage) -> Any:
    """What to fix for a failed delivery, in the page's language (the technical error stays beside it)."""
    error = delivery.last_error or ""
    for start, hint in _EMAIL_HINTS:
        if error.startswith(start):
            return hint
    return None


def deliveries_of(session: Session, events: list[AlertEvent]) -> dict[int, list[OutboxMessage]]:
    """Each event's deliveries, oldest first (one query for a whole history page)."""
    return outbox_service.by_owner(session, owner_type=OWNER, owner_ids=[e.id for e in events])


def get_delivery(session: Session, delivery_id: int) -> tuple[OutboxMessage, AlertEvent]:
    message = session.get(OutboxMessage, delivery_id)
    event = session.get(AlertEvent, message.owner_id) if message and message.owner_type == OWNER else None
    if message is None or event is None:
        raise NotFound(_("Delivery not found."))
    return message, event


def retry_delivery(session: Session, *, delivery: OutboxMessage, actor: User) -> OutboxMessage:
    """Send a failed delivery again (after fixing the rule or the channel)."""
    _message, event = get_delivery(session, delivery.id)
    outbox_service.retry_by_hand(session, message=delivery)
    audit_service.record(
        session,
        actor=actor,
        action="alert_delivery.retry",
        obj=delivery,
        unit=event.rule.unit,
        label=f"{delivery.medium} {delivery.target}"[:200],
    )
    return delivery


# --- the sender the outbox calls ------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertJob:
    medium: str
    target: str
    delivery_id: str
    rendered: RenderedAlert
    webhook_payload: dict[str, Any]
    webhook_secret: str


def _webhook_secret(event: AlertEvent, message: OutboxMessage) -> str:
    if message.medium != transport.WEBHOOK:
        return ""
    return rules.webhook_secret(event.rule) or ""


def _prepare(session: Session, message: OutboxMessage) -> AlertJob:
    event = session.get(AlertEvent, message.owner_id)
    if event is None:
        raise Permanent("the alert no longer exists")
    webhook_payload = {
        "alert_id": event.id,
        "kind": event.kind,
        "subject": event.subject,
        "text": event.text,
        "occurred_at": event.occurred_at.isoformat(),
        "unit_id": event.unit_id,
        "url": event.payload.get("url"),
    }
    return AlertJob(
        medium=message.medium,
        target=message.target,
        delivery_id=str(message.payload.get("delivery_id") or message.idempotency_key),
        rendered=RenderedAlert(subject=event.subject, text=event.text, html=event.payload.get("html", "")),
        webhook_payload=webhook_payload,
        webhook_secret=(rules.webhook_secret(event.rule) or "")
        if message.medium == transport.WEBHOOK
        else "",
    )


def _send_email(job: AlertJob) -> Sent:
    settings = get_delivery_settings()
    message_id = transport.message_id_for(job.delivery_id, settings.smtp_from)
    result = transport.send_email(job.rendered, to=[job.target], settings=settings, message_id=message_id)
    return _outcome(result)


def _send_telegram(job: AlertJob) -> Sent:
    settings = get_delivery_settings()
    return _outcome(transport.send_telegram(job.rendered.text, chat_id=job.target, settings=settings))


def _send_webhook(job: AlertJob) -> Sent:
    result = transport.send_webhook(
        job.webhook_payload,
        url=job.target,
        secret=job.webhook_secret,
        settings=get_delivery_settings(),
        delivery_id=job.delivery_id,
    )
    return _outcome(result)


def _outcome(result: transport.DeliveryResult) -> Sent:
    if result.ok:
        return Sent(external_id=result.remote_id)
    message = result.message or str(result.outcome)
    if result.outcome is transport.Outcome.RETRYABLE:
        raise Retry(message, retry_after=result.retry_after)
    if result.outcome is transport.Outcome.UNKNOWN:
        raise Unknown(message)
    raise Permanent(message)


def _resend(job: AlertJob) -> Sent | None:
    return None  # the same delivery id / Message-ID again: the receiver drops a duplicate


def _ask_a_person(job: AlertJob) -> Sent | None:
    raise Unknown(
        "Telegram took the message without answering; a bot cannot read back what it sent: "
        "check the chat, then retry by hand if it is missing",
        check_again=False,
    )


# One handler per medium: each knows how it sends and how an unknown outcome is settled.
SENDERS = {
    transport.EMAIL: handlers.Handler(prepare=_prepare, send=_send_email, reconcile=_resend),
    transport.TELEGRAM: handlers.Handler(prepare=_prepare, send=_send_telegram, reconcile=_ask_a_person),
    transport.WEBHOOK: handlers.Handler(prepare=_prepare, send=_send_webhook, reconcile=_resend),
}
for _medium, _handler in SENDERS.items():
    handlers.register(f"alert.{_medium}", _handler)
