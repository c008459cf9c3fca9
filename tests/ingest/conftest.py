"""A fresh database that really commits (imports and feed polls own their transactions), on both engines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from humas.core.db import make_engine, session_scope
from tests.conftest import ENGINES, PG_URL, _build_postgresql, _build_sqlite
from tests.factories import make_unit


@pytest.fixture(params=ENGINES)
def committing_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = _build_sqlite(tmp_path)
        yield engine
        engine.dispose()
        return
    engine, schema = _build_postgresql()
    yield engine
    engine.dispose()
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def unit_id(committing_engine: Engine) -> int:
    with session_scope(committing_engine) as session:
        return make_unit(session, name="Biro Humas").id
