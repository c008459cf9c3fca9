"""Spikes recorded from rollups, alert rules with cool-down, deliveries retried and reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from humas.core import migrations
from humas.core.db import get_engine, session_scope
from humas.core.errors import NotFound
from humas.ingest.models import MentionRollup
from humas.listening.models import AlertEvent, AlertRule, SpikeRecord
from humas.listening.service import alerts, deliveries, rules, spikes
from humas.listening.service.scope import resolve_scope
from humas.org.models import AuditLog, User
from humas.outbox import runner, transport
from humas.outbox.models import OutboxMessage
from humas.outbox.settings import DeliverySettings
from tests.factories import make_unit, make_user
from tests.listening.conftest import add_mentions

START = datetime(2026, 10, 5, 0, 0, tzinfo=UTC)
HOOK = "https://receiver.example/hook"
SETTINGS = DeliverySettings(delivery_attempts=3, delivery_backoff_s=1.0, telegram_bot_token="123:abc")


def _series(session, unit, hours: int, spike_at: int) -> None:
    rows = []
    for h in range(hours):
        t = START + timedelta(hours=h)
        local_hour = (t.hour + 7) % 24
        n = 20 if 8 <= local_hour <= 17 else 4
        if spike_at <= h < spike_at + 3:
            n *= 6
        rows.append(
            MentionRollup(unit_id=unit.id, query_id=0, platform="x", sentiment="neutral", hour=t, count=n)
        )
    session.add_all(rows)
    session.flush()


def test_a_spike_is_recorded_once_and_listed(session):
    root = make_unit(session)
    child = make_unit(session, parent=root)
    _series(session, child, 24 * 21, spike_at=24 * 20 + 4)
    now = START + timedelta(hours=24 * 21)
    spikes.run_detection(session, now=now)
    recorded = session.query(SpikeRecord).filter_by(unit_id=child.id, metric="volume").all()
    assert len(recorded) == 1
    spike = recorded[0]
    assert spike.start_at == START + timedelta(hours=24 * 20 + 4) and spike.peak_value > 3 * spike.expected
    spikes.run_detection(session, now=now)  # nothing new: nothing twice
    assert session.query(SpikeRecord).filter_by(unit_id=child.id, metric="volume").count() == 1
    user = make_user(session, unit=root)
    scope = resolve_scope(session, user, since=now - timedelta(days=3), until=now)
    assert spike in spikes.list_spikes(session, scope=scope)
    sibling_user = make_user(session, unit=make_unit(session, parent=root))
    sibling_scope = resolve_scope(session, sibling_user, since=now - timedelta(days=3), until=now)
    assert spikes.list_spikes(session, scope=sibling_scope) == []


@respx.mock
def test_failing_channel_is_retried_and_reported(use_database, monkeypatch):
    engine = get_engine()
    migrations.upgrade(engine)
    monkeypatch.setattr(deliveries, "get_delivery_settings", lambda: SETTINGS)
    hook = respx.post(HOOK).mock(side_effect=[httpx.Response(503, text="busy"), httpx.Response(200)])
    telegram = respx.post(url__startswith="https://api.telegram.org/").mock(
        return_value=httpx.Response(401, json={"ok": False, "error_code": 401, "description": "Unauthorized"})
    )
    with session_scope() as session:
        unit = make_unit(session)
        user = make_user(session, unit=unit)
        rule = rules.create_rule(
            session,
            unit=unit,
            actor=user,
            data=rules.RuleInput(
                name="Bocor",
                kind="keyword",
                keyword="dokumen rahasia",
                cooldown_min=60,
                telegram_chat_id="-100",
                webhook_url=HOOK,
                webhook_secret="s3cret",
            ),
        )
        add_mentions(session, unit, ["Ada dokumen rahasia bocor di grup", "biasa saja"], at=datetime.now(UTC))
        events = alerts.evaluate_rules(session)
        assert len(events) == 1 and "dokumen rahasia" in events[0].subject
        event_id, user_id, rule_id = events[0].id, user.id, rule.id
    # The commit that stored the alert sent each delivery once (the outbox's job, run immediately here).
    by_channel = _deliveries(event_id)
    webhook, tg = by_channel["webhook"], by_channel["telegram"]
    assert webhook.shown_status == "retrying" and "503" in webhook.last_error and webhook.attempts == 1
    assert tg.status == "failed" and tg.attempts == 1 and "Unauthorized" in tg.last_error, (
        tg.status,
        tg.attempts,
        tg.last_error,
        tg.next_attempt_at,
    )
    # Not due yet: nothing is sent before the backoff has passed.
    assert runner.send_due(engine) == {}
    assert runner.send_due(engine, now=webhook.next_attempt_at + timedelta(seconds=1)) == {webhook.id: "sent"}
    webhook = _deliveries(event_id)["webhook"]
    assert webhook.status == "sent" and webhook.attempts == 2 and webhook.last_error is None
    request = hook.calls[-1].request
    assert transport.verify_webhook(request.content, request.headers, secret="s3cret")
    assert request.headers[transport.DELIVERY_HEADER] == webhook.idempotency_key
    assert hook.calls[0].request.headers[transport.DELIVERY_HEADER] == webhook.idempotency_key
    assert telegram.call_count == 1
    # A failed delivery can be retried by hand, with an audit row; it is sent again after the commit.
    with session_scope() as session:
        actor = session.get(User, user_id)
        delivery = alerts.access_delivery(session, actor, tg.id)
        deliveries.retry_delivery(session, delivery=delivery, actor=actor)
        assert session.query(AuditLog).filter_by(action="alert_delivery.retry").count() == 1
        assert session.get(AlertRule, rule_id).cursor > 0
    assert telegram.call_count == 2 and _deliveries(event_id)["telegram"].status == "failed"


def _deliveries(event_id: int) -> dict[str, OutboxMessage]:
    with session_scope() as session:
        found = {d.medium: d for d in session.get(AlertEvent, event_id).deliveries}
        session.expunge_all()
        return found


def test_cool_down_groups_one_incident_into_one_alert(session):
    unit = make_unit(session)
    user = make_user(session, unit=unit)
    rules.create_rule(
        session,
        unit=unit,
        actor=user,
        data=rules.RuleInput(name="Hoaks", kind="keyword", keyword="hoaks", cooldown_min=60),
    )
    add_mentions(session, unit, ["ini hoaks"], at=datetime.now(UTC))
    assert len(alerts.evaluate_rules(session)) == 1
    add_mentions(session, unit, ["hoaks lagi"], at=datetime.now(UTC))
    assert alerts.evaluate_rules(session) == []
    event = session.query(AlertEvent).one()
    assert event.suppressed == 1
    later = datetime.now(UTC) + timedelta(minutes=61)
    add_mentions(session, unit, ["hoaks ketiga"], at=later)
    assert len(alerts.evaluate_rules(session, now=later)) in (0, 1)  # keyword firings use the wall clock


def test_rules_of_a_sibling_are_invisible(session):
    root = make_unit(session)
    a, b = make_unit(session, parent=root), make_unit(session, parent=root)
    user_a, user_b = make_user(session, unit=a), make_user(session, unit=b)
    rule = rules.create_rule(
        session, unit=a, actor=user_a, data=rules.RuleInput(name="r", kind="keyword", keyword="x")
    )
    assert rules.list_rules(session, user_b) == []
    with pytest.raises(NotFound):
        rules.access_rule(session, user_b, rule.id)
