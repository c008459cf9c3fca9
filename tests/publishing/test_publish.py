"""Publishing at the post's time through the one outbox, on a database whose transactions commit.

The platforms are played by respx with their recorded answers (the connector fixtures and their sources:
tests/connectors/fixtures/x/SOURCES.md — ``POST /2/tweets`` as captured in tweepy's cassette, and
``GET /2/users/:id/tweets`` for the reconcile; tests/connectors/fixtures/mastodon/SOURCES.md —
``POST /api/v1/statuses`` from the Mastodon documentation)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import select

from humas.channels.models import Channel, Health
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.ingest.models import Mention
from humas.outbox import runner
from humas.outbox.models import OutboxMessage
from humas.publishing import service as publishing_service
from humas.publishing import tasks
from humas.publishing.models import Post, PostMetric, PostStatus, PostVariant
from tests.channels.conftest import load
from tests.channels.factories import make_channel
from tests.outbox.conftest import WorkerKilled, kill_worker
from tests.publishing.factories import approve_all, make_chain, make_desk, make_post

X_API = "https://api.x.com/2"
MASTODON = "https://mastodon.example"
TEXT = "Layanan KPPN buka Sabtu 09.00-12.00 WIB. #PelayananPrima"


class FakeX:
    """X as far as a post goes: ``POST /2/tweets`` answers as recorded and keeps the tweet, which the
    account's timeline (``GET /2/users/:id/tweets``, what the reconcile reads) then shows."""

    def __init__(self) -> None:
        self.recorded = load("x", "create_tweet.json")
        self.timeline: list[dict[str, Any]] = []

    def create(self, request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        tweet_id = str(int(self.recorded["data"]["id"]) + len(self.timeline))
        created = utcnow().strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self.timeline.insert(
            0, {"id": tweet_id, "text": sent["text"], "author_id": "783214", "created_at": created}
        )
        return httpx.Response(
            201, json={"data": {**self.recorded["data"], "id": tweet_id, "text": sent["text"]}}
        )

    def user_tweets(self, request: httpx.Request) -> httpx.Response:
        if not self.timeline:
            return httpx.Response(200, json={"meta": {"result_count": 0}})
        meta = {"result_count": len(self.timeline), "newest_id": self.timeline[0]["id"]}
        return httpx.Response(200, json={"data": self.timeline, "meta": meta})


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Outbox rows queued for the worker after each commit, sent below by the test (a worker's view)."""
    ids: list[int] = []
    monkeypatch.setattr("humas.outbox.tasks.send_message_task", lambda message_id: ids.append(message_id))
    return ids


def _approved_post(engine, *, extra_platform: str | None = None) -> tuple[int, dict[str, int]]:
    """A post approved by a one-step chain and due a minute ago; returns its id and channel ids."""
    with session_scope(engine) as session:
        desk = make_desk(session)
        channels = [desk.channel]
        if extra_platform:
            channels.append(make_channel(session, unit=desk.unit, platform=extra_platform))
        make_chain(session, desk)
        post = make_post(session, desk, channels=channels)
        publishing_service.submit_post(session, post=post, actor=desk.drafter)
        approve_all(session, post, desk.reviewer)
        publishing_service.schedule_post(
            session, post=post, at=utcnow() + timedelta(minutes=1), actor=desk.drafter
        )
        return post.id, {c.platform: c.id for c in channels}


def _variant_rows(engine, post_id: int) -> list[OutboxMessage]:
    with session_scope(engine) as session:
        variant_ids = session.scalars(select(PostVariant.id).where(PostVariant.post_id == post_id)).all()
        stmt = select(OutboxMessage).where(
            OutboxMessage.kind == "publishing.variant", OutboxMessage.owner_id.in_(variant_ids)
        )
        rows = list(session.scalars(stmt.order_by(OutboxMessage.id)))
        session.expunge_all()
        return rows


def _post(engine, post_id: int) -> Post:
    with session_scope(engine) as session:
        post = session.get(Post, post_id)
        _ = list(post.variants)
        session.expunge_all()
        return post


@respx.mock
def test_the_publish_tick_run_twice_sends_one_row_and_one_request_per_variant(app_db, queued):
    platform = FakeX()
    tweet = respx.post(f"{X_API}/tweets").mock(side_effect=platform.create)
    toot = respx.post(f"{MASTODON}/api/v1/statuses").respond(
        200, json=load("mastodon", "status_created.json")
    )
    post_id, _channels = _approved_post(app_db, extra_platform="mastodon")
    due = utcnow() + timedelta(minutes=2)

    assert tasks.run_tick(now=utcnow())["published"] == []  # not yet its time
    assert tasks.run_tick(now=due)["published"] == [post_id]
    assert tasks.run_tick(now=due)["published"] == []  # a second run finds nothing due

    rows = _variant_rows(app_db, post_id)
    assert len(rows) == 2 and len({r.idempotency_key for r in rows}) == 2
    with session_scope(app_db) as session:  # and handing out the post again adds nothing either
        post = session.get(Post, post_id)
        assert publishing_service.publish_post(session, post=post, now=due) == []
    assert len(_variant_rows(app_db, post_id)) == 2
    for row in rows:
        assert row.id in queued
        assert runner.send_message(app_db, row.id) == "sent"
        assert runner.send_message(app_db, row.id) == "skipped"
    assert tweet.call_count == 1 and toot.call_count == 1
    assert json.loads(tweet.calls[0].request.content) == {"text": TEXT}

    post = _post(app_db, post_id)
    assert post.status == PostStatus.terbit
    links = {v.state: v.url for v in post.variants}
    assert set(links) == {"terbit"} and all(v.url and v.external_id for v in post.variants)


@respx.mock
def test_a_sender_killed_between_the_platforms_answer_and_the_row_update_does_not_post_twice(app_db, queued):
    platform = FakeX()
    tweet = respx.post(f"{X_API}/tweets").mock(side_effect=platform.create)
    timeline = respx.get(f"{X_API}/users/783214/tweets").mock(side_effect=platform.user_tweets)
    post_id, _channels = _approved_post(app_db)
    tasks.run_tick(now=utcnow() + timedelta(minutes=2))
    (row,) = _variant_rows(app_db, post_id)

    with pytest.raises(WorkerKilled):  # the worker posts, then dies before it can write down the answer
        runner.send_message(app_db, row.id, after_send=kill_worker)
    assert tweet.call_count == 1 and len(platform.timeline) == 1  # the platform has the post ...
    crashed = _variant_rows(app_db, post_id)[0]
    assert crashed.status == "sending" and crashed.external_id is None  # ... the row does not know it
    assert _post(app_db, post_id).variants[0].state == "antre"

    assert row.id not in runner.send_due(app_db)  # the dead worker's lease still holds
    after_lease = utcnow() + timedelta(minutes=6)
    assert runner.send_due(app_db, now=after_lease)[row.id] == "sent"

    assert tweet.call_count == 1 and timeline.call_count == 1  # reconciled, not posted twice
    variant = _post(app_db, post_id).variants[0]
    assert variant.state == "terbit" and variant.external_id == platform.timeline[0]["id"]
    assert variant.url == f"https://x.com/X/status/{variant.external_id}"
    assert _post(app_db, post_id).status == PostStatus.terbit
    assert row.id not in runner.send_due(app_db, now=after_lease + timedelta(hours=1))


@respx.mock
def test_an_expired_token_holds_the_variant_until_the_channel_is_reauthorised(app_db, queued):
    route = respx.post(f"{X_API}/tweets")
    route.side_effect = [httpx.Response(401, json=load("x", "error_401.json")), FakeX().create]
    post_id, channels = _approved_post(app_db)
    tasks.run_tick(now=utcnow() + timedelta(minutes=2))
    (row,) = _variant_rows(app_db, post_id)

    assert runner.send_message(app_db, row.id) == "failed"
    post = _post(app_db, post_id)
    assert post.variants[0].state == "ditahan" and post.status == PostStatus.dijadwalkan
    with session_scope(app_db) as session:
        channel = session.get(Channel, channels["x"])
        assert channel.status == Health.needs_reauth
        assert publishing_service.release_held(session) == []  # still refused: stays held
        channel.status = Health.ok.value  # a person re-authorised the channel

    assert tasks.run_tick()["released"] == [post.variants[0].id]
    assert runner.send_message(app_db, row.id) == "sent"
    assert route.call_count == 2
    assert _post(app_db, post_id).status == PostStatus.terbit


@respx.mock
def test_metrics_are_read_back_on_their_schedule_into_a_time_series(app_db, queued):
    respx.post(f"{X_API}/tweets").mock(side_effect=FakeX().create)
    post_id, _channels = _approved_post(app_db)
    tasks.run_tick(now=utcnow() + timedelta(minutes=2))
    (row,) = _variant_rows(app_db, post_id)
    runner.send_message(app_db, row.id)
    variant = _post(app_db, post_id).variants[0]
    published = variant.published_at
    assert variant.metrics_next_at == published + timedelta(hours=1)
    assert tasks.run_metrics(now=published + timedelta(minutes=30)) == 0  # not due yet

    with session_scope(app_db) as session:  # the channel's poll saw our post with its public counts
        post = session.get(Post, post_id)
        session.add(
            Mention(
                unit_id=post.unit_id, platform="x", external_id=variant.external_id, text=post.body,
                metrics={"likes": 12, "replies": 3, "reposts": 4, "views": 900},
            )
        )  # fmt: skip
    assert tasks.run_metrics(now=published + timedelta(hours=1, minutes=1)) == 1
    with session_scope(app_db) as session:
        mention = session.scalar(select(Mention).where(Mention.external_id == variant.external_id))
        mention.metrics = {"likes": 20, "replies": 5, "reposts": 6, "views": 1500}
    assert tasks.run_metrics(now=published + timedelta(hours=3, minutes=1)) == 1

    with session_scope(app_db) as session:
        stored = session.get(PostVariant, variant.id)
        points = [
            (m.likes, m.comments, m.shares, m.views, m.reach)
            for m in publishing_service.series(session, variant=stored)
        ]
        assert points == [(12, 3, 4, 900, None), (20, 5, 6, 1500, None)]
        assert stored.metrics_next_at == published + timedelta(hours=6)
        assert session.scalar(select(PostMetric.id).where(PostMetric.variant_id == variant.id)) is not None


def test_the_metrics_schedule_is_dense_on_day_one_then_daily_for_thirty_days():
    from datetime import UTC, datetime

    from humas.publishing.service.metrics import next_read_at

    t0 = datetime(2031, 1, 1, tzinfo=UTC)
    plan, now = [], t0
    while (moment := next_read_at(t0, now)) is not None:
        plan.append(moment - t0)
        now = moment
    hours = [int(p / timedelta(hours=1)) for p in plan]
    assert hours[:5] == [1, 3, 6, 12, 24]
    assert hours[5:] == [24 * d for d in range(2, 31)]
