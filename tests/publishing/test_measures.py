"""Publishing measures on hand-built posts whose right answers are written here (both databases)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy.orm import Session

from humas.channels.models import Channel, ChannelFollowers
from humas.core.errors import Invalid
from humas.org.models import Unit
from humas.publishing.models import Post, PostMetric, PostVariant
from humas.publishing.service import measures
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user

# December 2026 in WIB (UTC+7): [30 Nov 17:00 UTC, 31 Dec 17:00 UTC).
START = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
END = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)


def t(day: int, hour: int = 3, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def _make_post(
    session: Session,
    unit: Unit,
    channel: Channel,
    *,
    author: int,
    published_at: datetime | None,
    kind: str = "umum",
    scheduled_at: datetime | None = None,
    status: str = "terbit",
    state: str = "terbit",
    reads: tuple[dict[str, Any], ...] = (),
    text: str = "Teks unggahan",
) -> PostVariant:
    post = Post(unit_id=unit.id, title=f"Judul {text}", body=text, kind=kind, status=status,
                scheduled_at=scheduled_at, created_by_id=author)  # fmt: skip
    session.add(post)
    session.flush()
    variant = PostVariant(post_id=post.id, channel_id=channel.id, text=text, state=state,
                          published_at=published_at, url=f"https://example.test/{post.id}")  # fmt: skip
    session.add(variant)
    session.flush()
    for i, counts in enumerate(reads):
        at = (published_at or START) + timedelta(hours=i + 1)
        session.add(PostMetric(variant_id=variant.id, at=at, **counts))
    session.flush()
    return variant


def _counts(**kw: int | None) -> dict[str, int | None]:
    return {k: kw.get(k) for k in ("likes", "comments", "shares", "views", "reach", "impressions")}


@dataclass
class World:
    parent: Unit
    child: Unit
    sibling: Unit
    ig: Channel
    x: Channel
    v: dict[str, PostVariant]


@pytest.fixture
def world(session: Session) -> World:
    root = make_unit(session)
    parent, sibling = make_unit(session, parent=root), make_unit(session, parent=root)
    child = make_unit(session, parent=parent)
    ig = make_channel(session, unit=parent, platform="instagram", name="IG Kanwil")
    x = make_channel(session, unit=child, platform="x", name="X KPPN")
    fb = make_channel(session, unit=sibling, platform="facebook", name="FB Saudara")
    author = make_user(session, unit=root, roles=("drafter",)).id  # one: password hashing is slow
    _post = partial(_make_post, author=author)
    v = {
        # on time (10 minutes after its time); an older read-back is superseded by the newest
        "best": _post(
            session,
            parent,
            ig,
            published_at=t(5, 3, 10),
            scheduled_at=t(5, 3, 0),
            reads=(
                _counts(likes=1, comments=0, shares=0, reach=10, impressions=20),
                _counts(likes=40, comments=5, shares=5, reach=1000, impressions=2000),
            ),
            text="Terbaik",
        ),  # fmt: skip
        # late: 30 minutes after its time
        "worst": _post(
            session,
            parent,
            ig,
            kind="siaran_pers",
            published_at=t(10, 2, 30),
            scheduled_at=t(10, 2, 0),
            reads=(_counts(likes=5, comments=0, shares=0, reach=500, impressions=1000),),
            text="Terburuk",
        ),  # fmt: skip
        # X gives no reach: its rate is over the channel's followers, when they are known
        "x": _post(
            session,
            child,
            x,
            published_at=t(15),
            reads=(_counts(likes=30, comments=10, shares=20, views=900, impressions=4000),),
            text="Di X",
        ),  # fmt: skip
        "at_start": _post(session, child, x, published_at=START),  # counted, never read back
        "before": _post(
            session,
            child,
            x,
            published_at=START - timedelta(minutes=1),
            reads=(_counts(likes=999, reach=1000),),
        ),  # 23:59 WIB on 30 Nov: not counted
        "at_end": _post(session, child, x, published_at=END, reads=(_counts(likes=999, reach=1000),)),
        "sibling": _post(
            session,
            sibling,
            fb,
            published_at=t(6),
            scheduled_at=t(6),
            reads=(_counts(likes=9999, reach=10000, impressions=10000),),
        ),  # fmt: skip
        "missed": _post(
            session, parent, ig, published_at=None, scheduled_at=t(20), status="kedaluwarsa", state="draf"
        ),  # fmt: skip
        "cancelled": _post(
            session, parent, ig, published_at=None, scheduled_at=t(21), status="dibatalkan", state="draf"
        ),  # fmt: skip
        "pending": _post(
            session,
            parent,
            ig,
            published_at=None,
            scheduled_at=END - timedelta(minutes=5),
            status="dijadwalkan",
            state="antre",
        ),  # fmt: skip
    }
    return World(parent, child, sibling, ig, x, v)


def _measure(session: Session, w: World, **kw: Any) -> measures.PublishingMeasures:
    return measures.publishing_measures(
        session, unit_ids=[w.parent.id, w.child.id], start=START, end=END, now=END, **kw
    )


def test_counts_per_channel_and_kind_over_reach(session, world):
    m = _measure(session, world)
    v = world.v
    o = m.overall
    assert (o.posts, o.contents, o.with_metrics) == (4, 4, 3)
    assert (o.reach, o.impressions, o.views) == (1500, 7000, 900)
    assert (o.likes, o.comments, o.shares, o.engagements) == (75, 15, 25, 115)
    # without follower counts only the reach posts have a rate: (50 + 5) / (1000 + 500)
    assert o.basis == "reach" and o.engagement_rate == pytest.approx(55 / 1500)
    assert o.virality_rate == pytest.approx(25 / 7000)
    assert not m.followers_known
    assert sorted(m.ids("posts")) == sorted(v[k].id for k in ("best", "worst", "x", "at_start"))
    assert m.ids("no_metrics") == [v["at_start"].id]
    assert sorted(m.ids("contents")) == sorted(v[k].post_id for k in ("best", "worst", "x", "at_start"))
    ig, x = (next(c for c in m.channels if c.channel_id == ch.id) for ch in (world.ig, world.x))
    assert (ig.posts, ig.engagements, ig.basis, ig.unit_id) == (2, 55, "reach", world.parent.id)
    assert ig.virality_rate == pytest.approx(5 / 3000)
    assert (x.posts, x.engagements, x.basis, x.engagement_rate) == (2, 60, "none", None)
    assert x.virality_rate == pytest.approx(20 / 4000)
    assert len(m.channels) == 2  # the sibling's channel is not there
    kinds = {(k.platform, k.kind): k.posts for k in m.kinds}
    assert kinds == {("instagram", "umum"): 1, ("instagram", "siaran_pers"): 1, ("x", "umum"): 2}
    assert o.as_dict()["engagement_rate_basis"] == "reach"


def test_followers_basis_and_ranking(session, world, monkeypatch):
    monkeypatch.setattr(measures, "RANK_SIZE", 1)
    m = _measure(session, world, followers={world.x.id: 2000})
    assert m.followers_known
    # reach posts (55 over 1500) and the X post over its 2,000 followers (60 over 2000)
    assert m.overall.basis == "mixed"
    assert m.overall.engagement_rate == pytest.approx(115 / 3500)
    x = next(c for c in m.channels if c.channel_id == world.x.id)
    assert (x.basis, x.followers, x.engagement_rate) == ("followers", 2000, pytest.approx(0.03))
    (best,) = m.best
    (worst,) = m.worst
    assert (best.variant_id, best.engagement_rate, best.basis) == (world.v["best"].id, 0.05, "reach")
    assert (best.text, best.reach, best.engagements, best.channel_name) == ("Terbaik", 1000, 50, "IG Kanwil")
    assert best.published_at == t(5, 3, 10) and best.url and best.url.startswith("https://example.test/")
    assert (worst.variant_id, worst.engagement_rate) == (world.v["worst"].id, pytest.approx(0.01))


def test_best_and_worst_never_overlap(session, world):
    m = _measure(session, world, followers={world.x.id: 2000})
    assert [r.variant_id for r in m.best] == [world.v[k].id for k in ("best", "x", "worst")]
    assert m.worst == []  # three rated posts, all among the best five


def test_planned_posts_on_time(session, world):
    m = _measure(session, world)
    ot = m.on_time
    assert ot.tolerance_minutes == 15
    # planned: best (on time), worst (30 min late), missed (expired); the cancelled one and the sibling's
    # are not plans of these units; the last one is still pending at the period's end
    assert (ot.planned, ot.on_time, ot.late, ot.missed, ot.pending) == (3, 1, 1, 1, 1)
    assert ot.rate == pytest.approx(1 / 3)
    v = world.v
    assert m.ids("planned") == [v["best"].id, v["worst"].id, v["missed"].id]
    assert m.ids("late") == [v["worst"].id, v["missed"].id]
    assert m.ids("late_posts") == [v["worst"].post_id, v["missed"].post_id]
    # later, the pending plan's tolerance has run out without it going out: missed
    later = measures.on_time(session, unit_ids=[world.parent.id, world.child.id], start=START, end=END,
                             now=END + timedelta(hours=1))  # fmt: skip
    assert (later.planned, later.missed, later.pending) == (4, 2, 0)


def test_a_child_alone_and_the_sibling(session, world):
    child = measures.publishing_measures(session, unit_ids=[world.child.id], start=START, end=END, now=END)
    assert child.overall.posts == 2 and [c.channel_id for c in child.channels] == [world.x.id]
    assert child.on_time.planned == 0 and child.on_time.rate is None
    sibling = measures.publishing_measures(session, unit_ids=[world.sibling.id], start=START, end=END)
    assert (sibling.overall.posts, sibling.overall.likes) == (1, 9999)


def test_bad_input(session, world):
    with pytest.raises(Invalid):
        measures.publishing_measures(session, unit_ids=[world.parent.id], start=END, end=START)
    m = _measure(session, world)
    with pytest.raises(Invalid):
        m.ids("nothing")
    empty = measures.publishing_measures(session, unit_ids=[], start=START, end=END)
    assert (empty.overall.posts, empty.overall.engagement_rate, empty.best) == (0, None, [])


def test_followers_come_from_the_daily_readings(session, world):
    # readings of the X channel: one before the period, one in it, one after its end (not used)
    for day, count in ((date(2026, 11, 29), 1000), (date(2026, 12, 30), 2000), (date(2027, 1, 2), 9000)):
        read_at = datetime.combine(day, time(1), tzinfo=UTC)
        session.add(ChannelFollowers(channel_id=world.x.id, counted_on=day, followers=count, read_at=read_at))
    session.flush()
    m = _measure(session, world)
    assert m.followers_known
    x = next(c for c in m.channels if c.channel_id == world.x.id)
    assert (x.followers, x.basis, x.engagement_rate) == (2000, "followers", pytest.approx(60 / 2000))
    at_start = measures.follower_counts(session, channel_ids=[world.x.id, world.ig.id], at=START)
    assert at_start == {world.x.id: 1000}  # the Instagram channel was never read
