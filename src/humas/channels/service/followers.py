"""Follower counts per channel: read once a day from the platform, and the growth over a period.

A platform that gives an account's follower count declares ``Capability.FOLLOWERS`` and its publisher answers
``followers()``: an integer, or ``None`` when the platform hides it (a YouTube channel's hidden subscriber
count) or has not counted it yet (LINE's insight for yesterday). Nothing is stored then: humas never makes
up a number. One reading per channel and day, the day in the channel's unit's zone; reading again that day
changes nothing. Periods are read as instants ``[start, end)`` (the report scope's bounds): the count at an
instant is the newest reading taken before it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from humas.channels.models import Channel, ChannelFollowers, Health
from humas.channels.service.channels import channel_values
from humas.connectors.registry import Capability, find_platform
from humas.core.time import as_utc, utcnow
from humas.org import service as org_service

log = logging.getLogger(__name__)
MAX_WAIT_S = 5.0  # a daily read waits no longer for a rate limit: the next hourly try reads again

Reader = Callable[[Channel], int | None]


def counts_followers(channel: Channel) -> bool:
    """Whether humas can read this channel's follower count (its platform declares it)."""
    spec = find_platform(channel.platform)
    return spec is not None and spec.can(Capability.FOLLOWERS)


def read_followers(channel: Channel) -> int | None:
    """The platform's follower count for ``channel`` now; ``None`` when the platform does not give one now.

    The connector's errors propagate (a revoked token, a rate limit): the caller logs and skips it."""
    spec = find_platform(channel.platform)
    if spec is None or not spec.can(Capability.FOLLOWERS):
        return None
    publisher = spec.build_publisher(channel_values(channel), max_wait_s=MAX_WAIT_S)
    count = publisher.followers()  # type: ignore[attr-defined]  # declared by Capability.FOLLOWERS
    if count is None or isinstance(count, bool) or not isinstance(count, int) or count < 0:
        return None
    return count


def local_day(
    session: Session, channel: Channel, now: datetime, zones: dict[int, ZoneInfo] | None = None
) -> date:
    """The day ``now`` falls on in the channel's unit's zone."""
    zones = {} if zones is None else zones
    zone = zones.get(channel.unit_id)
    if zone is None:
        zone = zones[channel.unit_id] = org_service.unit_zone(session, channel.unit)
    return as_utc(now).astimezone(zone).date()


def due_follower_channel_ids(session: Session, *, now: datetime | None = None) -> list[int]:
    """Active channels that count followers and have no reading for today (in their unit's zone)."""
    now = now or utcnow()
    channels = session.scalars(
        select(Channel)
        .where(Channel.is_active.is_(True), Channel.status != Health.needs_reauth.value)
        .order_by(Channel.id)
    ).all()
    zones: dict[int, ZoneInfo] = {}
    wanted = {c.id: local_day(session, c, now, zones) for c in channels if counts_followers(c)}
    if not wanted:
        return []
    read = set(
        session.execute(
            select(ChannelFollowers.channel_id, ChannelFollowers.counted_on).where(
                ChannelFollowers.channel_id.in_(wanted),
                ChannelFollowers.counted_on.in_(set(wanted.values())),
            )
        ).tuples()
    )
    return [cid for cid, day in wanted.items() if (cid, day) not in read]


def record_followers(
    session: Session, *, channel: Channel, now: datetime | None = None, reader: Reader = read_followers
) -> ChannelFollowers | None:
    """Read and store today's follower count of ``channel`` once; the day's reading if already stored.

    ``None`` when the platform gives no number now (nothing stored; the next try reads again)."""
    now = now or utcnow()
    day = local_day(session, channel, now)
    existing = _reading(session, channel.id, day)
    if existing is not None:
        return existing
    count = reader(channel)
    if count is None:
        return None
    row = ChannelFollowers(channel_id=channel.id, counted_on=day, followers=count, read_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # another worker stored the day's reading meanwhile: keep that one
        return _reading(session, channel.id, day)
    return row


def _reading(session: Session, channel_id: int, day: date) -> ChannelFollowers | None:
    return session.scalar(
        select(ChannelFollowers).where(
            ChannelFollowers.channel_id == channel_id, ChannelFollowers.counted_on == day
        )
    )


# --- reading the stored counts ----------------------------------------------------------------------


@dataclass(frozen=True)
class FollowerGrowth:
    """One channel's followers over ``[start, end)``; ``None`` where no reading tells (never a guess).

    ``followers_start`` is the newest reading before ``start``, or, for a channel first read during the
    period, its first reading in it (``start_read_at`` says which). ``growth_rate`` is the growth over
    ``followers_start`` as a fraction (0.05 = 5 %, like every rate humas reports) and ``None`` when that is
    unknown or zero."""

    channel_id: int
    unit_id: int
    platform: str
    channel_name: str
    followers_start: int | None
    followers_end: int | None
    start_read_at: datetime | None
    end_read_at: datetime | None

    @property
    def growth(self) -> int | None:
        if self.followers_start is None or self.followers_end is None:
            return None
        return self.followers_end - self.followers_start

    @property
    def growth_rate(self) -> float | None:
        growth = self.growth
        if growth is None or not self.followers_start:
            return None
        return growth / self.followers_start

    def as_dict(self) -> dict[str, object]:
        return {
            "channel_id": self.channel_id,
            "unit_id": self.unit_id,
            "platform": self.platform,
            "channel_name": self.channel_name,
            "followers_start": self.followers_start,
            "followers_end": self.followers_end,
            "growth": self.growth,
            "growth_rate": self.growth_rate,
            "start_read_at": self.start_read_at.isoformat() if self.start_read_at else None,
            "end_read_at": self.end_read_at.isoformat() if self.end_read_at else None,
        }


def _newest_before(
    session: Session, channel_ids: Sequence[int], at: datetime
) -> dict[int, tuple[int, datetime]]:
    """Channel id -> (followers, read_at) of its newest reading taken before ``at``."""
    return _one_reading(session, channel_ids, func.max, ChannelFollowers.read_at < as_utc(at))


def _first_in(
    session: Session, channel_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, tuple[int, datetime]]:
    """Channel id -> (followers, read_at) of its first reading in ``[start, end)``."""
    window = and_(ChannelFollowers.read_at >= as_utc(start), ChannelFollowers.read_at < as_utc(end))
    return _one_reading(session, channel_ids, func.min, window)


def _one_reading(
    session: Session, channel_ids: Sequence[int], pick: Any, where: ColumnElement[bool]
) -> dict[int, tuple[int, datetime]]:
    """Channel id -> (followers, read_at) of the reading whose time ``pick`` (min or max) chooses among the
    channel's readings that match ``where``."""
    if not channel_ids:
        return {}
    chosen = (
        select(ChannelFollowers.channel_id, pick(ChannelFollowers.read_at).label("read_at"))
        .where(ChannelFollowers.channel_id.in_(list(channel_ids)), where)
        .group_by(ChannelFollowers.channel_id)
        .subquery()
    )
    rows = session.execute(
        select(ChannelFollowers.channel_id, ChannelFollowers.followers, ChannelFollowers.read_at).join(
            chosen,
            and_(
                ChannelFollowers.channel_id == chosen.c.channel_id,
                ChannelFollowers.read_at == chosen.c.read_at,
            ),
        )
    ).tuples()
    return {cid: (followers, read_at) for cid, followers, read_at in rows}


def follower_counts(session: Session, *, channel_ids: Sequence[int], at: datetime) -> dict[int, int]:
    """Each channel's follower count as of ``at`` (its newest reading before it); unread channels left out."""
    return {cid: followers for cid, (followers, _) in _newest_before(session, list(channel_ids), at).items()}


def follower_growth(
    session: Session, *, unit_ids: Collection[int], start: datetime, end: datetime
) -> list[FollowerGrowth]:
    """Followers at the start and end of ``[start, end)`` and the growth, per channel of ``unit_ids`` that
    counts followers (or has readings), ordered by unit, platform and name."""
    if not unit_ids:
        return []
    channels = [
        c
        for c in session.scalars(
            select(Channel).where(Channel.unit_id.in_(list(unit_ids))).order_by(Channel.id)
        ).all()
        if counts_followers(c)
    ]
    ids = [c.id for c in channels]
    before_start = _newest_before(session, ids, start)
    first_in = _first_in(session, [i for i in ids if i not in before_start], start, end)
    at_end = _newest_before(session, ids, end)
    out = []
    for channel in channels:
        begin = before_start.get(channel.id) or first_in.get(channel.id)
        finish = at_end.get(channel.id)
        if begin is None and finish is None and not channel.is_active:
            continue  # a retired channel with nothing to say about this period
        out.append(
            FollowerGrowth(
                channel_id=channel.id,
                unit_id=channel.unit_id,
                platform=channel.platform,
                channel_name=channel.name,
                followers_start=begin[0] if begin else None,
                followers_end=finish[0] if finish else None,
                start_read_at=begin[1] if begin else None,
                end_read_at=finish[1] if finish else None,
            )
        )
    out.sort(key=lambda g: (g.unit_id, g.platform, g.channel_name, g.channel_id))
    return out
