"""Alert rules edited, paused and resumed in the service (both engines): a paused rule never fires."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from humas.core.errors import Invalid, NotFound
from humas.ingest.service import queries as queries_service
from humas.listening.models import AlertEvent
from humas.listening.service import alerts, rules
from humas.org.models import AuditLog
from tests.factories import make_unit, make_user
from tests.listening.conftest import add_mentions

HOOK = "https://receiver.example/hook"


def _rule(session, unit, user, **overrides):
    data = {"name": "Bocor", "kind": "keyword", "keyword": "bocor", "cooldown_min": 1, **overrides}
    return rules.create_rule(session, unit=unit, actor=user, data=rules.RuleInput(**data))


def _actions(session, rule) -> list[str]:
    stmt = select(AuditLog.action).where(
        AuditLog.object_type == "alertrule", AuditLog.object_id == str(rule.id)
    )
    return list(session.scalars(stmt.order_by(AuditLog.id)))


def test_a_paused_rule_never_fires_and_resumes_from_now(session):
    unit = make_unit(session)
    user = make_user(session, unit=unit)
    rule = _rule(session, unit, user)
    rules.set_rule_active(session, rule=rule, active=False, actor=user)
    rules.set_rule_active(session, rule=rule, active=False, actor=user)  # twice: one audit row
    add_mentions(session, unit, ["data bocor saat dijeda"], at=datetime.now(UTC))
    assert alerts.evaluate_rules(session) == []
    assert alerts.firings_of(session, rule, datetime.now(UTC)) == []
    rules.set_rule_active(session, rule=rule, active=True, actor=user)
    assert alerts.evaluate_rules(session) == []  # what happened while paused is never sent
    add_mentions(session, unit, ["data bocor lagi setelah aktif"], at=datetime.now(UTC))
    events = alerts.evaluate_rules(session)
    assert len(events) == 1 and "setelah aktif" in events[0].text
    assert _actions(session, rule) == ["alert_rule.create", "alert_rule.pause", "alert_rule.activate"]


def _edit(session, rule, user, **fields):
    data = {"name": "Bocor data", "kind": "keyword", "keyword": "rahasia", "cooldown_min": 30, **fields}
    return rules.update_rule(session, rule=rule, actor=user, data=rules.RuleInput(**data))


def _updates(session) -> list[AuditLog]:
    return list(
        session.scalars(select(AuditLog).where(AuditLog.action == "alert_rule.update").order_by(AuditLog.id))
    )


def test_an_edit_is_audited_without_the_secret_and_keeps_it_when_left_empty(session):
    unit = make_unit(session)
    user = make_user(session, unit=unit)
    rule = _rule(session, unit, user, webhook_url=HOOK, webhook_secret="s3cret")
    _edit(session, rule, user, webhook_url=HOOK)
    assert (rule.name, rule.keyword, rule.cooldown_min) == ("Bocor data", "rahasia", 30)
    assert rules.webhook_secret(rule) == "s3cret" and "s3cret" not in (rule.webhook_secret_encrypted or "")
    [audit] = _updates(session)
    assert audit.before["keyword"] == "bocor" and audit.after["keyword"] == "rahasia"
    assert "s3cret" not in str(audit.before) + str(audit.after) and "webhook_secret" not in audit.after
    # A new secret is recorded as changed, never as its value.
    _edit(session, rule, user, webhook_url=HOOK, webhook_secret="baru")
    last = _updates(session)[-1]
    assert rules.webhook_secret(rule) == "baru" and last.after["webhook_secret"] == "changed"
    assert "baru" not in str(last.after)
    # A new URL needs a new secret; the refused edit changes nothing.
    with pytest.raises(Invalid) as caught:
        _edit(session, rule, user, name="x", webhook_url="https://lain.example/hook")
    assert caught.value.field == "webhook_secret" and rule.name == "Bocor data"
    # Nothing changed: no audit row.
    _edit(session, rule, user, webhook_url=HOOK)
    assert len(_updates(session)) == 2


def test_a_changed_rule_fires_on_its_new_terms(session):
    unit = make_unit(session)
    user = make_user(session, unit=unit)
    rule = _rule(session, unit, user)
    rules.update_rule(
        session, rule=rule, actor=user, data=rules.RuleInput(name="Hoaks", kind="keyword", keyword="hoaks")
    )
    add_mentions(session, unit, ["data bocor", "ini hoaks"], at=datetime.now(UTC))
    events = alerts.evaluate_rules(session)
    assert len(events) == 1 and "hoaks" in events[0].text and "bocor" not in events[0].text
    # Another kind counts other ids: it starts watching from now.
    rules.update_rule(session, rule=rule, actor=user, data=rules.RuleInput(name="Lonjakan", kind="spike"))
    assert rule.cursor == 0 and alerts.evaluate_rules(session) == []
    assert session.scalar(select(func.count()).select_from(AlertEvent)) == 1


def test_an_edit_checks_like_a_create_and_hides_other_units(session):
    root = make_unit(session)
    a, b = make_unit(session, parent=root), make_unit(session, parent=root)
    user_a = make_user(session, unit=a)
    rule = _rule(session, a, user_a)
    foreign = queries_service.create_query(session, unit=b, name="b", query="rahasia", actor=None)
    with pytest.raises(Invalid) as caught:
        rules.update_rule(session, rule=rule, actor=user_a, data=rules.RuleInput(name="r", kind="keyword"))
    assert caught.value.field == "keyword"
    with pytest.raises(NotFound):
        rules.update_rule(
            session,
            rule=rule,
            actor=user_a,
            data=rules.RuleInput(name="r", kind="keyword", keyword="x", query_id=foreign.id),
        )
    assert (rule.name, rule.keyword, rule.query_id) == ("Bocor", "bocor", None)
