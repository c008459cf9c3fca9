"""Dashboard queries over rollups, facets, scope and isolation (both engines)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
