"""Periodic housekeeping of the org domain."""

from __future__ import annotations

from huey import crontab

from humas.core.db import session_scope
from humas.jobs import huey
from humas.org import auth


@huey.periodic_task(crontab(minute="*/15"))
def purge_expired_sessions() -> int:
    """Delete expired browser sessions every 15 minutes."""
    with session_scope() as session:
        return auth.purge_expired_sessions(session)
