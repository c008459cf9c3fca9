"""Pydantic schemas of the ingest JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MentionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_id: int
    platform: str
    external_id: str
    kind: str
    channel_external_id: str | None
    author_id: str | None
    author_handle: str | None
    author_name: str | None
    author_followers: int | None
    url: str | None
    text: str
    language: str | None
    created_at: datetime
    fetched_at: datetime
    parent_external_id: str | None
    thread_external_id: str | None
    # The conversation's first item, the item this one answers, and what a media-only item carries.
    thread_root_id: str | None = None
    in_reply_to_id: str | None = None
    media_kind: str | None = None
    media_ref: str | None = None
    metrics: dict[str, Any]
    sentiment: str | None
    sentiment_score: float | None
    emotion: str | None
    emotion_score: float | None
    abuse: list[str]
    hoax_score: float | None
    topic: str | None
    keyphrases: list[str]
    near_dup_group: int | None


class MentionDetail(MentionRead):
    raw: dict[str, Any]
    query_ids: list[int] = Field(default_factory=list)


class MentionPageRead(BaseModel):
    items: list[MentionRead]
    page: int
    per_page: int
    has_next: bool


class SavedQueryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_id: int
    name: str
    query: str
    is_active: bool
    created_at: datetime


class SavedQueryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: int = Field(ge=1, le=2**31 - 1)  # a 32-bit database id
    name: str = Field(max_length=20_000)
    query: str = Field(max_length=20_000)
