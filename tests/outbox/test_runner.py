"""The outbox's one retry policy, its lease, and the rules of adding and retrying rows (a test sender)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from humas.core.db import session_scope
from humas.core.errors import Conflict
from humas.core.time import utcnow
from humas.outbox import handlers, runner
from humas.outbox import service as outbox_service
from humas.outbox.models import OutboxMessage
from humas.outbox.policy import Permanent, Policy, Retry, Sent

CALLS: list[dict[str, Any]] = []
OUTCOMES: list[Any] = []  # what the test sender does next: a Sent, or an exception to raise


def _send(job: dict[str, Any]) -> Sent:
    CALLS.append(job)
    outcome = OUTCOMES.pop(0) if OUTCOMES else Sent(external_id=f"ext-{job['n']}")
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


handlers.register(
    "test.echo",
    handlers.Handler(
        prepare=lambda session, message: dict(message.payload), send=_send, reconcile=lambda job: None
    ),
)


@pytest.fixture(autouse=True)
def _reset() -> None:
    CALLS.clear()
    OUTCOMES.clear()


def _queue(engine, n: int = 1, *, key: str | None = None, send_now: bool = False) -> int:
    with session_scope(engine) as session:
        message = outbox_service.enqueue(
            session, kind="test.echo", key=key or f"k-{n}", owner_type="test", owner_id=1,
            payload={"n": n}, send_now=send_now,
        )  # fmt: skip
        return message.id


def _row(engine, message_id: int) -> OutboxMessage:
    with session_scope(engine) as session:
        row = session.get(OutboxMessage, message_id)
        session.expunge(row)
        return row


def test_backoff_grows_with_jitter_and_honours_retry_after():
    policy, rng = Policy(base_s=30, cap_s=3600, jitter=0.2), random.Random(7)
    for attempts, plain in [(1, 30), (2, 60), (3, 120), (8, 3600), (20, 3600)]:
        delays = [policy.delay(attempts, rng=rng) for _ in range(200)]
        assert plain * 0.8 <= min(delays) < max(delays) <= plain * 1.2
    assert policy.delay(1, retry_after=900, rng=rng) == 900  # Retry-After: 900 wins over 30 s
    assert policy.delay(1, retry_after=10**9, rng=rng) == 4 * 3600  # a silly Retry-After is capped
    assert not policy.gives_up(5) and policy.gives_up(6)


def test_same_key_adds_once_and_another_write_with_it_is_refused(app_db):
    first, again = _queue(app_db, 1), _queue(app_db, 1)
    assert first == again
    with pytest.raises(Conflict), session_scope(app_db) as session:
        outbox_service.enqueue(
            session, kind="test.echo", key="k-1", owner_type="test", owner_id=1, payload={"n": 2}
        )


def test_a_held_lease_keeps_a_second_worker_off_the_row(app_db):
    message_id = _queue(app_db)
    seen: list[str] = []

    def second_worker(mid: int, _sent: Sent) -> None:  # runs while the first worker still holds the row
        seen.append(runner.send_message(app_db, mid, worker="worker-b"))

    assert runner.send_message(app_db, message_id, worker="worker-a", after_send=second_worker) == "sent"
    assert seen == ["skipped"] and len(CALLS) == 1
    row = _row(app_db, message_id)
    assert row.external_id == "ext-1" and row.claimed_by is None and row.attempts == 1


def test_retryable_then_permanent_then_by_hand(app_db):
    message_id = _queue(app_db)
    OUTCOMES.extend([Retry("HTTP 503", retry_after=120), Permanent("HTTP 410: gone")])
    assert runner.send_message(app_db, message_id) == "pending"
    row = _row(app_db, message_id)
    assert row.shown_status == "retrying" and row.last_error == "HTTP 503"
    assert row.next_attempt_at >= utcnow() + timedelta(seconds=115)
    assert runner.send_due(app_db) == {}  # not due before its backoff
    assert runner.send_due(app_db, now=row.next_attempt_at) == {message_id: "failed"}
    assert _row(app_db, message_id).last_error == "HTTP 410: gone"
    assert runner.send_due(app_db, now=utcnow() + timedelta(days=1)) == {}  # a failed row waits for a person
    with session_scope(app_db) as session:  # sent again by the outbox's job after this commit
        outbox_service.retry_by_hand(session, message=session.get(OutboxMessage, message_id))
    row = _row(app_db, message_id)
    assert row.status == "sent" and row.attempts == 1 and len(CALLS) == 3


def test_attempts_run_out_and_a_crashing_sender_is_recorded(app_db):
    policy = Policy(max_attempts=2, base_s=1, jitter=0)
    first, second = _queue(app_db, 1), _queue(app_db, 2)
    OUTCOMES.extend([Retry("busy"), Retry("busy again"), KeyError("bug")])
    assert runner.send_message(app_db, first, policy=policy) == "pending"
    assert runner.send_message(app_db, first, policy=policy) == "failed"
    assert _row(app_db, first).last_error == "busy again"
    assert runner.send_message(app_db, second, policy=policy) == "failed"
    assert "KeyError" in _row(app_db, second).last_error


def test_a_row_of_an_unknown_kind_fails_with_a_clear_error(app_db):
    with session_scope(app_db) as session:
        message = outbox_service.enqueue(
            session, kind="nobody.sends", key="x-1", owner_type="test", owner_id=1, send_now=False
        )
        message_id = message.id
    assert runner.send_message(app_db, message_id) == "failed"
    assert "no sender registered for 'nobody.sends'" in _row(app_db, message_id).last_error
