"""The outbox: a retry after a timeout or a worker crash never posts twice."""

from __future__ import annotations

from datetime import timedelta

import httpx
import respx
from sqlalchemy import func, select

from humas.channels import service as channels_service
from humas.channels.models import Channel, Health
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.outbox import runner
from humas.outbox import service as outbox_service
from humas.outbox.models import OutboxMessage
from tests.channels.conftest import BOT, load
from tests.channels.factories import make_channel
from tests.factories import make_user

X_API = "https://api.x.com/2"
MASTODON = "https://mastodon.example"


def _setup(engine, platform):
    with session_scope(engine) as session:
        user = make_user(session, roles=("admin",))
        return make_channel(session, unit=user.unit, platform=platform).id, user.id


def _queue(engine, channel_id, user_id, *, action="reply", key=None, **kwargs):
    from humas.org.models import User

    with session_scope(engine) as session:
        channel = session.get(Channel, channel_id)
        actor = session.get(User, user_id)
        queue = channels_service.queue_post if action == "post" else channels_service.queue_reply
        entry = queue(session, channel=channel, actor=actor, idempotency_key=key, **kwargs)
        return entry.id  # the send job runs (immediately, in tests) once this commits


def _entry(engine, entry_id) -> OutboxMessage:
    with session_scope(engine) as session:
        entry = session.get(OutboxMessage, entry_id)
        session.expunge(entry)
        return entry


@respx.mock
def test_timeout_then_reconcile_finds_the_post_and_does_not_post_twice(app_db):
    channel_id, user_id = _setup(app_db, "x")
    post = respx.post(f"{X_API}/tweets").mock(side_effect=httpx.ReadTimeout("slow"))
    mine = load("x", "user_tweets.json")
    respx.get(f"{X_API}/users/783214/tweets").respond(200, json=mine)

    entry_id = _queue(app_db, channel_id, user_id, action="post", text=mine["data"][0]["text"])

    entry = _entry(app_db, entry_id)
    assert post.call_count == 1
    assert entry.status == "sent" and entry.external_id == "1301573587187331999" and entry.attempts == 1


@respx.mock
def test_worker_crash_mid_send_is_reconciled_before_sending_again(app_db):
    channel_id, _user_id = _setup(app_db, "x")
    post = respx.post(f"{X_API}/tweets").respond(201, json=load("x", "create_tweet.json"))
    mine = load("x", "user_tweets.json")
    respx.get(f"{X_API}/users/783214/tweets").respond(200, json=mine)
    with session_scope(app_db) as session:  # a worker claimed the row, sent it, and died
        entry = OutboxMessage(
            idempotency_key="crash-1",
            kind="channel.post",
            owner_type="channel",
            owner_id=channel_id,
            payload={"text": mine["data"][0]["text"]},
            status="sending",
            attempts=1,
            first_attempt_at=utcnow() - timedelta(minutes=10),
            last_attempt_at=utcnow() - timedelta(minutes=10),
            claimed_by="a-dead-worker",
            claimed_until=utcnow() - timedelta(minutes=5),
        )
        session.add(entry)
        session.flush()
        entry_id = entry.id
        assert outbox_service.due_ids(session) == [entry_id]  # a stale claim is picked up again

    assert runner.send_message(app_db, entry_id) == "sent"
    assert post.call_count == 0 and _entry(app_db, entry_id).external_id == "1301573587187331999"
    assert runner.send_message(app_db, entry_id) == "skipped"  # sent rows are never touched again


@respx.mock
def test_telegram_timeout_is_never_resent(app_db):
    channel_id, user_id = _setup(app_db, "telegram")
    send = respx.post(f"{BOT}/sendMessage").mock(side_effect=httpx.ReadTimeout("slow"))

    entry_id = _queue(
        app_db, channel_id, user_id, parent_external_id="77462709:223", text="Sudah kami proses."
    )
    assert _entry(app_db, entry_id).status == "unknown"
    assert runner.send_message(app_db, entry_id) == "unknown"  # a retry reconciles; the Bot API can't tell

    assert send.call_count == 1
    with session_scope(app_db) as session:
        later = utcnow() + timedelta(hours=1)
        assert entry_id not in outbox_service.due_ids(session, now=later)  # left for a person to check


@respx.mock
def test_same_idempotency_key_queues_and_sends_once(app_db):
    channel_id, user_id = _setup(app_db, "telegram")
    send = respx.post(f"{BOT}/sendMessage").respond(200, json=load("telegram", "send_message_response.json"))
    kwargs = {"parent_external_id": "77462709:223", "text": "Terima kasih.", "key": "reply-77462709-223"}
    first = _queue(app_db, channel_id, user_id, **kwargs)
    second = _queue(app_db, channel_id, user_id, **kwargs)
    assert first == second and send.call_count == 1
    assert _entry(app_db, first).status == "sent"
    with session_scope(app_db) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


@respx.mock
def test_mastodon_resend_carries_the_same_idempotency_key(app_db):
    channel_id, user_id = _setup(app_db, "mastodon")
    route = respx.post(f"{MASTODON}/api/v1/statuses")
    route.side_effect = [
        httpx.ReadTimeout("x"),
        httpx.Response(200, json=load("mastodon", "status_created.json")),
    ]
    entry_id = _queue(
        app_db, channel_id, user_id, action="post", text="Pelayanan KTP buka Sabtu.", key="k-77"
    )
    assert [c.request.headers["idempotency-key"] for c in route.calls] == ["k-77", "k-77"]
    assert _entry(app_db, entry_id).external_id == "103254962155278999"


@respx.mock
def test_rate_limit_waits_and_expired_token_fails(app_db):
    channel_id, user_id = _setup(app_db, "x")
    route = respx.post(f"{X_API}/tweets")
    route.side_effect = [
        httpx.Response(429, json=load("x", "error_429.json"), headers={"retry-after": "900"}),
        httpx.Response(401, json=load("x", "error_401.json")),
    ]
    entry_id = _queue(app_db, channel_id, user_id, action="post", text="Info layanan.")
    entry = _entry(app_db, entry_id)
    assert entry.status == "pending" and entry.next_attempt_at > utcnow() + timedelta(minutes=10)
    assert "retry after 900" in entry.last_error  # shown on the channel page
    assert runner.send_message(app_db, entry_id) == "failed"
    with session_scope(app_db) as session:
        assert session.get(Channel, channel_id).status == Health.needs_reauth
