"""Mentions, saved queries and their matches, dashboard rollups, near-duplicate buckets, jobs, feeds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from humas.core.db import Base
from humas.core.time import utcnow
from humas.org.models import Unit


class Mention(Base):
    """One public item; (platform, external_id) identifies it, seeing it again updates its metrics."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), default="post")
    channel_external_id: Mapped[str | None] = mapped_column(String(255))
    author_id: Mapped[str | None] = mapped_column(String(255))
    author_handle: Mapped[str | None] = mapped_column(String(255))
    author_name: Mapped[str | None] = mapped_column(String(255))
    author_followers: Mapped[int | None]
    url: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    parent_external_id: Mapped[str | None] = mapped_column(String(255))
    thread_external_id: Mapped[str | None] = mapped_column(String(255))
    # Thread context and media (connectors.base.SourceItem): external ids of the same platform.
    thread_root_id: Mapped[str | None] = mapped_column(String(255))
    in_reply_to_id: Mapped[str | None] = mapped_column(String(255))
    media_kind: Mapped[str | None] = mapped_column(String(16))
    media_ref: Mapped[str | None] = mapped_column(Text)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Analysis (nlp.analyze)
    sentiment: Mapped[str | None] = mapped_column(String(16))
    sentiment_score: Mapped[float | None]
    emotion: Mapped[str | None] = mapped_column(String(16))
    emotion_score: Mapped[float | None]
    abuse: Mapped[list[Any]] = mapped_column(default=list)
    hoax_score: Mapped[float | None]
    topic: Mapped[str | None] = mapped_column(String(64))
    keyphrases: Mapped[list[Any]] = mapped_column(default=list)
    near_dup_group: Mapped[int | None] = mapped_column(BigInteger)

    unit: Mapped[Unit] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_mentions_platform_external_id"),
        Index("ix_mentions_unit_created", "unit_id", "created_at"),
        Index("ix_mentions_created_at", "created_at"),
        Index("ix_mentions_near_dup_group", "near_dup_group"),
        Index("ix_mentions_platform_thread_root", "platform", "thread_root_id"),
    )


class SavedQuery(Base):
    """A topik pantauan: a boolean query owned by a unit that tags every mention it matches."""

    __tablename__ = "saved_queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the text last changed: part of the matcher cache's version, so every process recompiles.
    updated_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_saved_queries_unit_id_name"),)


class QueryMatch(Base):
    __tablename__ = "query_matches"

    query_id: Mapped[int] = mapped_column(
        ForeignKey("saved_queries.id", ondelete="CASCADE"), primary_key=True
    )
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True)

    # WITHOUT ROWID on SQLite: the key is the row, one B-tree instead of two.
    __table_args__ = (Index("ix_query_matches_mention_id", "mention_id"), {"sqlite_with_rowid": False})


class MentionRollup(Base):
    """Counts dashboards read: per unit, query (0 = all mentions), platform, sentiment and hour."""

    __tablename__ = "mention_rollups"

    unit_id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    sentiment: Mapped[str] = mapped_column(String(16), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)

    __table_args__ = {"sqlite_with_rowid": False}


class NearDupBucket(Base):
    """MinHash-LSH band buckets in the database, so grouping survives restarts and rolls back with a batch."""

    __tablename__ = "near_dup_buckets"

    # On SQLite an INTEGER PRIMARY KEY is the rowid itself (64-bit): one B-tree per bucket.
    key: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    group_id: Mapped[int] = mapped_column(BigInteger)


class IngestJob(Base):
    """A file import or a query backfill: progress committed with each batch, so a re-run resumes."""

    __tablename__ = "ingest_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # import | backfill
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|running|done|failed
    key: Mapped[str] = mapped_column(String(128), index=True)  # file digest + options, or query id
    label: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    cursor: Mapped[int] = mapped_column(
        BigInteger, default=0
    )  # rows done (import) or last mention id (backfill)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class FeedSource(Base):
    """An RSS/Atom feed polled on a schedule, with conditional GET state, cursor, health and backoff."""

    __tablename__ = "feed_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(500), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    interval_s: Mapped[int] = mapped_column(default=900)
    extract_articles: Mapped[bool] = mapped_column(default=True)
    cursor: Mapped[dict[str, Any]] = mapped_column(default=dict)
    healthy: Mapped[bool] = mapped_column(default=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("unit_id", "url", name="uq_feed_sources_unit_id_url"),)


@event.listens_for(Mention, "after_insert")
def _index_text(_mapper: Any, connection: Connection, target: Mention) -> None:
    """ORM-added rows reach SQLite's full-text index here; the pipeline indexes its own batches."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            "INSERT INTO mentions_fts(rowid, text) VALUES (?, ?)", (target.id, target.text)
        )


class LabelCorrection(Base):
    """An analyst's correction of one model label of a mention: one current row per (mention, task).

    The mention's own column (sentiment, emotion, abuse, topic) then holds the corrected label, so every
    filter, page and rollup counts it; hoax has only a score on the mention, so its label lives here.
    ``model_label`` keeps what the model said, ``previous_label`` the label just before this correction;
    every earlier change is in the audit log. Retraining reads these rows through the export.
    """

    __tablename__ = "label_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"))
    task: Mapped[str] = mapped_column(String(16))
    model_label: Mapped[str] = mapped_column(String(255), default="")
    previous_label: Mapped[str] = mapped_column(String(255), default="")
    label: Mapped[str] = mapped_column(String(255))
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    corrected_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("mention_id", "task", name="uq_label_corrections_mention_id_task"),
        Index("ix_label_corrections_unit_corrected", "unit_id", "corrected_at"),
    )
