"""Channel writes for another domain's outbox rows: a published post variant is a ``post`` on its channel.

The other domain owns its row (its kind, owner and outcome); this module lends it the channels' own write
path, so a variant is sent, retried and reconciled exactly like ``channel.post``: ``write_job`` in the
handler's ``prepare`` (credentials decrypted there), ``send_job`` / ``reconcile_job`` as its ``send`` and
``reconcile``, ``record_write_refused`` in its ``on_outcome``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.channels.service.channels import channel_values
from humas.channels.service.outbox import ChannelJob, _reconcile, _send
from humas.channels.service.polling import record_needs_reauth
from humas.outbox.models import OutboxMessage
from humas.outbox.policy import Permanent, SendError, Sent


def write_job(
    *, channel: Channel, message: OutboxMessage, action: str, payload: dict[str, Any]
) -> ChannelJob:
    """The plain data one write on ``channel`` needs, keyed by the row's idempotency key (``post``:
    payload ``text`` and optionally ``image_url``)."""
    started = message.first_attempt_at or message.created_at
    return ChannelJob(
        platform=channel.platform,
        values=channel_values(channel),
        action=action,
        payload=payload,
        key=message.idempotency_key,
        since=started - timedelta(minutes=5),
        receipt=message.external_id,
    )


def send_job(job: ChannelJob) -> Sent:
    """Perform the write once through the channel's publisher; connector errors become the outbox's."""
    return _send(job)


def reconcile_job(job: ChannelJob) -> Sent | None:
    """Look for an uncertain write on the platform before anything is sent again."""
    return _reconcile(job)


def record_write_refused(session: Session, *, channel: Channel, outcome: Sent | SendError) -> None:
    """Refused credentials mark the channel as needing re-authorisation (as a channel write would)."""
    if isinstance(outcome, Permanent) and outcome.needs_reauth:
        record_needs_reauth(session, channel=channel, message=outcome.message)
