"""The demo's follower counts: one reading a day for each demo channel whose platform gives a follower count,
over the demo's data months (the last 75 days up to today, or from the day before the month before last when
that is longer, so each month of the demo's history has a start and an end), as the daily job would have
stored them. No platform is asked: the numbers are a deterministic walk from a starting audience per
platform (seeded by the channel's account), growing most days, falling on some. Once only: a channel
that already has readings gets none added.
"""

from __future__ import annotations

import random
import zlib
from datetime import datetime, time, timedelta

from sqlalchemy import Engine, select

from humas.channels import service as channels_service
from humas.channels.models import Channel, ChannelFollowers
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.demo.months import history_start
from humas.org import service as org_service

DAYS = 75
READ_AT = time(0, 17)  # the hourly job's first try of a day (minute 17), in the unit's zone
START_AUDIENCE = {"instagram": 18_000, "x": 9_500, "facebook": 25_000, "youtube": 3_200, "telegram": 4_100}


def seed_demo_followers(engine: Engine, *, now: datetime | None = None) -> int:
    """Add the demo channels' daily follower readings once; returns how many readings were added."""
    now = now or utcnow()
    added = 0
    with session_scope(engine) as session:
        channels = session.scalars(select(Channel).order_by(Channel.id)).all()
        for channel in channels:
            if not channels_service.counts_followers(channel) or session.scalar(
                select(ChannelFollowers.id).where(ChannelFollowers.channel_id == channel.id).limit(1)
            ):
                continue
            zone = org_service.unit_zone(session, channel.unit)
            today = now.astimezone(zone).date()
            rng = random.Random(zlib.crc32(f"{channel.platform}:{channel.account_external_id}".encode()))
            followers = START_AUDIENCE.get(channel.platform, 2_000) + rng.randrange(0, 1_000)
            # the day before the month before last too, so both history months have a start and an end
            days = max(DAYS, (today - history_start(now, zone).astimezone(zone).date()).days + 1)
            for back in range(days, -1, -1):
                day = today - timedelta(days=back)
                read_at = datetime.combine(day, READ_AT, tzinfo=zone)
                if read_at > now:
                    break
                followers = max(0, followers + rng.randint(-6, 30))
                row = ChannelFollowers(channel_id=channel.id, counted_on=day, followers=followers)
                row.read_at = read_at
                session.add(row)
                added += 1
    return added
