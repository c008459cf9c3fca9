"""The dashboard cache: one computation for many viewers, never across units, ETag and 304, new data shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from humas.listening.service import facets
from humas.listening.service.cache import PanelCache
from humas.listening.service.scope import resolve_scope
from tests.factories import make_unit, make_user
from tests.listening.conftest import add_mentions
from tests.live import api_token

SECRET_B = "Rahasia unit B #bocor"


@pytest.fixture
def org(session):
    root = make_unit(session, name="Kementerian Uji")
    a = make_unit(session, parent=root, name="Ditjen A")
    b = make_unit(session, parent=root, name="Ditjen B")
    at = datetime.now(UTC) - timedelta(hours=3)
    add_mentions(session, a, ["Pelayanan A lambat #antrean"] * 5, at=at)
    add_mentions(session, b, [SECRET_B] * 7, at=at, platform="facebook")
    facets.update_facets(session)
    session.commit()
    return root, a, b


def _cache(web):
    return web.client.app.state.panel_cache


def test_many_viewers_of_one_unit_cost_one_computation(web, session, org):
    _root, a, _b = org
    viewers = [make_user(session, unit=a, roles=("analyst",)) for _ in range(12)]
    bodies = set()
    for user in viewers:
        web.client.cookies.clear()
        web.login(user)
        for name in ("volume", "hashtags", "authors"):
            response = web.get(f"/listening/panels/{name}", params={"days": "7"})
            assert response.status_code == 200
            bodies.add((name, response.text))
    assert _cache(web).computed == 3  # one per panel, not one per viewer
    assert len(bodies) == 3 and "#antrean" in "".join(text for _n, text in bodies)


def test_a_sibling_never_gets_another_units_cached_panel(web, session, org):
    _root, a, b = org
    user_a, user_b = make_user(session, unit=a), make_user(session, unit=b)
    web.login(user_a)
    first = web.get("/listening/panels/hashtags", params={"days": "7"})
    platforms_a = web.get("/listening/panels/platforms", params={"days": "7"})
    assert "#antrean" in first.text and "bocor" not in first.text and "facebook" not in platforms_a.text
    web.client.cookies.clear()
    web.login(user_b)
    # B replays A's ETag: a different scope is a different entry, so B gets its own panel, not a 304.
    own = web.get(
        "/listening/panels/hashtags", params={"days": "7"}, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert own.status_code == 200 and "#bocor" in own.text and "#antrean" not in own.text
    assert own.headers["ETag"] != first.headers["ETag"]
    # B asking for A's unit is refused before any cache is read.
    assert web.get("/listening/panels/hashtags", params={"days": "7", "unit_id": a.id}).status_code in (
        403,
        404,
    )
    token_b = api_token(session, user_b)
    rows = web.api("GET", "/api/v1/listening/platforms", token_b, params={"days": 7}).json()["rows"]
    assert [r["platform"] for r in rows] == ["facebook"]


def test_panels_answer_304_until_the_data_changes(web, session, org):
    _root, a, _b = org
    user = make_user(session, unit=a)
    web.login(user)
    first = web.get("/listening/panels/volume", params={"days": "7"})
    etag = first.headers["ETag"]
    assert first.status_code == 200 and "no-cache" in first.headers["Cache-Control"]
    again = web.get("/listening/panels/volume", params={"days": "7"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    computed = _cache(web).computed
    # New mentions: the count panel's version moves at once; the facet panel's when the facet job has run.
    hashtags = web.get("/listening/panels/hashtags", params={"days": "7"}).headers["ETag"]
    add_mentions(session, a, ["Antrean baru #loket"] * 3, at=datetime.now(UTC) - timedelta(hours=1))
    session.commit()
    changed = web.get("/listening/panels/volume", params={"days": "7"}, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    still = web.get("/listening/panels/hashtags", params={"days": "7"}, headers={"If-None-Match": hashtags})
    assert still.status_code == 304
    facets.update_facets(session)
    session.commit()
    fresh = web.get("/listening/panels/hashtags", params={"days": "7"}, headers={"If-None-Match": hashtags})
    assert fresh.status_code == 200 and "#loket" in fresh.text
    assert _cache(web).computed == computed + 3  # volume again, hashtags twice (before and after the job)


def test_api_figures_carry_an_etag_and_answer_304(web, session, org):
    _root, a, _b = org
    token = api_token(session, make_user(session, unit=a))
    first = web.api("GET", "/api/v1/listening/summary", token, params={"days": 7})
    assert first.status_code == 200 and first.json()["rows"]["total"] == 5
    etag = first.headers["ETag"]
    headers = {"If-None-Match": etag}
    assert (
        web.api("GET", "/api/v1/listening/summary", token, params={"days": 7}, headers=headers).status_code
        == 304
    )
    add_mentions(session, a, ["Satu lagi"], at=datetime.now(UTC) - timedelta(minutes=30))
    session.commit()
    after = web.api(
        "GET", "/api/v1/listening/summary", token, params={"days": 7}, headers={"If-None-Match": etag}
    )
    assert after.status_code == 200 and after.json()["rows"]["total"] == 6


def test_a_second_process_reads_the_shared_level(session, org):
    """Two web processes (two caches) on one PostgreSQL database: the second serves what the first computed.
    On SQLite nothing is written (a GET must not queue for SQLite's one write lock): each process computes."""
    from sqlalchemy import func, select

    from humas.listening.models import DashboardCache
    from humas.listening.service import dashboard

    _root, a, _b = org
    user = make_user(session, unit=a)
    scope = resolve_scope(session, user, days=7)
    first, second = PanelCache(), PanelCache()
    value = first.lookup(session, scope, "platforms").value(lambda: dashboard.platforms(session, scope))
    assert value == [{"platform": "x", "count": 5, "share": 1.0}]
    if session.get_bind().dialect.name == "sqlite":
        assert session.scalar(select(func.count()).select_from(DashboardCache)) == 0
        return
    again = second.lookup(session, scope, "platforms").value(lambda: pytest.fail("computed twice"))
    assert again == value and first.computed == 1 and second.computed == 0
