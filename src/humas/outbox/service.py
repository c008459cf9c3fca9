"""Adding outbox rows in the caller's transaction, finding and listing them, retrying one by hand.

Nothing here commits: ``enqueue`` adds a row (or returns the one with the same key), and queues its send for
after the caller's commit; a rollback sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from humas.core.errors import Conflict, Invalid
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.outbox.models import OutboxMessage, Status

KEY_MAX = 128


def find(session: Session, idempotency_key: str) -> OutboxMessage | None:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key))


def enqueue(
    session: Session,
    *,
    kind: str,
    key: str,
    owner_type: str,
    owner_id: int,
    target: str = "",
    payload: dict[str, Any] | None = None,
    created_by_id: int | None = None,
    send_now: bool = True,
) -> OutboxMessage:
    """Add one outgoing write; the same key with the same write returns the existing row (sent once)."""
    key = (key or "").strip()
    if not key or len(key) > KEY_MAX:
        raise Invalid(_("The idempotency key must have 1 to 128 characters."), field="idempotency_key")
    payload = dict(payload or {})
    existing = find(session, key)
    if existing is not None:
        return _same_write(existing, kind=kind, owner=(owner_type, owner_id), payload=payload)
    message = OutboxMessage(
        idempotency_key=key,
        kind=kind,
        owner_type=owner_type,
        owner_id=owner_id,
        target=target,
        payload=payload,
        status=Status.pending.value,
        next_attempt_at=utcnow(),
        created_by_id=created_by_id,
    )
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:
        found = find(session, key)  # another request with the same key won the race
        if found is None:
            raise
        return _same_write(found, kind=kind, owner=(owner_type, owner_id), payload=payload)
    if send_now:
        from humas.jobs import enqueue_after_commit
        from humas.outbox.tasks import send_message_task

        enqueue_after_commit(session, send_message_task, message_id=message.id)
    return message


def _same_write(
    existing: OutboxMessage, *, kind: str, owner: tuple[str, int], payload: dict[str, Any]
) -> OutboxMessage:
    if (existing.kind, (existing.owner_type, existing.owner_id), existing.payload) != (kind, owner, payload):
        raise Conflict(_("This idempotency key was used for another write."), field="idempotency_key")
    return existing


def list_for(session: Session, *, owner_type: str, owner_id: int, limit: int = 50) -> list[OutboxMessage]:
    """The newest rows of one owner (a channel's recent writes)."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.owner_type == owner_type, OutboxMessage.owner_id == owner_id)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def by_owner(
    session: Session, *, owner_type: str, owner_ids: Iterable[int]
) -> dict[int, list[OutboxMessage]]:
    """Rows of many owners at once, oldest first per owner (an alert history page's deliveries)."""
    ids = sorted(set(owner_ids))
    out: dict[int, list[OutboxMessage]] = {i: [] for i in ids}
    if not ids:
        return out
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.owner_type == owner_type, OutboxMessage.owner_id.in_(ids))
        .order_by(OutboxMessage.id)
    )
    for message in session.scalars(stmt):
        out[message.owner_id].append(message)
    return out


def count_by_status(session: Session) -> dict[str, int]:
    """How many rows are in each status (every status named, 0 when none): the backlog /metrics reports."""
    counts = dict.fromkeys((s.value for s in Status), 0)
    stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    for status, count in session.execute(stmt):
        counts[status] = count
    return counts


def due_ids(session: Session, *, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Rows to (re)try now: due pending ones, unknown ones to reconcile, and claims whose lease ran out."""
    now = now or utcnow()
    stmt = select(OutboxMessage.id).where(
        or_(
            (OutboxMessage.status == Status.pending.value)
            & (or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)),
            (OutboxMessage.status == Status.unknown.value) & (OutboxMessage.next_attempt_at <= now),
            (OutboxMessage.status == Status.sending.value) & (OutboxMessage.claimed_until <= now),
        )
    )
    return list(session.scalars(stmt.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))


def retry_by_hand(session: Session, *, message: OutboxMessage) -> OutboxMessage:
    """A person sends a failed (or unresolved) row again: it starts over with a fresh count of attempts.

    An ``unknown`` row is sent again without reconciling: the person checked the platform and found nothing.
    """
    if message.status == Status.sent.value:
        raise Conflict(_("This was already sent."))
    if message.status == Status.sending.value:
        raise Conflict(_("This is being sent right now."))
    message.status, message.attempts, message.next_attempt_at = Status.pending.value, 0, utcnow()
    from humas.jobs import enqueue_after_commit
    from humas.outbox.tasks import send_message_task

    enqueue_after_commit(session, send_message_task, message_id=message.id)
    return message


def mark_sent(session: Session, *, message: OutboxMessage, external_id: str | None) -> bool:
    """The other side confirmed a send out of band (a WhatsApp ``statuses`` webhook): the row is sent."""
    if message.status == Status.sent.value:
        return False
    message.status, message.external_id = Status.sent.value, external_id
    message.sent_at = message.sent_at or utcnow()
    message.last_error, message.next_attempt_at = None, None
    message.claimed_by, message.claimed_until = None, None
    return True
