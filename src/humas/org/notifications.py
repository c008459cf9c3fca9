"""In-app notifications: what a person should see when they next look (an @mention, an escalation, an
approval waiting). E-mail and Telegram copies are the outbox's (``humas.outbox.notify``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from humas.core.sql import insert_ignore
from humas.core.time import utcnow
from humas.org.models import Notification, Unit, User

TEXT_MAX = 500
LINK_MAX = 500


def add(
    session: Session,
    *,
    users: Sequence[User],
    kind: str,
    text: str,
    link: str = "",
    key: str | None = None,
    unit: Unit | None = None,
) -> list[User]:
    """Add one notification per person; with a ``key``, a person who already has it gets no second one.

    Returns the people newly told (so the caller sends e-mail only to them)."""
    people = {u.id: u for u in users if u.is_active}
    if not people:
        return []
    if key is not None:
        had = set(
            session.scalars(
                select(Notification.user_id).where(Notification.key == key, Notification.user_id.in_(people))
            )
        )
        people = {uid: u for uid, u in people.items() if uid not in had}
    now = utcnow()
    rows = [
        {
            "user_id": uid,
            "unit_id": unit.id if unit is not None else None,
            "kind": kind[:40],
            "text": text[:TEXT_MAX],
            "link": link[:LINK_MAX],
            "key": key,
            "created_at": now,
        }
        for uid in people
    ]
    insert_ignore(session, Notification, rows)
    return list(people.values())


def unread_count(session: Session, *, user: User) -> int:
    return int(
        session.scalar(
            select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def list_for(session: Session, *, user: User, limit: int = 50) -> list[Notification]:
    """A person's latest notifications, unread first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(
                Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc()
            )
            .limit(limit)
        )
    )


def mark_read(session: Session, *, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark some (or all) of a person's notifications read; another person's ids are ignored."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    return int(session.execute(stmt.values(read_at=utcnow())).rowcount or 0)  # type: ignore[attr-defined]
