"""Saved-query pages through TestClient (both engines): list, create, edit, archive, errors, access."""

from __future__ import annotations

from sqlalchemy import select

from humas.ingest.models import SavedQuery
from humas.ingest.service import queries as queries_service
from humas.org.models import AuditLog
from tests.factories import make_unit, make_user

HOSTILE = "<img src=x onerror=alert(1)>"


def _org(session):
    root = make_unit(session, name="Kementerian")
    mine = make_unit(session, parent=root, name="Ditjen Saya")
    sibling = make_unit(session, parent=root, name="Ditjen Tetangga")
    analyst = make_user(session, unit=mine, roles=("analyst",))
    return mine, sibling, analyst


def test_create_with_a_hostile_name_is_listed_escaped(web, session):
    mine, sibling, analyst = _org(session)
    queries_service.create_query(session, unit=sibling, name="Rahasia tetangga", query="x", actor=None)
    web.login(analyst)
    form = web.get("/listening/queries/new")
    assert form.status_code == 200 and 'data-testid="query-form"' in form.text
    created = web.post(
        "/listening/queries", {"unit_id": mine.id, "name": HOSTILE, "query": '"pajak daerah" -promo'}
    )
    assert (
        created.status_code == 303 and created.headers["location"] == f"/listening/queries?unit_id={mine.id}"
    )
    saved = session.scalars(select(SavedQuery).where(SavedQuery.unit_id == mine.id)).one()
    assert saved.name == HOSTILE and saved.query == '"pajak daerah" AND NOT promo'
    page = web.get("/listening/queries")
    assert page.status_code == 200
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text and HOSTILE not in page.text
    assert "Rahasia tetangga" not in page.text
    assert web.get(f"/listening/queries/{saved.id}").text.count(HOSTILE) == 0


def test_a_syntax_error_is_shown_with_its_column_keeping_the_text(web, session):
    mine, _sibling, analyst = _org(session)
    web.login(analyst)
    typed = "pajak AND (kppn <b>"
    bad = web.post("/listening/queries", {"unit_id": mine.id, "name": "Pajak", "query": typed})
    assert bad.status_code == 422
    assert 'data-testid="field-error">kolom 11: tanda kurung tidak ditutup<' in bad.text
    assert "pajak AND (kppn &lt;b&gt;</textarea>" in bad.text
    assert 'value="Pajak"' in bad.text and 'aria-invalid="true"' in bad.text
    assert session.scalar(select(SavedQuery).where(SavedQuery.unit_id == mine.id)) is None


def test_edit_and_archive_are_audited(web, session):
    mine, _sibling, analyst = _org(session)
    saved = queries_service.create_query(session, unit=mine, name="Pajak", query="pajak", actor=analyst)
    web.login(analyst)
    page = web.get(f"/listening/queries/{saved.id}")
    assert page.status_code == 200 and ">pajak</textarea>" in page.text
    bad = web.post(f"/listening/queries/{saved.id}", {"name": "Pajak", "query": 'pajak "kppn'})
    assert bad.status_code == 422 and "kolom 7: tanda kutip tidak ditutup" in bad.text
    assert "pajak &#34;kppn</textarea>" in bad.text
    ok = web.post(f"/listening/queries/{saved.id}", {"name": "KPPN", "query": "kppn OR djpb"})
    assert ok.status_code == 303 and ok.headers["location"] == f"/listening/queries/{saved.id}"
    session.refresh(saved)
    assert (saved.name, saved.query) == ("KPPN", "kppn OR djpb")
    shown = web.get(f"/listening/queries/{saved.id}")
    assert "Topik pantauan disimpan." in shown.text
    archived = web.post(f"/listening/queries/{saved.id}/archive")
    assert archived.status_code == 303
    session.refresh(saved)
    assert saved.archived_at is not None
    assert f'data-id="{saved.id}"' not in web.get("/listening/queries").text
    readonly = web.get(f"/listening/queries/{saved.id}")
    assert 'data-testid="query-form"' not in readonly.text and 'data-testid="query-readonly"' in readonly.text
    actions = session.scalars(
        select(AuditLog.action).where(
            AuditLog.object_type == "savedquery", AuditLog.object_id == str(saved.id)
        )
    ).all()
    assert sorted(actions) == ["query.archive", "query.create", "query.update"]


def test_queries_of_another_unit_are_not_found(web, session):
    mine, sibling, analyst = _org(session)
    foreign = queries_service.create_query(session, unit=sibling, name="Rahasia", query="rahasia", actor=None)
    web.login(analyst)
    assert web.get(f"/listening/queries/{foreign.id}").status_code == 404
    assert web.post(f"/listening/queries/{foreign.id}", {"name": "x", "query": "x"}).status_code == 404
    assert web.post(f"/listening/queries/{foreign.id}/archive").status_code == 404
    assert web.get("/listening/queries", params={"unit_id": sibling.id}).status_code == 404
    create = web.post("/listening/queries", {"unit_id": sibling.id, "name": "x", "query": "x"})
    assert create.status_code == 404
    session.refresh(foreign)
    assert foreign.name == "Rahasia" and foreign.archived_at is None
    assert session.scalar(select(SavedQuery).where(SavedQuery.name == "x")) is None


def test_a_drafter_reads_but_does_not_change(web, session):
    mine, _sibling, _analyst = _org(session)
    drafter = make_user(session, unit=mine, roles=("drafter",))
    saved = queries_service.create_query(session, unit=mine, name="Pajak", query="pajak", actor=None)
    web.login(drafter)
    page = web.get("/listening/queries")
    assert f'data-id="{saved.id}"' in page.text and 'data-testid="query-new"' not in page.text
    assert web.get("/listening/queries/new").status_code == 403
    detail = web.get(f"/listening/queries/{saved.id}")
    assert 'data-testid="query-form"' not in detail.text and 'data-testid="query-readonly"' in detail.text
    assert web.post(f"/listening/queries/{saved.id}", {"name": "x", "query": "x"}).status_code == 403
    assert web.post("/listening/queries", {"unit_id": mine.id, "name": "x", "query": "x"}).status_code == 403
    session.refresh(saved)
    assert saved.name == "Pajak"


def test_forms_need_the_csrf_token(web, session):
    mine, _sibling, analyst = _org(session)
    saved = queries_service.create_query(session, unit=mine, name="Pajak", query="pajak", actor=None)
    web.login(analyst)
    refused = web.post(f"/listening/queries/{saved.id}/archive", csrf=False)
    assert refused.status_code == 403
    session.refresh(saved)
    assert saved.archived_at is None
