"""Workers killed at random points while publishing, repeated: no variant is posted twice and none is lost.

A kill is simulated as in tests/outbox: an exception no ``except Exception`` catches, raised either after the
claim and before the platform call, or after the platform answered and before the row is updated. Each
crashed row is picked up again once its lease ran out, reconciled on the platform (X's timeline, which the
fake keeps), and then sent or found."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

import pytest
import respx
from sqlalchemy import select

from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.outbox import handlers, runner
from humas.outbox.models import OutboxMessage
from humas.publishing import service as publishing_service
from humas.publishing import tasks
from humas.publishing.models import PostVariant
from humas.publishing.service import publish
from tests.outbox.conftest import WorkerKilled, kill_worker
from tests.publishing.factories import approve_all, make_chain, make_desk, make_post
from tests.publishing.test_publish import X_API, FakeX

POSTS = 6


def _kill_before_send(job: object) -> None:
    raise WorkerKilled("worker killed after its claim, before the platform call")


@pytest.mark.parametrize("seed", [7, 2026])
@respx.mock
def test_random_kills_never_post_twice_and_lose_nothing(app_db, monkeypatch, seed):
    rng = random.Random(seed)
    platform = FakeX()
    tweet = respx.post(f"{X_API}/tweets").mock(side_effect=platform.create)
    respx.get(f"{X_API}/users/783214/tweets").mock(side_effect=platform.user_tweets)
    monkeypatch.setattr("humas.outbox.tasks.send_message_task", lambda message_id: None)  # sent below
    texts = [f"Info layanan {i}: loket buka pukul 0{i}.00 WIB." for i in range(POSTS)]
    with session_scope(app_db) as session:
        desk = make_desk(session)
        make_chain(session, desk)
        for text in texts:
            post = make_post(session, desk, text=text, title=text[:20])
            publishing_service.submit_post(session, post=post, actor=desk.drafter)
            approve_all(session, post, desk.reviewer)
            publishing_service.schedule_post(
                session, post=post, at=utcnow() + timedelta(minutes=1), actor=desk.drafter
            )
    now = utcnow() + timedelta(minutes=2)
    assert len(tasks.run_tick(now=now)["published"]) == POSTS

    healthy = handlers.handler_for(publish.KIND)
    dying = dataclasses.replace(healthy, send=_kill_before_send)
    kills = 0
    for _round in range(12):
        with session_scope(app_db) as session:
            due = [
                row_id
                for row_id in session.scalars(
                    select(OutboxMessage.id).where(
                        OutboxMessage.kind == publish.KIND, OutboxMessage.status != "sent"
                    )
                )
            ]
        if not due:
            break
        for row_id in due:
            point = rng.choice(("before", "after", "none"))
            monkeypatch.setitem(handlers._REGISTRY, publish.KIND, dying if point == "before" else healthy)
            try:
                runner.send_message(
                    app_db, row_id, now=now, after_send=kill_worker if point == "after" else None
                )
            except WorkerKilled:
                kills += 1
        now += timedelta(minutes=6)  # every dead worker's lease runs out
    monkeypatch.setitem(handlers._REGISTRY, publish.KIND, healthy)

    assert kills > 0
    sent_texts = [t["text"] for t in platform.timeline]
    assert sorted(sent_texts) == sorted(texts)  # each exactly once: none twice, none lost
    assert tweet.call_count == POSTS
    with session_scope(app_db) as session:
        variants = session.scalars(select(PostVariant)).all()
        by_text = {t["text"]: t["id"] for t in platform.timeline}
        assert {v.state for v in variants} == {"terbit"}
        assert {v.external_id for v in variants} == {by_text[v.text] for v in variants}
