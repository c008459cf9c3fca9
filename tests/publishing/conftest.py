"""Publishing tests: channel credentials are stored encrypted (a Fernet key), and the outbox tests run on the
app's own database, whose transactions really commit (the sender owns its transactions)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.conftest import fresh_engine


@pytest.fixture(autouse=True)
def _fernet_key(fernet_key: str) -> str:
    return fernet_key


@pytest.fixture
def app_db(use_database: str) -> Iterator[Engine]:
    """The app's database (settings point at it), migrated; jobs run by huey (immediate) use it too."""
    from humas.core import migrations
    from humas.core.db import get_engine

    engine = get_engine()
    migrations.upgrade(engine)
    yield engine


@pytest.fixture
def second(session: Session, tmp_path) -> Iterator[Session]:
    """Another installation: its own database of the same engine (kit files travel between two)."""
    kind = session.get_bind().dialect.name
    (tmp_path / "second").mkdir()
    with fresh_engine(kind, tmp_path / "second") as engine, Session(engine) as other:
        yield other
