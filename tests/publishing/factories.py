"""Publishing factories: a unit with its people and a channel, chains, posts made through the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.org.models import Unit, User
from humas.publishing import service as publishing_service
from humas.publishing.models import ApprovalChain, Post
from humas.publishing.service import PostInput, StepInput, VariantInput
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user


@dataclass
class Desk:
    """A unit's publishing desk: an admin, a drafter, two reviewers, a leader and one channel."""

    unit: Unit
    admin: User
    drafter: User
    reviewer: User
    reviewer2: User
    pimpinan: User
    channel: Channel


def make_desk(session: Session, *, parent: Unit | None = None, platform: str = "x", **channel: Any) -> Desk:
    unit = make_unit(session, parent=parent)
    return Desk(
        unit=unit,
        admin=make_user(session, unit=unit, roles=("admin",)),
        drafter=make_user(session, unit=unit, roles=("drafter",)),
        reviewer=make_user(session, unit=unit, roles=("reviewer",)),
        reviewer2=make_user(session, unit=unit, roles=("reviewer",)),
        pimpinan=make_user(session, unit=unit, roles=("pimpinan",)),
        channel=make_channel(session, unit=unit, platform=platform, **channel),
    )


def make_chain(session: Session, desk: Desk, *steps: StepInput, **kwargs: Any) -> ApprovalChain:
    steps = steps or (StepInput(name="Kasubbag Humas", role="reviewer"),)
    chain = publishing_service.create_chain(
        session,
        unit_id=desk.unit.id,
        name=kwargs.pop("name", "Rantai"),
        steps=list(steps),
        actor=desk.admin,
        **kwargs,
    )
    session.flush()
    return chain


def make_post(
    session: Session,
    desk: Desk,
    *,
    text: str = "Layanan KPPN buka Sabtu 09.00-12.00 WIB. #PelayananPrima",
    author: User | None = None,
    channels: list[Channel] | None = None,
    **fields: Any,
) -> Post:
    variants = [VariantInput(c.id, text) for c in (channels or [desk.channel])]
    data = PostInput(title=fields.pop("title", "Layanan Sabtu"), body=text, variants=variants, **fields)
    post = publishing_service.create_post(
        session, unit_id=desk.unit.id, data=data, actor=author or desk.drafter
    )
    session.flush()
    return post


def approve_all(session: Session, post: Post, *approvers: User) -> Post:
    for approver in approvers:
        publishing_service.approve_post(session, post=post, actor=approver)
    session.flush()
    return post


def edit_input(post: Post, *, text: str) -> PostInput:
    return PostInput(
        title=post.title,
        body=text,
        kind=post.kind,
        campaign=post.campaign,
        variants=[VariantInput(v.channel_id, text, list(v.media)) for v in post.variants],
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
