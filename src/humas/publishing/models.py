"""Publishing: posts with per-channel variants, their versions and comments, approval chains and records,
posting slots, recurrences and the metrics read back after publishing."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from humas.core.db import Base
from humas.core.time import utcnow
from humas.org.models import Unit


class PostStatus(enum.StrEnum):
    draf = "draf"
    menunggu_persetujuan = "menunggu_persetujuan"  # in its approval chain
    disetujui = "disetujui"  # approved, no time yet
    dijadwalkan = "dijadwalkan"  # approved and scheduled (its variants are queued at the time)
    terbit = "terbit"  # every variant published
    sebagian = "sebagian"  # some variants published, some failed
    gagal = "gagal"  # every variant failed
    kedaluwarsa = "kedaluwarsa"  # not approved by its scheduled time: never published
    dibatalkan = "dibatalkan"


# A post in these may still change; the others are history.
OPEN_STATUSES = (
    PostStatus.draf,
    PostStatus.menunggu_persetujuan,
    PostStatus.disetujui,
    PostStatus.dijadwalkan,
)
UNAPPROVED_STATUSES = (PostStatus.draf, PostStatus.menunggu_persetujuan)


class VariantState(enum.StrEnum):
    draf = "draf"  # not handed to the outbox yet
    antre = "antre"  # an outbox row waits or is being sent
    terbit = "terbit"
    gagal = "gagal"
    ditahan = "ditahan"  # held: its channel needs re-authorisation


class StepMode(enum.StrEnum):
    any = "any"  # one of the step's approvers
    all = "all"  # every one of them


class Decision(enum.StrEnum):
    approve = "approve"
    reject = "reject"
    send_back = "send_back"  # edited by the approver and returned to the drafter


class Post(Base):
    """One piece of outgoing content of a unit: a main text and a variant per channel."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(40), default="umum")  # content kind: chains may select by it
    campaign: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(24), default=PostStatus.draf.value)
    scheduled_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)  # the number of the newest PostVersion
    chain_id: Mapped[int | None] = mapped_column(ForeignKey("approval_chains.id", ondelete="SET NULL"))
    approval_round: Mapped[int] = mapped_column(default=0)  # a new round each time the chain (re)starts
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    queued_at: Mapped[datetime | None]  # when its variants were handed to the outbox
    finished_at: Mapped[datetime | None]  # published, failed, expired or cancelled
    # The recurrence it is an occurrence of (no foreign key: the recurrence points at its template post).
    recurrence_id: Mapped[int | None] = mapped_column(index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")
    variants: Mapped[list[PostVariant]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="PostVariant.id", lazy="selectin"
    )

    __table_args__ = (
        Index("ix_posts_unit_scheduled", "unit_id", "scheduled_at"),
        Index("ix_posts_status_scheduled", "status", "scheduled_at"),
    )

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.status} {self.title!r}>"


class PostVariant(Base):
    """The post as one channel gets it: its own text and media, and what publishing it gave."""

    __tablename__ = "post_variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    # Media refs: [{"kind": "image"|"video", "url": ..., "width"?, "height"?, "bytes"?, "seconds"?}]
    media: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(16), default=VariantState.draf.value)
    url: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None]
    metrics_next_at: Mapped[datetime | None] = mapped_column(index=True)  # the next metrics read-back

    post: Mapped[Post] = relationship(back_populates="variants")

    __table_args__ = (UniqueConstraint("post_id", "channel_id", name="uq_post_variants_post_id_channel_id"),)


class PostVersion(Base):
    """Every saved version of a post, kept: title, main text and each variant's text and media."""

    __tablename__ = "post_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    variants: Mapped[dict[str, Any]] = mapped_column(default=dict)  # channel id -> {"text", "media"}
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("post_id", "number", name="uq_post_versions_post_id_number"),)


class PostComment(Base):
    """An internal comment on a draft (never published)."""

    __tablename__ = "post_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovalChain(Base):
    """A unit's ordered approval steps; selected for a post by channel, content kind, or as the default."""

    __tablename__ = "approval_chains"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    content_kind: Mapped[str | None] = mapped_column(String(40))
    keep_on_reschedule: Mapped[bool] = mapped_column(default=False)  # a new time keeps the approvals
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")
    steps: Mapped[list[ApprovalStep]] = relationship(
        cascade="all, delete-orphan", order_by="ApprovalStep.position", lazy="selectin"
    )


class ApprovalStep(Base):
    """One step: ``any`` one or ``all`` of a role (held at the chain's unit) or of named people."""

    __tablename__ = "approval_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("approval_chains.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(8), default=StepMode.any.value)
    role: Mapped[str | None] = mapped_column(String(20))
    user_ids: Mapped[list[Any]] = mapped_column(default=list)

    __table_args__ = (UniqueConstraint("chain_id", "position", name="uq_approval_steps_chain_id_position"),)


class Approval(Base):
    """One decision on a post in one round of its chain: approve, reject (with a reason) or send back."""

    __tablename__ = "post_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    round: Mapped[int]
    step_position: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int]  # the post version decided on
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_post_approvals_post_round", "post_id", "round"),)


class PostingSlot(Base):
    """A regular time a channel posts at, in its unit's zone (weekday Monday = 0, minutes from midnight)."""

    __tablename__ = "posting_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    minute_of_day: Mapped[int]

    __table_args__ = (
        UniqueConstraint(
            "channel_id", "weekday", "minute_of_day", name="uq_posting_slots_channel_id_weekday_minute"
        ),
    )


class PostRecurrence(Base):
    """A post repeated by an RFC 5545 rule (``FREQ=WEEKLY;BYDAY=MO``) from ``starts_at`` in the unit's zone;
    each occurrence becomes its own post, copied from the template and approved like any other."""

    __tablename__ = "post_recurrences"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    template_post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(500))
    starts_at: Mapped[datetime]
    last_occurrence_at: Mapped[datetime | None]  # the newest occurrence made into a post
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PostMetric(Base):
    """One read-back of a published variant's counts (``None``: the platform does not give that count)."""

    __tablename__ = "post_metrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("post_variants.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    likes: Mapped[int | None]
    comments: Mapped[int | None]
    shares: Mapped[int | None]
    views: Mapped[int | None]
    reach: Mapped[int | None]
    impressions: Mapped[int | None]

    __table_args__ = (UniqueConstraint("variant_id", "at", name="uq_post_metrics_variant_id_at"),)


class MediaKind(enum.StrEnum):
    image = "image"
    video = "video"


class MediaFile(Base):
    """One uploaded image or video of a unit (seen by the unit and its descendants), checked by its content.

    ``key`` names the bytes in the media store (random, never the uploader's file name); ``public_token`` is
    the unguessable part of ``/media/p/<token>``, served only when ``HUMAS_PUBLIC_URL`` is set.
    """

    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255), default="")  # shown only, never a path
    kind: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(40))  # detected from the bytes
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None]
    height: Mapped[int | None]
    duration_s: Mapped[float | None] = mapped_column(Float)
    codec: Mapped[str | None] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    alt_text: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship(lazy="joined")
    derived: Mapped[list[MediaDerivative]] = relationship(
        back_populates="media", cascade="all, delete-orphan", order_by="MediaDerivative.id", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("unit_id", "sha256", name="uq_media_files_unit_id_sha256"),)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class MediaDerivative(Base):
    """A file derived from a media file for a platform's needs (oriented, EXIF stripped, fitted, resized),
    stored beside the original and reused by every platform with the same ``profile``."""

    __tablename__ = "media_derivatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_files.id", ondelete="CASCADE"))
    profile: Mapped[str] = mapped_column(String(120))  # the conversion asked: shape range, size, format
    key: Mapped[str] = mapped_column(String(80), unique=True)
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    media: Mapped[MediaFile] = relationship(back_populates="derived")

    __table_args__ = (UniqueConstraint("media_id", "profile", name="uq_media_derivatives_media_id_profile"),)
