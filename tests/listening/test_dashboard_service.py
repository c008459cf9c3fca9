"""Dashboard queries over rollups, facets, scope and isolation (both engines)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from humas.core.errors import NotFound
from humas.listening.service import dashboard, facets
from humas.listening.service.scope import resolve_scope
from tests.factories import make_unit, make_user
from tests.listening.conftest import add_mentions

T0 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # 10:00 WIB, a Monday


@pytest.fixture
def tree(session):
    root = make_unit(session, name="Kementerian")
    a = make_unit(session, parent=root, name="Ditjen A")
    b = make_unit(session, parent=root, name="Ditjen B")
    add_mentions(
        session,
        a,
        ["Pelayanan lambat, kecewa #antrean"] * 4 + ["Terima kasih, mantap"] * 2,
        at=T0,
        followers=1000,
    )
    add_mentions(session, b, ["Kantor B sangat buruk"] * 9, at=T0, platform="facebook")
    facets.update_facets(session)
    return root, a, b


def test_volume_sentiment_platforms_read_rollups(session, tree):
    root, a, _b = tree
    user = make_user(session, unit=root)
    scope = resolve_scope(session, user, since=T0 - timedelta(hours=1), until=T0 + timedelta(hours=2))
    assert scope.bucket == "hour"
    assert sum(r["count"] for r in dashboard.volume(session, scope)) == 15
    summary = dashboard.summary(session, scope)
    assert summary["total"] == 15 and summary["negative"] == 13 and summary["positive"] == 2
    assert {r["platform"]: r["count"] for r in dashboard.platforms(session, scope)} == {"facebook": 9, "x": 6}
    scope_a = resolve_scope(
        session, user, unit_id=a.id, since=T0 - timedelta(hours=1), until=T0 + timedelta(hours=2)
    )
    sentiment = dashboard.sentiment(session, scope_a)
    assert sum(r["negative"] for r in sentiment) == 4
    assert min(r["net"] for r in sentiment) >= -1


def test_changing_the_range_changes_the_numbers(session, tree):
    root, _a, _b = tree
    user = make_user(session, unit=root)
    inside = resolve_scope(session, user, since=T0, until=T0 + timedelta(days=1))
    before = resolve_scope(session, user, since=T0 - timedelta(days=2), until=T0)
    assert dashboard.summary(session, inside)["total"] == 15
    assert dashboard.summary(session, before)["total"] == 0


def test_facets_trend_against_their_baseline(session, tree):
    root, a, _b = tree
    user = make_user(session, unit=root)
    scope = resolve_scope(
        session, user, unit_id=a.id, since=T0 - timedelta(days=1), until=T0 + timedelta(days=1)
    )
    tags = dashboard.trending(session, scope, facet="tag")
    assert tags[0]["key"] == "#antrean" and tags[0]["count"] == 4 and tags[0]["baseline"] == 0
    assert {r["emotion"] for r in dashboard.emotions(session, scope)} >= {"anger", "joy"}
    assert dashboard.authors(session, scope)[0]["reach"] >= 1000
    assert facets.update_facets(session) == 0  # idempotent: the cursor moved


def test_a_sibling_unit_is_invisible(session, tree):
    _root, a, b = tree
    user_a = make_user(session, unit=a)
    with pytest.raises(NotFound):
        resolve_scope(session, user_a, unit_id=b.id)
    scope = resolve_scope(session, user_a, since=T0 - timedelta(hours=1), until=T0 + timedelta(hours=2))
    assert dashboard.summary(session, scope)["total"] == 6
    assert all(m.unit_id == a.id for m in dashboard.latest(session, scope))
    assert {r["platform"] for r in dashboard.platforms(session, scope)} == {"x"}


def test_day_ranges_read_the_daily_rollup_and_count_new_mentions_live(session, tree):
    root, a, _b = tree
    user = make_user(session, unit=root)
    month = resolve_scope(session, user, since=T0 - timedelta(days=20), until=T0 + timedelta(days=10))
    assert month.bucket == "day" and dashboard.summary(session, month)["total"] == 15
    add_mentions(session, a, ["Baru saja masuk"] * 2, at=T0 + timedelta(days=1))  # not rolled up yet
    assert dashboard.summary(session, month)["total"] == 17
    facets.update_facets(session)
    assert dashboard.summary(session, month)["total"] == 17
    assert sum(r["count"] for r in dashboard.volume(session, month)) == 17


def test_a_wita_units_dashboard_days_start_at_midnight_wita(session):
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    from humas.listening.service.scope import WIB
    from humas.org import service as org_service

    makassar = ZoneInfo("Asia/Makassar")
    root = make_unit(session, name="Kementerian")
    kanwil = make_unit(session, parent=root, name="Kanwil Sulawesi Selatan")
    admin = make_user(session, unit=root)
    org_service.set_unit_zone(session, unit=kanwil, zone="Asia/Makassar", actor=admin)
    late = datetime(2026, 11, 10, 23, 30, tzinfo=makassar)  # 15:30 UTC, 22:30 WIB
    early = datetime(2026, 11, 11, 0, 30, tzinfo=makassar)  # 16:30 UTC, 23:30 WIB
    add_mentions(session, kanwil, ["Pelayanan lambat, kecewa #antrean"], at=late)
    add_mentions(session, kanwil, ["Pelayanan lambat, kecewa #antrean"], at=early)
    facets.update_facets(session)
    week = {"since": datetime(2026, 11, 6, tzinfo=UTC), "until": datetime(2026, 11, 14, tzinfo=UTC)}

    scope = resolve_scope(session, admin, unit_id=kanwil.id, **week)
    assert scope.bucket == "day" and scope.offset == timedelta(hours=8)
    assert scope.since.astimezone(makassar).hour == 0  # the range starts at 00:00 WITA
    days = {r["t"]: r["count"] for r in dashboard.volume(session, scope) if r["count"]}
    assert days == {"2026-11-10T00:00:00+08:00": 1, "2026-11-11T00:00:00+08:00": 1}
    assert [r["negative"] for r in dashboard.sentiment(session, scope) if r["negative"]] == [1, 1]
    assert dashboard.trending(session, scope, facet="tag")[0]["count"] == 2  # facets still counted
    # A mention not rolled up yet (counted live) at 00:10 WITA lands on its WITA day too.
    add_mentions(session, kanwil, ["Baru masuk"], at=datetime(2026, 11, 12, 0, 10, tzinfo=makassar))
    days = {r["t"][:10]: r["count"] for r in dashboard.volume(session, scope) if r["count"]}
    assert days == {"2026-11-10": 1, "2026-11-11": 1, "2026-11-12": 1}
    # Ranges of whole WITA days count exactly their mentions, at both ends.
    later = resolve_scope(
        session, admin, unit_id=kanwil.id, since_on=date(2026, 11, 11), until_on=date(2026, 11, 14)
    )
    assert later.since == datetime(2026, 11, 10, 16, tzinfo=UTC)  # 00:00 WITA
    assert dashboard.summary(session, later)["total"] == 2
    earlier = resolve_scope(
        session, admin, unit_id=kanwil.id, since_on=date(2026, 11, 6), until_on=date(2026, 11, 10)
    )
    assert dashboard.summary(session, earlier)["total"] == 1
    assert {r["platform"]: r["count"] for r in dashboard.platforms(session, earlier)} == {"x": 1}

    # The old behaviour (WIB days, UTC days alike) put both on one day; the root's WIB dashboard still does.
    assert late.astimezone(UTC).date() == early.astimezone(UTC).date()
    old = replace(scope, offset=WIB)
    assert [r["count"] for r in dashboard.volume(session, old) if r["count"]] == [2, 1]  # 10 Nov holds both
    root_scope = resolve_scope(session, admin, unit_id=root.id, **week)
    assert root_scope.offset == WIB
    root_days = {r["t"]: r["count"] for r in dashboard.volume(session, root_scope) if r["count"]}
    assert root_days == {"2026-11-10T00:00:00+07:00": 2, "2026-11-11T00:00:00+07:00": 1}
