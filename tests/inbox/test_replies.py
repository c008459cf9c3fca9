"""Replies: approval before sending, never one's own; sent through the outbox exactly once (X replayed by
respx from its documented shapes, as in tests/outbox/test_crash.py), the outcome brought back to the reply
and to the deadline clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import Engine, select

from humas.core.db import session_scope
from humas.core.errors import Conflict, Invalid, PermissionDenied
from humas.core.time import utcnow
from humas.inbox.models import Conversation, Reply
from humas.inbox.service import replies, unit_settings
from humas.org.models import AuditLog, Notification, User
from humas.outbox import runner
from humas.outbox.models import OutboxMessage
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user
from tests.inbox.conftest import make_desk, queued_replies
from tests.inbox.factories import make_channel_conversation
from tests.outbox.conftest import WorkerKilled, kill_worker

X_API = "https://api.x.com/2"


def _rules(session, unit, actor, **kw: Any) -> None:
    unit_settings.set_rules(session, unit=unit, data=unit_settings.RulesInput(**kw), actor=actor)


def test_a_reply_without_approval_is_queued_once_under_the_reply_key(session, desk):
    unit, _admin, responder, _reviewer, conversation = desk
    reply = replies.compose_reply(
        session, conversation=conversation, actor=responder, text="Layanan buka 08.00."
    )

    assert reply.status == "antre" and not reply.needs_approval
    entry = session.get(OutboxMessage, reply.outbox_message_id)
    target = replies.target_mention(session, conversation)
    assert entry.idempotency_key == f"inbox-reply-{reply.id}" and entry.kind == "channel.reply"
    assert entry.payload == {"parent_external_id": target.external_id, "text": "Layanan buka 08.00."}
    with pytest.raises(Conflict):  # a second click on "send" finds the reply already on its way
        replies.submit_reply(session, reply=reply, conversation=conversation, actor=responder)
    replies._queue(session, reply=reply, conversation=conversation, actor=responder)  # a retried request
    assert queued_replies(session) == 1
    actions = session.scalars(select(AuditLog.action).where(AuditLog.object_type == "reply")).all()
    assert actions == ["inbox.reply.create", "inbox.reply.queue", "inbox.reply.queue"]


def test_a_double_click_on_send_writes_and_sends_one_reply(session, desk):
    _unit, _admin, responder, _reviewer, conversation = desk
    first = replies.compose_reply(session, conversation=conversation, actor=responder, text="Baik, kami cek.")
    again = replies.compose_reply(session, conversation=conversation, actor=responder, text="Baik, kami cek.")
    other = replies.compose_reply(session, conversation=conversation, actor=responder, text="Satu lagi.")
    assert again is first and other is not first
    assert queued_replies(session) == 2
    first.created_at -= timedelta(minutes=5)  # the same words later on are a new reply
    later = replies.compose_reply(session, conversation=conversation, actor=responder, text="Baik, kami cek.")
    assert later is not first and queued_replies(session) == 3


def test_a_reply_needing_approval_is_not_sent_until_a_reviewer_approves(session, desk):
    unit, admin, responder, reviewer, conversation = desk
    _rules(session, unit, admin, reply_approval="all")
    reply = replies.compose_reply(session, conversation=conversation, actor=responder, text="Sudah kami cek.")

    assert reply.status == "menunggu_persetujuan" and reply.outbox_message_id is None
    assert queued_replies(session) == 0
    queue = replies.approval_queue(session, reviewer)
    assert [r.id for r, _c in queue] == [reply.id] and replies.count_waiting(session, reviewer) == 1
    told = session.scalars(select(Notification).where(Notification.kind == "inbox.reply_waiting")).all()
    assert {n.user_id for n in told} == {admin.id, reviewer.id}  # the author is not asked

    replies.approve_reply(session, reply=reply, conversation=conversation, actor=reviewer)

    assert reply.status == "antre" and reply.reviewer_id == reviewer.id and queued_replies(session) == 1
    assert replies.approval_queue(session, reviewer) == []


def test_the_reviewer_cannot_approve_their_own_reply(session, desk):
    unit, admin, _responder, _reviewer, conversation = desk
    both = make_user(session, unit=unit, roles=("responder", "reviewer"))
    _rules(session, unit, admin, reply_approval="all")
    reply = replies.compose_reply(session, conversation=conversation, actor=both, text="Terima kasih.")

    with pytest.raises(PermissionDenied):
        replies.approve_reply(session, reply=reply, conversation=conversation, actor=both)
    assert reply.status == "menunggu_persetujuan" and queued_replies(session) == 0
    assert replies.count_waiting(session, both) == 0  # listed for them, but not theirs to approve


def test_a_reviewer_of_a_sibling_unit_sees_and_approves_nothing(session, desk):
    unit, admin, responder, _reviewer, conversation = desk
    parent = make_unit(session)
    sibling_reviewer = make_user(session, unit=make_unit(session, parent=parent), roles=("reviewer",))
    _rules(session, unit, admin, reply_approval="all")
    reply = replies.compose_reply(session, conversation=conversation, actor=responder, text="Terima kasih.")

    assert replies.approval_queue(session, sibling_reviewer) == []
    with pytest.raises(PermissionDenied):
        replies.approve_reply(session, reply=reply, conversation=conversation, actor=sibling_reviewer)


def test_roles_mode_asks_approval_only_of_those_with_nothing_but_the_listed_roles(session, desk):
    unit, admin, responder, _reviewer, conversation = desk
    _rules(session, unit, admin, reply_approval="roles", reply_approval_roles=("responder",))
    junior = replies.compose_reply(
        session, conversation=conversation, actor=responder, text="Baik, kami cek."
    )
    senior = replies.compose_reply(session, conversation=conversation, actor=admin, text="Sudah selesai.")
    assert (junior.status, senior.status) == ("menunggu_persetujuan", "antre")


def test_sensitive_mode_asks_approval_for_sensitive_conversations_only(session, desk):
    unit, admin, responder, _reviewer, conversation = desk
    _rules(session, unit, admin, reply_approval="sensitive")
    plain = replies.compose_reply(session, conversation=conversation, actor=responder, text="Baik.")
    conversation.sensitive = True
    flagged = replies.compose_reply(
        session, conversation=conversation, actor=responder, text="Baik, kami cek."
    )
    assert (plain.status, flagged.status) == ("antre", "menunggu_persetujuan")


def test_a_child_unit_follows_its_parents_approval_rule(session, desk):
    unit, admin, _responder, _reviewer, _conversation = desk
    child = make_unit(session, parent=unit)
    writer = make_user(session, unit=child, roles=("responder",))
    conversation = make_channel_conversation(
        session, unit=child, channel=make_channel(session, unit=child, platform="x")
    )
    _rules(session, unit, admin, reply_approval="all")
    reply = replies.compose_reply(session, conversation=conversation, actor=writer, text="Terima kasih.")
    assert reply.status == "menunggu_persetujuan"
    assert unit_settings.rules_for(session, child).unit_id == unit.id


def test_returned_with_a_note_the_author_is_told_and_resubmits(session, desk):
    unit, admin, responder, reviewer, conversation = desk
    _rules(session, unit, admin, reply_approval="all")
    reply = replies.compose_reply(session, conversation=conversation, actor=responder, text="Sdh dicek.")
    with pytest.raises(Invalid):
        replies.return_reply(session, reply=reply, conversation=conversation, actor=reviewer, note=" ")

    replies.return_reply(
        session, reply=reply, conversation=conversation, actor=reviewer, note="Tulis lengkap."
    )

    assert reply.status == "dikembalikan" and reply.review_note == "Tulis lengkap."
    told = session.scalars(select(Notification).where(Notification.kind == "inbox.reply_returned")).all()
    assert [n.user_id for n in told] == [responder.id]
    with pytest.raises(PermissionDenied):  # only the author rewrites it
        replies.revise_reply(session, reply=reply, conversation=conversation, actor=admin, text="x")
    replies.revise_reply(
        session, reply=reply, conversation=conversation, actor=responder, text="Sudah dicek."
    )
    assert reply.status == "menunggu_persetujuan" and reply.text == "Sudah dicek."


def test_a_reviewer_edits_then_approves_and_the_edited_text_goes_out(session, desk):
    unit, admin, responder, reviewer, conversation = desk
    _rules(session, unit, admin, reply_approval="all")
    reply = replies.compose_reply(session, conversation=conversation, actor=responder, text="sdh dicek ya")

    replies.approve_reply(
        session,
        reply=reply,
        conversation=conversation,
        actor=reviewer,
        text="Sudah kami periksa, terima kasih.",
    )

    entry = session.get(OutboxMessage, reply.outbox_message_id)
    assert entry.payload["text"] == "Sudah kami periksa, terima kasih."
    row = session.scalar(select(AuditLog).where(AuditLog.action == "inbox.reply.approve"))
    assert row.before == {"text": "sdh dicek ya"} and row.after["text"] == "Sudah kami periksa, terima kasih."


def test_the_platforms_length_counts_as_the_spec_counts(session, desk):
    _unit, _admin, responder, _reviewer, conversation = desk
    count, over = replies.length_over(session, conversation, "a" * 281)
    assert (count, over) == (281, 1)
    with pytest.raises(Invalid) as refused:
        replies.compose_reply(session, conversation=conversation, actor=responder, text="a" * 281)
    assert refused.value.field == "text"
    # X counts a URL as 23 characters whatever its length: a long link still fits.
    long_link = "Info: https://example.go.id/" + "x" * 300
    assert replies.length_over(session, conversation, long_link)[1] == 0


def test_a_dm_conversation_is_answered_to_its_author(session):
    unit = make_unit(session)
    responder = make_user(session, unit=unit, roles=("responder",))
    channel = make_channel(session, unit=unit, platform="telegram")
    conversation = make_channel_conversation(
        session, unit=unit, channel=channel, origin="dm", texts=("Halo, saya mau tanya.",)
    )
    reply = replies.compose_reply(session, conversation=conversation, actor=responder, text="Silakan.")
    target = replies.target_mention(session, conversation)
    assert session.get(OutboxMessage, reply.outbox_message_id).payload["to"] == target.author_id


def test_an_analyst_cannot_reply(session, desk):
    unit, *_rest, conversation = desk
    analyst = make_user(session, unit=unit, roles=("analyst",))
    with pytest.raises(PermissionDenied):
        replies.compose_reply(session, conversation=conversation, actor=analyst, text="Halo")


# --- sending for real through the outbox (committing database, X replayed by respx) ------------------------


class FakeX:
    """POST /2/tweets answers as documented (tests/connectors/fixtures/x/create_tweet.json, docs.x.com
    "Create Post") and keeps the post; GET /2/users/:id/tweets lists it, so reconcile can find it."""

    def __init__(self) -> None:
        self.timeline: list[dict[str, Any]] = []

    def create(self, request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        tweet = {
            "id": str(1456012973835788293 + len(self.timeline)),
            "text": sent["text"],
            "author_id": "783214",
            "created_at": utcnow().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "conversation_id": sent["reply"]["in_reply_to_tweet_id"],
            "referenced_tweets": [{"type": "replied_to", "id": sent["reply"]["in_reply_to_tweet_id"]}],
        }
        self.timeline.insert(0, tweet)
        return httpx.Response(201, json={"data": {"id": tweet["id"], "text": tweet["text"]}})

    def user_tweets(self, request: httpx.Request) -> httpx.Response:
        if not self.timeline:
            return httpx.Response(200, json={"meta": {"result_count": 0}})
        meta = {"result_count": len(self.timeline), "newest_id": self.timeline[0]["id"]}
        return httpx.Response(200, json={"data": self.timeline, "meta": meta})


@pytest.fixture
def app_db(use_database: str) -> Iterator[Engine]:
    from humas.core import migrations
    from humas.core.db import get_engine

    engine = get_engine()
    migrations.upgrade(engine)
    yield engine


@pytest.fixture
def platform() -> Iterator[tuple[FakeX, respx.Route]]:
    fake = FakeX()
    with respx.mock:
        post = respx.post(f"{X_API}/tweets").mock(side_effect=fake.create)
        respx.get(f"{X_API}/users/783214/tweets").mock(side_effect=fake.user_tweets)
        yield fake, post


def _setup(engine: Engine, *, approval: str = "all") -> dict[str, Any]:
    with session_scope(engine) as session:
        unit, admin, responder, reviewer, conversation = make_desk(session)
        _rules(session, unit, admin, reply_approval=approval)
        parent = replies.target_mention(session, conversation).external_id
        return {
            "conversation": conversation.id,
            "responder": responder.id,
            "reviewer": reviewer.id,
            "parent": parent,
        }


def _compose(engine: Engine, ids: dict[str, Any], text: str) -> int:
    with session_scope(engine) as session:
        conversation = session.get(Conversation, ids["conversation"])
        author = session.get(User, ids["responder"])
        return replies.compose_reply(session, conversation=conversation, actor=author, text=text).id


def _approve(engine: Engine, ids: dict[str, Any], reply_id: int) -> None:
    with session_scope(engine) as session:
        reply, conversation = replies.access_reply(session, session.get(User, ids["reviewer"]), reply_id)
        replies.approve_reply(
            session, reply=reply, conversation=conversation, actor=session.get(User, ids["reviewer"])
        )


def _sync(engine: Engine) -> int:
    with session_scope(engine) as session:
        return replies.sync_outcomes(session)


def _state(engine: Engine, reply_id: int) -> tuple[Reply, Conversation, OutboxMessage]:
    with session_scope(engine) as session:
        reply = session.get(Reply, reply_id)
        conversation = session.get(Conversation, reply.conversation_id)
        entry = session.get(OutboxMessage, reply.outbox_message_id)
        session.expunge_all()
        return reply, conversation, entry


def test_an_approved_reply_reaches_the_platform_once_and_answers_the_conversation(app_db, platform):
    fake, post = platform
    ids = _setup(app_db)
    reply_id = _compose(app_db, ids, "Jadwal KTP: Senin-Jumat 08.00-15.00.")
    assert post.call_count == 0  # waiting for the reviewer: nothing left humas

    _approve(app_db, ids, reply_id)  # the send job runs (immediately, in tests) once the approval commits

    assert post.call_count == 1
    sent = json.loads(post.calls[0].request.content)
    assert sent["reply"]["in_reply_to_tweet_id"] == ids["parent"]
    assert _state(app_db, reply_id)[0].status == "antre"  # the outcome is read back by the sync
    assert _sync(app_db) == 1 and _sync(app_db) == 0  # settled once
    reply, conversation, entry = _state(app_db, reply_id)
    assert reply.status == "terkirim" and reply.external_id == fake.timeline[0]["id"] == entry.external_id
    assert conversation.first_response_at == entry.sent_at and conversation.status == "terbuka"
    assert runner.send_message(app_db, entry.id) == "skipped"  # the send task running again sends nothing
    assert post.call_count == 1


def test_a_sender_killed_after_the_platforms_answer_never_sends_the_reply_twice(
    app_db, platform, monkeypatch
):
    fake, post = platform
    ids = _setup(app_db, approval="none")
    queued: list[int] = []
    monkeypatch.setattr("humas.outbox.tasks.send_message_task", lambda message_id: queued.append(message_id))
    reply_id = _compose(app_db, ids, "Laporan Anda sudah kami teruskan.")
    (entry_id,) = queued

    with pytest.raises(WorkerKilled):  # posted, then the worker died before writing the answer down
        runner.send_message(app_db, entry_id, after_send=kill_worker)
    assert post.call_count == 1 and len(fake.timeline) == 1
    assert _sync(app_db) == 0 and _state(app_db, reply_id)[0].status == "antre"

    runner.send_message(app_db, entry_id)  # a second run of the send task while the lease holds: nothing
    assert runner.send_due(app_db, now=utcnow() + timedelta(minutes=6)) == {entry_id: "sent"}  # reconciled

    assert post.call_count == 1
    assert _sync(app_db) == 1
    reply, conversation, entry = _state(app_db, reply_id)
    assert reply.status == "terkirim" and reply.external_id == fake.timeline[0]["id"]
    assert conversation.first_response_at == entry.sent_at


def test_a_refused_reply_fails_and_is_sent_again_by_hand(app_db, platform):
    fake, post = platform
    post.side_effect = [
        httpx.Response(
            403, json={"title": "Forbidden", "detail": "You are not allowed to reply.", "status": 403}
        ),
        fake.create,
    ]
    ids = _setup(app_db, approval="none")
    reply_id = _compose(app_db, ids, "Mohon maaf atas kendalanya.")
    from humas.inbox.tasks import sync_reply_outcomes_task

    sync_reply_outcomes_task.call_local()  # the minute job settles it
    reply, conversation, _entry = _state(app_db, reply_id)
    assert reply.status == "gagal" and reply.error and conversation.first_response_at is None

    with session_scope(app_db) as session:
        responder = session.get(User, ids["responder"])
        reply, conversation = replies.access_reply(session, responder, reply_id)
        replies.retry_reply(session, reply=reply, conversation=conversation, actor=responder)

    assert post.call_count == 2 and _sync(app_db) == 1
    reply, conversation, entry = _state(app_db, reply_id)
    assert reply.status == "terkirim" and conversation.first_response_at == entry.sent_at
    with session_scope(app_db) as session:
        assert queued_replies(session) == 1  # one row, one key
