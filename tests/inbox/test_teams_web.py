"""/inbox/teams: admins make teams, leads set members on duty; a sibling unit's team is out of reach."""

from __future__ import annotations

from sqlalchemy import select

from humas.inbox.models import Team, TeamMember
from humas.org.models import AuditLog
from tests.factories import make_unit, make_user


def test_admin_creates_a_team_and_sets_duty(web, session):
    root = make_unit(session, name="Kanwil Tim")
    unit = make_unit(session, parent=root, name="KPPN Tim")
    admin = make_user(session, unit=root, roles=("admin",))
    sari = make_user(session, unit=unit, roles=("responder",), name="Sari <b>Tim</b>")
    make_user(session, unit=unit, roles=("drafter",), name="Drafter Saja")
    session.commit()
    web.login(admin)
    created = web.post("/inbox/teams", {"unit_id": unit.id, "name": "Tim Medsos", "per_person_cap": 5})
    assert created.status_code == 303
    team = session.scalars(select(Team).where(Team.name == "Tim Medsos")).one()
    page = web.get("/inbox/teams")
    assert page.status_code == 200 and "Tim Medsos" in page.text
    assert "Sari &lt;b&gt;Tim&lt;/b&gt;" in page.text  # a candidate, escaped
    assert "Drafter Saja" not in page.text  # drafters do not answer the public
    assert (
        web.post(f"/inbox/teams/{team.id}/members", {"user_id": sari.id, "on_duty": "1"}).status_code == 303
    )
    member = session.get(TeamMember, (team.id, sari.id))
    assert member is not None and member.on_duty
    web.post(f"/inbox/teams/{team.id}/members", {"user_id": sari.id, "on_duty": ""})
    session.refresh(member)
    assert member.on_duty is False
    assert web.post(f"/inbox/teams/{team.id}/members/{sari.id}/remove").status_code == 303
    assert session.get(TeamMember, (team.id, sari.id)) is None
    actions = set(session.scalars(select(AuditLog.action).where(AuditLog.action.like("inbox.team%"))))
    assert {"inbox.team_create", "inbox.team_member", "inbox.team_member_remove"} <= actions
    bad = web.post("/inbox/teams", {"unit_id": unit.id, "name": "Tim Medsos", "per_person_cap": 5})
    assert bad.status_code in (400, 409, 422) and "Tim Medsos" in bad.text  # the form again, with its error


def test_sibling_unit_cannot_see_or_touch_a_team(web, session):
    root = make_unit(session)
    a, b = make_unit(session, parent=root), make_unit(session, parent=root)
    admin_a = make_user(session, unit=a, roles=("admin",))
    admin_b = make_user(session, unit=b, roles=("admin",))
    responder_b = make_user(session, unit=b, roles=("responder",))
    session.commit()
    web.login(admin_a)
    web.post("/inbox/teams", {"unit_id": a.id, "name": "Tim A", "per_person_cap": 5})
    team = session.scalars(select(Team).where(Team.name == "Tim A")).one()
    web.login(admin_b)
    assert "Tim A" not in web.get("/inbox/teams").text
    assert (
        web.post(f"/inbox/teams/{team.id}/members", {"user_id": responder_b.id, "on_duty": "1"}).status_code
        == 404
    )
    assert (
        web.post("/inbox/teams", {"unit_id": a.id, "name": "Tim B", "per_person_cap": 5}).status_code == 404
    )
    assert session.scalars(select(TeamMember)).all() == []
