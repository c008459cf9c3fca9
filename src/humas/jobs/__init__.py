"""The huey instance: SqliteHuey by default, RedisHuey when HUMAS_REDIS_URL is set.

Domain tasks live in `<domain>/tasks.py` and register themselves on this instance; `TASK_MODULES` lists
them so a consumer imports every task before it starts.
"""

from __future__ import annotations

from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from sqlalchemy.orm import Session

from humas.core.db import on_commit
from humas.core.settings import get_settings

TASK_MODULES = (
    "humas.org.tasks",
    "humas.ingest.tasks",
    "humas.listening.tasks",
    "humas.channels.tasks",
    "humas.outbox.tasks",
    "humas.publishing.tasks",
    "humas.inbox.tasks",
    "humas.reports.tasks",
)


def _make_huey() -> Huey:
    settings = get_settings()
    immediate = settings.immediate_jobs
    if settings.redis_url:
        return RedisHuey(settings.queue_name, url=settings.redis_url, immediate=immediate)
    # The queue file is written by the web process and every worker: wait for its lock like the database does.
    return SqliteHuey(settings.queue_name, filename=settings.queue_path, immediate=immediate, timeout=30)


huey: Huey = _make_huey()


def enqueue_after_commit(session: Session, task: TaskWrapper, **ids: Any) -> None:
    """Queue `task(**ids)` once the current transaction commits; nothing is sent on rollback."""
    on_commit(session, lambda: task(**ids))


def import_task_modules() -> list[str]:
    """Import every domain's tasks so the consumer knows them; returns the modules found."""
    import importlib

    found = []
    for name in TASK_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not exc.name or not name.startswith(exc.name):
                raise
            continue
        found.append(name)
    return found
