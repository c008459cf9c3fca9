"""SP4N-LAPOR! forwards: the fields filled from the conversation, the contact only with consent, the tier's
working-day deadline on the unit's calendar, the manual adapter's tracking number, exports and isolation."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from humas.core.errors import Conflict, Invalid, NotFound
from humas.inbox.models import ConversationEvent
from humas.inbox.service import lapor
from humas.org.models import AuditLog
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user
from tests.inbox.factories import make_channel_conversation

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = datetime(2026, 2, 2, 10, 0, tzinfo=WIB)  # an ordinary week: no holiday before 17 February


@pytest.fixture
def complaint(session):
    unit = make_unit(session, name="Dinas Perhubungan")
    responder = make_user(session, unit=unit, roles=("responder",))
    conversation = make_channel_conversation(
        session,
        unit=unit,
        channel=make_channel(session, unit=unit, platform="x"),
        texts=("Lampu lalu lintas di Jl. Merdeka mati sejak kemarin.", "Hubungi saya di 0812-3456-7890."),
        opened_at=MONDAY,
        message_type="keluhan",
        subject="",
    )
    return unit, responder, conversation


def test_the_form_is_prefilled_from_the_conversation_without_contact(session, complaint):
    _unit, _responder, conversation = complaint
    draft = lapor.draft_for(session, conversation)
    assert draft.title == "Lampu lalu lintas di Jl. Merdeka mati sejak kemarin."
    assert "0812-3456-7890" in draft.description and draft.tier == "keluhan" and draft.category == "keluhan"
    assert draft.occurred_on == MONDAY.date()
    assert draft.contact_consent is False and draft.reporter_contact is None


def test_the_contact_is_kept_only_with_consent_and_the_tier_sets_the_deadline(session, complaint):
    _unit, responder, conversation = complaint
    data = lapor.draft_for(session, conversation)
    no_consent = lapor.LaporInput(**{**data.__dict__, "reporter_contact": "0812-3456-7890"})

    forward = lapor.create_forward(session, conversation=conversation, data=no_consent, actor=responder)

    assert forward.reporter_contact is None and not forward.contact_consent
    # keluhan: 5 working days from Monday 2 February: the close of Monday 9 February (the unit's zone).
    assert forward.due_at.astimezone(WIB).date() == datetime(2026, 2, 9).date()
    first, _due = lapor.due_times(session, conversation, forward.tier)
    assert first.astimezone(WIB).date() == datetime(2026, 2, 5).date()  # a first answer in 3 working days
    consent = lapor.LaporInput(
        **{**data.__dict__, "reporter_contact": "budi@contoh.id", "contact_consent": True, "tier": "lapangan"}
    )
    lapor.update_forward(session, forward=forward, conversation=conversation, data=consent, actor=responder)
    assert forward.reporter_contact == "budi@contoh.id" and forward.tier == "lapangan"
    assert forward.due_at.astimezone(WIB).date() > datetime(2026, 4, 1).date()  # 60 working days
    with pytest.raises(Conflict):
        lapor.create_forward(session, conversation=conversation, data=data, actor=responder)
    actions = session.scalars(select(AuditLog.action).where(AuditLog.object_type == "laporforward")).all()
    assert actions == ["inbox.lapor.create", "inbox.lapor.update"]
    assert session.scalar(select(ConversationEvent).where(ConversationEvent.kind == "lapor")) is not None


def test_the_manual_adapter_records_the_typed_tracking_number_once(session, complaint):
    _unit, responder, conversation = complaint
    forward = lapor.create_forward(
        session, conversation=conversation, data=lapor.draft_for(session, conversation), actor=responder
    )
    with pytest.raises(Invalid):
        lapor.set_lapor_status(
            session, forward=forward, conversation=conversation, status="diproses", actor=responder
        )
    with pytest.raises(Invalid):
        lapor.submit_forward(
            session,
            forward=forward,
            conversation=conversation,
            actor=responder,
            adapter=lapor.ManualAdapter("<script>"),
        )

    lapor.submit_forward(
        session,
        forward=forward,
        conversation=conversation,
        actor=responder,
        adapter=lapor.ManualAdapter(" 5123456 "),
    )
    lapor.set_lapor_status(
        session, forward=forward, conversation=conversation, status="diproses", actor=responder
    )

    assert (forward.tracking_number, forward.lapor_status) == ("5123456", "diproses")
    with pytest.raises(Conflict):
        lapor.submit_forward(
            session,
            forward=forward,
            conversation=conversation,
            actor=responder,
            adapter=lapor.ManualAdapter("999"),
        )


def test_a_registered_adapter_is_given_the_whole_report(session, complaint):
    _unit, responder, conversation = complaint
    received: list[lapor.LaporReport] = []

    class Registered:
        name = "api"

        def submit(self, report: lapor.LaporReport) -> str:
            received.append(report)
            return "LAPOR-2026-000123"

    lapor.register_adapter("api", Registered)
    forward = lapor.create_forward(
        session, conversation=conversation, data=lapor.draft_for(session, conversation), actor=responder
    )
    lapor.submit_forward(
        session,
        forward=forward,
        conversation=conversation,
        actor=responder,
        adapter=lapor.adapter_named("api"),
    )
    assert forward.tracking_number == "LAPOR-2026-000123"
    assert received[0].ticket == conversation.ticket and received[0].unit == "Dinas Perhubungan"


def test_exports_mask_personal_data_for_viewers_who_may_not_see_it_and_defuse_formulas(session, complaint):
    unit, responder, conversation = complaint
    data = lapor.draft_for(session, conversation)
    data = lapor.LaporInput(**{**data.__dict__, "title": '=HYPERLINK("http://x")', "location": "Jl. Merdeka"})
    forward = lapor.create_forward(session, conversation=conversation, data=data, actor=responder)
    admin = make_user(session, unit=unit, roles=("admin",))
    analyst = make_user(session, unit=unit, roles=("analyst",))

    full = json.loads(lapor.report_json(lapor.report_of(session, forward, conversation, viewer=admin)))
    masked = lapor.report_of(session, forward, conversation, viewer=analyst)

    assert "0812-3456-7890" in full["description"] and full["location"] == "Jl. Merdeka"
    assert "0812-3456-7890" not in masked.description and "890" in masked.description
    rows = list(csv.reader(io.StringIO(lapor.reports_csv([masked]))))
    assert rows[0][:3] == ["ticket", "unit", "title"] and rows[1][2].startswith("'=")


def test_a_sibling_unit_finds_no_forward(session, complaint):
    _unit, responder, conversation = complaint
    forward = lapor.create_forward(
        session, conversation=conversation, data=lapor.draft_for(session, conversation), actor=responder
    )
    stranger = make_user(session, unit=make_unit(session), roles=("admin",))
    with pytest.raises(NotFound):
        lapor.access_forward(session, stranger, forward.id)
    assert lapor.list_forwards(session, stranger) == []
    assert [f.id for f, _c in lapor.list_forwards(session, responder)] == [forward.id]
