"""Outbox jobs: send one row after its caller's commit; every minute, retry and reconcile what is due."""

from __future__ import annotations

import logging

from huey import crontab

from humas.core.db import get_engine
from humas.jobs import huey
from humas.outbox import notify as _notify  # noqa: F401 - registers the notification senders

log = logging.getLogger(__name__)


@huey.task()
def send_message_task(message_id: int) -> None:
    """Send one outbox row at most once."""
    from humas.outbox import runner

    log.info("outbox %s: %s", message_id, runner.send_message(get_engine(), message_id))


@huey.periodic_task(crontab(minute="*"))
def send_due_outbox_task() -> None:
    """Retry due rows and reconcile uncertain ones and claims whose worker died."""
    from humas.outbox import runner

    outcomes = runner.send_due(get_engine())
    failed = [i for i, status in outcomes.items() if status == "failed"]
    if failed:
        log.warning("outbox rows failed: %s", failed)
