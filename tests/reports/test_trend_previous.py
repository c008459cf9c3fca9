"""Net sentiment's weekly trend (figure, chart, table, draft sentence) and the previous period's value of
followers, follower growth, spikes and hoax narratives, on hand-built data whose answers are written here
(tests/reports/world.py: November 2026 against October, WIB)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from humas.channels.models import ChannelFollowers
from humas.listening.models import Narrative, NarrativeMention, SpikeRecord
from humas.org.models import Unit
from humas.reports.document import Report
from humas.reports.render.charts import render_chart
from humas.reports.service import build_report
from tests.reports.world import NOV_MON, NOVEMBER, OCT_MON, World, build_world, mentions

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def world(session, fernet_key) -> World:
    w = build_world(session)
    # November (weeks from 1 Nov: 1-7, 8-14, 15-21, 22-28, 29-30). The world has, on Monday 2 Nov, Kanwil A's
    # 3 positive and 1 negative and A1's 2 negative: week 1 is 3 - 3 over 6 = 0.0. Week 4 gets 4 positive
    # at A1: 1.0. The trend is 1.0 - 0.0. The sibling's 10 negative never count.
    mentions(session, w.a1, NOV_MON + timedelta(days=22), "positive", 4)  # Tue 24 Nov
    # October (weeks 1-7, 8-14, 15-21, 22-28, 29-31): the world's one negative at A1 on 5 Oct (week 1: -1.0);
    # 1 positive and 1 neutral at Kanwil A on 20 Oct (week 3: 0.5). The trend is 0.5 - (-1.0) = 1.5.
    mentions(session, w.kanwil_a, OCT_MON + timedelta(days=15), "positive", 1)
    mentions(session, w.kanwil_a, OCT_MON + timedelta(days=15, hours=1), "neutral", 1)
    return w


def _build(session: Session, unit: Unit, locale: str = "id") -> Report:
    return build_report(session, unit=unit, period=NOVEMBER, include_descendants=True, locale=locale, now=NOW)


def _spike(session: Session, unit: Unit, start: datetime) -> SpikeRecord:
    record = SpikeRecord(unit_id=unit.id, query_id=0, metric="volume", start_at=start, peak_at=start,
                         end_at=start + timedelta(hours=2), score=6.5, peak_value=9.0, expected=1.0,
                         excess=8.0, ongoing=False, keyphrases=["gaji"], mention_ids=[])  # fmt: skip
    session.add(record)
    session.flush()
    return record


def _hoax(session: Session, unit: Unit, first: datetime, last: datetime, mention_ids: list[int]) -> Narrative:
    n = Narrative(unit_id=unit.id, representative_text="Gaji ke-13 dibatalkan", size=len(mention_ids),
                  label="hoaks", first_seen_at=first, last_seen_at=last)  # fmt: skip
    session.add(n)
    session.flush()
    session.add_all(NarrativeMention(narrative_id=n.id, mention_id=i) for i in mention_ids)
    session.flush()
    return n


def test_net_sentiment_trend_is_a_figure_with_its_previous_value(session, world):
    report = _build(session, world.kanwil_a)
    f = report.figures()
    # November: 7 positive, 3 negative of 10 (0.4); October: 1 positive, 1 negative of 3 (0.0)
    assert (f["listening.net_sentiment"].value, f["listening.net_sentiment"].previous) == (0.4, 0.0)
    trend = f["listening.net_trend"]
    assert (trend.value, trend.previous) == (1.0, 1.5)
    assert (trend.kind, trend.direction, trend.improved) == ("number", "down", False)
    listening = report.section("listening")
    assert listening is not None
    assert "listening.net_trend" in [x.key for x in listening.figures]
    # The weekly table: every week of November, the last one shorter.
    weeks = next(t for t in listening.tables if t.key == "listening.weeks")
    assert [(r[0], r[1], r[2], r[5]) for r in weeks.rows] == [
        ("2026-11-01", "2026-11-07", 6, 0.0),
        ("2026-11-08", "2026-11-14", 0, None),
        ("2026-11-15", "2026-11-21", 0, None),
        ("2026-11-22", "2026-11-28", 4, 1.0),
        ("2026-11-29", "2026-11-30", 0, None),
    ]
    # The draft names the move within the period, with the weeks' dates.
    assert (
        "Dalam periode ini, sentimen bersih naik dari 0 pada minggu pertama (1–7 Nov) menjadi 1 pada minggu "
        "terakhir (22–28 Nov)." in listening.draft
    )


def test_net_trend_chart_draws_both_periods_week_by_week(session, world):
    report = _build(session, world.kanwil_a, locale="en")
    listening = report.section("listening")
    assert listening is not None
    chart = next(c for c in listening.charts if c.key == "listening.net_trend")
    assert chart.title == "Net sentiment per week"
    values = chart.spec["data"]["values"]
    rows = [(r["series"], r["week"], r["days"], r["net"], r["mentions"]) for r in values]
    assert rows == [
        ("this period", "Week 1", "1–7 Nov", 0.0, 6),
        ("this period", "Week 4", "22–28 Nov", 1.0, 4),
        ("previous period", "Week 1", "1–7 Oct", -1.0, 1),
        ("previous period", "Week 3", "15–21 Oct", 0.5, 2),
    ]
    # The PDF's SVG is drawn from the same spec (vl-convert), and reads the axis title and a week.
    rendered = render_chart(chart, locale="en")
    assert rendered.svg is not None and "Net sentiment" in rendered.svg and "Week 4" in rendered.svg


def test_a_period_without_two_weeks_of_mentions_has_no_trend(session, fernet_key):
    w = build_world(session)  # November: mentions on 2 Nov only
    f = _build(session, w.kanwil_a).figures()
    assert f["listening.net_trend"].value is None and f["listening.net_trend"].previous is None


def test_followers_spikes_and_hoaxes_have_their_previous_period(session, world):
    readings = (
        (world.channel_a1, date(2026, 9, 30), 800),  # before October: October's start
        (world.channel_a1, date(2026, 10, 31), 1000),  # October's end (+200) and November's start
        (world.channel_a1, date(2026, 11, 30), 1200),  # November's end (+200)
        (world.channel_b, date(2026, 10, 31), 99999),  # the sibling: never counted
    )
    for channel, day, count in readings:
        read_at = datetime.combine(day, time(1), tzinfo=UTC) - timedelta(hours=7)
        session.add(ChannelFollowers(channel_id=channel.id, counted_on=day, followers=count, read_at=read_at))
    # Spikes: two in November (Kanwil A, A1), one in October (A2), one of the sibling in October.
    _spike(session, world.kanwil_a, NOV_MON + timedelta(days=3))
    _spike(session, world.a1, NOV_MON + timedelta(days=9))
    _spike(session, world.a2, OCT_MON + timedelta(days=2))
    _spike(session, world.kanwil_b, OCT_MON + timedelta(days=2))
    # Hoaxes: one seen from October into November counts in both; one in October only; the sibling's never.
    a1_oct = [m.id for m in world.mentions["a1_oct"]]
    _hoax(session, world.a1, OCT_MON, NOV_MON + timedelta(days=1), a1_oct)
    _hoax(session, world.kanwil_a, OCT_MON + timedelta(days=1), OCT_MON + timedelta(days=2), [])
    _hoax(session, world.kanwil_b, OCT_MON, NOV_MON, [])
    session.flush()

    f = _build(session, world.kanwil_a).figures()
    assert (f["publishing.followers"].value, f["publishing.followers"].previous) == (1200, 1000)
    assert (f["publishing.follower_growth"].value, f["publishing.follower_growth"].previous) == (200, 200)
    assert f["publishing.follower_growth"].direction == "flat"
    assert (f["listening.spikes"].value, f["listening.spikes"].previous) == (2, 1)
    assert (f["listening.hoaxes"].value, f["listening.hoaxes"].previous) == (1, 2)
    assert (f["listening.hoaxes"].direction, f["listening.hoaxes"].improved) == ("down", True)


def test_followers_without_a_reading_in_the_previous_period_have_no_previous_value(session, world):
    read_at = datetime(2026, 11, 20, 1, tzinfo=UTC)
    session.add(ChannelFollowers(channel_id=world.channel_a1.id, counted_on=date(2026, 11, 20), followers=500,
                                 read_at=read_at))  # fmt: skip
    session.flush()
    f = _build(session, world.kanwil_a).figures()
    assert (f["publishing.followers"].value, f["publishing.followers"].previous) == (500, None)
    assert f["publishing.followers"].direction is None  # unknown, never read as 0


def test_the_pdf_shows_the_trend_figure_and_its_chart(session, world):
    from humas.reports.render.pdf import render_pdf
    from tests.reports.render_tools import pdf_text

    text = pdf_text(render_pdf(_build(session, world.kanwil_a)))
    assert "Tren sentimen bersih (minggu terakhir − minggu pertama)" in text
    assert "Sentimen bersih per minggu" in text  # the chart's title and the table's
    assert "Minggu 4" in text  # the chart's axis, drawn by vl-convert from the page's spec
