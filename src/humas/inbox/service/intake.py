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
from typing import Any

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


def _own_channels(session: Session, mentions: Sequence[Any]) -> dict[tuple[int, str, str], Channel]:
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


class _Batch:
    """What one batch looks up once: the latest conversation per thread, thread roots, DM gaps per unit."""

    def __init__(self, session: Session, keyed: list[tuple[Mention, Route, int]]) -> None:
        self.session = session
        self.latest: dict[tuple[int, str, str], Conversation] = {}
        self.gaps: dict[int, timedelta] = {}
        units = {unit_id for _m, _r, unit_id in keyed}
        keys = {r.thread_key[:300] for _m, r, _u in keyed}
        if units and keys:
            rows = session.scalars(
                select(Conversation)
                .where(Conversation.unit_id.in_(units), Conversation.thread_key.in_(keys))
                .order_by(Conversation.id)
            )
            for c in rows:  # by id: the latest conversation of a thread wins
                self.latest[(c.unit_id, c.platform, c.thread_key)] = c
        wanted = {(m.platform, _root_id(m)) for m, _r, _u in keyed if _root_id(m)}
        self.roots: dict[tuple[str, str], int] = {}
        for platform in {p for p, _x in wanted}:
            ids = [x for p, x in wanted if p == platform]
            for mid, ext in session.execute(
                select(Mention.id, Mention.external_id).where(
                    Mention.platform == platform, Mention.external_id.in_(ids)
                )
            ):
                self.roots.setdefault((platform, ext), mid)

    def gap(self, unit_id: int) -> timedelta:
        if unit_id not in self.gaps:
            unit = self.session.get(Unit, unit_id)
            hours = unit_settings.rules_for(self.session, unit).dm_gap_hours if unit is not None else 24
            self.gaps[unit_id] = timedelta(hours=hours)
        return self.gaps[unit_id]

    def conversation_for(self, m: Mention, route: Route, unit_id: int) -> Conversation | None:
        key = (unit_id, m.platform, route.thread_key[:300])
        found = self.latest.get(key)
        if found is not None and route.origin == Origin.dm.value and found.status == Status.selesai.value:
            closed = found.resolved_at or found.updated_at
            if closed is not None and m.created_at - closed > self.gap(unit_id):
                found = None  # a new exchange with the same person
        if found is not None or route.from_staff:
            return found  # staff items only join an existing conversation
        root = _root_id(m)
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
            root_mention_id=self.roots.get((m.platform, root)) if root else None,
        )
        self.session.add(conversation)
        self.session.flush()
        self.latest[key] = conversation
        return conversation


def _root_id(m: Mention) -> str | None:
    root_id = m.thread_root_id or m.parent_external_id
    return None if not root_id or root_id == m.external_id else root_id


def _conversation_for(session: Session, m: Mention, route: Route, unit_id: int) -> Conversation | None:
    return _Batch(session, [(m, route, unit_id)]).conversation_for(m, route, unit_id)


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
    """Put newly stored mentions that need an answer into conversations; returns the conversations touched.

    One batch costs a fixed number of queries plus one deadline refresh per conversation touched: threads,
    roots, channels and feeds are read once, the models read every new text in one pass, items are applied
    in time order, and each conversation's deadlines are computed once at the end."""
    from humas.inbox.service import conversations, moderation
    from humas.inbox.service import sla as sla_service

    channels, fed, wanted = _routable(session, mention_ids)
    mentions = _new_mentions(session, wanted)
    if not mentions:
        return []
    keyed: list[tuple[Mention, Route, int]] = []
    for m in mentions:
        route = route_of(m, channels.get((m.unit_id, m.platform, m.channel_external_id or "")), fed.get(m.id))
        if route is not None:
            keyed.append((m, route, fed[m.id][1] if route.origin == Origin.query.value else m.unit_id))
    if not keyed:
        return []
    citizen = [m for m, r, _u in keyed if not r.from_staff]
    readings = dict(
        zip(
            (m.id for m in citizen),
            (classify or classify_types)([m.text or "" for m in citizen]),
            strict=True,
        )
    )
    batch = _Batch(session, keyed)
    touched: dict[int, Conversation] = {}
    hide: list[tuple[Conversation, ConversationItem, Reading]] = []
    for m, route, unit_id in keyed:
        conversation = batch.conversation_for(m, route, unit_id)
        if conversation is None:
            continue
        item = _add_item(session, conversation, m, from_staff=route.from_staff)
        touched[conversation.id] = conversation
        if route.from_staff:
            conversations.record_staff_reply(
                session, conversation=conversation, at=m.created_at, refresh=False
            )
            continue
        reading = readings[m.id]
        conversations.citizen_message(
            session, conversation=conversation, mention=m, model_type=reading.message_type,
            score=reading.score, abuse_score=reading.abuse, refresh=False,
        )  # fmt: skip
        hide.append((conversation, item, reading))
    session.flush()
    context = sla_service.Context.empty()
    for conversation in touched.values():
        conversation.updated_at = utcnow()
        sla_service.refresh_deadlines(session, conversation=conversation, context=context)
    rules = unit_settings.rules_for_units(session, {c.unit for c, _i, _r in hide})
    for conversation, item, reading in hide:
        rule = rules.get(conversation.unit_id)
        if rule is None or not rule.auto_hide_abuse or reading.abuse is None:
            continue
        if reading.abuse >= rule.auto_hide_threshold:
            moderation.auto_moderate(session, conversation=conversation, item=item, abuse_score=reading.abuse)
    return list(touched.values())


def _routable(
    session: Session, mention_ids: Sequence[int]
) -> tuple[dict[tuple[int, str, str], Channel], dict[int, tuple[int, int]], list[int]]:
    """Own channels, fed queries, and the ids of the mentions that could need an answer.

    Only a mention from a unit's own active channel or one matching a query that feeds the inbox can be
    routed (`route_of`); the rest (most of a listening batch) are ruled out on four columns, without loading
    whole rows (decision 0099).
    """
    if not mention_ids:
        return {}, {}, []
    ids = list(mention_ids)
    light = session.execute(
        select(Mention.id, Mention.unit_id, Mention.platform, Mention.channel_external_id).where(
            Mention.id.in_(ids)
        )
    ).all()
    channels = _own_channels(session, light)
    fed = _fed_queries(session, ids) if _any_feed(session) else {}
    wanted = [
        r.id for r in light if (r.unit_id, r.platform, r.channel_external_id or "") in channels or r.id in fed
    ]
    return channels, fed, wanted


def _new_mentions(session: Session, mention_ids: Sequence[int]) -> list[Mention]:
    """The mentions not yet in any conversation, oldest first."""
    if not mention_ids:
        return []
    ids = list(mention_ids)
    already = set(
        session.scalars(select(ConversationItem.mention_id).where(ConversationItem.mention_id.in_(ids)))
    )
    rows = session.scalars(
        select(Mention).where(Mention.id.in_(ids)).order_by(Mention.created_at, Mention.id)
    )
    return [m for m in rows if m.id not in already]


def _any_feed(session: Session) -> bool:
    return session.scalar(select(QueryFeed.query_id).limit(1)) is not None


SENDERS = (Role.admin, Role.responder, Role.reviewer, Role.analyst)


def can_send_to_inbox(actor: Principal) -> bool:
    """Who may send a mention from the explorer to the inbox: those who answer, and analysts."""
    return org_service.has_role(actor, *SENDERS)


def send_to_inbox(session: Session, *, mention: Mention, actor: Principal) -> Conversation:
    """An analyst sends a mention from the explorer to the inbox: its thread's conversation, or a new one."""
    from humas.inbox.service import conversations

    org_service.require_role(actor, *SENDERS)
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
