"""core.db.each_in_own_transaction: every item in its own unit of work; a failing one is rolled back and
logged, the others are kept (both engines)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from humas.core import migrations
from humas.core.db import each_in_own_transaction, get_engine, session_scope
from humas.org.models import Unit
from tests.factories import make_unit


def test_a_failing_item_is_rolled_back_and_logged_and_the_others_are_kept(use_database, caplog):
    migrations.upgrade(get_engine())

    def work(session, n: int) -> str:
        unit = make_unit(session, name=f"Satuan {n}")
        if n == 2:
            raise RuntimeError("boom")  # after its write: the write must not survive
        return unit.name

    with caplog.at_level(logging.ERROR):
        done = each_in_own_transaction([1, 2, 3], work, what="unit")
    assert done == {1: "Satuan 1", 2: None, 3: "Satuan 3"}
    assert "unit 2 failed" in caplog.text and "boom" in caplog.text
    with session_scope() as session:
        names = set(session.scalars(select(Unit.name)))
        assert {"Satuan 1", "Satuan 3"} <= names and "Satuan 2" not in names
        assert session.scalar(select(func.count(Unit.id)).where(Unit.name.like("Satuan %"))) == 2


def test_an_interrupt_is_not_swallowed(use_database):
    migrations.upgrade(get_engine())

    def work(session, n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        each_in_own_transaction([1], work, what="unit")
