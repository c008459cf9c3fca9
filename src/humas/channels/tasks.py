"""Channel jobs: the periodic poll of due channels, one poll per channel, webhooks, daily follower counts.
Channel writes are outbox rows sent by the outbox's jobs; importing this module registers their sender."""

from __future__ import annotations

import logging
from datetime import timedelta

from huey import crontab

from humas.channels.service import outbox as _outbox  # noqa: F401 - registers the channel-write senders
from humas.core.db import session_scope
from humas.jobs import huey

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))
def poll_channels_task() -> None:
    """Queue a poll for every channel that is due (each runs on its own)."""
    from humas.channels import service as channels_service

    with session_scope() as session:
        due = channels_service.due_channel_ids(session)
    for channel_id in due:
        poll_channel_task(channel_id=channel_id)


@huey.task()
def poll_channel_task(channel_id: int) -> None:
    """Poll one channel; its failure is recorded on it and reaches no other channel."""
    from humas.channels import runner
    from humas.core.db import get_engine

    log.info("channel %s: %s", channel_id, runner.poll_channel_by_id(get_engine(), channel_id))


@huey.periodic_task(crontab(minute="17"))
def read_followers_task() -> None:
    """Read each counting channel's follower count once a day (its unit's day); tried hourly until read, so a
    channel failing now is read on a later run and the day's first reading is kept."""
    from humas.channels import runner

    outcomes = runner.read_followers_due()
    if outcomes:
        read = sum(1 for v in outcomes.values() if v == "read")
        log.info("follower counts read: %s of %s channels", read, len(outcomes))


@huey.periodic_task(crontab(minute="*"))
def requeue_stale_deliveries_task() -> None:
    """Queue again the webhook deliveries whose job was lost (a worker killed with -9 takes the task it was
    running with it): stored, unprocessed and unfailed after HUMAS_WEBHOOK_REQUEUE_AFTER_S."""
    from humas.channels import service as channels_service
    from humas.core.settings import get_settings

    after = timedelta(seconds=get_settings().webhook_requeue_after_s)
    with session_scope() as session:
        stale = channels_service.stale_delivery_ids(session, older_than=after)
    if stale:
        log.warning("webhook deliveries queued again (their job was lost): %s", len(stale))
    for delivery_id in stale:
        process_delivery_task(delivery_id=delivery_id)


@huey.task(retries=3, retry_delay=60)
def process_delivery_task(delivery_id: int) -> None:
    """Hand one stored webhook delivery to the ingest pipeline; a failure is kept on it and retried."""
    from humas.channels import service as channels_service
    from humas.channels.models import WebhookDelivery

    try:
        with session_scope() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is not None:
                channels_service.process_delivery(session, delivery=delivery)
    except Exception as exc:
        log.warning("webhook delivery %s failed: %s", delivery_id, type(exc).__name__)
        with session_scope() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is not None:
                delivery.error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
