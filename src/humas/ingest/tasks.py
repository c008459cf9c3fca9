"""Ingest jobs: query backfills (a commit per chunk, resumable) and the news-feed poller."""

from __future__ import annotations

import logging

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
    from humas.ingest.service import feeds as feeds_service

    feeds_service.poll_feed_by_id(feed_id)
