"""Personal data: masking in what most viewers read, and the retention of closed direct-message conversations
(text and personal data erased, counts, times, types and deadline results kept)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from humas.core.time import utcnow
from humas.inbox.models import ConversationItem, Note, Reply
from humas.inbox.service import privacy, retention, unit_settings
from humas.ingest.models import Mention
from humas.org.models import AuditLog
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user
from tests.inbox.factories import make_channel_conversation


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        ("HP saya 0812-3456-7890 ya", "0812-3456-7890", "890"),
        ("WA +62 812 3456 7890", "812 3456 7890", "890"),
        ("hubungi 6281234567890", "6281234567890", "890"),
        ("nomor 081234567890.", "081234567890", "890"),
        ("surel budi.santoso@contoh.go.id", "budi.santoso@contoh.go.id", "@"),
        ("NIK 3174012345678901", "3174012345678901", "8901"),
    ],
)
def test_phone_numbers_emails_and_nik_are_masked(text, secret, kept):
    masked = privacy.mask_personal(text)
    assert secret not in masked and kept in masked
    assert masked.split(" ")[0] == text.split(" ")[0]  # the words around stay


def test_ordinary_numbers_stay():
    text = "Antrean nomor 12 pada 15-03-2026 pukul 08.30, biaya Rp 150.000."
    assert privacy.mask_personal(text) == text


def test_who_sees_personal_data(session):
    unit = make_unit(session)
    admin = make_user(session, unit=unit, roles=("admin",))
    assignee = make_user(session, unit=unit, roles=("responder",))
    other = make_user(session, unit=unit, roles=("responder",))
    conversation = make_channel_conversation(
        session, unit=unit, channel=None, platform="x", assignee_id=assignee.id
    )
    seen = {u.id: privacy.may_see_personal(u, conversation) for u in (admin, assignee, other)}
    assert seen == {admin.id: True, assignee.id: True, other.id: False}


def _dm(session, unit, *, closed_days_ago: int | None, origin: str = "dm"):
    channel = make_channel(session, unit=unit, platform="telegram")
    conversation = make_channel_conversation(
        session,
        unit=unit,
        channel=channel,
        origin=origin,
        texts=("Nama saya Budi, NIK 3174012345678901.", "HP 0812-3456-7890"),
        subject="Budi: pengaduan KTP",
        message_type="keluhan",
        first_response_met=True,
        resolution_met=False,
        sla_state="met",
    )
    if closed_days_ago is not None:
        conversation.status = "selesai"
        conversation.resolved_at = utcnow() - timedelta(days=closed_days_ago)
    session.add(Reply(conversation_id=conversation.id, text="Baik Pak Budi, kami cek.", status="terkirim"))
    session.add(Note(conversation_id=conversation.id, text="Pak Budi tinggal di Jl. Mawar 3."))
    session.flush()
    return conversation


def _mentions(session, conversation) -> list[Mention]:
    stmt = (
        select(Mention)
        .join(ConversationItem, ConversationItem.mention_id == Mention.id)
        .where(ConversationItem.conversation_id == conversation.id)
    )
    return list(session.scalars(stmt))


def test_retention_erases_text_and_personal_data_but_keeps_the_counts(session):
    root = make_unit(session)
    admin = make_user(session, unit=root, roles=("admin",))
    unit_settings.set_rules(
        session, unit=root, data=unit_settings.RulesInput(dm_retention_days=30), actor=admin
    )
    child = make_unit(session, parent=root)  # inherits the 30 days
    keeper = make_unit(session, parent=root)  # its own rules: keep DMs
    unit_settings.set_rules(session, unit=keeper, data=unit_settings.RulesInput(), actor=admin)

    old = _dm(session, child, closed_days_ago=40)
    recent = _dm(session, child, closed_days_ago=5)
    still_open = _dm(session, child, closed_days_ago=None)
    comments = _dm(session, child, closed_days_ago=40, origin="comments")
    kept = _dm(session, keeper, closed_days_ago=400)

    result = retention.erase_expired(session)

    assert (result.conversations, result.items) == (1, 2)
    assert old.erased_at is not None and old.subject == "" and old.author_name is None
    for mention in _mentions(session, old):
        assert mention.text == "" and mention.author_name is None and mention.author_handle is None
        assert mention.author_id is None and mention.platform == "telegram" and mention.created_at is not None
    assert old.item_count == 2 and old.message_type == "keluhan" and old.resolved_at is not None
    assert (old.first_response_met, old.resolution_met, old.sla_state) == (True, False, "met")
    assert session.scalar(select(Reply.text).where(Reply.conversation_id == old.id)) == ""
    assert session.scalar(select(Note.text).where(Note.conversation_id == old.id)) == ""
    for untouched in (recent, still_open, comments, kept):
        assert untouched.erased_at is None
        assert all(m.text for m in _mentions(session, untouched))
    row = session.scalar(select(AuditLog).where(AuditLog.action == "inbox.conversation.erase"))
    assert row.object_id == str(old.id) and row.after == {"items": 2, "reason": "dm_retention"}
    assert retention.erase_expired(session).conversations == 0  # nothing twice


def test_without_any_retention_nothing_is_erased(session):
    unit = make_unit(session)
    conversation = _dm(session, unit, closed_days_ago=4000)
    assert retention.erase_expired(session).conversations == 0 and conversation.erased_at is None


def test_the_daily_task_erases_on_the_apps_database(use_database):
    from humas.core import migrations
    from humas.core.db import get_engine, session_scope
    from humas.inbox.models import Conversation
    from humas.inbox.tasks import erase_expired_dms_task

    migrations.upgrade(get_engine())
    with session_scope() as session:
        unit = make_unit(session)
        admin = make_user(session, unit=unit, roles=("admin",))
        rules = unit_settings.RulesInput(dm_retention_days=30)
        unit_settings.set_rules(session, unit=unit, data=rules, actor=admin)
        old_id = _dm(session, unit, closed_days_ago=31).id
        recent_id = _dm(session, unit, closed_days_ago=29).id

    erase_expired_dms_task.call_local()

    with session_scope() as session:
        assert session.get(Conversation, old_id).erased_at is not None
        assert session.get(Conversation, recent_id).erased_at is None
