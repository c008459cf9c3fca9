"""Mentions into conversations: which stored mentions need an answer, and which conversation each joins.

The ingest pipeline calls ``route_mentions`` in the same transaction that stores a batch (its after-store
listeners), so a mention and its place in the inbox are written together: nothing is routed twice (a mention
belongs to one conversation: ``inbox_items.mention_id`` is unique), and a webhook and a poll of the same item
store one mention and one item.

What enters, for a unit's own channels (the mention's ``channel_external_id`` is the account of one of the
unit's channels on that platform):
- a direct message (kind ``message``): the conversation with that person, or a new one when the last was
  closed longer ago than the unit's gap (``InboxSettings.dm_gap_hours``);
- a comment or reply: the conversation of its thread (under one of the unit's posts: ``comments``; under
  another post: ``mention``);
- a post that mentions the account (kind ``mention``): a conversation of its own thread;
- the account's own comments and replies (staff answering on the platform itself) join the thread as staff
  items and count as a response; the account's own posts are the threads' original posts, not conversations.
Beyond the channels, mentions that match a saved query that feeds the inbox (``QueryFeed``) enter as
``query`` conversations, and an analyst can send any mention (``send_to_inbox``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.core.errors import Invalid, NotFound
from humas.core.i18n import _
from humas.core.time import utcnow
from humas.inbox.models import (
    Conversation,
    ConversationEvent,
    ConversationItem,
    MessageType,
    Origin,
    QueryFeed,
    Status,
)
from humas.inbox.service import unit_settings
from humas.inbox.service.moderation import ABUSIVE_LABELS
from humas.ingest.models import Mention, QueryMatch, SavedQuery
from humas.ingest.service import pipeline
from humas.ingest.service import queries as queries_service
from humas.org import audit as audit_service
from humas.org import service as org_service
from humas.org.models import Role, Unit
from humas.org.service import Principal

SUBJECT_MAX = 300
DM_KINDS = frozenset({"message"})
THREAD_KINDS = frozenset({"comment", "reply"})
MENTION_KINDS = frozenset({"mention"})
# The message-type model's labels that are inbox types as they are; abuse makes a message "kasar".
MODEL_TYPES = frozenset(t.value for t in MessageType)

Classifier = Callable[[list[str]], list["Reading"]]


@dataclass(frozen=True)
class Reading:
    """What the models say of a message from the public: its type (and score) and its highest attack score."""

    message_type: str
    score: float
    abuse: float | None = None


def classify_types(texts: list[str]) -> list[Reading]:
    """The message-type model's label and score and the abuse model's highest score, per text (``lainnya``
    and no score when the models are not there)."""
    from humas.nlp import analyze

    try:
        found = analyze(texts, tasks={"type", "abuse"})
    except (LookupError, OSError):
        return [Reading(MessageType.lainnya.value, 0.0)] * len(texts)
    out = []
    for a in found:
        label = a.message_type if a.message_type in MODEL_TYPES else MessageType.lainnya.value
        abuse = max((v for k, v in a.abuse_scores.items() if k in ABUSIVE_LABELS), default=0.0)
        out.append(Reading(label, float(a.message_type_score or 0), float(abuse)))
    return out


@dataclass(frozen=True)
class Route:
    origin: str
    thread_key: str
    channel_id: int | None
    from_staff: bool
    query_id: int | None = None


def _own_channels(session: Session, mentions: Sequence[Mention]) -> dict[tuple[int, str, str], Channel]:
    keys = {(m.unit_id, m.platform, m.channel_external_id) for m in mentions if m.channel_external_id}
    if not keys:
        return {}
    unit_ids = {k[0] for k in keys}
    rows = session.scalars(select(Channel).where(Channel.unit_id.in_(unit_ids), Channel.is_active.is_(True)))
    return {(c.unit_id, c.platform, c.account_external_id): c for c in rows}


def _fed_queries(session: Session, mention_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Mention id → (query id, feeding unit id) for mentions matching a query that feeds the inbox."""
    rows = session.execute(
        select(QueryMatch.mention_id, QueryFeed.query_id, QueryFeed.unit_id)
        .join(QueryFeed, QueryFeed.query_id == QueryMatch.query_id)
        .where(QueryMatch.mention_id.in_(list(mention_ids)))
        .order_by(QueryFeed.query_id)
    )
    out: dict[int, tuple[int, int]] = {}
    for mention_id, query_id, unit_id in rows:
        out.setdefault(mention_id, (query_id, unit_id))
    return out


def _thread_root(m: Mention) -> str:
    return m.thread_root_id or m.thread_external_id or m.parent_external_id or m.external_id


def route_of(m: Mention, channel: Channel | None, fed: tuple[int, int] | None) -> Route | None:
    """Where a stored mention goes in the inbox, or None when it needs no answer."""
    if channel is not None:
        own = bool(m.author_id) and m.author_id == channel.account_external_id
        if m.kind in DM_KINDS:
            who = m.author_id or m.author_handle or ""
            if own or not who:
                return None  # our own outgoing DM echoes are recorded by the reply, not as items
            return Route(Origin.dm.value, f"dm:{who}", channel.id, False)
        if m.kind in THREAD_KINDS:
            root = _thread_root(m)
            origin = (
                Origin.comments.value if m.thread_root_id or m.parent_external_id else Origin.mention.value
            )
            return Route(origin, f"t:{root}", channel.id, own)
        if m.kind in MENTION_KINDS and not own:
            return Route(Origin.mention.value, f"t:{_thread_root(m)}", channel.id, False)
    if fed is not None:
        return Route(Origin.query.value, f"t:{_thread_root(m)}", None, False, query_id=fed[0])
    return None


def _find_open(session: Session, *, unit_id: int, platform: str, thread_key: str) -> Conversation | None:
    return session.scalars(
        select(Conversation)
        .where(
            Conversation.unit_id == unit_id,
            Conversation.platform == platform,
            Conversation.thread_key == thread_key,
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    ).first()


def _conversation_for(session: Session, m: Mention, route: Route, unit_id: int) -> Conversation | None:
    found = _find_open(session, unit_id=unit_id, platform=m.platform, thread_key=route.thread_key)
    if found is not None and route.origin == Origin.dm.value and found.status == Status.selesai.value:
        unit = session.get(Unit, unit_id)
        gap = timedelta(hours=unit_settings.rules_for(session, unit).dm_gap_hours if unit else 24)
        closed = found.resolved_at or found.updated_at
        if closed is not None and m.created_at - closed > gap:
            found = None  # a new exchange with the same person
    if found is not None or route.from_staff:
        return found  # staff items only join an existing conversation
    conversation = Conversation(
        unit_id=unit_id,
        channel_id=route.channel_id,
        platform=m.platform,
        origin=route.origin,
        thread_key=route.thread_key[:300],
        query_id=route.query_id,
        subject=(m.text or "")[:SUBJECT_MAX],
        author_key=f"{m.platform}:{m.author_id or m.author_handle or ''}"[:300],
        author_name=m.author_name,
        author_handle=m.author_handle,
        opened_at=m.created_at,
        last_activity_at=m.created_at,
        created_at=utcnow(),
    )
    root = _root_mention(session, m)
    conversation.root_mention_id = root.id if root is not None else None
    session.add(conversation)
    session.flush()
    return conversation


def _root_mention(session: Session, m: Mention) -> Mention | None:
    root_id = m.thread_root_id or m.parent_external_id
    if not root_id or root_id == m.external_id:
        return None
    return session.scalars(
        select(Mention).where(Mention.platform == m.platform, Mention.external_id == root_id).limit(1)
    ).first()


def _add_item(
    session: Session, conversation: Conversation, m: Mention, *, from_staff: bool
) -> ConversationItem:
    item = ConversationItem(
        conversation_id=conversation.id, mention_id=m.id, from_staff=from_staff, at=m.created_at
    )
    session.add(item)
    conversation.item_count += 1
    conversation.last_activity_at = max(conversation.last_activity_at, m.created_at)
    conversation.updated_at = utcnow()
    kind = "staff_item" if from_staff else "citizen"
    session.add(
        ConversationEvent(
            conversation_id=conversation.id, at=m.created_at, kind=kind, data={"mention_id": m.id}
        )
    )
    return item


def route_mentions(
    session: Session, mention_ids: Sequence[int], *, classify: Classifier | None = None
) -> list[Conversation]:
    """Put newly stored mentions that need an answer into conversations; returns the conversations touched."""
    if not mention_ids:
        return []
    already = set(
        session.scalars(
            select(ConversationItem.mention_id).where(ConversationItem.mention_id.in_(list(mention_ids)))
        )
    )
    mentions = [
        m
        for m in session.scalars(
            select(Mention).where(Mention.id.in_(list(mention_ids))).order_by(Mention.created_at, Mention.id)
        )
        if m.id not in already
    ]
    if not mentions:
        return []
    channels = _own_channels(session, mentions)
    fed = _fed_queries(session, [m.id for m in mentions]) if _any_feed(session) else {}
    touched: dict[int, Conversation] = {}
    citizen: list[tuple[Conversation, ConversationItem, Mention]] = []
    for m in mentions:
        channel = channels.get((m.unit_id, m.platform, m.channel_external_id or ""))
        route = route_of(m, channel, fed.get(m.id))
        if route is None:
            continue
        unit_id = fed[m.id][1] if route.origin == Origin.query.value else m.unit_id
        conversation = _conversation_for(session, m, route, unit_id)
        if conversation is None:
            continue
        item = _add_item(session, conversation, m, from_staff=route.from_staff)
        touched[conversation.id] = conversation
        if route.from_staff:
            _staff_answered(session, conversation, m)
        else:
            citizen.append((conversation, item, m))
    _citizen_arrived(session, citizen, classify or classify_types)
    return list(touched.values())


def _any_feed(session: Session) -> bool:
    return session.scalar(select(QueryFeed.query_id).limit(1)) is not None


def _citizen_arrived(
    session: Session, pairs: list[tuple[Conversation, ConversationItem, Mention]], classify: Classifier
) -> None:
    from humas.inbox.service import conversations, moderation

    if not pairs:
        return
    readings = classify([m.text or "" for _c, _i, m in pairs])
    for (conversation, item, m), reading in zip(pairs, readings, strict=True):
        conversations.citizen_message(
            session,
            conversation=conversation,
            mention=m,
            model_type=reading.message_type,
            score=reading.score,
            abuse_score=reading.abuse,
        )
        moderation.auto_moderate(session, conversation=conversation, item=item, abuse_score=reading.abuse)


def _staff_answered(session: Session, conversation: Conversation, m: Mention) -> None:
    from humas.inbox.service import conversations

    conversations.record_staff_reply(session, conversation=conversation, at=m.created_at)


def send_to_inbox(session: Session, *, mention: Mention, actor: Principal) -> Conversation:
    """An analyst sends a mention from the explorer to the inbox: its thread's conversation, or a new one."""
    from humas.inbox.service import conversations

    org_service.require_role(actor, Role.admin, Role.responder, Role.reviewer, Role.analyst)
    unit = session.get(Unit, mention.unit_id)
    if unit is None or not org_service.can_access(actor, unit):
        raise NotFound(_("Mention not found."))
    item = session.scalars(select(ConversationItem).where(ConversationItem.mention_id == mention.id)).first()
    if item is not None:
        found = session.get(Conversation, item.conversation_id)
        assert found is not None
        return found
    route = Route(Origin.manual.value, f"t:{_thread_root(mention)}", None, False)
    conversation = _conversation_for(session, mention, route, mention.unit_id)
    assert conversation is not None
    _add_item(session, conversation, mention, from_staff=False)
    (reading,) = classify_types([mention.text or ""])
    conversations.citizen_message(
        session,
        conversation=conversation,
        mention=mention,
        model_type=reading.message_type,
        score=reading.score,
        abuse_score=reading.abuse,
    )
    audit_service.record(
        session,
        actor=actor,
        action="inbox.send",
        obj=conversation,
        unit=conversation.unit,
        label=conversation.ticket,
        after={"mention_id": mention.id},
    )
    return conversation


def set_query_feed(session: Session, *, query: SavedQuery, enabled: bool, actor: Principal) -> bool:
    """Make a saved query feed its unit's inbox (or stop); returns whether it now feeds."""
    if not queries_service.can_manage(actor):
        raise Invalid(_("Only an admin or analyst can change what feeds the inbox."), field="query")
    feed = session.get(QueryFeed, query.id)
    if enabled and feed is None:
        session.add(QueryFeed(query_id=query.id, unit_id=query.unit_id, created_by_id=actor.id))
    elif not enabled and feed is not None:
        session.delete(feed)
    else:
        return enabled
    audit_service.record(
        session,
        actor=actor,
        action="inbox.query_feed",
        obj=query,
        unit=query.unit,
        label=query.name,
        after={"enabled": enabled},
    )
    return enabled


def query_feeds(session: Session, *, query_ids: Sequence[int]) -> set[int]:
    """Which of these saved queries feed the inbox."""
    if not query_ids:
        return set()
    return set(session.scalars(select(QueryFeed.query_id).where(QueryFeed.query_id.in_(list(query_ids)))))


def _after_store(session: Session, mention_ids: list[int]) -> None:
    route_mentions(session, mention_ids)


pipeline.on_stored(_after_store)
