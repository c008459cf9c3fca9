"""Ingest jobs: query backfills (a commit per chunk, resumable) and the news-feed poller."""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab

from humas.core.db import session_scope
from humas.jobs import huey

log = logging.getLogger(__name__)


@huey.task()
def backfill_query_task(job_id: int) -> None:
    """Match a new saved query over stored mentions, one committed chunk at a time."""
    from humas.ingest.models import IngestJob
    from humas.ingest.service import queries as queries_service

    finished = False
    while not finished:
        with session_scope() as session:
            job = session.get(IngestJob, job_id)
            if job is None or job.status == "done":
                return
            finished = queries_service.backfill_step(session, job=job)


@huey.periodic_task(crontab(minute="*/5"))
def poll_feeds_task() -> None:
    """Queue a poll for every feed that is due."""
    from humas.ingest.service import feeds as feeds_service

    with session_scope() as session:
        due = feeds_service.due_feed_ids(session)
    for feed_id in due:
        poll_feed_task(feed_id=feed_id)


@huey.task()
def poll_feed_task(feed_id: int) -> None:
    """Poll one feed; a failure is recorded on the feed and never reaches the others."""
    from humas.core.db import get_engine
    from humas.ingest import runner

    runner.poll_feed_by_id(get_engine(), feed_id)


def _retrain_due(moment: Any) -> bool:
    from humas.ingest import retrain

    return retrain.due(moment)


@huey.periodic_task(_retrain_due)
def retrain_with_corrections_task() -> None:
    """Retrain the models with the analysts' label corrections, on HUMAS_NLP_RETRAIN_WITH_CORRECTIONS
    (off by default); a model is switched in only when it is better (humas.ingest.retrain)."""
    from humas.ingest import retrain

    retrain.run()
