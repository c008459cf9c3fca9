"""The inbox: conversations built from mentions, their items, staff replies, notes, teams, templates, deadline
policies, saved views, LAPOR! forwards and per-unit inbox settings."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from humas.core.db import Base
from humas.core.time import utcnow
from humas.org.models import Unit, User


class Status(enum.StrEnum):
    baru = "baru"  # new: nobody has opened it
    terbuka = "terbuka"  # open: being worked on
    menunggu = "menunggu"  # waiting on the public: the deadline clock is paused
    ditunda = "ditunda"  # snoozed until a time, then back to open
    selesai = "selesai"  # closed: the clock stops


OPEN_STATUSES = (Status.baru.value, Status.terbuka.value, Status.ditunda.value, Status.menunggu.value)


class Priority(enum.StrEnum):
    rendah = "rendah"
    normal = "normal"
    tinggi = "tinggi"
    mendesak = "mendesak"


class MessageType(enum.StrEnum):
    pertanyaan = "pertanyaan"  # question
    keluhan = "keluhan"  # complaint
    aduan = "aduan"  # formal report needing checks
    apresiasi = "apresiasi"  # praise
    saran = "saran"  # suggestion
    spam = "spam"
    kasar = "kasar"  # abusive
    lainnya = "lainnya"  # other


class Origin(enum.StrEnum):
    comments = "comments"  # a comment thread under one of the unit's posts
    mention = "mention"  # a thread that mentions the account
    dm = "dm"  # a direct-message exchange with one person
    query = "query"  # a saved query that feeds the inbox
    manual = "manual"  # sent from the explorer by an analyst


class SlaState(enum.StrEnum):
    none = "none"  # no policy applies
    on_track = "on_track"
    at_risk = "at_risk"
    missed = "missed"
    met = "met"  # every target answered in time (closed)
    paused = "paused"  # waiting on the public, or closed


class ReplyStatus(enum.StrEnum):
    draf = "draf"
    menunggu_persetujuan = "menunggu_persetujuan"  # waiting for a reviewer
    dikembalikan = "dikembalikan"  # returned by the reviewer with a note
    antre = "antre"  # queued in the outbox
    terkirim = "terkirim"  # the platform took it
    gagal = "gagal"  # the outbox gave up; a person retries


class Conversation(Base):
    """Mentions that need an answer from one unit, grouped as one thread, DM exchange or single item.

    ``thread_key`` groups the items (the platform's thread root, or ``dm:<author>``); a closed DM conversation
    older than the unit's gap starts a new one, so it is not unique. Deadline columns are precomputed by the
    SLA service from the policy, the calendar and the events, so the minute sweep only compares timestamps.
    """

    __tablename__ = "inbox_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"))
    platform: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(16), default=Origin.comments.value)
    thread_key: Mapped[str] = mapped_column(String(300))
    root_mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id", ondelete="SET NULL"))
    query_id: Mapped[int | None] = mapped_column(ForeignKey("saved_queries.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(300), default="")
    author_key: Mapped[str | None] = mapped_column(
        String(300)
    )  # platform:author id, for earlier conversations
    author_name: Mapped[str | None] = mapped_column(String(255))
    author_handle: Mapped[str | None] = mapped_column(String(255))

    status: Mapped[str] = mapped_column(String(16), default=Status.baru.value)
    snoozed_until: Mapped[datetime | None]
    priority: Mapped[str] = mapped_column(String(16), default=Priority.normal.value)
    message_type: Mapped[str] = mapped_column(String(16), default=MessageType.lainnya.value)
    suggested_type: Mapped[str | None] = mapped_column(String(16))
    type_score: Mapped[float | None]
    type_corrected: Mapped[bool] = mapped_column(default=False)
    sentiment: Mapped[str | None] = mapped_column(String(16))
    abusive: Mapped[bool] = mapped_column(default=False)
    sensitive: Mapped[bool] = mapped_column(default=False)

    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_teams.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime | None]
    replying_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replying_until: Mapped[datetime | None]

    item_count: Mapped[int] = mapped_column(default=0)
    unanswered_since: Mapped[datetime | None]  # the earliest citizen item after the last staff reply
    last_citizen_at: Mapped[datetime | None]
    last_staff_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    waiting_since: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None]  # text and personal data removed after the unit's retention

    sla_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbox_sla_policies.id", ondelete="SET NULL")
    )
    sla_state: Mapped[str] = mapped_column(String(16), default=SlaState.none.value)
    first_response_due_at: Mapped[datetime | None]
    first_response_risk_at: Mapped[datetime | None]
    next_response_due_at: Mapped[datetime | None]
    next_response_risk_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    resolution_risk_at: Mapped[datetime | None]
    next_deadline_at: Mapped[datetime | None]  # the soonest open due time, for sorting and the sweep
    next_risk_at: Mapped[datetime | None]  # the soonest open at-risk time
    first_response_met: Mapped[bool | None]
    resolution_met: Mapped[bool | None]
    escalation_level: Mapped[int] = mapped_column(default=0)  # 0 none, 1 at-risk told, 2 missed told

    unit: Mapped[Unit] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")

    __table_args__ = (
        Index("ix_inbox_conversations_unit_status_activity", "unit_id", "status", "last_activity_at"),
        Index("ix_inbox_conversations_thread", "unit_id", "platform", "thread_key"),
        Index("ix_inbox_conversations_assignee_status", "assignee_id", "status"),
        Index("ix_inbox_conversations_status_risk", "status", "next_risk_at"),
        Index("ix_inbox_conversations_status_deadline", "status", "next_deadline_at"),
        Index("ix_inbox_conversations_author", "unit_id", "author_key"),
        Index("ix_inbox_conversations_sla_escalation", "sla_state", "escalation_level"),
        # the nav counts: open conversations per deadline state of a subtree, an index-only walk
        Index("ix_inbox_conversations_unit_status_sla", "unit_id", "status", "sla_state"),
    )

    @property
    def ticket(self) -> str:
        """The number a citizen can quote: ``U<unit>-<id>``."""
        return f"U{self.unit_id}-{self.id:06d}"

    @property
    def is_open(self) -> bool:
        return self.status != Status.selesai.value


class ConversationItem(Base):
    """One mention in one conversation; a mention belongs to one conversation only."""

    __tablename__ = "inbox_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("inbox_conversations.id", ondelete="CASCADE"))
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"), unique=True)
    from_staff: Mapped[bool] = mapped_column(default=False)  # the unit's own account wrote it
    at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_automatically: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (Index("ix_inbox_items_conversation_at", "conversation_id", "at"),)


class ConversationEvent(Base):
    """What happened to a conversation, in order: items in, replies out, status and assignment changes.

    The deadline clock reads these (a pause is a ``status`` event to ``menunggu``); the page shows them as the
    conversation's timeline beside the audit log."""

    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("inbox_conversations.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(
        String(24)
    )  # citizen | staff_reply | status | assign | type | priority |
    # escalation | hide | lapor | note
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_inbox_events_conversation_at", "conversation_id", "at"),)


class Reply(Base):
    """A staff reply written in a conversation; sent through the outbox once approved (if that applies)."""

    __tablename__ = "inbox_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("inbox_conversations.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    in_reply_to_mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id", ondelete="SET NULL"))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_templates.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(24), default=ReplyStatus.draf.value)
    needs_approval: Mapped[bool] = mapped_column(default=False)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    external_id: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="joined")

    __table_args__ = (
        Index("ix_inbox_replies_conversation", "conversation_id", "created_at"),
        Index("ix_inbox_replies_status", "status"),
    )


class Note(Base):
    """An internal note on a conversation; @mentioned colleagues are told in the app."""

    __tablename__ = "inbox_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("inbox_conversations.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    mentioned_user_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_inbox_notes_conversation", "conversation_id", "created_at"),)


class Team(Base):
    """A group of responders in a unit; round-robin assignment goes to members on duty, under a cap."""

    __tablename__ = "inbox_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    per_person_cap: Mapped[int] = mapped_column(default=20)  # open conversations per member
    round_robin: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_inbox_teams_unit_id_name"),)


class TeamMember(Base):
    __tablename__ = "inbox_team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("inbox_teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    on_duty: Mapped[bool] = mapped_column(default=True)
    last_assigned_at: Mapped[datetime | None]


class Template(Base):
    """A canned reply (*templat jawaban*) of a unit, shared down its tree, with ``{nama}``-style variables."""

    __tablename__ = "inbox_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    message_type: Mapped[str | None] = mapped_column(String(16))  # suggested for this type, or any
    shared_down: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]


class SlaPolicy(Base):
    """A deadline policy of a unit, inherited by its descendants that have none of their own.

    ``message_type``/``priority`` narrow it (the most specific policy wins); minutes are working minutes
    when ``clock`` is ``working``; ``*_days`` (working days, LAPOR! style) win over minutes when set."""

    __tablename__ = "inbox_sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    clock: Mapped[str] = mapped_column(String(16), default="working")  # working | calendar
    message_type: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(16))
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    first_response_days: Mapped[int | None]
    resolution_days: Mapped[int | None]
    at_risk_share: Mapped[float] = mapped_column(default=0.75)
    escalate_to_parent: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxSettings(Base):
    """A unit's inbox rules; a unit without a row takes its nearest ancestor's."""

    __tablename__ = "inbox_settings"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    dm_gap_hours: Mapped[int] = mapped_column(default=24)  # a closed DM older than this starts a new one
    auto_hide_abuse: Mapped[bool] = mapped_column(default=False)
    auto_hide_threshold: Mapped[float] = mapped_column(default=0.9)
    reply_approval: Mapped[str] = mapped_column(String(16), default="none")  # none | roles | sensitive | all
    reply_approval_roles: Mapped[list[Any]] = mapped_column(default=list)
    dm_retention_days: Mapped[int | None]
    escalation_telegram_chat_id: Mapped[str | None] = mapped_column(String(64))  # the unit's humas group chat
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class QueryFeed(Base):
    """A saved query whose matching mentions need an answer: they enter the unit's inbox."""

    __tablename__ = "inbox_query_feeds"

    query_id: Mapped[int] = mapped_column(
        ForeignKey("saved_queries.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedView(Base):
    """A person's saved inbox filter (mine, unassigned, overdue, by channel, type, sentiment, abuse)."""

    __tablename__ = "inbox_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LaporForward(Base):
    """A complaint forwarded to SP4N-LAPOR!: the fields a report needs, its tracking number and status."""

    __tablename__ = "inbox_lapor_forwards"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_conversations.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(300), default="")
    occurred_at: Mapped[datetime | None]
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    contact_consent: Mapped[bool] = mapped_column(default=False)
    reporter_contact: Mapped[str | None] = mapped_column(String(300))  # kept only with consent
    tier: Mapped[str] = mapped_column(String(16), default="keluhan")
    due_at: Mapped[datetime | None]
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    lapor_status: Mapped[str] = mapped_column(String(32), default="disiapkan")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
