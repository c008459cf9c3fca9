"""Listening tables: facet rollups, spikes and detector state, alert rules and events, narratives."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from humas.core.db import Base
from humas.core.time import utcnow
from humas.org.models import Unit
from humas.outbox.models import OutboxMessage


class FacetRollup(Base):
    """Daily counts of keyphrases, hashtags, emotions and authors per unit and query (0 = all mentions).

    Filled incrementally from new mentions (see service/facets.py); `reach` is the largest follower count
    seen for an author that day.
    """

    __tablename__ = "listening_facet_rollups"

    unit_id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(primary_key=True)
    facet: Mapped[str] = mapped_column(String(8), primary_key=True)  # kp | tag | emo | author
    day: Mapped[datetime] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    reach: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        # The authors panel counts its 15 accounts through this (decision 0083): a partial index, so the
        # plans of the other facets, which never name one key, cannot pick it.
        Index(
            "ix_listening_facet_rollups_author_key",
            "query_id",
            "key",
            "day",
            sqlite_where=text("facet = 'author'"),
            postgresql_where=text("facet = 'author'"),
        ),
    )


class AuthorTop(Base):
    """The widest-reaching authors of each unit, query and WIB day: at most `facets.AUTHOR_TOP` rows a day.

    The authors panel ranks by the largest reach in the range; an account among the range's top N is among
    the top N of the day it reached the most, so these rows alone rank it (decision 0083) instead of every
    author row of the range. Kept by the facet job beside `FacetRollup`.
    """

    __tablename__ = "listening_author_top"

    unit_id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[datetime] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    reach: Mapped[int] = mapped_column(BigInteger, default=0)


class DashboardCache(Base):
    """Dashboard results shared by the web processes (the second level under each process's own LRU).

    `key` digests the panel, the visible scope (unit ids), range and filters; `version` the data it was
    computed from. See listening/service/cache.py and decision 0083.
    """

    __tablename__ = "listening_dashboard_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DailyRollup(Base):
    """Mentions per WIB day, unit, query (0 = all), platform and sentiment: what 30-day dashboards read.

    The hourly ingest rollup holds ~24× more rows; summing a month of them for 50 units is too slow. Filled
    by the same incremental job as the facets; mentions newer than its cursor are counted live.
    """

    __tablename__ = "listening_daily_rollups"

    unit_id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[datetime] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    sentiment: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class ListeningCursor(Base):
    """Watermarks of incremental listening jobs (the last mention id a job has seen)."""

    __tablename__ = "listening_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpikeMetric(StrEnum):
    volume = "volume"
    negative_share = "negative_share"


class DetectorState(Base):
    """The streaming detector of one scope and metric, saved after each run (resumes exactly)."""

    __tablename__ = "spike_detector_states"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    query_id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_hour: Mapped[datetime | None]


class SpikeRecord(Base):
    """A detected spike of a unit's subtree (query_id 0) or of one saved query, with what drives it."""

    __tablename__ = "spikes"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    query_id: Mapped[int] = mapped_column(default=0)
    metric: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime]
    peak_at: Mapped[datetime]
    end_at: Mapped[datetime]
    detected_at: Mapped[datetime | None]
    score: Mapped[float]
    peak_value: Mapped[float]
    expected: Mapped[float]
    excess: Mapped[float] = mapped_column(default=0.0)
    ongoing: Mapped[bool] = mapped_column(default=True)
    keyphrases: Mapped[list[Any]] = mapped_column(default=list)
    mention_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("unit_id", "query_id", "metric", "start_at", name="uq_spikes_scope_start"),
        Index("ix_spikes_unit_start", "unit_id", "start_at"),
    )


class AlertRule(Base):
    """When to alert (kind + parameters) about a unit's subtree or a saved query, and whom to tell."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    query_id: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # spike | negative_share | keyword | narrative
    keyword: Mapped[str | None] = mapped_column(String(200))
    threshold: Mapped[float | None]
    cooldown_min: Mapped[int] = mapped_column(default=60)
    emails: Mapped[list[Any]] = mapped_column(default=list)
    telegram_chat_id: Mapped[str | None] = mapped_column(String(64))
    webhook_url: Mapped[str | None] = mapped_column(Text)
    # NOTE: Fernet token (core.secrets) of {"secret": ...}; read it with rules.webhook_secret(), never log it.
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)  # last mention / spike id evaluated
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")


class AlertEvent(Base):
    """One alert that went out (in the app at least): an incident after cool-down and grouping."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    group_key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime]
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    count: Mapped[int] = mapped_column(default=1)
    suppressed: Mapped[int] = mapped_column(default=0)  # firings folded into it during its cool-down
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rule: Mapped[AlertRule] = relationship(lazy="joined")
    # One outbox row per channel of the alert (e-mail, Telegram, webhook): see service/deliveries.py.
    deliveries: Mapped[list[OutboxMessage]] = relationship(
        OutboxMessage,
        primaryjoin="and_(foreign(OutboxMessage.owner_id) == AlertEvent.id,"
        " OutboxMessage.owner_type == 'alert_event')",
        viewonly=True,
        lazy="selectin",
        order_by=OutboxMessage.id,
    )


class NarrativeLabel(StrEnum):
    hoaks = "hoaks"
    disinformasi = "disinformasi"
    keluhan = "keluhan"
    lainnya = "lainnya"


class Narrative(Base):
    """Mentions that make the same claim: near-duplicate groups joined by a clustering of their text."""

    __tablename__ = "narratives"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    representative_text: Mapped[str] = mapped_column(Text, default="")
    representative_mention_id: Mapped[int | None]
    keyphrases: Mapped[list[Any]] = mapped_column(default=list)
    size: Mapped[int] = mapped_column(default=0)
    hoax_score: Mapped[float | None]
    negative_share: Mapped[float | None]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    label: Mapped[str | None] = mapped_column(String(16))
    labelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    labelled_at: Mapped[datetime | None]
    clarification_url: Mapped[str | None] = mapped_column(Text)
    clarification_note: Mapped[str | None] = mapped_column(Text)
    clarified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")

    @property
    def name(self) -> str:  # the audit log's object label
        return self.representative_text[:80]


class NarrativeMention(Base):
    __tablename__ = "narrative_mentions"

    narrative_id: Mapped[int] = mapped_column(
        ForeignKey("narratives.id", ondelete="CASCADE"), primary_key=True
    )
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_narrative_mentions_mention_id", "mention_id", unique=True),)
