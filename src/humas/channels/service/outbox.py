"""The outbox: every post, reply and hide is a row with an idempotency key, sent at most once.

``send_entry`` claims a row with a compare-and-set (status and attempts unchanged since it was read), so two
workers never send the same row. A row found in ``sending`` (a worker died mid-call) or ``unknown`` (the
call timed out and the connector could not find the result) is reconciled on the platform before anything
is sent again; on Telegram and WhatsApp, where absence proves nothing, it stays ``unknown`` for a person to
check instead of being resent.
"""

from __future__ import annotations

import logging
import secrets as pysecrets
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from humas.channels import platforms
from humas.channels.models import Channel, OutboxEntry, OutboxStatus
from humas.channels.redact import scrub
from humas.channels.service.channels import channel_values
from humas.channels.service.polling import record_needs_reauth
from humas.connectors.base import PublishResult
from humas.connectors.errors import AuthExpired, DeliveryUnknown, RateLimited
from humas.core.db import session_scope
from humas.core.errors import Conflict, Invalid
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role
from humas.org.service import Principal

log = logging.getLogger(__name__)
ACTIONS = ("post", "reply", "hide")
TEXT_MAX = 10_000
KEY_MAX = 128
# Platforms whose reconcile can prove that an earlier send did not arrive (so sending again is safe).
ABSENCE_IS_PROOF = frozenset({"x", "facebook", "instagram", "youtube", "mastodon", "bluesky"})
STALE_SENDING = timedelta(minutes=5)
RECONCILE_AGAIN = timedelta(minutes=2)
MAX_ATTEMPTS = 5


def list_outbox(session: Session, *, channel: Channel, limit: int = 50) -> list[OutboxEntry]:
    stmt = (
        select(OutboxEntry)
        .where(OutboxEntry.channel_id == channel.id)
        .order_by(OutboxEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def find_entry(session: Session, idempotency_key: str) -> OutboxEntry | None:
    return session.scalar(select(OutboxEntry).where(OutboxEntry.idempotency_key == idempotency_key))


def _queue(
    session: Session,
    *,
    channel: Channel,
    action: str,
    payload: dict[str, Any],
    actor: Principal | None,
    idempotency_key: str | None,
) -> OutboxEntry:
    from humas.channels.tasks import send_outbox_task
    from humas.jobs import enqueue_after_commit

    key = (idempotency_key or pysecrets.token_urlsafe(24)).strip()
    if not key or len(key) > KEY_MAX:
        raise Invalid(_("The idempotency key must have 1 to 128 characters."), field="idempotency_key")
    existing = find_entry(session, key)
    if existing is not None:
        if existing.channel_id != channel.id or existing.action != action or existing.payload != payload:
            raise Conflict(_("This idempotency key was used for another write."), field="idempotency_key")
        return existing  # the same request again: nothing new is sent
    entry = OutboxEntry(
        idempotency_key=key,
        channel_id=channel.id,
        action=action,
        payload=payload,
        created_by_id=actor.id if actor is not None else None,
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        # Another request with the same key won the race.
        found = find_entry(session, key)
        if found is None:
            raise
        return found
    audit_service.record(
        session,
        actor=actor,  # type: ignore[arg-type]
        action=f"outbox.{action}",
        obj=entry,
        unit=channel.unit,
        label=f"{channel.platform}:{channel.name}",
        after={"channel_id": channel.id, "action": action},
    )
    enqueue_after_commit(session, send_outbox_task, entry_id=entry.id)
    return entry


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid(_("The text must not be empty."), field="text")
    if len(text) > TEXT_MAX:
        raise Invalid(_("The text is too long."), field="text")
    return text


def queue_reply(
    session: Session,
    *,
    channel: Channel,
    parent_external_id: str,
    text: str,
    actor: Principal | None,
    idempotency_key: str | None = None,
    to: str | None = None,
) -> OutboxEntry:
    """Queue a reply to an item on the channel's platform; the same key twice queues it once."""
    if actor is not None:
        org_service.require_role(actor, Role.admin, Role.responder)
    parent = (parent_external_id or "").strip()
    if not parent:
        raise Invalid(_("Say which item to reply to."), field="parent_external_id")
    payload: dict[str, Any] = {"parent_external_id": parent, "text": _clean_text(text)}
    if to:
        payload["to"] = to.strip()
    return _queue(
        session,
        channel=channel,
        action="reply",
        payload=payload,
        actor=actor,
        idempotency_key=idempotency_key,
    )


def queue_post(
    session: Session,
    *,
    channel: Channel,
    text: str,
    actor: Principal | None,
    idempotency_key: str | None = None,
    image_url: str | None = None,
) -> OutboxEntry:
    """Queue a post on the channel; the same key twice queues it once."""
    if actor is not None:
        org_service.require_role(actor, Role.admin, Role.drafter)
    payload: dict[str, Any] = {"text": _clean_text(text)}
    if image_url:
        payload["image_url"] = image_url.strip()
    return _queue(
        session, channel=channel, action="post", payload=payload, actor=actor, idempotency_key=idempotency_key
    )


def queue_hide(
    session: Session,
    *,
    channel: Channel,
    external_id: str,
    actor: Principal | None,
    idempotency_key: str | None = None,
) -> OutboxEntry:
    """Queue hiding a public comment (where the platform allows it)."""
    if actor is not None:
        org_service.require_role(actor, Role.admin, Role.responder)
    if not (external_id or "").strip():
        raise Invalid(_("Say which item to hide."), field="external_id")
    return _queue(
        session,
        channel=channel,
        action="hide",
        payload={"external_id": external_id.strip()},
        actor=actor,
        idempotency_key=idempotency_key,
    )


# --- sending ---------------------------------------------------------------------------------------


def _claim(entry_id: int, engine: Any) -> tuple[str, dict[str, Any]] | None:
    """Mark the row ``sending`` if nobody else did meanwhile; returns (previous status, job data)."""
    with session_scope(engine) as session:
        entry = session.get(OutboxEntry, entry_id)
        if entry is None or entry.status in (OutboxStatus.sent.value, OutboxStatus.failed.value):
            return None
        now = utcnow()
        previous, first_attempt_at = entry.status, entry.first_attempt_at
        claimed = cast(
            CursorResult[Any],
            session.execute(
                update(OutboxEntry)
                .where(
                    OutboxEntry.id == entry.id,
                    OutboxEntry.status == entry.status,
                    OutboxEntry.attempts == entry.attempts,
                )
                .values(
                    status=OutboxStatus.sending.value,
                    attempts=entry.attempts + 1,
                    last_attempt_at=now,
                    first_attempt_at=first_attempt_at or now,
                )
                .execution_options(synchronize_session=False)
            ),
        )
        if claimed.rowcount != 1:
            return None
        channel = entry.channel
        data = {
            "platform": channel.platform,
            "values": channel_values(channel),
            "action": entry.action,
            "payload": dict(entry.payload),
            "key": entry.idempotency_key,
            "since": (first_attempt_at or now) - timedelta(minutes=5),
            "channel_id": channel.id,
        }
        return previous, data


def _perform(publisher: Any, data: dict[str, Any]) -> PublishResult | None:
    payload, key = data["payload"], data["key"]
    if data["action"] == "reply":
        kwargs = {"to": payload["to"]} if payload.get("to") else {}
        return publisher.reply(payload["parent_external_id"], payload["text"], idempotency_key=key, **kwargs)
    if data["action"] == "post":
        return publisher.post(payload["text"], image=payload.get("image_url"), idempotency_key=key)
    publisher.hide(payload["external_id"])  # hiding twice is harmless: no reconcile needed
    return None


def _reconcile(publisher: Any, data: dict[str, Any]) -> PublishResult | None:
    payload = data["payload"]
    if data["action"] == "hide":
        return None
    return publisher.reconcile(
        data["key"],
        text=payload["text"],
        parent_external_id=payload.get("parent_external_id"),
        since=data["since"],
    )


def _delivered_lookup(engine: Any) -> Any:
    """WhatsApp: the message id a ``statuses`` webhook echoed for this key (stored on the row)."""

    def lookup(key: str) -> str | None:
        with session_scope(engine) as session:
            entry = find_entry(session, key)
            return entry.external_id if entry is not None else None

    return lookup


def send_entry(entry_id: int, *, engine: Any = None) -> str:
    """Send one outbox row at most once: claim, reconcile if an earlier try may have landed, send, record."""
    claim = _claim(entry_id, engine)
    if claim is None:
        return "skipped"
    previous, data = claim
    secrets_ = [str(v) for v in data["values"].values()]
    kwargs = {"delivered_lookup": _delivered_lookup(engine)} if data["platform"] == "whatsapp" else {}
    try:
        publisher = platforms.build_publisher(data["platform"], data["values"], **kwargs)
        result: PublishResult | None = None
        if previous in (OutboxStatus.sending.value, OutboxStatus.unknown.value):
            result = _reconcile(publisher, data)
            if result is None and data["platform"] not in ABSENCE_IS_PROOF and data["action"] != "hide":
                return _finish(entry_id, engine, OutboxStatus.unknown, error="not found on the platform yet")
        if result is None:
            result = _perform(publisher, data)
    except DeliveryUnknown as exc:
        return _finish(entry_id, engine, OutboxStatus.unknown, error=scrub(str(exc), secrets_))
    except RateLimited as exc:
        return _finish(
            entry_id,
            engine,
            OutboxStatus.pending,
            error=scrub(str(exc), secrets_),
            retry_in=exc.retry_after_s,
        )
    except AuthExpired as exc:
        return _finish(entry_id, engine, OutboxStatus.failed, error=scrub(str(exc), secrets_), reauth=True)
    except Exception as exc:  # noqa: BLE001 - a refused write is recorded on its row
        log.warning("outbox %s failed: %s", entry_id, scrub(f"{type(exc).__name__}: {exc}", secrets_))
        return _finish(
            entry_id, engine, OutboxStatus.failed, error=scrub(f"{type(exc).__name__}: {exc}", secrets_)
        )
    return _finish(entry_id, engine, OutboxStatus.sent, result=result)


def _finish(
    entry_id: int,
    engine: Any,
    status: OutboxStatus,
    *,
    result: PublishResult | None = None,
    error: str | None = None,
    retry_in: float | None = None,
    reauth: bool = False,
) -> str:
    with session_scope(engine) as session:
        entry = session.get(OutboxEntry, entry_id)
        assert entry is not None
        now = utcnow()
        if entry.status == OutboxStatus.sent.value:
            return "sent"  # a statuses webhook confirmed it meanwhile
        entry.status = status.value
        entry.last_error = error[:2000] if error else None
        entry.next_attempt_at = None
        if result is not None:
            entry.external_id, entry.url, entry.sent_at = result.external_id, result.url, now
        if status is OutboxStatus.sent and result is None:
            entry.sent_at = now
        if retry_in is not None:
            entry.next_attempt_at = now + timedelta(seconds=max(1.0, retry_in))
        elif status is OutboxStatus.unknown and entry.channel.platform in ABSENCE_IS_PROOF:
            # Look again later; where absence proves nothing, a person decides (or a webhook confirms).
            entry.next_attempt_at = now + RECONCILE_AGAIN if entry.attempts < MAX_ATTEMPTS else None
        if reauth:
            record_needs_reauth(session, channel=entry.channel, message=error or "")
        return status.value


def mark_delivered(session: Session, *, channel: Channel, idempotency_key: str, external_id: str) -> bool:
    """A platform confirmed a send (WhatsApp ``statuses`` echo our key): the channel's row is sent."""
    entry = find_entry(session, idempotency_key)
    if entry is None or entry.channel_id != channel.id or entry.status == OutboxStatus.sent.value:
        return False
    entry.status = OutboxStatus.sent.value
    entry.external_id = external_id
    entry.sent_at = entry.sent_at or utcnow()
    entry.last_error = None
    entry.next_attempt_at = None
    return True


def due_entry_ids(session: Session) -> list[int]:
    """Rows to (re)try: pending ones that are due, unknown ones to reconcile, and stale claims."""
    now = utcnow()
    stmt = select(OutboxEntry.id).where(
        or_(
            (OutboxEntry.status == OutboxStatus.pending.value)
            & (or_(OutboxEntry.next_attempt_at.is_(None), OutboxEntry.next_attempt_at <= now)),
            (OutboxEntry.status == OutboxStatus.unknown.value) & (OutboxEntry.next_attempt_at <= now),
            (OutboxEntry.status == OutboxStatus.sending.value)
            & (OutboxEntry.last_attempt_at <= now - STALE_SENDING),
        )
    )
    return list(session.scalars(stmt.order_by(OutboxEntry.id)))
