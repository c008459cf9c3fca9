"""Alert rules edited, paused and resumed through the pages (TestClient, both engines)."""

from __future__ import annotations

from sqlalchemy import select

from humas.listening.service import rules
from humas.org.models import AuditLog
from tests.factories import make_unit, make_user

HOSTILE = "<img src=x onerror=alert(1)>"


def _org(session):
    root = make_unit(session)
    a, b = make_unit(session, parent=root, name="Ditjen A"), make_unit(session, parent=root, name="Ditjen B")
    user = make_user(session, unit=a, roles=("analyst",))
    rule = rules.create_rule(
        session, unit=a, actor=user, data=rules.RuleInput(name=HOSTILE, kind="keyword", keyword="bocor")
    )
    return a, b, user, rule


def test_edit_page_shows_the_rule_escaped_and_saves_a_change(web, session):
    _a, _b, user, rule = _org(session)
    web.login(user)
    listed = web.get("/listening/alerts")
    assert HOSTILE not in listed.text and "&lt;img src=x onerror=alert(1)&gt;" in listed.text
    assert f'href="/listening/alerts/rules/{rule.id}"' in listed.text
    page = web.get(f"/listening/alerts/rules/{rule.id}")
    assert page.status_code == 200 and HOSTILE not in page.text
    assert 'value="bocor"' in page.text and 'value="60"' in page.text
    saved = web.post(
        f"/listening/alerts/rules/{rule.id}",
        {"name": "Data bocor", "kind": "keyword", "keyword": "rahasia", "cooldown_min": "15",
         "emails": "humas@contoh.go.id; pimpinan@contoh.go.id"},
    )  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"] == f"/listening/alerts/rules/{rule.id}"
    session.refresh(rule)
    assert (rule.name, rule.keyword, rule.cooldown_min) == ("Data bocor", "rahasia", 15)
    assert rule.emails == ["humas@contoh.go.id", "pimpinan@contoh.go.id"]
    assert "Aturan peringatan disimpan." in web.get(f"/listening/alerts/rules/{rule.id}").text


def test_a_refused_edit_marks_the_field_and_keeps_what_was_typed(web, session):
    _a, _b, user, rule = _org(session)
    web.login(user)
    bad = web.post(
        f"/listening/alerts/rules/{rule.id}",
        {"name": "Baru <b>", "kind": "negative_share", "threshold": "banyak", "webhook_secret": "rahasia-x"},
    )
    assert bad.status_code == 422 and 'id="e-threshold"' in bad.text
    assert 'value="banyak"' in bad.text and 'value="Baru &lt;b&gt;"' in bad.text
    assert "rahasia-x" not in bad.text
    share = web.post(
        f"/listening/alerts/rules/{rule.id}", {"name": "r", "kind": "negative_share", "threshold": "2"}
    )
    assert share.status_code == 422 and 'id="e-threshold"' in share.text
    session.refresh(rule)
    assert (rule.name, rule.kind) == (HOSTILE, "keyword")


def test_pause_and_resume_from_the_list_are_audited(web, session):
    _a, _b, user, rule = _org(session)
    web.login(user)
    paused = web.post(f"/listening/alerts/rules/{rule.id}/pause")
    assert paused.status_code == 303
    session.refresh(rule)
    assert rule.is_active is False
    page = web.get("/listening/alerts").text
    assert f'data-id="{rule.id}" data-active="false"' in page and "dijeda" in page
    assert f'action="/listening/alerts/rules/{rule.id}/resume"' in page
    assert web.post(f"/listening/alerts/rules/{rule.id}/resume").status_code == 303
    session.refresh(rule)
    assert rule.is_active is True
    actions = session.scalars(
        select(AuditLog.action).where(AuditLog.object_type == "alertrule", AuditLog.object_id == str(rule.id))
    ).all()
    assert sorted(actions) == ["alert_rule.activate", "alert_rule.create", "alert_rule.pause"]


def test_rules_of_another_unit_are_not_found(web, session):
    a, b, user, _rule = _org(session)
    other_user = make_user(session, unit=b)
    foreign = rules.create_rule(
        session, unit=b, actor=other_user, data=rules.RuleInput(name="Aturan B", kind="keyword", keyword="b")
    )
    web.login(user)
    assert web.get(f"/listening/alerts/rules/{foreign.id}").status_code == 404
    edit = web.post(f"/listening/alerts/rules/{foreign.id}", {"name": "x", "kind": "keyword", "keyword": "x"})
    assert edit.status_code == 404
    assert web.post(f"/listening/alerts/rules/{foreign.id}/pause").status_code == 404
    assert web.post(f"/listening/alerts/rules/{foreign.id}/resume").status_code == 404
    session.refresh(foreign)
    assert (foreign.name, foreign.is_active) == ("Aturan B", True)
    assert "Aturan B" not in web.get("/listening/alerts").text


def test_pause_needs_the_csrf_token(web, session):
    _a, _b, user, rule = _org(session)
    web.login(user)
    assert web.post(f"/listening/alerts/rules/{rule.id}/pause", csrf=False).status_code == 403
    session.refresh(rule)
    assert rule.is_active is True
