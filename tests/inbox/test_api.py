"""/api/v1/inbox: list, one conversation, status, assignment, notes, counts; scoped and masked."""

from __future__ import annotations

import pytest

from humas.core.time import utcnow
from humas.inbox.models import ConversationItem
from humas.ingest.models import Mention
from tests.factories import make_unit, make_user
from tests.inbox.listing_helpers import make_conversation
from tests.web.conftest import api_token


@pytest.fixture
def setup(session):
    root = make_unit(session, name="Kementerian API Kotak")
    unit = make_unit(session, parent=root, name="Ditjen API Kotak")
    sibling = make_unit(session, parent=root, name="Ditjen API Tetangga")
    responder = make_user(session, unit=unit, roles=("responder",), name="Responder API")
    analyst = make_user(session, unit=unit, roles=("analyst",), name="Analis API")
    return {"unit": unit, "sibling": sibling, "responder": responder, "analyst": analyst}


def test_list_filters_and_scope(web, session, setup):
    a = make_conversation(session, unit=setup["unit"], minutes_ago=2, sla_state="missed")
    b = make_conversation(session, unit=setup["unit"], minutes_ago=1)
    make_conversation(session, unit=setup["sibling"])
    token = api_token(session, setup["responder"], role="responder")
    body = web.api("GET", "/api/v1/inbox/conversations", token).json()
    assert [c["id"] for c in body["items"]] == [b.id, a.id]
    assert body["total"] == 2 and body["capped"] is False and body["has_next"] is False
    body = web.api("GET", "/api/v1/inbox/conversations?sla=missed", token).json()
    assert [c["id"] for c in body["items"]] == [a.id]
    assert web.api("GET", "/api/v1/inbox/conversations?status=nope", token).status_code == 422
    foreign_unit = web.api("GET", f"/api/v1/inbox/conversations?unit_id={setup['sibling'].id}", token)
    assert foreign_unit.status_code == 404 and foreign_unit.json()["field"] == "unit_id"
    counts = web.api("GET", "/api/v1/inbox/counts", token).json()
    assert counts == {"open": 2, "at_risk": 0, "missed": 1}


def test_detail_masks_for_a_reader_and_not_for_the_assignee(web, session, setup):
    conversation = make_conversation(session, unit=setup["unit"], subject="Nomor saya 081298765432")
    mention = Mention(unit_id=setup["unit"].id, platform="facebook", external_id="api-m-1", kind="comment",
                      text="email saya warga@contoh.id", created_at=utcnow())  # fmt: skip
    session.add(mention)
    session.flush()
    session.add(ConversationItem(conversation_id=conversation.id, mention_id=mention.id, at=utcnow()))
    session.flush()
    reader = api_token(session, setup["analyst"], role="analyst")
    body = web.api("GET", f"/api/v1/inbox/conversations/{conversation.id}", reader).json()
    assert body["personal_data_masked"] is True
    assert "081298765432" not in body["subject"] and "warga@contoh.id" not in body["thread"][0]["text"]
    worker = api_token(session, setup["responder"], role="responder")
    assigned = web.api(
        "POST", f"/api/v1/inbox/conversations/{conversation.id}/assign", worker,
        json={"assignee_id": setup["responder"].id},
    )  # fmt: skip
    assert assigned.status_code == 200 and assigned.json()["assignee_id"] == setup["responder"].id
    body = web.api("GET", f"/api/v1/inbox/conversations/{conversation.id}", worker).json()
    assert body["personal_data_masked"] is False and "081298765432" in body["subject"]


def test_status_and_note(web, session, setup):
    conversation = make_conversation(session, unit=setup["unit"])
    token = api_token(session, setup["responder"], role="responder")
    url = f"/api/v1/inbox/conversations/{conversation.id}"
    response = web.api("POST", url + "/status", token, json={"status": "menunggu"})
    assert response.status_code == 200 and response.json()["status"] == "menunggu"
    snooze = web.api("POST", url + "/status", token, json={"status": "ditunda"})
    assert snooze.status_code == 422 and snooze.json()["field"] == "snoozed_until"
    note = web.api("POST", url + "/notes", token, json={"text": "Cek ke bagian layanan"})
    assert note.status_code == 201 and note.json()["conversation_id"] == conversation.id
    thread = web.api("GET", url, token).json()["thread"]
    assert [e["kind"] for e in thread] == ["note"]
    reader = api_token(session, setup["analyst"], role="analyst")
    assert web.api("POST", url + "/status", reader, json={"status": "selesai"}).status_code == 403


def test_sibling_conversation_is_not_found(web, session, setup):
    foreign = make_conversation(session, unit=setup["sibling"])
    token = api_token(session, setup["responder"], role="responder")
    url = f"/api/v1/inbox/conversations/{foreign.id}"
    assert web.api("GET", url, token).status_code == 404
    assert web.api("POST", url + "/status", token, json={"status": "selesai"}).status_code == 404
    assert web.api("POST", url + "/notes", token, json={"text": "x"}).status_code == 404
