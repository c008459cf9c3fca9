"""The sender: claims a row under a lease, reconciles or sends it once, records the outcome.

Each step owns its transaction on the ``Engine`` it is given, and no transaction is open while the network
is: (1) the claim is a compare-and-set (status and attempts unchanged since read) that marks the row
``sending`` with ``claimed_by`` / ``claimed_until``, so two workers never send one row; (2) the handler sends,
or, when the previous attempt's outcome is unknown (a row left ``sending`` by a crashed worker, or
``unknown``), reconciles first; (3) the outcome is written under the one retry policy. A crash between the
platform's answer and step 3 leaves the row ``sending``; once its lease runs out ``due_ids`` hands it out
again and step 2 reconciles instead of sending twice.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, update

from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.outbox import service
from humas.outbox.handlers import Handler, handler_for
from humas.outbox.models import OutboxMessage, Status
from humas.outbox.policy import DEFAULT_POLICY, Permanent, Policy, Retry, SendError, Sent, Unknown

log = logging.getLogger(__name__)
ERROR_MAX = 2000
AfterSend = Callable[[int, Sent], None]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


@dataclass(frozen=True)
class Claim:
    previous: str
    handler: Handler
    job: Any


def _claim(engine: Engine, message_id: int, *, worker: str, policy: Policy, now: datetime) -> Claim | None:
    with session_scope(engine) as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.status in (Status.sent.value, Status.failed.value):
            return None
        if message.status == Status.sending.value and message.claimed_until and message.claimed_until > now:
            return None  # another worker holds it
        claimed = cast(
            CursorResult[Any],
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message.id,
                    OutboxMessage.status == message.status,
                    OutboxMessage.attempts == message.attempts,
                )
                .values(
                    status=Status.sending.value,
                    attempts=message.attempts + 1,
                    claimed_by=worker,
                    claimed_until=now + policy.lease,
                    last_attempt_at=now,
                    first_attempt_at=message.first_attempt_at or now,
                )
                .execution_options(synchronize_session=False)
            ),
        )
        if claimed.rowcount != 1:
            return None
        previous = message.status
        session.refresh(message)
        handler = handler_for(message.kind)
        return Claim(previous, handler, handler.prepare(session, message))


def _attempt(claim: Claim) -> Sent:
    if claim.previous in (Status.sending.value, Status.unknown.value):
        found = claim.handler.reconcile(claim.job)
        if found is not None:
            return found
    return claim.handler.send(claim.job)


def send_message(
    engine: Engine,
    message_id: int,
    *,
    policy: Policy = DEFAULT_POLICY,
    worker: str | None = None,
    after_send: AfterSend | None = None,
    now: datetime | None = None,
) -> str:
    """Send one row at most once; returns its status afterwards (``skipped`` when not ours to send).

    ``after_send`` runs between the other side's answer and the row's update (tests crash there); ``now``
    is when the claim is made (a lease is judged against it).
    """
    worker = worker or worker_name()
    try:
        claim = _claim(engine, message_id, worker=worker, policy=policy, now=now or utcnow())
    except SendError as exc:  # prepare refused the row (its channel is gone, no sender for its kind)
        return _finish(engine, message_id, exc, worker=worker, policy=policy)
    except Exception as exc:  # noqa: BLE001 - e.g. credentials that no key decrypts: shown on the row
        log.exception("outbox %s: cannot prepare", message_id)
        failed = Permanent(f"cannot prepare: {type(exc).__name__}")
        return _finish(engine, message_id, failed, worker=worker, policy=policy)
    if claim is None:
        return "skipped"
    outcome: Sent | SendError
    try:
        outcome = _attempt(claim)
    except SendError as exc:
        outcome = exc
    except Exception as exc:  # noqa: BLE001 - a bug in a sender is recorded on its row, never lost
        log.exception("outbox %s: sender crashed", message_id)
        outcome = Permanent(f"sender crashed: {type(exc).__name__}: {exc}")
    if after_send is not None and isinstance(outcome, Sent):
        after_send(message_id, outcome)
    return _finish(engine, message_id, outcome, worker=worker, policy=policy)


def _finish(
    engine: Engine, message_id: int, outcome: Sent | SendError, *, worker: str, policy: Policy
) -> str:
    with session_scope(engine) as session:
        message = session.get(OutboxMessage, message_id)
        if message is None:
            return "skipped"
        if message.status == Status.sent.value:
            return Status.sent.value  # confirmed out of band meanwhile
        if message.status == Status.sending.value and message.claimed_by not in (None, worker):
            log.warning("outbox %s: lease lost to %s; outcome not recorded", message_id, message.claimed_by)
            return "skipped"
        _record(message, outcome, policy=policy, now=utcnow())
        handler = _handler_or_none(message.kind)
        if handler is not None and handler.on_outcome is not None:
            handler.on_outcome(session, message, outcome)
        return message.status


def _handler_or_none(kind: str) -> Handler | None:
    try:
        return handler_for(kind)
    except Permanent:
        return None


def _record(message: OutboxMessage, outcome: Sent | SendError, *, policy: Policy, now: datetime) -> None:
    message.claimed_by, message.claimed_until, message.next_attempt_at = None, None, None
    if isinstance(outcome, Sent):
        message.status, message.last_error, message.sent_at = Status.sent.value, None, now
        message.external_id = (outcome.external_id or "")[:255] or None
        message.url = outcome.url
        return
    message.last_error = outcome.message[:ERROR_MAX]
    if isinstance(outcome, Retry) and not policy.gives_up(message.attempts):
        wait = policy.delay(message.attempts, outcome.retry_after)
        message.status, message.next_attempt_at = Status.pending.value, now + timedelta(seconds=wait)
    elif isinstance(outcome, Unknown):
        message.status = Status.unknown.value
        if outcome.check_again and not policy.gives_up(message.attempts):
            message.next_attempt_at = now + policy.reconcile_again
    else:
        message.status = Status.failed.value


def send_due(
    engine: Engine, *, policy: Policy = DEFAULT_POLICY, limit: int = 500, now: datetime | None = None
) -> dict[int, str]:
    """Try every row that is due, each in its own transactions; returns each row's status afterwards."""
    with session_scope(engine) as session:
        ids = service.due_ids(session, now=now, limit=limit)
    return {message_id: send_message(engine, message_id, policy=policy, now=now) for message_id in ids}
