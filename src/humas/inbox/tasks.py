"""Inbox jobs: the deadline sweep every minute, and recomputing a subtree's deadlines after a policy change.

Each job opens its own session scope (retried when SQLite is busy) and commits its own work."""

from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy.orm import Session

from humas.core.db import run_retrying
from humas.jobs import huey

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))
def sweep_deadlines_task() -> None:
    """Move conversations whose precomputed at-risk or due time has passed, and escalate once per level."""
    from humas.inbox.service import sla_sweep

    result = run_retrying(lambda session: sla_sweep.sweep_deadlines(session))
    if result.at_risk or result.missed or result.escalated or result.failed:
        log.info("deadlines: %s", result)


@huey.task()
def refresh_unit_deadlines_task(unit_id: int) -> None:
    """Recompute the open conversations of a unit's subtree (its policies or calendar changed)."""
    from humas.inbox.service import sla as sla_service
    from humas.org.models import Unit

    def work(session: Session) -> int:
        unit = session.get(Unit, unit_id)
        return 0 if unit is None else sla_service.refresh_subtree(session, unit=unit)

    run_retrying(work)


@huey.periodic_task(crontab(minute="*"))
def sync_reply_outcomes_task() -> None:
    """Bring the outbox's outcome (sent, failed) into the replies waiting on it; tell the deadline clock."""
    from humas.inbox.service import replies

    moved = run_retrying(lambda session: replies.sync_outcomes(session))
    if moved:
        log.info("replies settled: %s", moved)


@huey.periodic_task(crontab(minute="40", hour="18"))  # 01:40 WIB, 02:40 WITA, 03:40 WIT
def erase_expired_dms_task() -> None:
    """Erase closed direct-message conversations past their unit's retention, a batch per transaction."""
    from humas.inbox.service import retention

    total = 0
    while True:
        batch = run_retrying(lambda session: retention.erase_expired(session))
        total += batch.conversations
        if batch.conversations < retention.BATCH:
            break
    if total:
        log.info("direct-message conversations erased after retention: %s", total)


@huey.periodic_task(crontab(minute="*"))
def wake_snoozed_task() -> None:
    """Snoozed conversations whose time has come are open again."""
    from humas.inbox.service import conversations

    woken = run_retrying(lambda session: conversations.wake_snoozed(session))
    if woken:
        log.info("snoozed conversations open again: %s", woken)
