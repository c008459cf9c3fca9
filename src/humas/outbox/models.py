"""The one outbox table: every outgoing write, its idempotency key, lease, attempts and outcome."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from humas.core.db import Base
from humas.core.time import utcnow


class Status(enum.StrEnum):
    pending = "pending"  # waiting for its first try, or for the next one (then attempts > 0)
    sending = "sending"  # claimed under a lease; a crash leaves it here and the next try reconciles first
    sent = "sent"
    unknown = "unknown"  # sent without an answer and not found (yet): never resent blindly
    failed = "failed"  # a permanent error or every attempt used: a person retries it by hand


class OutboxMessage(Base):
    """One outgoing write. ``kind`` names its sender (``channel.reply``, ``alert.webhook``); ``owner_type``
    and ``owner_id`` name what it belongs to (a channel, an alert event); ``target`` is where it goes."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner_type: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int]
    target: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=Status.pending.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(255))  # the platform's id, a Message-ID, …
    url: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_outbox_messages_owner", "owner_type", "owner_id"),
        Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),
    )

    @property
    def medium(self) -> str:
        """The last part of the kind: ``email`` of ``alert.email``, ``reply`` of ``channel.reply``."""
        return self.kind.rpartition(".")[2]

    @property
    def shown_status(self) -> str:
        """The status as pages show it: a pending row that was tried already is ``retrying``."""
        if self.status == Status.pending.value and self.attempts > 0:
            return "retrying"
        return self.status

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
