"""Pydantic schemas of the inbox JSON API (``/api/v1/inbox``). Text fields are as the caller may read them:
phone numbers, e-mail addresses and NIK masked unless the caller may see them (inbox.service.privacy)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field

DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]

StatusValue = Literal["baru", "terbuka", "menunggu", "ditunda", "selesai"]


class ConversationRead(BaseModel):
    id: int
    ticket: str
    unit_id: int
    channel_id: int | None
    platform: str
    origin: str
    subject: str
    author_name: str | None
    author_handle: str | None
    status: str
    snoozed_until: datetime | None
    priority: str
    message_type: str
    suggested_type: str | None
    sentiment: str | None
    abusive: bool
    sensitive: bool
    assignee_id: int | None
    team_id: int | None
    item_count: int
    sla_state: str
    next_deadline_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    last_activity_at: datetime
    opened_at: datetime
    personal_data_masked: bool = Field(description="Phone numbers, e-mail addresses and NIK are masked.")


class ConversationPageRead(BaseModel):
    items: list[ConversationRead]
    total: int = Field(description="Matching conversations, counted up to 10,000 (see `capped`).")
    capped: bool
    page: int
    per_page: int
    has_next: bool


class ThreadEntryRead(BaseModel):
    kind: Literal["item", "staff_item", "reply", "note"]
    at: datetime
    text: str
    author: str | None = None
    mention_id: int | None = None
    url: str | None = None
    reply_status: str | None = None
    hidden: bool = False


class ConversationDetail(ConversationRead):
    thread: list[ThreadEntryRead]
    earlier_conversation_ids: list[int]
    replying_now: str | None = Field(None, description="Someone else writing a reply right now.")


class CountsRead(BaseModel):
    open: int
    at_risk: int
    missed: int


class StatusUpdate(BaseModel):
    status: StatusValue
    snoozed_until: AwareDatetime | None = Field(None, description="Required for `ditunda` (RFC 3339).")


class AssignUpdate(BaseModel):
    assignee_id: DbId | None = Field(None, description="A person of the caller's units; null unassigns.")
    team_id: DbId | None = None


class NoteCreate(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class NoteRead(BaseModel):
    id: int
    conversation_id: int
    author_id: int | None
    text: str
    mentioned_user_ids: list[int]
    created_at: datetime
