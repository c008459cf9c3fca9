"""Reading back a published variant's counts on a schedule: 1, 3, 6, 12 and 24 hours after publishing, then
daily until 30 days; each read-back is one row of the variant's time series.

Readers are pluggable (``register_reader``) and asked in order; one that knows nothing returns ``None`` and
the next is asked. First the platform itself, where its publisher reads one post's counts
(``channels.service.metrics.read_post_metrics``, through the channel's credentials); then what humas
already knows: the channel's own posts come back through polling as mentions with their platform metrics,
and the newest sighting of the variant's (platform, external id) is its count then.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from humas.channels.models import Channel
from humas.channels.service import metrics as channel_metrics
from humas.core.time import as_utc, utcnow
from humas.ingest.models import Mention
from humas.publishing.models import PostMetric, PostVariant, VariantState

FIRST_DAY = (
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
)
LAST = timedelta(days=30)
FIELDS = ("likes", "comments", "shares", "views", "reach", "impressions")
# Our names for the counts the connectors report (connectors.<platform>.METRICS values).
ALIASES = {
    "likes": ("likes",),
    "comments": ("comments", "replies"),
    "shares": ("shares", "reposts"),
    "views": ("views",),
    "reach": ("reach",),
    "impressions": ("impressions",),
}

Reader = Callable[[Session, PostVariant, str], dict[str, int] | None]
_READERS: list[Reader] = []


def register_reader(reader: Reader, *, first: bool = False) -> None:
    """Add a way to read a variant's counts (``first``: ask it before the others)."""
    if reader in _READERS:
        return
    _READERS.insert(0, reader) if first else _READERS.append(reader)


def next_read_at(published_at: datetime, now: datetime) -> datetime | None:
    """The next scheduled read-back after ``now``; ``None`` once 30 days have passed."""
    published_at = as_utc(published_at)
    for offset in FIRST_DAY:
        if published_at + offset > now:
            return published_at + offset
    days = int((now - published_at) / timedelta(days=1)) + 1
    moment = published_at + timedelta(days=days)
    return moment if moment - published_at <= LAST else None


def due_variant_ids(session: Session, *, now: datetime | None = None, limit: int = 500) -> list[int]:
    stmt = select(PostVariant.id).where(
        PostVariant.state == VariantState.terbit.value, PostVariant.metrics_next_at <= (now or utcnow())
    )
    return list(session.scalars(stmt.order_by(PostVariant.metrics_next_at).limit(limit)))


def _counts(raw: dict[str, Any]) -> dict[str, int]:
    out = {}
    for name, keys in ALIASES.items():
        values = [raw[k] for k in keys if isinstance(raw.get(k), int) and not isinstance(raw.get(k), bool)]
        if values:
            out[name] = max(values)
    return out


def read_metrics(session: Session, *, variant: PostVariant, now: datetime | None = None) -> PostMetric | None:
    """Read the variant's counts once (the first reader that knows them), store them, plan the next read."""
    now = now or utcnow()
    channel = session.get(Channel, variant.channel_id)
    counts = None
    if channel is not None and variant.external_id:
        for reader in _READERS:
            counts = reader(session, variant, channel.platform)
            if counts is not None:
                break
    variant.metrics_next_at = next_read_at(variant.published_at or now, now)
    if counts is None:
        return None
    row = PostMetric(variant_id=variant.id, at=now, **{k: counts.get(k) for k in FIELDS})
    session.add(row)
    return row


def series(session: Session, *, variant: PostVariant) -> list[PostMetric]:
    """The variant's read-backs, oldest first."""
    stmt = select(PostMetric).where(PostMetric.variant_id == variant.id).order_by(PostMetric.at)
    return list(session.scalars(stmt))


def from_polled_mentions(session: Session, variant: PostVariant, platform: str) -> dict[str, int] | None:
    """The counts polling last saw on the variant's own post (stored as a mention), if it was seen."""
    stmt = select(Mention.metrics).where(
        Mention.platform == platform, Mention.external_id == variant.external_id
    )
    raw = session.scalar(stmt)
    if not raw:
        return None
    return _counts(raw) or None


def from_platform(session: Session, variant: PostVariant, platform: str) -> dict[str, int] | None:
    """The platform's own counts now (the connector's ``metrics``), where the platform gives them."""
    channel = session.get(Channel, variant.channel_id)
    if channel is None or not variant.external_id:
        return None
    raw = channel_metrics.read_post_metrics(channel, variant.external_id)
    return (_counts(raw) or None) if raw else None


register_reader(from_polled_mentions)
register_reader(from_platform, first=True)  # asked first; polling's last sighting when it knows nothing
