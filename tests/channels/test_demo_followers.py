"""The demo's follower counts: a reading a day over its months for each channel that counts followers, so
last month's report has a start, an end and a growth; a second run adds nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from humas.channels import service as channels_service
from humas.channels.models import ChannelFollowers
from humas.core.db import session_scope
from humas.demo.followers import DAYS, seed_demo_followers
from tests.channels.factories import make_channel
from tests.factories import make_unit


def test_demo_channels_have_daily_follower_counts_once(committing_engine) -> None:
    with session_scope(committing_engine) as session:
        office = make_unit(session, name="KPPN Demo")
        platforms = ("facebook", "instagram", "x", "telegram")
        counting = {make_channel(session, unit=office, platform=p).id for p in platforms}
        make_channel(session, unit=office, platform="whatsapp")  # gives no follower count: gets none
        unit_id = office.id
    now = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    added = seed_demo_followers(committing_engine, now=now)
    with session_scope(committing_engine) as session:
        rows = session.execute(
            select(ChannelFollowers.channel_id, func.count()).group_by(ChannelFollowers.channel_id)
        ).all()
        per_channel = {channel_id: n for channel_id, n in rows}
        assert set(per_channel) == counting
        assert all(n == DAYS + 1 for n in per_channel.values())  # today's 00:17 WIB reading is past
        assert sum(per_channel.values()) == added
        november = channels_service.follower_growth(  # November 2026 in WIB
            session,
            unit_ids=[unit_id],
            start=datetime(2026, 10, 31, 17, tzinfo=UTC),
            end=datetime(2026, 11, 30, 17, tzinfo=UTC),
        )
        assert {g.channel_id for g in november} == counting
        assert all(g.followers_start and g.followers_end and g.growth is not None for g in november)
    assert seed_demo_followers(committing_engine, now=now) == 0


def test_demo_follower_counts_cover_the_month_before_last(committing_engine) -> None:
    """Built on the last day of a month, the readings still start the day before the month before last (in the
    unit's zone), so both months of the demo's history have a start and an end."""
    with session_scope(committing_engine) as session:
        office = make_unit(session, name="KPPN Demo")
        make_channel(session, unit=office, platform="instagram")
    now = datetime(2026, 12, 31, 6, 0, tzinfo=UTC)  # 13:00 WIB
    added = seed_demo_followers(committing_engine, now=now)
    with session_scope(committing_engine) as session:
        first = session.scalar(select(func.min(ChannelFollowers.counted_on)))
        assert first == date(2026, 9, 30) and added == (date(2026, 12, 31) - first).days + 1
