"""Telling people: an in-app notification, and copies by e-mail and Telegram through the outbox.

Every domain that must tell someone (an @mention in a note, a deadline at risk, a post waiting for approval)
calls ``notify``: the in-app row is written at once (``humas.org.notifications``) and each copy is an outbox
row of kind ``notify.email`` / ``notify.telegram`` in the caller's transaction, sent by the worker with the
one retry policy. A key makes it idempotent: the same key never tells the same person twice. An e-mail resent
after an unknown outcome carries the same ``Message-ID``; a Telegram message, which a bot cannot read back,
waits for a person instead of being resent.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from humas.core.settings import get_settings
from humas.org import notifications
from humas.org.models import Unit, User
from humas.outbox import handlers, transport
from humas.outbox import service as outbox_service
from humas.outbox.models import OutboxMessage
from humas.outbox.policy import Permanent, Retry, Sent, Unknown
from humas.outbox.settings import get_delivery_settings

OWNER = "notification"
EMAIL_KIND = "notify.email"
TELEGRAM_KIND = "notify.telegram"


@dataclass(frozen=True)
class Job:
    kind: str
    target: str
    key: str
    rendered: transport.RenderedAlert


def absolute(link: str) -> str:
    """A page path as a full address for e-mail, when the installation's public URL is set."""
    base = (get_settings().public_url or "").rstrip("/")
    return f"{base}{link}" if base and link.startswith("/") else link


def _key(key: str, medium: str, target: str) -> str:
    digest = hashlib.sha256(f"{key}|{medium}|{target}".encode()).hexdigest()[:40]
    return f"notify:{digest}"


def notify(
    session: Session,
    *,
    users: Sequence[User],
    kind: str,
    subject: str,
    text: str,
    link: str = "",
    key: str,
    unit: Unit | None = None,
    email: bool = True,
    telegram_chats: Sequence[str] = (),
) -> list[OutboxMessage]:
    """Tell people in the app and queue their e-mail (and Telegram chats); returns the queued rows."""
    told = notifications.add(session, users=users, kind=kind, text=subject, link=link, key=key, unit=unit)
    queued: list[OutboxMessage] = []
    url = absolute(link)
    body = f"{text}\n\n{url}" if url else text
    page = f"<p>{html.escape(text)}</p>" + (
        f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>' if url else ""
    )
    payload = {"subject": transport.clean_line(subject), "text": body, "html": page, "kind": kind}
    if email:
        for user in told:
            queued.append(
                outbox_service.enqueue(
                    session,
                    kind=EMAIL_KIND,
                    key=_key(key, "email", user.email),
                    owner_type=OWNER,
                    owner_id=user.id,
                    target=user.email,
                    payload=payload,
                )
            )
    for chat in telegram_chats:
        queued.append(
            outbox_service.enqueue(
                session,
                kind=TELEGRAM_KIND,
                key=_key(key, "telegram", str(chat)),
                owner_type=OWNER,
                owner_id=unit.id if unit is not None else 0,
                target=str(chat),
                payload=payload,
            )
        )
    return queued


def _prepare(_session: Session, message: OutboxMessage) -> Job:
    p = message.payload
    rendered = transport.RenderedAlert(
        subject=p.get("subject", ""), text=p.get("text", ""), html=p.get("html", "")
    )
    return Job(kind=message.kind, target=message.target, key=message.idempotency_key, rendered=rendered)


def _outcome(result: transport.DeliveryResult) -> Sent:
    if result.ok:
        return Sent(external_id=result.remote_id)
    message = result.message or str(result.outcome)
    if result.outcome is transport.Outcome.RETRYABLE:
        raise Retry(message, retry_after=result.retry_after)
    if result.outcome is transport.Outcome.UNKNOWN:
        raise Unknown(message)
    raise Permanent(message)


def send_email_job(job: Job) -> Sent:
    """Send one prepared e-mail (with its attachments) under a Message-ID fixed by the row's key; other
    domains' e-mail kinds (a report's PDF) register this as their sender."""
    settings = get_delivery_settings()
    message_id = transport.message_id_for(job.key, settings.smtp_from)
    return _outcome(
        transport.send_email(job.rendered, to=[job.target], settings=settings, message_id=message_id)
    )


def _send_telegram(job: Job) -> Sent:
    return _outcome(
        transport.send_telegram(job.rendered.text, chat_id=job.target, settings=get_delivery_settings())
    )


def resend_email(_job: Job) -> Sent | None:
    """Reconcile an e-mail: resending is safe, it carries the same Message-ID."""
    return None  # the same Message-ID again: a mail server or reader drops the duplicate


def _ask_a_person(_job: Job) -> Sent | None:
    raise Unknown(
        "Telegram took the message without answering; a bot cannot read back what it sent: "
        "check the chat, then retry by hand if it is missing",
        check_again=False,
    )


handlers.register(EMAIL_KIND, handlers.Handler(prepare=_prepare, send=send_email_job, reconcile=resend_email))
handlers.register(
    TELEGRAM_KIND, handlers.Handler(prepare=_prepare, send=_send_telegram, reconcile=_ask_a_person)
)
