"""Listening jobs: facet rollups and alert deliveries every minute, spikes and alerts at each hour's close,
narratives every ten minutes. Each job opens its own session scope and commits its own work."""

from __future__ import annotations

import logging

from huey import crontab

from humas.core.db import session_scope
from humas.jobs import huey

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))
def rollup_facets_task() -> None:
    """Roll up keyphrases, hashtags, emotions and authors of new mentions (and recount queries whose
    backfill has finished), then check keyword rules."""
    from humas.listening.service import alerts, facets

    with session_scope() as session:
        facets.update_facets(session)
        facets.rebuild_backfilled_queries(session)
    with session_scope() as session:
        alerts.evaluate_rules(session)
    deliver_alerts_task()


@huey.periodic_task(crontab(minute="1"))
def detect_spikes_task() -> None:
    """Feed the hour that just closed to every scope's spike detectors, then evaluate alert rules."""
    from humas.listening.service import alerts, spikes

    with session_scope() as session:
        spikes.run_detection(session)
    with session_scope() as session:
        alerts.evaluate_rules(session)
    deliver_alerts_task()


@huey.periodic_task(crontab(minute="*/10"))
def build_narratives_task() -> None:
    """Group recent mentions into narratives."""
    from humas.listening.service import narratives

    with session_scope() as session:
        narratives.build_narratives(session)


@huey.task()
def deliver_alerts_task() -> None:
    """Attempt every alert delivery that is due (new ones and retries whose backoff has passed)."""
    from humas.listening.service import deliveries

    with session_scope() as session:
        run = deliveries.deliver_due(session)
    if run.failed:
        log.warning("alert deliveries failed: %s", run.failed)
