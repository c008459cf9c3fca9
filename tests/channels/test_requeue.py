"""A stored webhook delivery whose job was lost (a worker killed mid-task) is queued again by the sweep."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from humas.channels import service as channels_service
from humas.channels.models import WebhookDelivery
from humas.channels.tasks import requeue_stale_deliveries_task
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.ingest.models import Mention
from tests.channels.conftest import raw
from tests.channels.factories import make_channel
from tests.factories import make_unit


def _delivery(session, channel_id: int, body: bytes, *, age_s: int, **state) -> int:
    row = WebhookDelivery(
        channel_id=channel_id,
        body_sha256=f"{age_s:064x}",
        body=body.decode(),
        received_at=utcnow() - timedelta(seconds=age_s),
        **state,
    )
    session.add(row)
    session.flush()
    return row.id


def test_lost_deliveries_are_found_and_processed_again(app_db) -> None:
    body = raw("meta", "ig_webhook_comment.json")
    with session_scope(app_db) as session:
        channel_id = make_channel(session, unit=make_unit(session), platform="instagram").id
        lost = _delivery(session, channel_id, body, age_s=600)
        _delivery(session, channel_id, body, age_s=5)  # still in its first job's hands
        _delivery(session, channel_id, body, age_s=900, processed_at=utcnow())
        _delivery(session, channel_id, body, age_s=700, error="ValueError: kept for a person")
    with session_scope(app_db) as session:
        assert channels_service.stale_delivery_ids(session, older_than=timedelta(seconds=120)) == [lost]

    requeue_stale_deliveries_task.call_local()  # the periodic job; its queued work runs at once (immediate)

    with session_scope(app_db) as session:
        assert session.get(WebhookDelivery, lost).processed_at is not None
        assert session.scalar(select(func.count()).select_from(Mention)) == 1
        assert channels_service.stale_delivery_ids(session, older_than=timedelta(seconds=120)) == []
