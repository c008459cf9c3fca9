"""Moderation: hide and show a comment on the platform through the outbox, with a reason, audited and
reversible; the per-unit abuse rule, off by default. X is replayed by respx from its documented answer to
PUT /2/tweets/:id/hidden (tests/connectors/fixtures/x/hide_reply.json, unhide_reply.json)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import respx
from sqlalchemy import Engine, select

from humas.core.db import session_scope
from humas.core.errors import Conflict, Invalid, PermissionDenied
from humas.inbox.models import Conversation, ConversationEvent, ConversationItem
from humas.inbox.service import moderation, unit_settings
from humas.ingest.models import Mention
from humas.org.models import AuditLog, User
from humas.outbox.models import OutboxMessage
from tests.channels.conftest import load
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user
from tests.inbox.factories import make_channel_conversation

X_API = "https://api.x.com/2"


def _item(session, conversation) -> ConversationItem:
    return session.scalars(
        select(ConversationItem).where(ConversationItem.conversation_id == conversation.id)
    ).one()


def _writes(session) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.like("channel.%hide")).order_by(OutboxMessage.id)
    )
    return [(r.kind, r.idempotency_key) for r in rows]


@pytest.fixture
def thread(session):
    unit = make_unit(session)
    responder = make_user(session, unit=unit, roles=("responder",))
    conversation = make_channel_conversation(
        session, unit=unit, channel=make_channel(session, unit=unit, platform="x"), texts=("Dasar bodoh!",)
    )
    return unit, responder, conversation, _item(session, conversation)


def test_hide_and_show_again_are_platform_writes_with_reasons_audited_and_reversible(session, thread):
    unit, responder, conversation, item = thread
    with pytest.raises(Invalid):
        moderation.hide_item(session, conversation=conversation, item=item, actor=responder, reason=" ")

    moderation.hide_item(session, conversation=conversation, item=item, actor=responder, reason="Kata kasar")
    with pytest.raises(Conflict):  # a second click: already hidden, nothing more is sent
        moderation.hide_item(
            session, conversation=conversation, item=item, actor=responder, reason="Kata kasar"
        )

    assert (
        item.hidden_at is not None
        and item.hidden_reason == "Kata kasar"
        and item.hidden_by_id == responder.id
    )
    moderation.unhide_item(
        session, conversation=conversation, item=item, actor=responder, reason="Salah paham"
    )
    assert item.hidden_at is None and not item.hidden_automatically
    moderation.hide_item(
        session, conversation=conversation, item=item, actor=responder, reason="Diulang lagi"
    )

    assert _writes(session) == [
        ("channel.hide", f"inbox-hide-{item.id}-0"),
        ("channel.unhide", f"inbox-unhide-{item.id}-1"),
        ("channel.hide", f"inbox-hide-{item.id}-2"),
    ]
    audit = session.scalars(
        select(AuditLog).where(AuditLog.object_type == "conversationitem").order_by(AuditLog.id)
    ).all()
    assert [(a.action, a.after["reason"]) for a in audit] == [
        ("inbox.item.hide", "Kata kasar"),
        ("inbox.item.unhide", "Salah paham"),
        ("inbox.item.hide", "Diulang lagi"),
    ]
    events = session.scalars(select(ConversationEvent).where(ConversationEvent.kind == "hide")).all()
    assert [e.data["hidden"] for e in events] == [True, False, True]
    assert session.get(Mention, item.mention_id).text == "Dasar bodoh!"  # the comment stays in humas


def test_a_platform_without_hiding_refuses_and_an_analyst_may_not_moderate(session):
    unit = make_unit(session)
    responder = make_user(session, unit=unit, roles=("responder",))
    conversation = make_channel_conversation(
        session, unit=unit, channel=make_channel(session, unit=unit, platform="telegram")
    )
    item = _item(session, conversation)
    assert not moderation.can_moderate(session, conversation)
    with pytest.raises(Invalid):
        moderation.hide_item(session, conversation=conversation, item=item, actor=responder, reason="Spam")
    x_conversation = make_channel_conversation(
        session, unit=unit, channel=make_channel(session, unit=unit, platform="x")
    )
    analyst = make_user(session, unit=unit, roles=("analyst",))
    with pytest.raises(PermissionDenied):
        moderation.hide_item(
            session,
            conversation=x_conversation,
            item=_item(session, x_conversation),
            actor=analyst,
            reason="x",
        )


def test_the_abuse_rule_is_off_by_default_and_hides_above_the_threshold_reversibly(session, thread):
    unit, responder, conversation, item = thread
    assert moderation.auto_moderate(session, conversation=conversation, item=item, abuse_score=0.99) is False

    admin = make_user(session, unit=unit, roles=("admin",))
    rules = unit_settings.RulesInput(auto_hide_abuse=True, auto_hide_threshold=0.8)
    unit_settings.set_rules(session, unit=unit, data=rules, actor=admin)
    assert moderation.auto_moderate(session, conversation=conversation, item=item, abuse_score=0.5) is False
    assert moderation.auto_moderate(session, conversation=conversation, item=item, abuse_score=0.93) is True

    assert item.hidden_automatically and item.hidden_by_id is None and "0.93" in item.hidden_reason
    assert conversation.abusive
    row = session.scalar(select(AuditLog).where(AuditLog.action == "inbox.item.hide"))
    assert row.actor_label == "system" and row.after["automatic"] is True
    moderation.unhide_item(session, conversation=conversation, item=item, actor=responder)
    assert item.hidden_at is None


def test_without_a_score_nothing_is_hidden_whatever_the_stored_labels(session, thread):
    unit, _responder, conversation, item = thread
    admin = make_user(session, unit=unit, roles=("admin",))
    unit_settings.set_rules(
        session, unit=unit, data=unit_settings.RulesInput(auto_hide_abuse=True), actor=admin
    )
    session.get(Mention, item.mention_id).abuse = ["Abusive", "HS"]  # labels pass low cuts: not a score
    assert moderation.auto_moderate(session, conversation=conversation, item=item) is False
    assert item.hidden_at is None


# --- the platform write, for real through the outbox ------------------------------------------------------


@pytest.fixture
def app_db(use_database: str) -> Iterator[Engine]:
    from humas.core import migrations
    from humas.core.db import get_engine

    engine = get_engine()
    migrations.upgrade(engine)
    yield engine


@respx.mock
def test_hiding_reaches_x_and_showing_again_too(app_db):
    hidden = respx.put(url__regex=rf"{X_API}/tweets/\d+/hidden")
    hidden.side_effect = [
        respx.MockResponse(200, json=load("x", "hide_reply.json")),
        respx.MockResponse(200, json=load("x", "unhide_reply.json")),
    ]
    with session_scope(app_db) as session:
        unit = make_unit(session)
        responder = make_user(session, unit=unit, roles=("responder",))
        conversation = make_channel_conversation(
            session, unit=unit, channel=make_channel(session, unit=unit, platform="x")
        )
        ids = (conversation.id, _item(session, conversation).id, responder.id)
        external_id = session.get(Mention, _item(session, conversation).mention_id).external_id

    for hide in (True, False):
        with session_scope(app_db) as session:
            conversation, actor = session.get(Conversation, ids[0]), session.get(User, ids[2])
            item = moderation.access_item(session, conversation=conversation, item_id=ids[1])
            change = moderation.hide_item if hide else moderation.unhide_item
            change(session, conversation=conversation, item=item, actor=actor, reason="Kasar")

    assert [str(c.request.url) for c in hidden.calls] == [f"{X_API}/tweets/{external_id}/hidden"] * 2
    assert [json.loads(c.request.content) for c in hidden.calls] == [{"hidden": True}, {"hidden": False}]
    with session_scope(app_db) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("channel.%hide"))).all()
        assert [r.status for r in rows] == ["sent", "sent"]
