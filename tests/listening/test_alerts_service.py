"""Spikes recorded from rollups, alert rules with cool-down, deliveries retried and reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from humas.core.errors import NotFound
from humas.ingest.models import MentionRollup
from humas.listening import alert_transport as transport
from humas.listening.models import AlertEvent, SpikeRecord
from humas.listening.service import alerts, deliveries, rules, spikes
from humas.listening.service.scope import resolve_scope
from humas.listening.settings import DeliverySettings
from humas.org.models import AuditLog
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
def test_failing_channel_is_retried_and_reported(session):
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
    hook = respx.post(HOOK).mock(side_effect=[httpx.Response(503, text="busy"), httpx.Response(200)])
    telegram = respx.post(url__startswith="https://api.telegram.org/").mock(
        return_value=httpx.Response(401, json={"ok": False, "error_code": 401, "description": "Unauthorized"})
    )
    add_mentions(session, unit, ["Ada dokumen rahasia bocor di grup", "biasa saja"], at=datetime.now(UTC))
    events = alerts.evaluate_rules(session)
    assert len(events) == 1 and "dokumen rahasia" in events[0].subject
    now = datetime.now(UTC)
    run = deliveries.deliver_due(session, now=now, settings=SETTINGS)
    assert (run.sent, run.retrying, run.failed) == (0, 1, 1)
    by_channel = {d.channel: d for d in events[0].deliveries}
    assert by_channel["webhook"].status == "retrying" and "503" in by_channel["webhook"].last_error
    assert by_channel["telegram"].status == "failed" and by_channel["telegram"].attempts == 1
    # Not due yet: nothing is sent before the backoff has passed.
    assert deliveries.deliver_due(session, now=now, settings=SETTINGS).sent == 0
    run = deliveries.deliver_due(session, now=now + timedelta(seconds=5), settings=SETTINGS)
    assert run.sent == 1 and by_channel["webhook"].status == "sent" and by_channel["webhook"].attempts == 2
    request = hook.calls[-1].request
    assert transport.verify_webhook(request.content, request.headers, secret="s3cret")
    assert request.headers[transport.DELIVERY_HEADER] == by_channel["webhook"].idempotency_key
    assert telegram.called
    # A failed delivery can be retried by hand, with an audit row.
    deliveries.retry_delivery(session, delivery=by_channel["telegram"], actor=user)
    assert by_channel["telegram"].status == "retrying"
    assert session.query(AuditLog).filter_by(action="alert_delivery.retry").count() == 1
    assert rule.cursor > 0


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
