"""Inbox test helpers: channels need a Fernet key to store their credentials; a reply desk."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from humas.outbox.models import OutboxMessage
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user
from tests.inbox.factories import make_channel_conversation


@pytest.fixture(autouse=True)
def _fernet_key(fernet_key: str) -> str:
    return fernet_key


def queued_replies(session) -> int:
    """How many replies the outbox holds for the channels."""
    stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "channel.reply")
    return session.scalar(stmt) or 0


def make_desk(session):
    """An office with an admin, a responder and a reviewer, and one conversation on its X account:
    (unit, admin, responder, reviewer, conversation)."""
    unit = make_unit(session)
    admin = make_user(session, unit=unit, roles=("admin",))
    responder = make_user(session, unit=unit, roles=("responder",))
    reviewer = make_user(session, unit=unit, roles=("reviewer",))
    channel = make_channel(session, unit=unit, platform="x")
    conversation = make_channel_conversation(session, unit=unit, channel=channel)
    return unit, admin, responder, reviewer, conversation


@pytest.fixture
def desk(session):
    return make_desk(session)
