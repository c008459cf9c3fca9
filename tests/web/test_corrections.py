"""Label corrections and the "Model" admin page through TestClient (both engines)."""

from __future__ import annotations

import json
import re

from humas.ingest.models import LabelCorrection, Mention
from humas.ingest.service import pipeline
from tests.factories import make_unit, make_user
from tests.ingest.helpers import fake_analyze, item

HX = {"HX-Request": "true"}


def _seed(session):
    root = make_unit(session, name="Kementerian")
    unit, sibling = make_unit(session, parent=root), make_unit(session, parent=root)
    analyst = make_user(session, unit=unit, roles=("analyst",), locale="id")
    result = pipeline.ingest_items(
        session, [item("pelayanan kppn lambat <b>sekali</b>"), item("antrean buruk")], unit=unit,
        analyzer=fake_analyze,
    )  # fmt: skip
    session.commit()
    return root, unit, sibling, analyst, result.added_ids


def _ids(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'data-testid="mention-row" data-id="(\d+)"', html)}


def test_an_analyst_corrects_in_the_explorer_and_the_filter_counts_the_corrected_label(web, session):
    _root, _unit, _sibling, analyst, (first, second) = _seed(session)
    web.login(analyst)
    page = web.get("/mentions")
    assert f'action="/mentions/{first}/labels/sentiment"' in page.text  # the form is offered
    assert _ids(web.get("/mentions", params={"sentiment": "negative"}).text) == {first, second}

    refused = web.post(f"/mentions/{first}/labels/sentiment", {"label": "positive"}, csrf=False, headers=HX)
    assert refused.status_code == 403
    assert session.get(Mention, first).sentiment == "negative"

    done = web.post(f"/mentions/{first}/labels/sentiment", {"label": "positive"}, headers=HX)
    assert done.status_code == 200, done.text
    assert 'data-value="positive"' in done.text and 'data-corrected="true"' in done.text
    assert "dikoreksi" in done.text and analyst.name in done.text  # marked, who on hover
    session.expire_all()
    assert session.get(Mention, first).sentiment == "positive"
    assert _ids(web.get("/mentions", params={"sentiment": "positive"}).text) == {first}
    assert _ids(web.get("/mentions", params={"sentiment": "negative"}).text) == {second}

    detail = web.get(f"/mentions/{first}")
    assert 'data-testid="label-sentiment" data-value="positive" data-corrected="true"' in detail.text
    plain = web.post(f"/mentions/{first}/labels/topic", {"label": "politics"})  # without htmx: redirect
    assert plain.status_code == 303 and plain.headers["location"] == f"/mentions/{first}"


def test_bad_label_roles_and_units_are_refused(web, session):
    _root, unit, sibling, _analyst, (first, _second) = _seed(session)
    drafter = make_user(session, unit=unit, roles=("drafter",))
    outsider = make_user(session, unit=sibling, roles=("analyst",))
    session.commit()
    web.login(drafter)
    assert f'/mentions/{first}/labels/sentiment"' not in web.get("/mentions").text  # no form shown
    assert (
        web.post(f"/mentions/{first}/labels/sentiment", {"label": "positive"}, headers=HX).status_code == 403
    )
    web.login(outsider)
    assert (
        web.post(f"/mentions/{first}/labels/sentiment", {"label": "positive"}, headers=HX).status_code == 404
    )
    analyst = make_user(session, unit=unit, roles=("analyst",))
    session.commit()
    web.login(analyst)
    bad = web.post(f"/mentions/{first}/labels/sentiment", {"label": "<script>x</script>"}, headers=HX)
    assert bad.status_code == 422 and "<script>" not in bad.text
    assert web.post(f"/mentions/{first}/labels/nonsense", {"label": "x"}, headers=HX).status_code == 422
    assert session.query(LabelCorrection).count() == 0


def test_models_page_and_download_are_for_admins_of_the_subtree(web, session):
    root, unit, sibling, analyst, (first, _second) = _seed(session)
    other = pipeline.ingest_items(session, [item("lambat di unit lain")], unit=sibling, analyzer=fake_analyze)
    admin_root = make_user(session, unit=root, roles=("admin",))
    admin_sibling = make_user(session, unit=sibling, roles=("admin",))
    session.commit()
    web.login(analyst)
    web.post(f"/mentions/{first}/labels/sentiment", {"label": "positive"}, headers=HX)
    assert web.get("/settings/models").status_code == 403
    assert web.get("/settings/models/corrections.jsonl").status_code == 403
    assert 'href="/settings/models"' not in web.get("/settings").text
    web.login(admin_root)
    web.post(f"/mentions/{other.added_ids[0]}/labels/sentiment", {"label": "neutral"}, headers=HX)
    assert 'href="/settings/models"' in web.get("/settings").text
    page = web.get("/settings/models")
    assert page.status_code == 200
    assert 'data-task="sentiment"' in page.text and "macro_f1" in page.text
    rows = [json.loads(x) for x in web.get("/settings/models/corrections.jsonl").text.splitlines()]
    assert sorted(r["label"] for r in rows) == ["neutral", "positive"]
    assert "mengoreksi label sebutan" in web.get("/audit").text  # the audit log reads it as a sentence
    web.login(admin_sibling)  # a sibling unit's admin downloads only its own unit's corrections
    rows = [json.loads(x) for x in web.get("/settings/models/corrections.jsonl").text.splitlines()]
    assert [(r["mention_id"], r["label"]) for r in rows] == [(other.added_ids[0], "neutral")]
