"""A fresh database that really commits (imports and feed polls own their transactions), on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from humas.core.db import session_scope
from tests.factories import make_unit


@pytest.fixture
def unit_id(committing_engine: Engine) -> int:
    with session_scope(committing_engine) as session:
        return make_unit(session, name="Biro Humas").id
