"""Reading one published item's counts back from its platform (``Publisher.metrics``), for publishing.

The connectors that can (``Capability.METRICS`` and a ``metrics`` method) answer a plain dict of counts in
their own names (likes, comments or replies, shares or reposts, views, reach, ...). A platform that cannot,
or a call that fails (a revoked token, a rate limit, a deleted post), gives ``None``: counts are
best-effort and the next scheduled read tries again; a failed read never changes the channel's health.
"""

from __future__ import annotations

import logging

from humas.channels.models import Channel
from humas.channels.redact import scrub
from humas.channels.service.channels import channel_values
from humas.connectors.registry import Capability, find_platform

log = logging.getLogger(__name__)
MAX_WAIT_S = 5.0  # a read-back waits no longer for a rate limit: the schedule reads again later


def read_post_metrics(channel: Channel, external_id: str) -> dict[str, int] | None:
    """The platform's counts for ``external_id`` on ``channel`` now, or ``None`` when they cannot be read."""
    spec = find_platform(channel.platform)
    if spec is None or not spec.can(Capability.METRICS) or not external_id:
        return None
    values = channel_values(channel)
    try:
        publisher = spec.build_publisher(values, max_wait_s=MAX_WAIT_S)
        reader = getattr(publisher, "metrics", None)
        if reader is None:
            return None
        counts = reader(external_id)
    except Exception as exc:  # noqa: BLE001 - best-effort: logged, and read again on the next schedule
        message = scrub(f"{type(exc).__name__}: {exc}", [str(v) for v in values.values()])
        log.warning("metrics of %s on channel %s not read: %s", external_id, channel.id, message)
        return None
    return {k: v for k, v in counts.items() if isinstance(v, int) and not isinstance(v, bool)} or None
