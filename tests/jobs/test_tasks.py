from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from humas.core import migrations
from humas.core.db import get_engine, session_scope
from humas.core.time import utcnow
from humas.jobs import enqueue_after_commit, huey, import_task_modules
from humas.org import tasks as org_tasks
from humas.org.models import WebSession
from tests.factories import make_user


def test_periodic_purge_is_scheduled_and_purges(use_database):
    migrations.upgrade(get_engine())
    assert "humas.org.tasks" in import_task_modules()
    # The consumer's scheduler asks which periodic tasks are due at a time: every quarter hour, not between.
    due = {task.name for task in huey.read_periodic(datetime(2026, 1, 5, 10, 15))}
    assert any(name.endswith("purge_expired_sessions") for name in due)
    assert not any(
        t.name.endswith("purge_expired_sessions") for t in huey.read_periodic(datetime(2026, 1, 5, 10, 7))
    )
    with session_scope() as session:
        user = make_user(session)
        session.add_all(
            [
                WebSession(
                    id="old", user_id=user.id, csrf_token="x", expires_at=utcnow() - timedelta(hours=1)
                ),
                WebSession(
                    id="new", user_id=user.id, csrf_token="y", expires_at=utcnow() + timedelta(hours=1)
                ),
            ]
        )
    # huey runs in immediate mode in unit tests: enqueueing the task runs it through the queue.
    org_tasks.purge_expired_sessions()
    with session_scope() as session:
        assert session.scalars(select(WebSession.id)).all() == ["new"]


def _recorder(calls: list[int]):  # type: ignore[no-untyped-def]
    # A fresh task name per use: huey refuses to register the same name twice.
    @huey.task(name=f"test-record-{id(calls)}")
    def record(n: int) -> None:
        calls.append(n)

    return record


def test_enqueue_after_commit_runs_only_on_commit(use_database):
    migrations.upgrade(get_engine())
    calls: list[int] = []
    record = _recorder(calls)

    with session_scope() as session:
        enqueue_after_commit(session, record, n=1)
        assert calls == []
    assert calls == [1]
    try:
        with session_scope() as session:
            enqueue_after_commit(session, record, n=2)
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert calls == [1]
