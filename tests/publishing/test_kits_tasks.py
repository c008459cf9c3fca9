"""The daily kit reminder task on the app's own database (both engines): it reminds the late units of an
open or recently closed kit, each once a day, and leaves kits closed long ago alone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from humas.core.db import session_scope
from humas.outbox.models import OutboxMessage
from humas.publishing.tasks import run_kit_reminders
from tests.publishing.kit_factories import T_END, adapt, issue, make_network, mark_published


def test_daily_task_reminds_late_units_once_a_day(app_db) -> None:
    with session_scope(app_db) as session:
        net = make_network(session, offices=1, per_office=2)
        kit = issue(session, net)
        mark_published(session, adapt(session, kit, net, net.units[0]), T_END - timedelta(hours=5))
        late = sorted(net.drafters[u.id].email for u in net.units[1:])

    def reminded() -> list[str]:
        with session_scope(app_db) as session:
            rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.email"))
            return sorted(m.target for m in rows if m.payload.get("kind") == "kit.reminder")

    assert run_kit_reminders(now=T_END + timedelta(hours=1)) == 2
    assert reminded() == late
    assert run_kit_reminders(now=T_END + timedelta(hours=3)) == 0  # the same day
    assert run_kit_reminders(now=T_END + timedelta(days=1)) == 2
    assert len(reminded()) == 4
    assert run_kit_reminders(now=T_END + timedelta(days=9)) == 0  # closed more than a week ago
    with session_scope(app_db) as session:
        assert session.scalar(select(func.count(OutboxMessage.id))) >= 4
