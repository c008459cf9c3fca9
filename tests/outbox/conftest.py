"""Outbox tests run on the app's own database (the sender owns its transactions), with a Fernet key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine


@pytest.fixture(autouse=True)
def _fernet_key(fernet_key: str) -> str:
    """Channel credentials and alert webhook secrets are stored encrypted."""
    return fernet_key


@pytest.fixture
def app_db(use_database: str) -> Iterator[Engine]:
    """The app's database (settings point at it), migrated; jobs run by huey (immediate) use it too."""
    from humas.core import migrations
    from humas.core.db import get_engine

    engine = get_engine()
    migrations.upgrade(engine)
    yield engine


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, no ``except Exception`` catches it."""


def kill_worker(message_id: int, _sent: object) -> None:
    raise WorkerKilled(f"worker killed after the platform answered for outbox row {message_id}")
