"""JSON shapes of channels and outbox rows. Credentials have no field here, on purpose."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

TEXT_MAX = 20_000


class ChannelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_id: int
    platform: str
    name: str
    account_external_id: str
    is_active: bool
    interval_s: int
    status: str
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    rate_limited_until: datetime | None
    rate_limit: dict[str, Any]
    next_poll_at: datetime | None
    credentials_rotated_at: datetime
    created_at: datetime


class OutboxRead(BaseModel):
    """A channel write: an outbox row owned by the channel (``channel_id``), ``action`` from its kind."""

    model_config = ConfigDict(from_attributes=True)

    @model_validator(mode="before")
    @classmethod
    def _from_outbox_row(cls, data: Any) -> Any:
        if hasattr(data, "owner_id") and hasattr(data, "medium"):
            names = ["id", "idempotency_key", "payload", "status", "external_id", "url", "attempts"]
            names += ["last_error", "created_at", "sent_at"]
            fields = {n: getattr(data, n) for n in names}
            return {"channel_id": data.owner_id, "action": data.medium, **fields}
        return data

    id: int
    idempotency_key: str
    channel_id: int
    action: str
    payload: dict[str, Any]
    status: str
    external_id: str | None
    url: str | None
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class ReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent_external_id: str = Field(max_length=255)
    text: str = Field(max_length=TEXT_MAX)
    idempotency_key: str | None = Field(default=None, max_length=128)
    to: str | None = Field(default=None, max_length=64)  # WhatsApp: the customer's number


class PostCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=TEXT_MAX)
    idempotency_key: str | None = Field(default=None, max_length=128)
    image_url: str | None = Field(default=None, max_length=2000)
