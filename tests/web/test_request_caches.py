"""The per-process caches that make a dashboard request cheap (decision 0101): the viewer (session) cache,
the unit facts (subtree, offset) and the rendered fragments. Each keeps the rules it stands in front of:
a revoked session or a changed role applies within the documented seconds (at once through this process),
a fragment is never another unit's, language's or zone's, and new data is a new fragment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from humas.listening.service import facets
from humas.org.models import UserRole, WebSession
from humas.web.deps import VIEWER_TTL_S, ViewerCache
from humas.web.listening_panels import UNIT_FACTS_TTL_S, TtlCache
from tests.factories import make_unit, make_user
from tests.listening.conftest import add_mentions


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def pass_ttl(self) -> None:
        self.now += max(VIEWER_TTL_S, UNIT_FACTS_TTL_S) + 0.1


@pytest.fixture
def clock(web):
    clock = Clock()
    state = web.client.app.state
    state.viewer_cache = ViewerCache(clock=clock)
    state.unit_facts_cache = TtlCache(UNIT_FACTS_TTL_S, 4096, clock=clock)
    return clock


@pytest.fixture
def org(session):
    root = make_unit(session, name="Kementerian Uji")
    a = make_unit(session, parent=root, name="Ditjen A")
    b = make_unit(session, parent=root, name="Ditjen B")
    at = datetime.now(UTC) - timedelta(hours=3)
    add_mentions(session, a, ["Pelayanan A lambat #antrean"] * 5, at=at)
    add_mentions(session, b, ["Rahasia unit B #bocor"] * 7, at=at, platform="facebook")
    facets.update_facets(session)
    session.commit()
    return root, a, b


def _is_login_redirect(response) -> bool:
    return response.status_code in (302, 303, 307) and "/login" in response.headers["location"]


def test_a_revoked_session_is_refused_at_once_though_its_viewer_is_cached(web, session, org, clock):
    _root, a, _b = org
    user = make_user(session, unit=a, roles=("analyst",))
    web.login(user)
    assert web.get("/listening", params={"days": "7"}).status_code == 200
    assert web.get("/listening/pulse", params={"days": "7"}).status_code == 200
    assert web.client.app.state.viewer_cache.hits >= 1  # the second request reused the resolved viewer
    # Another web process ends the session (the row goes): the next request here is refused.
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.commit()
    assert _is_login_redirect(web.get("/listening", params={"days": "7"}, follow_redirects=False))


def test_a_deactivated_user_is_refused_at_once(web, session, org, clock):
    _root, a, _b = org
    user = make_user(session, unit=a, roles=("analyst",))
    web.login(user)
    assert web.get("/listening/pulse", params={"days": "7"}).status_code == 200
    user.is_active = False
    session.commit()
    assert _is_login_redirect(web.get("/listening", params={"days": "7"}, follow_redirects=False))


def test_a_state_changing_request_empties_the_cache_of_its_process(web, session, org, clock):
    _root, a, _b = org
    user = make_user(session, unit=a, roles=("analyst",))
    web.login(user)
    cookie = web.client.cookies.get("humas_session")
    assert web.get("/listening/pulse", params={"days": "7"}).status_code == 200
    assert web.post("/logout").status_code == 303
    web.client.cookies.set("humas_session", cookie)  # a copy of the cookie kept elsewhere
    assert _is_login_redirect(web.get("/listening", params={"days": "7"}, follow_redirects=False))
    assert len(web.client.app.state.viewer_cache._entries) == 0


def test_a_changed_role_applies_to_the_next_request(web, session, org, clock):
    root, _a, _b = org
    admin = make_user(session, unit=root, roles=("admin",))
    web.login(admin)
    assert web.get("/settings/models").status_code == 200
    assert web.get("/settings/models").status_code == 200
    session.execute(delete(UserRole).where(UserRole.user_id == admin.id))
    session.add(UserRole(user_id=admin.id, role="analyst"))
    session.commit()
    session.expire(admin)  # as a fresh request session would read it
    assert web.get("/settings/models").status_code == 403
    page = web.get("/listening", params={"days": "7"})
    assert page.status_code == 200 and 'href="/settings/models"' not in page.text


def test_a_new_child_unit_shows_in_the_scope_once_the_cache_time_has_passed(web, session, org, clock):
    _root, a, _b = org
    user = make_user(session, unit=a, roles=("analyst",))
    web.login(user)
    before = web.get("/listening/panels/platforms", params={"days": "7"})
    assert before.status_code == 200 and "instagram" not in before.text
    child = make_unit(session, parent=a, name="Balai A1")
    add_mentions(
        session, child, ["Balai baru"] * 2, at=datetime.now(UTC) - timedelta(hours=2), platform="instagram"
    )
    session.commit()
    clock.pass_ttl()
    after = web.get("/listening/panels/platforms", params={"days": "7"})
    assert after.status_code == 200 and "instagram" in after.text


def test_viewers_of_one_scope_share_one_rendered_fragment_and_never_another_units(web, session, org):
    _root, a, b = org
    bodies = []
    for _ in range(3):
        web.client.cookies.clear()
        web.login(make_user(session, unit=a, roles=("analyst",)))
        response = web.get("/listening/panels/hashtags", params={"days": "7"})
        assert response.status_code == 200
        bodies.append(response.text)
    cache = web.client.app.state.fragment_cache
    assert len(set(bodies)) == 1 and "#antrean" in bodies[0] and cache.hits == 2
    web.client.cookies.clear()
    web.login(make_user(session, unit=b, roles=("analyst",)))
    own = web.get("/listening/panels/hashtags", params={"days": "7"})
    assert own.status_code == 200 and "#bocor" in own.text and "#antrean" not in own.text
    pulse = web.get("/listening/pulse", params={"days": "7"})
    assert "Rahasia unit B" in pulse.text and "Pelayanan A" not in pulse.text


def test_a_fragment_is_per_language(web, session, org):
    _root, a, _b = org
    web.login(make_user(session, unit=a, roles=("analyst",)))
    indonesian = web.get("/listening/panels/hashtags", params={"days": "7"})
    web.client.cookies.clear()
    web.login(make_user(session, unit=a, roles=("analyst",), locale="en"))
    english = web.get("/listening/panels/hashtags", params={"days": "7"})
    assert indonesian.headers["ETag"] != english.headers["ETag"]
    assert "Tabel" in indonesian.text and ">Table<" in english.text and ">Table<" not in indonesian.text


def test_the_pulse_is_per_viewer_zone(web, session, org):
    root, _a, b = org
    b.time_zone = "Asia/Makassar"
    session.commit()
    web.login(make_user(session, unit=b, roles=("analyst",)))
    wita = web.get("/listening/pulse", params={"days": "7"})
    web.client.cookies.clear()
    web.login(make_user(session, unit=root, roles=("analyst",)))
    wib = web.get("/listening/pulse", params={"days": "7", "unit_id": b.id})
    assert wita.status_code == wib.status_code == 200
    assert "WITA" in wita.text and "WIB" not in wita.text
    assert "WIB" in wib.text and "WITA" not in wib.text
    assert wita.headers["ETag"] != wib.headers["ETag"]


def test_the_pulse_answers_304_until_a_mention_arrives_and_panels_follow_the_rollup_job(web, session, org):
    _root, a, _b = org
    web.login(make_user(session, unit=a, roles=("analyst",)))
    pulse = web.get("/listening/pulse", params={"days": "7"})
    etag = pulse.headers["ETag"]
    assert pulse.status_code == 200 and "no-cache" in pulse.headers["Cache-Control"]
    again = web.get("/listening/pulse", params={"days": "7"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    hashtags = web.get("/listening/panels/hashtags", params={"days": "7"})
    add_mentions(session, a, ["Antrean baru #loket"] * 3, at=datetime.now(UTC) - timedelta(hours=1))
    session.commit()
    changed = web.get("/listening/pulse", params={"days": "7"}, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Antrean baru" in changed.text
    # The facet panel's fragment stays that of the rollups until the job has folded the new mentions...
    assert web.get("/listening/panels/hashtags", params={"days": "7"}).text == hashtags.text
    facets.update_facets(session)
    session.commit()
    # ...then a plain request (no ETag) gets the new fragment, not the one cached before.
    fresh = web.get("/listening/panels/hashtags", params={"days": "7"})
    assert (
        fresh.status_code == 200
        and "#loket" in fresh.text
        and fresh.headers["ETag"] != hashtags.headers["ETag"]
    )
