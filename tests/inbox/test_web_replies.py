"""Pages of replies, approvals, canned replies, moderation, LAPOR! and inbox settings (TestClient over
the app on the rolled-back session): the flows work, hostile text is escaped, a sibling unit reaches
nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from humas.inbox.models import ConversationItem, LaporForward, Reply, Template
from humas.inbox.service import lapor, replies, templates, unit_settings
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user
from tests.inbox.factories import make_channel_conversation

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture(autouse=True)
def no_worker(monkeypatch):
    """Outbox rows are checked in the database; the send job (another database in tests) is not run."""
    monkeypatch.setattr("humas.outbox.tasks.send_message_task", lambda message_id: None)


@pytest.fixture
def desk(session):
    root = make_unit(session, name="Pemkot")
    unit = make_unit(session, parent=root, name="Dinas Kependudukan")
    sibling = make_unit(session, parent=root, name="Dinas Lain")
    people = {
        "admin": make_user(session, unit=unit, roles=("admin",)),
        "responder": make_user(session, unit=unit, roles=("responder",)),
        "reviewer": make_user(session, unit=unit, roles=("reviewer",)),
        "stranger": make_user(session, unit=sibling, roles=("admin", "responder", "reviewer")),
    }
    channel = make_channel(session, unit=unit, platform="x")
    conversation = make_channel_conversation(
        session, unit=unit, channel=channel, texts=(HOSTILE + " hp 081234567890",)
    )
    session.commit()
    return unit, people, conversation


def test_compose_with_a_canned_reply_through_approval(web, session, desk):
    unit, people, conversation = desk
    unit_settings.set_rules(
        session, unit=unit, data=unit_settings.RulesInput(reply_approval="all"), actor=people["admin"]
    )
    template = templates.create_template(
        session,
        unit=unit,
        data=templates.TemplateInput(name="Salam", text="Yth. {nama}, tiket {nomor_tiket} kami terima."),
        actor=people["admin"],
    )
    session.commit()
    web.login(people["responder"])

    composer = web.get(f"/inbox/{conversation.id}/composer")
    assert composer.status_code == 200 and 'data-testid="template-picker"' in composer.text
    assert 'data-testid="needs-approval"' in composer.text
    filled = web.get(f"/inbox/{conversation.id}/replies/template", params={"template_id": template.id})
    assert f"Yth. Budi Santoso, tiket {conversation.ticket} kami terima." in filled.text
    counted = web.post(f"/inbox/{conversation.id}/replies/count", {"text": "a" * 281})
    assert "281 / 280" in counted.text and 'data-over="1"' in counted.text

    sent = web.post(
        f"/inbox/{conversation.id}/replies", {"text": "Baik, kami cek.", "template_id": template.id}
    )
    assert sent.status_code == 303
    reply = session.scalars(select(Reply).where(Reply.conversation_id == conversation.id)).one()
    assert reply.status == "menunggu_persetujuan" and reply.template_id == template.id

    web.login(people["reviewer"])
    queue = web.get("/inbox/approvals")
    assert 'data-testid="approve-form"' in queue.text and "Baik, kami cek." in queue.text
    approved = web.post(
        f"/inbox/replies/{reply.id}/approve", {"text": "Baik, kami periksa.", "back": "queue"}
    )
    assert approved.status_code == 303 and approved.headers["location"] == "/inbox/approvals"
    session.refresh(reply)
    assert reply.status == "antre" and reply.text == "Baik, kami periksa." and reply.outbox_message_id


def test_the_author_sees_no_approve_button_on_their_own_reply(web, session, desk):
    unit, people, conversation = desk
    both = make_user(session, unit=unit, roles=("responder", "reviewer"))
    unit_settings.set_rules(
        session, unit=unit, data=unit_settings.RulesInput(reply_approval="all"), actor=people["admin"]
    )
    reply = replies.compose_reply(session, conversation=conversation, actor=both, text="Terima kasih.")
    session.commit()
    web.login(both)
    page = web.get("/inbox/approvals")
    assert 'data-testid="own-reply"' in page.text and 'data-testid="approve-form"' not in page.text
    refused = web.post(f"/inbox/replies/{reply.id}/approve", {"text": ""})
    assert refused.status_code == 403


def test_canned_reply_admin_page_escapes_and_saves(web, session, desk):
    unit, people, _conversation = desk
    web.login(people["admin"])
    created = web.post(
        "/inbox/templates",
        {"unit_id": unit.id, "name": HOSTILE, "text": "Halo {nama} {asing}", "shared_down": "1"},
    )
    assert created.status_code == 303
    page = web.get("/inbox/templates")
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text and "asing" in page.text
    refused = web.post("/inbox/templates", {"unit_id": unit.id, "name": "Kosong", "text": "  "})
    assert refused.status_code == 422 and 'data-testid="template-create"' in refused.text


def test_hiding_a_comment_from_the_conversation(web, session, desk):
    _unit, people, conversation = desk
    item = session.scalars(
        select(ConversationItem).where(ConversationItem.conversation_id == conversation.id)
    ).one()
    web.login(people["responder"])
    page = web.get(f"/inbox/{conversation.id}")  # the conversation page carries this module's parts
    assert 'data-testid="hide-form"' in page.text and 'data-testid="composer-load"' in page.text
    assert 'data-testid="lapor-card"' in page.text
    hidden = web.post(f"/inbox/{conversation.id}/items/{item.id}/hide", {"reason": "Kasar"})
    assert hidden.status_code == 303
    session.refresh(item)
    assert item.hidden_at is not None and item.hidden_reason == "Kasar"
    assert 'data-testid="unhide-form"' in web.get(f"/inbox/{conversation.id}").text
    shown = web.post(f"/inbox/{conversation.id}/items/{item.id}/unhide", {"reason": ""})
    assert shown.status_code == 303
    session.refresh(item)
    assert item.hidden_at is None


def test_lapor_form_print_and_csv(web, session, desk):
    _unit, people, conversation = desk
    web.login(people["responder"])
    form = web.get(f"/inbox/{conversation.id}/lapor/form")
    assert form.status_code == 200 and "&lt;script&gt;" in form.text and "<script>alert" not in form.text
    saved = web.post(
        f"/inbox/{conversation.id}/lapor",
        {"title": "Lampu mati", "description": "Hubungi 081234567890", "tier": "aduan",
         "occurred_on": "2026-02-02", "reporter_contact": "081234567890"},
    )  # fmt: skip
    assert saved.status_code == 303
    forward = session.scalars(select(LaporForward)).one()
    assert forward.reporter_contact is None and forward.tier == "aduan"  # no consent ticked
    card = web.get(f"/inbox/{conversation.id}/lapor")
    assert 'data-testid="lapor-tracking-form"' in card.text
    assert web.post(f"/inbox/lapor/{forward.id}/tracking", {"tracking_number": "5123456"}).status_code == 303
    printed = web.get(f"/inbox/lapor/{forward.id}/print")
    assert printed.status_code == 200 and "5123456" in printed.text
    assert "081234567890" not in printed.text  # a responder not assigned reads it masked
    web.login(people["admin"])
    assert "081234567890" in web.get(f"/inbox/lapor/{forward.id}/print").text
    csv_text = web.get("/inbox/lapor.csv").text
    assert "5123456" in csv_text and csv_text.splitlines()[0].lstrip("\ufeff").startswith("ticket,")


def test_inbox_settings_for_admins_only(web, session, desk):
    unit, people, _conversation = desk
    web.login(people["responder"])
    assert web.get("/inbox/settings").status_code == 403
    web.login(people["admin"])
    page = web.get(f"/inbox/settings?unit_id={unit.id}")
    assert page.status_code == 200 and 'data-testid="inbox-settings"' in page.text
    saved = web.post(
        "/inbox/settings",
        {"unit_id": unit.id, "reply_approval": "roles", "reply_approval_roles": ["responder"],
         "auto_hide_abuse": "1", "auto_hide_threshold": "0,85", "dm_retention_days": "90",
         "dm_gap_hours": "12"},
    )  # fmt: skip
    assert saved.status_code == 303
    rules = unit_settings.rules_for(session, unit)
    assert (rules.reply_approval, rules.reply_approval_roles, rules.auto_hide_threshold) == (
        "roles",
        ("responder",),
        0.85,
    )
    assert (rules.dm_retention_days, rules.dm_gap_hours) == (90, 12)
    bad = web.post("/inbox/settings", {"unit_id": unit.id, "reply_approval": "roles"})
    assert bad.status_code == 422 and 'data-testid="inbox-settings"' in bad.text


def test_a_sibling_unit_reaches_nothing(web, session, desk):
    unit, people, conversation = desk
    item = session.scalars(
        select(ConversationItem).where(ConversationItem.conversation_id == conversation.id)
    ).one()
    template = templates.create_template(
        session, unit=unit, data=templates.TemplateInput(name="Milik", text="Halo"), actor=people["admin"]
    )
    reply = replies.compose_reply(session, conversation=conversation, actor=people["responder"], text="Halo.")
    forward = lapor.create_forward(
        session,
        conversation=conversation,
        data=lapor.draft_for(session, conversation),
        actor=people["responder"],
    )
    session.commit()
    web.login(people["stranger"])
    gets = [
        f"/inbox/{conversation.id}/composer",
        f"/inbox/{conversation.id}/replies/template?template_id={template.id}",
        f"/inbox/{conversation.id}/lapor",
        f"/inbox/{conversation.id}/lapor/form",
        f"/inbox/lapor/{forward.id}/print",
        f"/inbox/lapor/{forward.id}/report.json",
        f"/inbox/settings?unit_id={unit.id}",
    ]
    for url in gets:
        assert web.get(url).status_code == 404, url
    posts = [
        (f"/inbox/{conversation.id}/replies", {"text": "x"}),
        (f"/inbox/{conversation.id}/replies/count", {"text": "x"}),
        (f"/inbox/replies/{reply.id}/retry", {}),
        (f"/inbox/replies/{reply.id}/approve", {"text": ""}),
        (f"/inbox/replies/{reply.id}/return", {"note": "x"}),
        (f"/inbox/{conversation.id}/items/{item.id}/hide", {"reason": "x"}),
        (f"/inbox/templates/{template.id}", {"name": "x", "text": "x"}),
        (f"/inbox/templates/{template.id}/archive", {}),
        (f"/inbox/{conversation.id}/lapor", {"title": "x", "description": "x"}),
        (f"/inbox/lapor/{forward.id}/tracking", {"tracking_number": "123"}),
        ("/inbox/settings", {"unit_id": unit.id}),
        ("/inbox/templates", {"unit_id": unit.id, "name": "x", "text": "x"}),
    ]
    for url, data in posts:
        assert web.post(url, data).status_code == 404, url
    assert "Halo." not in web.get("/inbox/approvals").text
    assert session.get(Template, template.id).archived_at is None
