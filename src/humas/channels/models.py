"""Channels (encrypted credentials, cursor and health), raw webhook deliveries and daily follower counts;
writes are outbox rows."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from humas.core.db import Base
from humas.core.time import utcnow
from humas.org.models import Unit


class Health(enum.StrEnum):
    never_run = "never_run"
    ok = "ok"
    error = "error"
    needs_reauth = "needs_reauth"
    rate_limited = "rate_limited"


class Channel(Base):
    """An official account of a unit on a platform."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    account_external_id: Mapped[str] = mapped_column(String(255))
    # NOTE: Fernet token of the JSON credentials; never logged, never shown, never in the audit log.
    credentials_encrypted: Mapped[str] = mapped_column(Text)
    credentials_rotated_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_active: Mapped[bool] = mapped_column(default=True)
    interval_s: Mapped[int] = mapped_column(default=300)
    cursor: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=Health.never_run.value)
    last_polled_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    rate_limited_until: Mapped[datetime | None]
    rate_limit: Mapped[dict[str, Any]] = mapped_column(default=dict)  # last limit/remaining/usage seen
    next_poll_at: Mapped[datetime | None] = mapped_column(default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint(
            "unit_id", "platform", "account_external_id", name="uq_channels_unit_platform_account"
        ),
    )

    def __repr__(self) -> str:
        return f"<Channel {self.id} {self.platform} {self.name!r}>"


class WebhookDelivery(Base):
    """A verified raw webhook body, stored once per channel (a replay has the same digest)."""

    __tablename__ = "channel_webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    body_sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    items: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("channel_id", "body_sha256", name="uq_channel_webhook_deliveries_channel_body"),
    )


class ChannelFollowers(Base):
    """A channel's follower count as its platform gave it, read once a day (the day in its unit's zone)."""

    __tablename__ = "channel_follower_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    counted_on: Mapped[date]
    followers: Mapped[int] = mapped_column(BigInteger)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("channel_id", "counted_on", name="uq_channel_follower_counts_channel_day"),
    )
