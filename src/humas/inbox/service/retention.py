"""Retention of direct messages (UU PDP No. 27/2022): closed DM conversations are erased after the unit's
``InboxSettings.dm_retention_days`` (inherited down the tree; unset keeps them).

Erasing removes what identifies or was said by a person: the items' text, author name, handle and id,
links, media references and raw payloads; the conversation's subject and author; the text of staff
replies and internal notes (they quote the person); a LAPOR! forward's description and contact. It keeps
what the reports count: the rows themselves, their timestamps, channel, type, sentiment, priority, status
and every deadline result, so response rates and "% of deadlines met" do not change. ``erased_at`` marks
the conversation; an audit row names what was erased (no text).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from humas.core.time import utcnow
from humas.inbox.models import (
    Conversation,
    ConversationItem,
    InboxSettings,
    LaporForward,
    Note,
    Origin,
    Reply,
    Status,
)
from humas.inbox.service import unit_settings
from humas.ingest.models import Mention
from humas.org import audit as audit_service
from humas.org.models import Unit

ERASED = ""  # what erased text becomes (an empty string: lists show "(erased)" from ``erased_at``)
BATCH = 200


@dataclass(frozen=True)
class Erased:
    conversations: int
    items: int


def _candidates(session: Session, *, now: datetime, limit: int) -> list[Conversation]:
    """Closed DM conversations, not yet erased, under a unit that sets a retention, closed longer ago than
    the shortest retention set anywhere (each is then checked against its own unit's rule)."""
    rows = session.execute(
        select(Unit.path, InboxSettings.dm_retention_days)
        .join(Unit, Unit.id == InboxSettings.unit_id)
        .where(InboxSettings.dm_retention_days.is_not(None))
    ).all()
    if not rows:
        return []
    shortest = min(int(days) for _path, days in rows)
    closed = func.coalesce(Conversation.resolved_at, Conversation.updated_at)
    stmt = (
        select(Conversation)
        .join(Unit, Unit.id == Conversation.unit_id)
        .where(
            Conversation.origin == Origin.dm.value,
            Conversation.status == Status.selesai.value,
            Conversation.erased_at.is_(None),
            closed <= now - timedelta(days=shortest),
            or_(*[Unit.path.startswith(path) for path, _days in rows]),
        )
        .order_by(closed, Conversation.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _closed_at(conversation: Conversation) -> datetime:
    return conversation.resolved_at or conversation.updated_at or conversation.last_activity_at


def erase_conversation(session: Session, *, conversation: Conversation, now: datetime | None = None) -> int:
    """Erase one conversation's text and personal data, keep its counts; returns the items erased."""
    now = now or utcnow()
    mention_ids = list(
        session.scalars(
            select(ConversationItem.mention_id).where(ConversationItem.conversation_id == conversation.id)
        )
    )
    if mention_ids:
        session.execute(
            update(Mention)
            .where(Mention.id.in_(mention_ids))
            .values(
                text=ERASED, author_id=None, author_handle=None, author_name=None, url=None,
                media_ref=None, raw={}, keyphrases=[],
            )
            .execution_options(synchronize_session="fetch")
        )  # fmt: skip
    session.execute(
        update(Reply).where(Reply.conversation_id == conversation.id).values(text=ERASED, review_note=None)
        .execution_options(synchronize_session="fetch")
    )  # fmt: skip
    session.execute(
        update(Note).where(Note.conversation_id == conversation.id).values(text=ERASED, mentioned_user_ids=[])
        .execution_options(synchronize_session="fetch")
    )  # fmt: skip
    session.execute(
        update(LaporForward).where(LaporForward.conversation_id == conversation.id)
        .values(description=ERASED, reporter_contact=None, attachments=[])
        .execution_options(synchronize_session="fetch")
    )  # fmt: skip
    conversation.subject = ERASED
    conversation.author_name = conversation.author_handle = conversation.author_key = None
    conversation.erased_at = now
    audit_service.record(
        session,
        actor=None,
        action="inbox.conversation.erase",
        obj=conversation,
        unit=session.get(Unit, conversation.unit_id),
        label=conversation.ticket,
        after={"items": len(mention_ids), "reason": "dm_retention"},
    )
    return len(mention_ids)


def erase_expired(session: Session, *, now: datetime | None = None, limit: int = BATCH) -> Erased:
    """Erase closed DM conversations older than their unit's retention (one batch; the task loops)."""
    now = now or utcnow()
    done = items = 0
    candidates = _candidates(session, now=now, limit=limit * 5)
    units = {c.unit_id: c.unit for c in candidates}
    rules = unit_settings.rules_for_units(session, units.values())
    for conversation in candidates:
        days = rules[conversation.unit_id].dm_retention_days
        if days is None or _closed_at(conversation) > now - timedelta(days=days):
            continue
        items += erase_conversation(session, conversation=conversation, now=now)
        done += 1
        if done >= limit:
            break
    return Erased(conversations=done, items=items)
