"""PostgreSQL array literals of the bulk statements (decision 0102) read back as the values they encode."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from humas.core.sql import _array_param, pg_int_array, pg_text_array


@pytest.fixture
def pg(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL array literals")
    with engine.connect() as conn:
        yield conn


NASTY = ['plain', 'with "quotes"', "back\\slash", "trailing\\", "{braces},commas", "NULL", "", " spaced ",
         "baris\nbaru\ttab", "emoji 😀 dan aksara ꦗꦮ", "'single'"]  # fmt: skip


def _read(conn, literal, cast):
    return [r[0] for r in conn.exec_driver_sql(f"SELECT unnest(%s::{cast}[])", (literal,))]


def test_text_values_round_trip(pg):
    assert _read(pg, pg_text_array(NASTY), "varchar") == NASTY
    assert _read(pg, _array_param([*NASTY, None]), "text") == [*NASTY, None]


def test_numbers_booleans_and_times_round_trip(pg):
    ints = [0, -1, 2**62, None]
    assert _read(pg, _array_param(ints), "bigint") == ints
    assert _read(pg, pg_int_array([3, 1, 2]), "bigint") == [3, 1, 2]
    floats = [0.1, -2.5e-300, 1e300, None]
    assert _read(pg, _array_param(floats), "float8") == floats
    special = _read(pg, _array_param([float("inf"), float("-inf"), float("nan")]), "float8")
    assert special[:2] == [float("inf"), float("-inf")] and special[2] != special[2]
    assert _read(pg, _array_param([True, False, None]), "boolean") == [True, False, None]
    moments = [datetime(2026, 12, 2, 7, 0, 1, 123456, tzinfo=UTC),
               datetime(2026, 12, 2, 14, 0, tzinfo=timezone(timedelta(hours=7))), None]  # fmt: skip
    assert _read(pg, _array_param(moments), "timestamptz") == moments
    assert _read(pg, _array_param([date(2026, 1, 31)]), "date") == [date(2026, 1, 31)]


def test_other_types_go_as_lists(pg):
    from decimal import Decimal

    values = [Decimal("1.5"), None]
    assert _array_param(values) is values
    assert _read(pg, _array_param(values), "numeric") == values
