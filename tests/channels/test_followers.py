"""Daily follower counts: one reading per channel and day of its unit's zone, growth over a period (known
answers), and a daily run where a failing channel is logged and skipped."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest
import respx
from sqlalchemy import func, select

from humas.channels import runner
from humas.channels import service as channels_service
from humas.channels.models import ChannelFollowers
from humas.core.db import session_scope
from tests.channels.conftest import GRAPH, load
from tests.channels.factories import DEFAULT_VALUES, make_channel
from tests.factories import make_unit

YOUTUBE = {"channel_id": "UC_x5XG1OV2P6uZZ5FSM9Ttw", "api_key": "yt-key-rahasia"}
# November 2026 in WIB (UTC+7): [31 Oct 17:00 UTC, 30 Nov 17:00 UTC)
START = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
END = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def _reading(session, channel, read_at: datetime, followers: int, day: date) -> None:
    session.add(ChannelFollowers(channel_id=channel.id, counted_on=day, followers=followers, read_at=read_at))
    session.flush()


def test_growth_per_channel_with_known_answers(session):
    parent = make_unit(session)
    child = make_unit(session, parent=parent)
    sibling = make_unit(session)
    page = make_channel(session, unit=parent, platform="facebook", name="FB Biro")
    tube = make_channel(session, unit=parent, platform="youtube", values=YOUTUBE, name="YT Biro")
    make_channel(session, unit=parent, platform="whatsapp", name="WA")  # gives no follower count: not listed
    account = make_channel(session, unit=child, platform="x", name="X Kanwil")
    quiet = make_channel(session, unit=child, platform="mastodon", name="Masto Kanwil")
    other = make_channel(session, unit=sibling, platform="telegram", name="TG lain")
    _reading(session, page, datetime(2026, 10, 30, 18, 0, tzinfo=UTC), 900, date(2026, 10, 31))
    _reading(session, page, datetime(2026, 10, 31, 17, 17, tzinfo=UTC), 1000, date(2026, 11, 1))
    _reading(session, page, datetime(2026, 11, 30, 16, 0, tzinfo=UTC), 1100, date(2026, 11, 30))
    _reading(session, page, datetime(2026, 11, 30, 17, 17, tzinfo=UTC), 1200, date(2026, 12, 1))  # after
    _reading(session, tube, datetime(2026, 10, 1, 3, 0, tzinfo=UTC), 0, date(2026, 10, 1))
    _reading(session, tube, datetime(2026, 11, 2, 3, 0, tzinfo=UTC), 10, date(2026, 11, 2))
    _reading(session, account, datetime(2026, 11, 10, 3, 0, tzinfo=UTC), 50, date(2026, 11, 10))
    _reading(session, account, datetime(2026, 11, 20, 3, 0, tzinfo=UTC), 80, date(2026, 11, 20))
    _reading(session, other, datetime(2026, 11, 20, 3, 0, tzinfo=UTC), 999, date(2026, 11, 20))

    rows = channels_service.follower_growth(session, unit_ids=[parent.id, child.id], start=START, end=END)

    got = {r.channel_name: (r.followers_start, r.followers_end, r.growth, r.growth_rate) for r in rows}
    assert got == {
        "FB Biro": (900, 1100, 200, pytest.approx(200 / 900)),  # the count as the month began; a fraction
        "YT Biro": (0, 10, 10, None),  # no percentage over zero
        "X Kanwil": (50, 80, 30, 0.6),  # first read during the month: its first reading is the start
        "Masto Kanwil": (None, None, None, None),  # never read: nothing invented
    }
    first_read = next(r for r in rows if r.channel_id == account.id)
    assert first_read.start_read_at == datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
    assert [r.unit_id for r in rows] == sorted(r.unit_id for r in rows)
    assert quiet.id in {r.channel_id for r in rows} and other.id not in {r.channel_id for r in rows}
    only_sibling = channels_service.follower_growth(session, unit_ids=[sibling.id], start=START, end=END)
    assert [(r.channel_id, r.followers_end) for r in only_sibling] == [(other.id, 999)]
    assert channels_service.follower_counts(session, channel_ids=[page.id, account.id, quiet.id], at=END) == {
        page.id: 1100,
        account.id: 80,
    }
    assert rows[0].as_dict()["growth"] == rows[0].growth


def test_one_reading_per_channel_and_day_of_the_unit_zone(session):
    unit = make_unit(session)
    unit.time_zone = "Asia/Jayapura"  # WIT, UTC+9
    channel = make_channel(session, unit=unit, platform="facebook")
    calls: list[int] = []

    def reader(_channel):
        calls.append(1)
        return 4200 + len(calls)

    first = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 2 December, 00:30 WIT
    assert channel.id in channels_service.due_follower_channel_ids(session, now=first)
    row = channels_service.record_followers(session, channel=channel, now=first, reader=reader)
    assert (row.counted_on, row.followers) == (date(2026, 12, 2), 4201)
    assert channel.id not in channels_service.due_follower_channel_ids(session, now=first)
    late = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)  # 23:50 WIT, the same day: nothing read again
    assert channels_service.record_followers(session, channel=channel, now=late, reader=reader) is row
    assert len(calls) == 1
    next_day = datetime(2026, 12, 2, 15, 5, tzinfo=UTC)  # 3 December, 00:05 WIT
    assert channel.id in channels_service.due_follower_channel_ids(session, now=next_day)
    again = channels_service.record_followers(session, channel=channel, now=next_day, reader=reader)
    assert (again.counted_on, again.followers) == (date(2026, 12, 3), 4202)
    hidden = make_channel(session, unit=unit, platform="youtube", values=YOUTUBE)
    nothing = channels_service.record_followers(session, channel=hidden, now=first, reader=lambda c: None)
    assert nothing is None
    stored = session.scalar(select(func.count()).select_from(ChannelFollowers))
    assert stored == 2


@respx.mock
def test_daily_run_reads_each_channel_once_and_logs_and_skips_a_failing_one(committing_engine, caplog):
    with session_scope(committing_engine) as session:
        unit = make_unit(session)
        page = make_channel(session, unit=unit, platform="facebook").id
        broken = make_channel(session, unit=unit, platform="x").id
        make_channel(session, unit=unit, platform="whatsapp")  # no follower count on this platform
    respx.get(f"{GRAPH}/104010002003").respond(200, json=load("meta", "fb_page_followers_count.json"))
    respx.get("https://api.x.com/2/users/783214").respond(401, json=load("x", "error_401.json"))

    with caplog.at_level(logging.WARNING):
        assert runner.read_followers_due(committing_engine) == {page: "read", broken: "failed: AuthExpired"}
    assert f"channel {broken} not read" in caplog.text
    assert DEFAULT_VALUES["x"]["bearer_token"] not in caplog.text
    assert runner.read_followers_due(committing_engine) == {broken: "failed: AuthExpired"}  # page: done today
    with session_scope(committing_engine) as session:
        rows = session.execute(select(ChannelFollowers.channel_id, ChannelFollowers.followers)).all()
    assert [tuple(r) for r in rows] == [(page, 15342)]


def test_the_daily_job_is_registered_with_the_periodic_jobs():
    from humas.channels import tasks
    from humas.jobs import huey

    assert "read_followers_task" in {t.name for t in huey._registry.periodic_tasks}
    assert callable(tasks.read_followers_task)
