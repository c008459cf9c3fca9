"""Listening measures on hand-built mentions whose right answers are written here (both databases).

Mentions go through the real ingest pipeline (hourly rollups, saved-query matches) and the facet job
(daily and facet rollups), so the measures read what the dashboard reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from humas.core.errors import Invalid
from humas.ingest.service import queries as queries_service
from humas.listening.models import Narrative, NarrativeMention, SpikeRecord
from humas.listening.service import dashboard, facets
from humas.listening.service import measures as listening_measures_module
from humas.listening.service.measures import listening_measures
from humas.listening.service.scope import resolve_scope
from humas.org import service as org_service
from humas.org.models import Unit
from tests.factories import make_unit, make_user
from tests.listening.conftest import add_mentions

NEG = "Antrean KPPN lambat, kecewa #antrean"  # negative, anger; antrean kppn lambat, antrean, kecewa
POS = "Terima kasih, layanan mantap"  # positive, joy; layanan mantap
NEU = "Jadwal libur kantor besok"  # neutral
HOAX = "Pesan berantai: gaji dipotong, sebarkan"  # negative, anger; gaji dipotong, pesan berantai, sebarkan

# 1-10 December 2026 in WIB (UTC+7).
START = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
END = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
WIB = "Asia/Jakarta"


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class World:
    parent: Unit
    child: Unit
    sibling: Unit
    hoax_ids: list[int]  # the hoax's mention before the period, then its four in the period
    pos_ids: list[int]
    queries: dict[str, int]


@pytest.fixture
def world(session: Session) -> World:
    root = make_unit(session, name="Kementerian")
    parent = make_unit(session, parent=root, name="Ditjen A")
    child = make_unit(session, parent=parent, name="KPPN A1")
    sibling = make_unit(session, parent=root, name="Ditjen B")
    queries = {
        "Gaji": queries_service.create_query(session, unit=parent, name="Gaji", query="gaji", actor=None).id,
        "Antrean": queries_service.create_query(
            session, unit=parent, name="Antrean", query="antrean", actor=None
        ).id,
        "B": queries_service.create_query(session, unit=sibling, name="B", query="antrean", actor=None).id,
    }
    add_mentions(session, child, [NEG] * 3, at=utc(11, 30, 17, 30))  # 00:30 WIB on 1 December
    add_mentions(session, child, [NEU], at=utc(11, 30, 16, 59))  # 23:59 WIB on 30 November: before
    hoax = add_mentions(session, parent, [HOAX], at=utc(11, 20, 2))  # before the period
    hoax += add_mentions(session, parent, [HOAX] * 4, at=utc(12, 2, 2))
    pos = add_mentions(session, parent, [POS] * 2, at=utc(12, 9, 3), platform="facebook")
    add_mentions(session, child, [NEU] * 2, at=END, spacing=timedelta(0))  # at the end: not counted
    add_mentions(session, sibling, [NEG] * 9, at=utc(12, 2, 2))  # a sibling's: never counted
    facets.update_facets(session)
    add_mentions(session, child, [NEU], at=utc(12, 10, 16, 59))  # newer than the rollups: counted live
    return World(parent, child, sibling, hoax, pos, queries)


def _measure(session: Session, w: World) -> listening_measures_module.ListeningMeasures:
    return listening_measures(session, unit_ids=[w.parent.id, w.child.id], start=START, end=END, zone=WIB)


def test_volume_sentiment_days_and_weeks(session, world):
    m = _measure(session, world)
    assert (m.total, m.totals.negative, m.totals.positive, m.totals.neutral) == (10, 7, 2, 1)
    assert m.net == pytest.approx(-0.5)
    assert len(m.days) == 10 and m.days[0].day == date(2026, 12, 1) and m.days[-1].day == date(2026, 12, 10)
    per_day = {d.day.day: (d.negative, d.positive, d.neutral) for d in m.days if d.total}
    assert per_day == {1: (3, 0, 0), 2: (4, 0, 0), 9: (0, 2, 0), 10: (0, 0, 1)}
    assert [(w.first, w.last) for w in m.weeks] == [
        (date(2026, 12, 1), date(2026, 12, 7)),
        (date(2026, 12, 8), date(2026, 12, 10)),
    ]
    assert [w.net for w in m.weeks] == [pytest.approx(-1.0), pytest.approx(2 / 3)]
    assert m.net_trend == pytest.approx(5 / 3)
    assert [(p.key, p.count, p.share) for p in m.platforms] == [("x", 8, 0.8), ("facebook", 2, 0.2)]


def test_facets_and_topics(session, world):
    m = _measure(session, world)
    # facets come from the daily facet rollups (the live mention is not rolled up yet)
    assert [(e.key, e.count) for e in m.emotions] == [("anger", 7), ("joy", 2)]
    assert [(k.key, k.count) for k in m.keyphrases] == [
        ("gaji dipotong", 4), ("pesan berantai", 4), ("sebarkan", 4),
        ("antrean", 3), ("antrean kppn lambat", 3), ("kecewa", 3), ("layanan mantap", 2),
    ]  # fmt: skip
    assert [(h.key, h.count, h.share) for h in m.hashtags] == [("#antrean", 3, 0.3)]
    assert [(t.key, t.count, t.query_id) for t in m.topics] == [
        ("Gaji", 4, world.queries["Gaji"]),
        ("Antrean", 3, world.queries["Antrean"]),
    ]  # the sibling's query is not a topic of these units
    assert m.topics[0].share == pytest.approx(0.571)
    trending = {t.key: (t.count, t.baseline) for t in m.trending}
    assert trending["gaji dipotong"] == (4, 0)


def test_same_numbers_as_the_dashboard(session, world):
    user = make_user(session, unit=world.parent, roles=("analyst",))
    scope = resolve_scope(
        session, user, since_on=date(2026, 12, 1), until_on=date(2026, 12, 10)
    )  # the dashboard's own scope of the user's unit: its subtree
    assert (scope.since, scope.until) == (START, END)
    m = listening_measures(session, unit_ids=scope.unit_ids, start=START, end=END, zone=WIB)
    summary = dashboard.summary(session, scope)
    assert (summary["total"], summary["negative"], summary["net"]) == (m.total, m.totals.negative, m.net)
    assert [r["count"] for r in dashboard.volume(session, scope)] == [d.total for d in m.days]
    assert [r["count"] for r in dashboard.emotions(session, scope)] == [e.count for e in m.emotions]


def test_a_child_alone_and_the_sibling(session, world):
    child = listening_measures(session, unit_ids=[world.child.id], start=START, end=END, zone=WIB)
    assert (child.total, child.totals.negative, child.totals.neutral) == (4, 3, 1)
    assert child.topics == []  # the queries are the parent's
    sibling = listening_measures(session, unit_ids=[world.sibling.id], start=START, end=END, zone=WIB)
    assert (sibling.total, sibling.totals.negative) == (9, 9)
    assert [(t.key, t.count) for t in sibling.topics] == [("B", 9)]


def _spike(session: Session, unit: Unit, *, start: datetime, query_id: int = 0) -> SpikeRecord:
    record = SpikeRecord(unit_id=unit.id, query_id=query_id, metric="volume", start_at=start, peak_at=start,
                         end_at=start + timedelta(hours=1), score=6.5, peak_value=4.0, expected=0.2,
                         excess=3.8, ongoing=False, keyphrases=["gaji dipotong"],
                         mention_ids=[1, 2])  # fmt: skip
    session.add(record)
    session.flush()
    return record


def test_spikes_in_the_period(session, world):
    mine = _spike(session, world.parent, start=utc(12, 2, 2))
    of_query = _spike(session, world.child, start=utc(12, 2, 3), query_id=world.queries["Gaji"])
    _spike(session, world.sibling, start=utc(12, 2, 2))  # a sibling's
    _spike(session, world.parent, start=START - timedelta(hours=3))  # over before the period starts
    _spike(session, world.parent, start=END)  # starts at the end
    m = _measure(session, world)
    assert m.ids("spikes") == [mine.id, of_query.id]
    first, second = m.spikes
    assert (first.query_name, first.keyphrases, first.mention_ids) == ("", ["gaji dipotong"], [1, 2])
    assert (second.query_id, second.query_name, second.unit_id) == (
        world.queries["Gaji"],
        "Gaji",
        world.child.id,
    )
    assert m.ids("spike_mentions") == [1, 2]


def _narrative(session: Session, unit: Unit, mention_ids: list[int], **kw: object) -> Narrative:
    n = Narrative(unit_id=unit.id, representative_text=HOAX, size=len(mention_ids), **kw)
    session.add(n)
    session.flush()
    session.add_all(NarrativeMention(narrative_id=n.id, mention_id=i) for i in mention_ids)
    session.flush()
    return n


def test_hoax_narratives_clarification_and_spread(session, world):
    clarified = utc(12, 2, 2, 2)  # between the second and the third mention of the period
    hoax = _narrative(session, world.parent, world.hoax_ids, label="hoaks", first_seen_at=utc(11, 20, 2),
                      last_seen_at=utc(12, 2, 2, 3), clarified_at=clarified,
                      clarification_url="https://kemenkeu.example/klarifikasi")  # fmt: skip
    open_one = _narrative(session, world.parent, world.pos_ids, label="disinformasi",
                          first_seen_at=utc(12, 9, 3), last_seen_at=utc(12, 9, 3, 1))  # fmt: skip
    _narrative(
        session, world.parent, [], label="keluhan", first_seen_at=utc(12, 2, 2), last_seen_at=utc(12, 3, 2)
    )
    _narrative(
        session, world.sibling, [], label="hoaks", first_seen_at=utc(12, 2, 2), last_seen_at=utc(12, 3, 2)
    )
    _narrative(
        session, world.parent, [], label="hoaks", first_seen_at=utc(11, 1, 2), last_seen_at=utc(11, 2, 2)
    )
    m = _measure(session, world)
    assert m.ids("hoaxes") == [hoax.id, open_one.id]
    h, o = m.hoaxes
    assert h.hours_to_clarify == pytest.approx(12 * 24 + 2 / 60)
    # mentions: 20 Nov (before, outside the 7-day window), 2 Dec 02:00 and 02:01 (before), 02:02 and 02:03
    assert (h.in_period, h.before, h.after, h.before_window, h.after_window) == (4, 3, 2, 2, 2)
    assert (h.clarification_url, h.label, h.text) == ("https://kemenkeu.example/klarifikasi", "hoaks", HOAX)
    assert (o.label, o.clarified_at, o.hours_to_clarify, o.before, o.after, o.in_period) == (
        "disinformasi", None, None, 2, 0, 2,
    )  # fmt: skip


@pytest.fixture
def wita(session: Session) -> Unit:
    unit = make_unit(session, name="KPPN Makassar")
    admin = make_user(session, unit=unit, roles=("admin",))
    org_service.set_unit_zone(session, unit=unit, zone="Asia/Makassar", actor=admin)
    add_mentions(session, unit, [NEG] * 2, at=utc(11, 30, 16, 30))  # 00:30 WITA on 1 Dec (23:30 WIB 30 Nov)
    add_mentions(session, unit, [NEU], at=utc(11, 30, 15, 59))  # 23:59 WITA on 30 November: before
    add_mentions(session, unit, [POS], at=utc(12, 10, 15, 59))  # 23:59 WITA on 10 December
    add_mentions(session, unit, [NEU] * 2, at=utc(12, 10, 16), spacing=timedelta(0))  # 00:00 WITA 11 Dec
    facets.update_facets(session)
    return unit


def test_wita_days_follow_the_zone(session, wita):
    start, end = utc(11, 30, 16), utc(12, 10, 16)  # 1-10 December in WITA
    m = listening_measures(session, unit_ids=[wita.id], start=start, end=end, zone="Asia/Makassar")
    assert (m.total, m.totals.negative, m.totals.positive, m.zone) == (3, 2, 1, "Asia/Makassar")
    assert {d.day.day: d.total for d in m.days if d.total} == {1: 2, 10: 1}
    user = make_user(session, unit=wita, roles=("analyst",))
    scope = resolve_scope(session, user, since_on=date(2026, 12, 1), until_on=date(2026, 12, 10))
    assert [r["count"] for r in dashboard.volume(session, scope)] == [d.total for d in m.days]
    # a two-day period reads the hourly rollup; the days are the same local days
    short = listening_measures(
        session, unit_ids=[wita.id], start=start, end=utc(12, 2, 16), zone="Asia/Makassar"
    )
    assert [(d.day.day, d.total) for d in short.days] == [(1, 2), (2, 0)]


def test_bad_input(session, world):
    ids = [world.parent.id]
    with pytest.raises(Invalid):
        listening_measures(session, unit_ids=ids, start=END, end=START, zone=WIB)
    with pytest.raises(Invalid):  # not a local midnight
        listening_measures(session, unit_ids=ids, start=START + timedelta(hours=1), end=END, zone=WIB)
    with pytest.raises(Invalid):  # listening days are WIB, WITA or WIT days
        listening_measures(session, unit_ids=ids, start=utc(12, 1, 0), end=utc(12, 5, 0), zone="UTC")
    with pytest.raises(Invalid):
        listening_measures(session, unit_ids=ids, start=START, end=END, zone="Mars/Olympus")
    with pytest.raises(Invalid):  # longer than a report's longest period (two years)
        listening_measures(session, unit_ids=ids, start=START, end=START + timedelta(days=733), zone=WIB)
    with pytest.raises(Invalid):
        _measure(session, world).ids("nothing")
    empty = listening_measures(session, unit_ids=[], start=START, end=END, zone=WIB)
    assert (empty.total, empty.net, len(empty.days), empty.net_trend) == (0, None, 10, None)
