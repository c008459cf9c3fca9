"""Listening pages and JSON API through TestClient (both engines): data, CSV, forms, and sibling isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from humas.listening.service import facets, narratives
from tests.factories import make_unit, make_user
from tests.listening.conftest import add_mentions
from tests.live import api_token

SECRET_B = "Rahasia unit B bocor di sini"


@pytest.fixture
def org(session):
    root = make_unit(session, name="Kementerian Uji")
    a = make_unit(session, parent=root, name="Ditjen A")
    b = make_unit(session, parent=root, name="Ditjen B")
    at = datetime.now(UTC) - timedelta(hours=3)
    add_mentions(session, a, ["Pelayanan A lambat #antrean"] * 5, at=at)
    add_mentions(session, b, [SECRET_B] * 7, at=at, platform="facebook")
    facets.update_facets(session)
    narratives.build_narratives(session)
    session.commit()
    return root, a, b


def test_dashboard_panels_csv_and_api_of_own_subtree(web, session, org):
    _root, a, _b = org
    user = make_user(session, unit=a)
    web.login(user)
    page = web.get("/listening")
    assert page.status_code == 200 and 'hx-get="/listening/pulse' in page.text
    pulse = web.get("/listening/pulse", params={"days": "1"})
    assert 'data-testid="total-mentions">5<' in pulse.text and SECRET_B not in pulse.text
    panel = web.get("/listening/panels/volume", params={"days": "1"})
    assert "data-vl-spec=" in panel.text and "vl-chart" in panel.text
    csv_body = web.get("/listening/data/platforms.csv", params={"days": "1"}).text
    assert "x,5" in csv_body and "facebook" not in csv_body
    token = api_token(session, user)
    summary = web.api("GET", "/api/v1/listening/summary", token, params={"days": 1}).json()
    assert summary["rows"]["total"] == 5
    for name in (
        "volume",
        "sentiment",
        "platforms",
        "share-of-voice",
        "emotions",
        "keyphrases",
        "hashtags",
        "authors",
        "latest",
        "spikes",
    ):
        assert web.api("GET", f"/api/v1/listening/{name}", token, params={"days": 1}).status_code == 200


def test_a_sibling_sees_nothing_of_another_unit(web, session, org):
    _root, a, b = org
    user_a = make_user(session, unit=a)
    token = api_token(session, user_a)
    web.login(user_a)
    assert web.get("/listening", params={"unit_id": b.id}).status_code == 404
    assert web.get("/listening/panels/volume", params={"unit_id": b.id}).status_code == 404
    assert web.api("GET", "/api/v1/listening/summary", token, params={"unit_id": b.id}).status_code == 404
    latest = web.api("GET", "/api/v1/listening/latest", token, params={"days": 1}).json()["rows"]
    assert latest and all(SECRET_B not in row["text"] for row in latest)
    listed = web.api("GET", "/api/v1/listening/narratives", token).json()
    assert all(n["unit_id"] == a.id for n in listed)
    b_narrative = next(n for n in narratives.list_narratives(session, make_user(session, unit=b)))
    assert web.get(f"/listening/narratives/{b_narrative.id}").status_code == 404
    assert web.api("GET", f"/api/v1/listening/narratives/{b_narrative.id}", token).status_code == 404
    assert web.post(f"/listening/narratives/{b_narrative.id}/label", {"label": "hoaks"}).status_code == 404
    assert SECRET_B not in web.get("/listening/narratives").text
    assert SECRET_B not in web.get("/listening/alerts").text


def test_alert_rule_form_marks_the_bad_field(web, session, org):
    _root, a, _b = org
    user = make_user(session, unit=a)
    web.login(user)
    bad = web.post("/listening/alerts", {"name": "r", "kind": "keyword", "unit_id": a.id, "keyword": ""})
    assert bad.status_code == 422 and 'id="e-keyword"' in bad.text
    ok = web.post(
        "/listening/alerts", {"name": "Bocor", "kind": "keyword", "unit_id": a.id, "keyword": "bocor"}
    )
    assert ok.status_code == 303
    assert "Bocor" in web.get("/listening/alerts").text
