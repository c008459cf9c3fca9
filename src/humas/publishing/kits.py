"""Content kits (*materi narasi tunggal*): a kit a unit issues to its descendants, each receiving unit's
receipt and the posts it made from the kit, the installation's signing key and the issuers it trusts for
signed kit files (docs/decisions/0098-content-kits.md)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from humas.core.db import Base
from humas.core.time import utcnow
from humas.org.models import Unit


class KitTarget(enum.StrEnum):
    all = "all"  # every descendant of the issuing unit
    levels = "levels"  # the descendants at chosen depths below the issuer (1 = children)
    units = "units"  # chosen descendant units


class CellState(enum.StrEnum):
    """A tracker cell (a receiving unit on one of its channels)."""

    belum = "belum"  # nothing made yet, the window still open
    draf = "draf"  # a draft made from the kit
    menunggu = "menunggu_persetujuan"  # in its approval chain, or approved and waiting for its time
    terbit = "terbit"
    terlambat = "terlambat"  # the window closed and nothing was published


class ContentKit(Base):
    """A kit: key messages (optionally locked), a master text with channel variants, media of the issuer's
    library, required hashtags and links, a publishing window, instructions and whether it is mandatory."""

    __tablename__ = "content_kits"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)  # travels with an exported file
    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # [{"text": ..., "locked": bool}]
    key_messages: Mapped[list[Any]] = mapped_column(default=list)
    master_text: Mapped[str] = mapped_column(Text, default="")
    variants: Mapped[dict[str, Any]] = mapped_column(default=dict)  # platform name -> text
    media: Mapped[list[Any]] = mapped_column(default=list)  # library refs {"kind", "media_id"}
    hashtags: Mapped[list[Any]] = mapped_column(default=list)  # "#UangKita", ...
    links: Mapped[list[Any]] = mapped_column(default=list)
    instructions: Mapped[str] = mapped_column(Text, default="")
    mandatory: Mapped[bool] = mapped_column(default=False)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # Who receives it: {"mode": "all" | "levels" | "units", "levels": [1, 2], "unit_ids": [...]}
    target: Mapped[dict[str, Any]] = mapped_column(default=dict)
    issued_at: Mapped[datetime | None]  # None: not issued yet (an imported kit waits for its issue)
    query_id: Mapped[int | None] = mapped_column(ForeignKey("saved_queries.id", ondelete="SET NULL"))
    # An imported kit: the signing issuer's key fingerprint and name as the file states them.
    origin_fingerprint: Mapped[str | None] = mapped_column(String(64))
    origin_name: Mapped[str | None] = mapped_column(String(200))
    # The origin's version of an imported kit (a newer signed file of the same uid is a correction).
    origin_version: Mapped[int | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A correction replaces the texts and counts up (the earlier versions in ``kit_versions``).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    corrected_at: Mapped[datetime | None]
    # Withdrawn by its issuer: nothing made from it is submitted or sent any more (decision 0098, 2nd part).
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    issuer: Mapped[Unit] = relationship(lazy="joined")
    receipts: Mapped[list[KitReceipt]] = relationship(
        back_populates="kit", cascade="all, delete-orphan", order_by="KitReceipt.id", lazy="selectin"
    )

    @property
    def locked_messages(self) -> list[str]:
        return [str(m["text"]) for m in self.key_messages if m.get("locked")]

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class KitVersion(Base):
    """One version of a kit's texts as it was issued (version 1 is kept when the first correction comes)."""

    __tablename__ = "kit_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kit_id: Mapped[int] = mapped_column(ForeignKey("content_kits.id", ondelete="CASCADE"))
    version: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the kit's texts, lists and window
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was corrected ("" for version 1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("kit_id", "version", name="uq_kit_versions_kit_id_version"),)


class KitReceipt(Base):
    """A kit as one receiving unit holds it, tying it to the drafts and posts the unit made from it."""

    __tablename__ = "kit_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kit_id: Mapped[int] = mapped_column(ForeignKey("content_kits.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_on: Mapped[date | None]  # the issuer's day of the last reminder (one a day)
    reminders: Mapped[int] = mapped_column(default=0)

    kit: Mapped[ContentKit] = relationship(back_populates="receipts")
    unit: Mapped[Unit] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("kit_id", "unit_id", name="uq_kit_receipts_kit_id_unit_id"),)


class KitPost(Base):
    """A post a receiving unit made from a kit (one receipt, many posts; a post comes from one kit)."""

    __tablename__ = "kit_posts"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("kit_receipts.id", ondelete="CASCADE"))
    # The kit's version this post follows: made from it, or reviewed against it after a correction.
    kit_version: Mapped[int] = mapped_column(default=1, server_default="1")

    __table_args__ = (Index("ix_kit_posts_receipt_id", "receipt_id"),)


class KitUnitContact(Base):
    """Where a receiving unit also gets kit reminders: its humas group's Telegram chat."""

    __tablename__ = "kit_unit_contacts"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    telegram_chat_id: Mapped[str] = mapped_column(String(64))


class KitSigningKey(Base):
    """The installation's Ed25519 key for signing exported kits (the private half Fernet-encrypted)."""

    __tablename__ = "kit_signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)  # raw 32 bytes, base64
    private_encrypted: Mapped[str] = mapped_column(Text)  # "" once retired: a retired key signs nothing
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]  # replaced by a newer key (rotation); its public half stays listed


class KitTrustedIssuer(Base):
    """An issuing installation whose signed kit files this installation accepts (an admin entered its key)."""

    __tablename__ = "kit_trusted_issuers"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # the trusting unit
    name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Removed by an admin: files signed with the key are refused, saying when it was removed.
    removed_at: Mapped[datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("unit_id", "fingerprint", name="uq_kit_trusted_issuers_unit_id_fingerprint"),
    )


class CampaignItemKind(enum.StrEnum):
    post = "post"
    kit = "kit"
    query = "query"


class Campaign(Base):
    """A campaign (e.g. *Uang Kita*): posts, kits and saved queries grouped under a name and its hashtags."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    hashtags: Mapped[list[Any]] = mapped_column(default=list)
    query_id: Mapped[int | None] = mapped_column(ForeignKey("saved_queries.id", ondelete="SET NULL"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")
    items: Mapped[list[CampaignItem]] = relationship(
        cascade="all, delete-orphan", order_by="CampaignItem.id", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_campaigns_unit_id_name"),)


class CampaignItem(Base):
    """A post, kit or saved query in a campaign."""

    __tablename__ = "campaign_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    ref_id: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("campaign_id", "kind", "ref_id", name="uq_campaign_items_campaign_id_kind_ref_id"),
    )


class HashtagGroup(Base):
    """A saved set of hashtags (shared down the tree like media) that drafters insert into drafts."""

    __tablename__ = "hashtag_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    hashtags: Mapped[list[Any]] = mapped_column(default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_hashtag_groups_unit_id_name"),)
