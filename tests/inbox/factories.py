"""Inbox factories for the deadline tests: plain functions that add and flush (no intake, no mentions)."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.core.time import utcnow
from humas.inbox.models import Conversation, ConversationEvent, ConversationItem, Team, TeamMember
from humas.ingest.models import Mention
from humas.org.models import Unit, User

_seq = itertools.count(1)


def make_conversation(session: Session, *, unit: Unit, opened_at: datetime, **overrides: Any) -> Conversation:
    n = next(_seq)
    values: dict[str, Any] = {
        "platform": "facebook",
        "thread_key": f"thread-{n}",
        "subject": f"Pertanyaan warga {n}",
        "status": "baru",
        "message_type": "pertanyaan",
        "priority": "normal",
        "opened_at": opened_at,
        "last_activity_at": opened_at,
        "created_at": opened_at,
        "updated_at": opened_at,
    }
    values.update(overrides)
    conversation = Conversation(unit_id=unit.id, **values)
    session.add(conversation)
    session.flush()
    add_event(session, conversation, "citizen", at=opened_at)
    return conversation


def add_event(session: Session, conversation: Conversation, kind: str, *, at: datetime, **data: Any) -> None:
    """One conversation event as the conversation service writes it (a status change: ``to=<status>``)."""
    session.add(ConversationEvent(conversation_id=conversation.id, at=at, kind=kind, data=data))
    if kind == "status":
        conversation.status = data["to"]
    session.flush()


def make_team(
    session: Session, *, unit: Unit, lead: User | None = None, members: tuple[User, ...] = ()
) -> Team:
    team = Team(unit_id=unit.id, name=f"Tim {next(_seq)}", lead_id=lead.id if lead else None)
    session.add(team)
    session.flush()
    session.add_all(TeamMember(team_id=team.id, user_id=m.id) for m in members)
    session.flush()
    return team


# --- conversations with mentions, on a channel (replies, templates, moderation, LAPOR!, retention) --------


def make_mention(
    session: Session,
    *,
    unit: Unit,
    platform: str = "x",
    text: str = "Mohon info jadwal pelayanan KTP.",
    at: datetime | None = None,
    **overrides: Any,
) -> Mention:
    n = next(_seq)
    values: dict[str, Any] = {
        "platform": platform,
        "external_id": f"{1301573587187331000 + n}",
        "kind": "comment",
        "author_id": f"99{n}",
        "author_handle": f"warga{n}",
        "author_name": f"Warga {n}",
        "text": text,
        "created_at": at or utcnow(),
    }
    values.update(overrides)
    mention = Mention(unit_id=unit.id, **values)
    session.add(mention)
    session.flush()
    return mention


def add_item(
    session: Session, conversation: Conversation, mention: Mention, *, from_staff: bool = False
) -> ConversationItem:
    item = ConversationItem(
        conversation_id=conversation.id, mention_id=mention.id, from_staff=from_staff, at=mention.created_at
    )
    session.add(item)
    conversation.item_count += 1
    session.flush()
    return item


def make_channel_conversation(
    session: Session,
    *,
    unit: Unit,
    channel: Channel | None,
    texts: tuple[str, ...] = ("Mohon info jadwal pelayanan KTP.",),
    origin: str = "comments",
    **overrides: Any,
) -> Conversation:
    """A conversation on a channel of the unit, with one citizen mention per text (one author)."""
    platform = channel.platform if channel is not None else overrides.pop("platform", "x")
    opened = overrides.pop("opened_at", utcnow())
    n = next(_seq)
    author = {"author_id": f"77{n}", "author_handle": f"budi{n}", "author_name": "Budi Santoso"}
    conversation = make_conversation(
        session,
        unit=unit,
        opened_at=opened,
        platform=platform,
        channel_id=channel.id if channel is not None else None,
        origin=origin,
        author_name=author["author_name"],
        author_handle=author["author_handle"],
        author_key=f"{platform}:{author['author_id']}",
        **overrides,
    )
    for text in texts:
        add_item(
            session,
            conversation,
            make_mention(session, unit=unit, platform=platform, text=text, at=opened, **author),
        )
    return conversation
