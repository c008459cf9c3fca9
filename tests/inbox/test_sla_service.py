"""Deadline policies down the unit tree, deadlines stored on conversations, the minute sweep, escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from humas.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from humas.core.time import utcnow
from humas.inbox import sla
from humas.inbox.models import ConversationEvent, InboxSettings, LaporForward, SlaPolicy
from humas.inbox.service import sla as sla_service
from humas.inbox.service import sla_sweep
from humas.org.models import AuditLog, Notification, Unit, User
from humas.outbox.models import OutboxMessage
from tests.factories import make_unit, make_user
from tests.inbox.factories import add_event, make_conversation, make_team

WITA = ZoneInfo("Asia/Makassar")
FRIDAY_3PM = datetime(2026, 7, 3, 15, tzinfo=WITA)
FIELDS = sla_service.PolicyFields


def _tree(session):
    province = make_unit(session, name="Pemprov Sulawesi Selatan")
    province.time_zone = "Asia/Makassar"
    city = make_unit(session, parent=province, name="Diskominfo Kota Makassar")
    admin = make_user(session, unit=province, roles=("admin",))
    return province, city, admin


def _policy(session, unit, admin, **fields):
    values = {"name": "Umum", "first_response_minutes": 120, "resolution_days": 5, **fields}
    return sla_service.create_policy(session, unit=unit, fields=FIELDS(**values), actor=admin, refresh=False)


# --- policies ------------------------------------------------------------------------------------------


def test_policies_are_inherited_and_a_unit_overrides_them_as_a_whole(session):
    province, city, admin = _tree(session)
    district = make_unit(session, parent=city, name="Kecamatan Tamalate")
    general = _policy(session, province, admin)
    assert sla_service.effective_policies(session, district) == (province, [general])
    own = _policy(session, city, admin, name="Aduan", message_type="aduan", resolution_days=14)
    assert sla_service.effective_policies(session, district) == (city, [own])
    assert sla_service.effective_policies(session, province) == (province, [general])

    # A conversation of the district follows the city's set only: an aduan gets it, a question none.
    aduan = make_conversation(session, unit=district, opened_at=FRIDAY_3PM, message_type="aduan")
    question = make_conversation(session, unit=district, opened_at=FRIDAY_3PM)
    now = FRIDAY_3PM + timedelta(minutes=1)
    assert sla_service.refresh_deadlines(session, conversation=aduan, now=now) is not None
    assert aduan.sla_policy_id == own.id and aduan.sla_state == "on_track"
    assert aduan.resolution_due_at == datetime(2026, 7, 23, 16, tzinfo=WITA)  # 14 working days
    assert sla_service.refresh_deadlines(session, conversation=question, now=now) is None
    assert (
        question.sla_policy_id is None and question.sla_state == "none" and question.next_deadline_at is None
    )


def test_policy_changes_are_checked_and_audited(session):
    province, city, admin = _tree(session)
    policy = _policy(session, city, admin)
    with pytest.raises(Conflict):
        _policy(session, city, admin, name="Lagi")  # a second default in the same unit
    with pytest.raises(Invalid):
        _policy(session, city, admin, name="x", clock="lunar")
    with pytest.raises(Invalid):
        _policy(
            session,
            city,
            admin,
            name="x",
            message_type="aduan",
            first_response_minutes=None,
            resolution_days=None,
        )
    with pytest.raises(Invalid):
        _policy(session, city, admin, name="x", message_type="aduan", first_response_minutes=0)
    with pytest.raises(Invalid):
        _policy(session, city, admin, name="x", message_type="aduan", at_risk_share=1.5)
    responder = make_user(session, unit=city, roles=("responder",))
    with pytest.raises(PermissionDenied):
        _policy(session, city, responder, name="x", message_type="aduan")
    sibling_admin = make_user(session, unit=make_unit(session, parent=province), roles=("admin",))
    with pytest.raises(PermissionDenied):
        _policy(session, city, sibling_admin, name="x", message_type="aduan")

    assert sla_service.access_policy(session, admin, policy.id) is policy
    with pytest.raises(NotFound):
        sla_service.access_policy(session, sibling_admin, policy.id)  # a sibling's policy does not exist

    changed = FIELDS(name="Umum", clock="calendar", first_response_minutes=60, escalate_to_parent=True)
    sla_service.update_policy(session, policy=policy, fields=changed, actor=admin)
    assert policy.clock == "calendar" and policy.resolution_days is None and policy.escalate_to_parent
    sla_service.delete_policy(session, policy=policy, actor=admin)
    assert session.get(SlaPolicy, policy.id) is None
    actions = session.scalars(
        select(AuditLog.action)
        .where(AuditLog.unit_id == city.id, AuditLog.action.like("sla_policy.%"))
        .order_by(AuditLog.id)
    ).all()
    assert actions == ["sla_policy.create", "sla_policy.update", "sla_policy.delete"]
    update = session.scalars(select(AuditLog).where(AuditLog.action == "sla_policy.update")).one()
    assert update.before and update.after
    assert update.before["clock"] == "working" and update.after["clock"] == "calendar"


def test_the_lapor_preset_is_applied_once_and_replaces_the_same_keys(session):
    _province, city, admin = _tree(session)
    custom = _policy(session, city, admin, name="Aduan lama", message_type="aduan", resolution_minutes=600)
    urgent = _policy(session, city, admin, name="Mendesak", priority="mendesak", first_response_minutes=30)
    rows = sla_service.apply_lapor_preset(session, unit=city, actor=admin)
    assert len(rows) == len(sla.LAPOR_PRESET) == 4
    assert custom in rows and custom.resolution_days == 14 and custom.resolution_minutes is None
    sla_service.apply_lapor_preset(session, unit=city, actor=admin)  # again: nothing doubles
    own = sla_service.own_policies(session, city)
    assert len(own) == 5 and urgent in own
    by_type = {p.message_type: p for p in own if p.priority is None}
    assert {t: (p.first_response_days, p.resolution_days) for t, p in by_type.items()} == {
        None: (3, 5),
        "pertanyaan": (3, 5),
        "keluhan": (3, 5),
        "aduan": (3, 14),
    }
    assert session.scalar(select(func.count()).where(AuditLog.action == "sla_policy.lapor_preset")) == 2


# --- stored deadlines ----------------------------------------------------------------------------------


def test_refresh_stores_due_times_in_the_units_calendar_and_pauses(session):
    province, city, admin = _tree(session)
    _policy(session, province, admin)
    conversation = make_conversation(session, unit=city, opened_at=FRIDAY_3PM)
    sla_service.refresh_deadlines(session, conversation=conversation, now=FRIDAY_3PM)
    # WITA office hours: 1 h on Friday, 1 h on Monday 6 July.
    assert conversation.first_response_due_at == datetime(2026, 7, 6, 9, tzinfo=WITA)
    assert conversation.first_response_risk_at == datetime(2026, 7, 6, 8, 30, tzinfo=WITA)
    assert conversation.resolution_due_at == datetime(2026, 7, 10, 16, tzinfo=WITA)
    assert conversation.next_deadline_at == conversation.first_response_due_at
    assert conversation.next_risk_at == conversation.first_response_risk_at

    replied = datetime(2026, 7, 3, 15, 30, tzinfo=WITA)
    add_event(session, conversation, "staff_reply", at=replied)
    add_event(session, conversation, "status", at=replied, to="menunggu", **{"from": "terbuka"})
    sla_service.refresh_deadlines(session, conversation=conversation, now=replied)
    assert conversation.sla_state == "paused" and conversation.first_response_met is True
    assert conversation.next_deadline_at is None and conversation.resolution_due_at is None

    shown = sla_service.current(session, conversation=conversation, now=datetime(2026, 7, 6, 12, tzinfo=WITA))
    assert shown and shown.paused and shown.resolution  # what the page shows while waiting on the public
    assert shown.resolution.elapsed == timedelta(minutes=30)
    assert shown.resolution.remaining == timedelta(hours=40, minutes=30)

    answered = datetime(2026, 7, 7, 10, tzinfo=WITA)  # ½ h Friday, 8 h Monday, 2 h Tuesday were paused
    add_event(session, conversation, "citizen", at=answered)
    sla_service.refresh_deadlines(session, conversation=conversation, now=answered)
    assert conversation.sla_state == "on_track"
    # Due Friday 10 July 16:00 without the pause; 10½ working hours later: Monday 13 (8 h), Tuesday 14 (2½ h).
    assert conversation.resolution_due_at == datetime(2026, 7, 14, 10, 30, tzinfo=WITA)
    add_event(session, conversation, "status", at=answered + timedelta(hours=1), to="selesai")
    sla_service.refresh_deadlines(session, conversation=conversation, now=answered + timedelta(hours=1))
    assert conversation.sla_state == "met" and conversation.resolution_met is True
    assert conversation.next_deadline_at is None


def test_a_lapor_forward_of_the_field_check_tier_sets_60_working_days(session):
    province, city, admin = _tree(session)
    sla_service.apply_lapor_preset(session, unit=province, actor=admin)
    conversation = make_conversation(session, unit=city, opened_at=FRIDAY_3PM, message_type="aduan")
    session.add(
        LaporForward(conversation_id=conversation.id, title="Jalan rusak", description="…", tier="lapangan")
    )
    session.flush()
    sla_service.refresh_deadlines(session, conversation=conversation, now=FRIDAY_3PM)
    calendar = sla_service.Context.empty().calendar(session, city)
    assert conversation.resolution_due_at == sla.lapor_due_at(calendar, FRIDAY_3PM, "lapangan")
    assert conversation.first_response_due_at == datetime(2026, 7, 8, 16, tzinfo=WITA)  # 3 working days


def test_refresh_subtree_recomputes_open_conversations(session):
    province, city, admin = _tree(session)
    open_one = make_conversation(session, unit=city, opened_at=FRIDAY_3PM)
    closed = make_conversation(session, unit=city, opened_at=FRIDAY_3PM, status="selesai")
    _policy(session, province, admin)
    assert sla_service.refresh_subtree(session, unit=province, now=FRIDAY_3PM) == 1
    assert open_one.next_deadline_at is not None and closed.next_deadline_at is None


# --- the sweep and escalation --------------------------------------------------------------------------


def _escalation_setup(session):
    province, city, admin = _tree(session)
    _policy(session, province, admin, escalate_to_parent=True)
    responder = make_user(session, unit=city, roles=("responder",), email="responder@makassar.go.id")
    lead = make_user(session, unit=city, roles=("responder",), email="ketua.tim@makassar.go.id")
    head = make_user(session, unit=city, roles=("pimpinan",), email="kadis@makassar.go.id")
    governor_office = make_user(session, unit=province, roles=("pimpinan",), email="kepala@sulsel.go.id")
    make_user(session, unit=city, roles=("pimpinan",), email="old@makassar.go.id", is_active=False)
    team = make_team(session, unit=city, lead=lead, members=(responder,))
    session.add(InboxSettings(unit_id=city.id, escalation_telegram_chat_id="-1001234567890"))
    conversation = make_conversation(
        session, unit=city, opened_at=FRIDAY_3PM, assignee_id=responder.id, team_id=team.id
    )
    sla_service.refresh_deadlines(session, conversation=conversation, now=FRIDAY_3PM)
    return conversation, {"responder": responder, "lead": lead, "head": head, "province": governor_office}


def _told(session, conversation):
    rows = session.execute(
        select(Notification.user_id, Notification.kind).where(
            Notification.key.like(f"inbox.sla:{conversation.id}:%")
        )
    )
    return sorted(rows.tuples())


def _mail(session):
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.in_(("notify.email", "notify.telegram")))
    )
    return sorted((m.kind, m.target) for m in rows)


def test_the_sweep_moves_states_and_escalates_once_per_level(session):
    conversation, people = _escalation_setup(session)
    ids = {k: u.id for k, u in people.items()}
    saturday = datetime(2026, 7, 4, 12, tzinfo=WITA)
    assert sla_sweep.sweep_deadlines(session, now=saturday) == sla_sweep.SweepResult(0, 0, 0)

    monday_0840 = datetime(2026, 7, 6, 8, 40, tzinfo=WITA)
    assert sla_sweep.sweep_deadlines(session, now=monday_0840) == sla_sweep.SweepResult(1, 0, 1)
    session.refresh(conversation)
    assert conversation.sla_state == "at_risk" and conversation.escalation_level == 1
    assert _told(session, conversation) == sorted(
        [(ids["responder"], "inbox.sla_at_risk"), (ids["lead"], "inbox.sla_at_risk")]
    )
    assert _mail(session) == [
        ("notify.email", "ketua.tim@makassar.go.id"),
        ("notify.email", "responder@makassar.go.id"),
        ("notify.telegram", "-1001234567890"),
    ]
    # Every minute after: nothing new.
    assert sla_sweep.sweep_deadlines(
        session, now=monday_0840 + timedelta(minutes=1)
    ) == sla_sweep.SweepResult(0, 0, 0)
    assert len(_mail(session)) == 3

    monday_0900 = datetime(2026, 7, 6, 9, tzinfo=WITA)
    assert sla_sweep.sweep_deadlines(session, now=monday_0900) == sla_sweep.SweepResult(0, 1, 1)
    session.refresh(conversation)
    assert conversation.sla_state == "missed" and conversation.escalation_level == 2
    missed = [(uid, kind) for uid, kind in _told(session, conversation) if kind == "inbox.sla_missed"]
    assert sorted(missed) == sorted(
        [(ids["head"], "inbox.sla_missed"), (ids["province"], "inbox.sla_missed")]
    )
    assert ("notify.email", "kepala@sulsel.go.id") in _mail(session)
    assert ("notify.email", "old@makassar.go.id") not in _mail(session)  # inactive heads are not told
    notice = session.scalars(
        select(Notification).where(
            Notification.user_id == ids["head"], Notification.kind == "inbox.sla_missed"
        )
    ).one()
    assert conversation.ticket in notice.text and notice.link == f"/inbox/{conversation.id}"
    assert sla_sweep.sweep_deadlines(session, now=monday_0900 + timedelta(hours=1)) == sla_sweep.SweepResult(
        0, 0, 0
    )
    events = session.scalars(
        select(ConversationEvent.data).where(
            ConversationEvent.conversation_id == conversation.id, ConversationEvent.kind == "escalation"
        )
    ).all()
    assert [e["level"] for e in events] == [1, 2]
    escalations = session.scalar(select(func.count()).where(AuditLog.action == "conversation.escalate"))
    assert escalations == 2


def test_answering_in_time_resets_the_at_risk_level_and_a_paused_clock_is_not_swept(session):
    conversation, _people = _escalation_setup(session)
    monday_0840 = datetime(2026, 7, 6, 8, 40, tzinfo=WITA)
    sla_sweep.sweep_deadlines(session, now=monday_0840)
    session.refresh(conversation)
    add_event(session, conversation, "staff_reply", at=monday_0840 + timedelta(minutes=5))
    add_event(session, conversation, "status", at=monday_0840 + timedelta(minutes=5), to="menunggu")
    sla_service.refresh_deadlines(session, conversation=conversation, now=monday_0840 + timedelta(minutes=5))
    assert conversation.sla_state == "paused" and conversation.escalation_level == 0
    assert conversation.first_response_met is True
    # Waiting on the public for weeks: never at risk, never missed.
    far = datetime(2026, 8, 31, 12, tzinfo=UTC)
    assert sla_sweep.sweep_deadlines(session, now=far) == sla_sweep.SweepResult(0, 0, 0)
    session.refresh(conversation)
    assert conversation.sla_state == "paused"


def test_an_unassigned_conversation_at_risk_goes_to_the_unit_head(session):
    province, city, admin = _tree(session)
    _policy(session, province, admin)
    head = make_user(session, unit=city, roles=("pimpinan",))
    conversation = make_conversation(session, unit=city, opened_at=FRIDAY_3PM)
    sla_service.refresh_deadlines(session, conversation=conversation, now=FRIDAY_3PM)
    sla_sweep.sweep_deadlines(session, now=datetime(2026, 7, 6, 8, 45, tzinfo=WITA))
    assert _told(session, conversation) == [(head.id, "inbox.sla_at_risk")]
    assert not any(
        kind == "notify.telegram" for kind, _ in _mail(session)
    )  # no chat set: e-mail and app only


def test_the_jobs_refresh_after_a_policy_change_and_sweep_every_minute(use_database):
    from humas.core import migrations
    from humas.core.db import get_engine, session_scope
    from humas.inbox import tasks
    from humas.inbox.models import Conversation
    from humas.jobs import huey, import_task_modules

    migrations.upgrade(get_engine())
    assert "humas.inbox.tasks" in import_task_modules()
    due = {t.name for t in huey.read_periodic(datetime(2026, 7, 6, 8, 41))}
    assert any(name.endswith("sweep_deadlines_task") for name in due)
    opened = utcnow() - timedelta(days=30)  # long past any working-day target
    with session_scope() as session:
        province, city, admin = _tree(session)
        make_user(session, unit=city, roles=("pimpinan",), email="kadis@makassar.go.id")
        conversation_id = make_conversation(session, unit=city, opened_at=opened).id
    with session_scope() as session:
        # The policy's commit queues the subtree's refresh (huey runs immediately in unit tests).
        _policy_committed = sla_service.create_policy(
            session,
            unit=session.get_one(Unit, province.id),
            fields=FIELDS(name="Umum", first_response_minutes=120),
            actor=session.get_one(User, admin.id),
        )
    with session_scope() as session:
        conversation = session.get_one(Conversation, conversation_id)
        assert conversation.sla_state == "missed" and conversation.escalation_level == 0
        assert conversation.first_response_due_at is not None
    tasks.sweep_deadlines_task()
    with session_scope() as session:
        conversation = session.get_one(Conversation, conversation_id)
        assert conversation.escalation_level == 2
        told = session.scalars(select(OutboxMessage.target).where(OutboxMessage.kind == "notify.email")).all()
        assert told == ["kadis@makassar.go.id"]


def test_escalations_beyond_the_batch_wait_for_the_next_minute(session):
    province, city, admin = _tree(session)
    _policy(session, province, admin)
    head = make_user(session, unit=city, roles=("pimpinan",))
    first = make_conversation(session, unit=city, opened_at=FRIDAY_3PM)
    second = make_conversation(session, unit=city, opened_at=FRIDAY_3PM + timedelta(minutes=10))
    for conversation in (first, second):
        sla_service.refresh_deadlines(session, conversation=conversation, now=FRIDAY_3PM)
    monday_noon = datetime(2026, 7, 6, 12, tzinfo=WITA)
    assert sla_sweep.sweep_deadlines(session, now=monday_noon, batch=1) == sla_sweep.SweepResult(0, 2, 1)
    assert _told(session, first) == [(head.id, "inbox.sla_missed")]  # the sooner deadline first
    assert _told(session, second) == []
    assert sla_sweep.sweep_deadlines(session, now=monday_noon, batch=1) == sla_sweep.SweepResult(0, 0, 1)
    assert _told(session, second) == [(head.id, "inbox.sla_missed")]


def test_a_calendar_change_recomputes_the_subtree(session, monkeypatch):
    from datetime import date

    from humas.inbox.service import sla_policies
    from humas.org import service as org_service

    queued = []
    monkeypatch.setattr(sla_policies, "queue_refresh", lambda s, unit: queued.append(unit.id))
    province, city, admin = _tree(session)
    org_service.add_closure(
        session, unit=city, name="Hari jadi kota", first_on=date(2026, 7, 6), last_on=None, actor=admin
    )
    org_service.set_unit_zone(session, unit=province, zone="Asia/Jayapura", actor=admin)
    assert queued == [city.id, province.id]

    # What the queued job then does: Monday's closure moves a WITA first answer to Tuesday.
    monkeypatch.undo()
    org_service.set_unit_zone(session, unit=province, zone="Asia/Makassar", actor=admin)
    _policy(session, province, admin)
    conversation = make_conversation(session, unit=city, opened_at=FRIDAY_3PM)
    sla_service.refresh_subtree(session, unit=province, now=FRIDAY_3PM)
    assert conversation.first_response_due_at == datetime(2026, 7, 7, 9, tzinfo=WITA)
