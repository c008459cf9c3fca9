"""Listening jobs: facet rollups every minute, spikes and alerts at each hour's close, narratives every ten
minutes. Each job opens its own session scope and commits its own work. Alert deliveries are outbox rows,
sent by the outbox's jobs after the commit that stores them; importing this module registers their sender."""

from __future__ import annotations

import logging
from functools import partial

from huey import crontab

from humas.core.db import run_retrying
from humas.core.time import utcnow
from humas.jobs import huey
from humas.listening.service import deliveries as _deliveries  # noqa: F401 - registers the alert senders

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))
def rollup_facets_task() -> None:
    """Roll up keyphrases, hashtags, emotions and authors of new mentions (and recount queries whose
    backfill has finished), then check keyword rules."""
    from humas.listening.service import alerts, facets

    run_retrying(facets.update_facets)
    run_retrying(facets.rebuild_backfilled_queries)
    run_retrying(alerts.evaluate_rules)


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


@huey.periodic_task(crontab(minute="*/10"))
def build_narratives_task() -> None:
    """Group recent mentions into narratives."""
    from humas.listening.service import narratives

    run_retrying(narratives.build_narratives)
