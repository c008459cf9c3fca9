"""The deadline policies page (TestClient over the app on the rolled-back session): inherited and own
policies, create, edit, delete, the LAPOR! preset, form errors, escaped names; a sibling reaches nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from humas.inbox.models import SlaPolicy
from humas.inbox.service import sla_policies
from tests.factories import make_unit, make_user

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def tree(session):
    province = make_unit(session, name="Pemprov")
    city = make_unit(session, parent=province, name="Diskominfo Kota")
    sibling = make_unit(session, parent=province, name="Dinas Lain")
    people = {
        "province": make_user(session, unit=province, roles=("admin",)),
        "admin": make_user(session, unit=city, roles=("admin",)),
        "responder": make_user(session, unit=city, roles=("responder",)),
        "stranger": make_user(session, unit=sibling, roles=("admin",)),
    }
    inherited = sla_policies.create_policy(
        session,
        unit=province,
        fields=sla_policies.PolicyFields(name="Provinsi umum", first_response_days=3, resolution_days=5),
        actor=people["province"],
        refresh=False,
    )
    session.commit()
    return province, city, people, inherited


FORM = {
    "name": "Cepat",
    "clock": "working",
    "message_type": "keluhan",
    "priority": "",
    "first_response_minutes": "120",
    "next_response_minutes": "60",
    "resolution_days": "5",
    "at_risk_percent": "80",
    "escalate_to_parent": "1",
}


def test_a_unit_sees_what_it_inherits_then_adds_edits_and_removes_its_own(web, session, tree):
    province, city, people, inherited = tree
    web.login(people["admin"])
    page = web.get(f"/inbox/policies?unit_id={city.id}")
    assert page.status_code == 200
    assert "Provinsi umum" in page.text and "Pemprov" in page.text  # followed from the province
    assert f"/inbox/policies/{inherited.id}/delete" not in page.text  # not the city's to change

    made = web.post("/inbox/policies", {**FORM, "unit_id": city.id, "name": HOSTILE})
    assert made.status_code == 303
    policy = session.scalars(select(SlaPolicy).where(SlaPolicy.unit_id == city.id)).one()
    assert (policy.message_type, policy.first_response_minutes, policy.resolution_days) == ("keluhan", 120, 5)
    assert policy.at_risk_share == pytest.approx(0.8) and policy.escalate_to_parent
    page = web.get(f"/inbox/policies?unit_id={city.id}")
    assert HOSTILE not in page.text and "&lt;script&gt;" in page.text
    assert "Provinsi umum" not in page.text  # the city's own set replaces the inherited one

    edit = web.get(f"/inbox/policies/{policy.id}")
    assert edit.status_code == 200 and 'value="120"' in edit.text
    saved = web.post(f"/inbox/policies/{policy.id}", {**FORM, "name": "Keluhan", "resolution_days": "7"})
    assert saved.status_code == 303
    session.refresh(policy)
    assert policy.name == "Keluhan" and policy.resolution_days == 7

    gone = web.post(f"/inbox/policies/{policy.id}/delete")
    assert gone.status_code == 303 and session.get(SlaPolicy, policy.id) is None


def test_form_errors_keep_what_was_typed(web, session, tree):
    _province, city, people, _inherited = tree
    web.login(people["admin"])
    bad = web.post("/inbox/policies", {**FORM, "unit_id": city.id, "first_response_minutes": "dua jam"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text and 'value="dua jam"' in bad.text
    empty = {k: "" for k in FORM} | {
        "unit_id": city.id,
        "name": "Kosong",
        "clock": "working",
        "at_risk_percent": "75",
    }
    none = web.post("/inbox/policies", empty)
    assert none.status_code == 422
    assert session.scalars(select(SlaPolicy).where(SlaPolicy.unit_id == city.id)).all() == []


def test_the_lapor_preset_button(web, session, tree):
    _province, city, people, _inherited = tree
    web.login(people["admin"])
    assert web.post("/inbox/policies/lapor-preset", {"unit_id": city.id}).status_code == 303
    rows = session.scalars(select(SlaPolicy).where(SlaPolicy.unit_id == city.id)).all()
    assert sorted((p.message_type or "", p.first_response_days, p.resolution_days) for p in rows) == [
        ("", 3, 5),
        ("aduan", 3, 14),
        ("keluhan", 3, 5),
        ("pertanyaan", 3, 5),
    ]
    page = web.get(f"/inbox/policies?unit_id={city.id}")
    assert page.text.count('data-testid="policy-row"') == 4


def test_a_sibling_unit_and_a_responder_reach_nothing(web, session, tree):
    province, city, people, inherited = tree
    own = sla_policies.create_policy(
        session,
        unit=city,
        fields=sla_policies.PolicyFields(name="Kota", first_response_minutes=60),
        actor=people["admin"],
        refresh=False,
    )
    session.commit()
    web.login(people["stranger"])
    assert web.get(f"/inbox/policies?unit_id={city.id}").status_code == 404
    assert web.get(f"/inbox/policies/{own.id}").status_code == 404
    assert web.get(f"/inbox/policies/{inherited.id}").status_code == 404  # the province is above them
    assert web.post(f"/inbox/policies/{own.id}", FORM).status_code == 404
    assert web.post(f"/inbox/policies/{own.id}/delete").status_code == 404
    assert web.post("/inbox/policies/lapor-preset", {"unit_id": city.id}).status_code == 404
    assert web.post("/inbox/policies", {**FORM, "unit_id": city.id}).status_code == 404
    assert session.get(SlaPolicy, own.id) is not None
    web.login(people["responder"])
    assert web.get("/inbox/policies").status_code == 403


def test_the_deadlines_card_shows_time_used_and_left_and_a_pause(web, session, tree):
    from datetime import timedelta

    from humas.core.time import utcnow
    from humas.inbox.service import sla as sla_service
    from tests.inbox.factories import add_event, make_conversation

    _province, city, people, _inherited = tree
    responder = people["responder"]
    conversation = make_conversation(session, unit=city, opened_at=utcnow() - timedelta(days=1))
    sla_service.refresh_deadlines(session, conversation=conversation)
    session.commit()
    web.login(responder)
    detail = web.get(f"/inbox/{conversation.id}")
    assert detail.status_code == 200 and 'data-testid="deadlines-slot"' in detail.text
    card = web.get(f"/inbox/{conversation.id}/deadlines")
    assert card.status_code == 200
    assert (
        'data-testid="deadline-first_response"' in card.text
        and 'data-testid="deadline-resolution"' in card.text
    )
    assert "Provinsi umum" in card.text and 'data-testid="deadlines-paused"' not in card.text

    add_event(session, conversation, "status", at=utcnow(), to="menunggu")
    sla_service.refresh_deadlines(session, conversation=conversation)
    session.commit()
    assert 'data-testid="deadlines-paused"' in web.get(f"/inbox/{conversation.id}/deadlines").text
    web.login(people["stranger"])
    assert web.get(f"/inbox/{conversation.id}/deadlines").status_code == 404
