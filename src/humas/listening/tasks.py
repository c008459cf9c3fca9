"""Listening jobs: facet rollups and alert deliveries every minute, spikes and alerts at each hour's close,
narratives every ten minutes. Each job opens its own session scope and commits its own work."""

from __future__ import annotations

import logging
from functools import partial

from huey import crontab

from humas.core.db import run_retrying, session_scope
from humas.core.time import utcnow
from humas.jobs import huey

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))
def rollup_facets_task() -> None:
    """Roll up keyphrases, hashtags, emotions and authors of new mentions (and recount queries whose
    backfill has finished), then check keyword rules."""
    from humas.listening.service import alerts, facets

    run_retrying(facets.update_facets)
    run_retrying(facets.rebuild_backfilled_queries)
    run_retrying(alerts.evaluate_rules)
    deliver_alerts_task()


@huey.periodic_task(crontab(minute="1"))
def detect_spikes_task() -> None:
    """Feed the hour that just closed to every scope's spike detectors, then evaluate alert rules."""
    from humas.listening.service import alerts, spikes

    # One short transaction per scope, retried when a bulk write holds the database (SQLite), so an import
    # running alongside never makes detection fail; a scope that still fails is logged and skipped.
    now = utcnow()
    for unit_id, query_id in run_retrying(spikes.target_keys):
        try:
            run_retrying(partial(spikes.detect_scope, unit_id=unit_id, query_id=query_id, now=now))
        except Exception:  # noqa: BLE001 - one scope's failure never stops the others
            log.exception("spike detection failed for unit %s query %s", unit_id, query_id)
    run_retrying(alerts.evaluate_rules)
    deliver_alerts_task()


@huey.periodic_task(crontab(minute="*/10"))
def build_narratives_task() -> None:
    """Group recent mentions into narratives."""
    from humas.listening.service import narratives

    run_retrying(narratives.build_narratives)


@huey.task()
def deliver_alerts_task() -> None:
    """Attempt every alert delivery that is due (new ones and retries whose backoff has passed)."""
    from humas.listening.service import deliveries

    with session_scope() as session:
        run = deliveries.deliver_due(session)
    if run.failed:
        log.warning("alert deliveries failed: %s", run.failed)
