"""The channel poller's units of work: one transaction per channel, on the engine it is given.

The rules (what to fetch, how to store it, how a failure backs the channel off) are the service's
(`service/polling.py`), which takes a session and never commits; this module opens and commits the sessions,
like a task, so that one channel's failure never reaches another's transaction.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from humas.channels.models import Channel
from humas.channels.redact import scrub
from humas.channels.service.channels import channel_values
from humas.channels.service.followers import due_follower_channel_ids, record_followers
from humas.channels.service.polling import due_channel_ids, poll_channel
from humas.core.db import session_scope
from humas.ingest.service.pipeline import Analyzer

log = logging.getLogger(__name__)


def poll_channel_by_id(engine: Engine, channel_id: int, *, analyzer: Analyzer | None = None) -> str:
    """Poll one channel in its own transaction (the job's unit of work)."""
    with session_scope(engine) as session:
        channel = session.get(Channel, channel_id)
        if channel is None or not channel.is_active:
            return "gone"
        return poll_channel(session, channel=channel, analyzer=analyzer)


def poll_due(engine: Engine, *, analyzer: Analyzer | None = None) -> dict[int, str]:
    """Poll every due channel, each in its own transaction."""
    with session_scope(engine) as session:
        ids = due_channel_ids(session)
    outcomes = {}
    for channel_id in ids:
        try:
            outcomes[channel_id] = poll_channel_by_id(engine, channel_id, analyzer=analyzer)
        except Exception as exc:  # noqa: BLE001 - e.g. the database itself failing for this one
            log.exception("channel %s poll crashed", channel_id)
            outcomes[channel_id] = f"crashed: {type(exc).__name__}"
    return outcomes


def read_followers_due(engine: Engine | None = None) -> dict[int, str]:
    """Today's follower count of every channel that has none yet, each channel in its own transaction; a
    failing channel is logged and skipped (the next hourly run tries it again)."""
    with session_scope(engine) as session:
        ids = due_follower_channel_ids(session)
    outcomes: dict[int, str] = {}
    for channel_id in ids:
        try:
            with session_scope(engine) as session:
                channel = session.get(Channel, channel_id)
                if channel is None:
                    continue
                secrets = [str(v) for v in channel_values(channel).values()]
                try:
                    row = record_followers(session, channel=channel)
                except Exception as exc:  # noqa: BLE001 - one channel's failure never stops the rest
                    message = scrub(f"{type(exc).__name__}: {exc}", secrets)
                    log.warning("followers of channel %s not read: %s", channel_id, message)
                    outcomes[channel_id] = f"failed: {type(exc).__name__}"
                    continue
                outcomes[channel_id] = "read" if row is not None else "not given"
        except Exception as exc:  # noqa: BLE001 - e.g. the database itself failing for this one
            log.exception("followers of channel %s crashed", channel_id)
            outcomes[channel_id] = f"crashed: {type(exc).__name__}"
    return outcomes
