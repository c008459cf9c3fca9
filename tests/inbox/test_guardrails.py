"""Guardrails on inbox replies: a blocking finding keeps a reply out of the outbox (submitted without
approval, or approved by a reviewer) until the author fixes it or a reviewer who did not write it overrides
it with a reason (audited); the reply editor shows the findings as the responder types."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from humas.compliance import service as compliance_service
from humas.core.errors import PermissionDenied
from humas.inbox.models import Reply
from humas.inbox.service import guard, replies, unit_settings
from humas.org.models import AuditLog
from tests.factories import make_user
from tests.inbox.conftest import queued_replies

NIK_TEXT = "Mohon maaf Bu, data NIK 3273014501900001 sudah kami teruskan."
REASON = "Warga sendiri meminta NIK-nya dikonfirmasi di balasan; disetujui Kasubbag."


def test_a_blocked_reply_is_not_sent_until_a_reviewer_other_than_its_author_overrides(session, desk):
    _unit, admin, responder, reviewer, conversation = desk
    reply = replies.compose_reply(session, conversation=conversation, actor=responder, text=NIK_TEXT)
    assert reply.status == "draf" and reply.error == guard.BLOCKED_MESSAGE and queued_replies(session) == 0

    with pytest.raises(PermissionDenied):
        guard.override_reply(session, reply=reply, conversation=conversation, reason=REASON, actor=responder)
    responder_reviewer = make_user(session, unit=conversation.unit, roles=("responder", "reviewer"))
    own = replies.compose_reply(session, conversation=conversation, actor=responder_reviewer, text=NIK_TEXT)
    with pytest.raises(PermissionDenied):  # a reviewer never overrides their own reply either
        guard.override_reply(
            session, reply=own, conversation=conversation, reason=REASON, actor=responder_reviewer
        )

    guard.override_reply(session, reply=reply, conversation=conversation, reason=REASON, actor=reviewer)
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "guardrails.override")).one()
    assert entry.after["reason"] == REASON and entry.after["findings"][0]["rule"] == "nik"
    assert entry.actor_id == reviewer.id

    replies.revise_reply(session, reply=reply, conversation=conversation, actor=responder, text=NIK_TEXT)
    assert reply.status == "antre" and reply.error is None and queued_replies(session) == 1


def test_a_reviewer_approving_a_reply_blocked_since_it_was_submitted_cannot_send_it(session, desk):
    unit, admin, responder, reviewer, conversation = desk
    unit_settings.set_rules(
        session, unit=unit, data=unit_settings.RulesInput(reply_approval="all"), actor=admin
    )
    reply = replies.compose_reply(
        session, conversation=conversation, actor=responder, text="Jadwal rahasia internal: buka jam 8."
    )
    assert reply.status == "menunggu_persetujuan"
    compliance_service.save_rules(  # the unit adds a blocking phrase after the reply was submitted
        session,
        unit=unit,
        severities={"internal_phrase": "blokir"},
        words={"internal_phrase": "jadwal rahasia internal"},
        actor=admin,
    )

    replies.approve_reply(session, reply=reply, conversation=conversation, actor=reviewer)
    assert reply.status == "menunggu_persetujuan" and reply.error == guard.BLOCKED_MESSAGE
    assert queued_replies(session) == 0
    guard.override_reply(session, reply=reply, conversation=conversation, reason=REASON, actor=reviewer)
    replies.approve_reply(session, reply=reply, conversation=conversation, actor=reviewer)
    assert reply.status == "antre" and queued_replies(session) == 1


def test_on_the_pages_a_blocked_reply_is_kept_shown_and_overridden(web, session, desk):
    _unit, _admin, responder, reviewer, conversation = desk
    web.login(responder)
    live = web.post(f"/inbox/{conversation.id}/replies/count", {"text": NIK_TEXT})
    assert 'data-testid="guardrail-finding" data-rule="nik"' in live.text
    assert (
        web.post(f"/inbox/{conversation.id}/replies", {"text": NIK_TEXT, "action": "send"}).status_code == 303
    )
    reply = session.scalars(select(Reply).where(Reply.conversation_id == conversation.id)).one()
    assert reply.status == "draf" and queued_replies(session) == 0
    shown = web.get(f"/inbox/replies/{reply.id}/guardrails")
    assert 'data-severity="blokir"' in shown.text and 'data-testid="guardrail-override"' not in shown.text
    assert web.post(f"/inbox/replies/{reply.id}/override", {"reason": REASON}).status_code == 403

    web.login(reviewer)
    assert 'data-testid="guardrail-override"' in web.get(f"/inbox/replies/{reply.id}/guardrails").text
    assert web.post(f"/inbox/replies/{reply.id}/override", {"reason": REASON}).status_code == 303
    web.login(responder)
    assert web.post(f"/inbox/replies/{reply.id}/revise", {"text": NIK_TEXT}).status_code == 303
    session.refresh(reply)
    assert reply.status == "antre" and queued_replies(session) == 1
