"""Channels: health, poll now, and queued replies and posts (through the outbox)."""

from __future__ import annotations

from fastapi import APIRouter

from humas.channels import service as channels_service
from humas.channels.schemas import ChannelRead, OutboxRead, PostCreate, ReplyCreate
from humas.web.deps import ApiActor, DbSession
from humas.web.params import IdPath

router = APIRouter(tags=["channels"])


@router.get("/channels", response_model=list[ChannelRead])
def list_channels(session: DbSession, actor: ApiActor) -> list[ChannelRead]:
    """The channels of the caller's subtree with their health (never their credentials)."""
    return [ChannelRead.model_validate(c) for c in channels_service.list_channels(session, actor)]


@router.get("/channels/{channel_id}", response_model=ChannelRead)
def get_channel(channel_id: IdPath, session: DbSession, actor: ApiActor) -> ChannelRead:
    """One channel and its health."""
    return ChannelRead.model_validate(channels_service.access_channel(session, actor, channel_id))


@router.post("/channels/{channel_id}/poll", response_model=ChannelRead, status_code=202)
def poll_channel(channel_id: IdPath, session: DbSession, actor: ApiActor) -> ChannelRead:
    """Queue a poll of the channel now."""
    channel = channels_service.access_channel(session, actor, channel_id)
    channels_service.request_poll(session, channel=channel, actor=actor)
    return ChannelRead.model_validate(channel)


@router.post("/channels/{channel_id}/replies", response_model=OutboxRead, status_code=202)
def queue_reply(channel_id: IdPath, body: ReplyCreate, session: DbSession, actor: ApiActor) -> OutboxRead:
    """Queue a reply; sending the same `idempotency_key` again returns the same row and sends nothing."""
    channel = channels_service.access_channel(session, actor, channel_id)
    entry = channels_service.queue_reply(
        session,
        channel=channel,
        parent_external_id=body.parent_external_id,
        text=body.text,
        actor=actor,
        idempotency_key=body.idempotency_key,
        to=body.to,
    )
    return OutboxRead.model_validate(entry)


@router.post("/channels/{channel_id}/posts", response_model=OutboxRead, status_code=202)
def queue_post(channel_id: IdPath, body: PostCreate, session: DbSession, actor: ApiActor) -> OutboxRead:
    """Queue a post; sending the same `idempotency_key` again returns the same row and sends nothing."""
    channel = channels_service.access_channel(session, actor, channel_id)
    entry = channels_service.queue_post(
        session,
        channel=channel,
        text=body.text,
        actor=actor,
        idempotency_key=body.idempotency_key,
        image_url=body.image_url,
    )
    return OutboxRead.model_validate(entry)
