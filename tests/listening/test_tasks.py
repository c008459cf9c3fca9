"""The listening jobs run on their own session scopes and are scheduled (huey immediate mode)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from humas.core import migrations
from humas.core.db import get_engine, session_scope
from humas.jobs import huey, import_task_modules
from humas.listening import tasks
from humas.listening.models import AlertEvent, FacetRollup, Narrative
from humas.listening.service import rules
from tests.factories import make_unit, make_user
from tests.listening.conftest import add_mentions


def test_jobs_roll_up_alert_and_group(use_database):
    migrations.upgrade(get_engine())
    assert "humas.listening.tasks" in import_task_modules()
    due = {t.name for t in huey.read_periodic(datetime(2026, 1, 5, 10, 1))}
    assert any(n.endswith("detect_spikes_task") for n in due) and any(
        n.endswith("rollup_facets_task") for n in due
    )
    with session_scope() as session:
        unit = make_unit(session)
        user = make_user(session, unit=unit)
        rules.create_rule(
            session,
            unit=unit,
            actor=user,
            data=rules.RuleInput(name="bocor", kind="keyword", keyword="bocor"),
        )
        add_mentions(
            session,
            unit,
            ["Data bocor lagi, gaji PNS dipotong kata pesan berantai"] * 4,
            at=datetime.now(UTC) - timedelta(hours=1),
        )
    tasks.rollup_facets_task()
    tasks.detect_spikes_task()
    tasks.build_narratives_task()
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(FacetRollup)) > 0
        assert session.scalar(select(func.count()).select_from(AlertEvent)) == 1
        assert session.scalar(select(func.count()).select_from(Narrative)) == 1
