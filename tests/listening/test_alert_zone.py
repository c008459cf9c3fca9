"""An alert shows its times in the zone of its rule's unit (WIB, WITA, WIT), not a fixed one."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from humas.listening.alert_text import Alert, AlertKind, render_alert
from humas.listening.service import alerts, rules
from humas.org import service as org_service
from tests.factories import make_unit, make_user
from tests.listening.conftest import add_mentions

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def test_the_same_moment_in_each_zone() -> None:
    spike = Alert(kind=AlertKind.SPIKE, subject="KPPN", occurred_at=NOW, value=90, expected=30)
    assert "2026-11-24 09:00 WIB" in render_alert(spike, tz=ZoneInfo("Asia/Jakarta")).text
    assert "2026-11-24 10:00 WITA" in render_alert(spike, tz=ZoneInfo("Asia/Makassar")).text
    assert "2026-11-24 11:00 WIT" in render_alert(spike, tz=ZoneInfo("Asia/Jayapura")).html


def test_a_rule_of_a_wit_unit_alerts_in_wit(session) -> None:
    root = make_unit(session)
    papua = make_unit(session, parent=root, name="KPPN Jayapura")
    admin = make_user(session, unit=root)
    org_service.set_unit_zone(session, unit=papua, zone="Asia/Jayapura", actor=admin)
    rules.create_rule(
        session, unit=papua, actor=admin, data=rules.RuleInput(name="Hoaks", kind="keyword", keyword="hoaks")
    )
    add_mentions(session, papua, ["ini hoaks"], at=datetime.now(UTC))
    (event,) = alerts.evaluate_rules(session)
    local = event.occurred_at.astimezone(ZoneInfo("Asia/Jayapura")).strftime("%Y-%m-%d %H:%M")
    assert f"{local} WIT" in event.text and " WIB" not in event.text
