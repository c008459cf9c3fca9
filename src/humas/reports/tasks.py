"""Report jobs: every five minutes, run the report schedules that are due (generate, finalise, e-mail).

Each schedule runs in its own transaction (a failing one is rolled back, its error kept on the schedule and
retried later; the others go on). Importing this module registers the ``report.email`` sender with the
outbox.
"""

from __future__ import annotations

import logging
from datetime import datetime

from huey import crontab

from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.jobs import huey
from humas.reports.service import mail as _mail  # noqa: F401 - registers the report e-mail sender

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*/5"))
def report_schedules_task() -> None:
    """Generate and send the scheduled reports that are due."""
    run_due_schedules()


def run_due_schedules(now: datetime | None = None, **options: object) -> dict[int, int | None]:
    """One pass over the due schedules: schedule id -> archived report id (None: skipped or failed).
    ``options`` (``build``, ``renderers``) reach ``run_schedule``; tests pass fakes."""
    from humas.reports.service import schedules as schedules_service

    now = now or utcnow()
    with session_scope() as session:
        due = schedules_service.due_schedule_ids(session, now=now)
    done: dict[int, int | None] = {}
    for schedule_id in due:
        try:
            with session_scope() as session:
                report = schedules_service.run_schedule(
                    session,
                    schedule_id=schedule_id,
                    now=now,
                    **options,  # type: ignore[arg-type]
                )
                done[schedule_id] = report.id if report is not None else None
        except Exception as exc:  # noqa: BLE001 - one schedule's failure never stops the others
            log.exception("report schedule %s failed", schedule_id)
            done[schedule_id] = None
            with session_scope() as session:
                schedules_service.record_failure(
                    session, schedule_id=schedule_id, error=f"{type(exc).__name__}: {exc}", now=now
                )
    return done
