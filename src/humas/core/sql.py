"""Dialect-aware bulk statements (INSERT .. ON CONFLICT) shared by the domains (ingest, listening).

On SQLite the rows go straight to the driver's `executemany` after the columns' own bind processors (the
same conversions SQLAlchemy applies: UTC datetimes to text, JSON to text): SQLAlchemy's per-row parameter
handling cost more than the insert itself. PostgreSQL gets one `INSERT … SELECT FROM unnest(arrays) ORDER BY
key` per table and batch, each array one literal string built by `str.join` (decision 0102: psycopg built
them value by value in Python, and the rows were sorted in Python), or for the widest rows (mentions) COPY
into a temporary table and one `INSERT … SELECT` (decision 0099).
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

# Array parameters of bulk statements as literal strings built by `str.join`, sorted into key order by the
# server (decision 0102); False: lists that psycopg dumps value by value, sorted in Python (the path before).
PG_LITERAL_ARRAYS = True


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def insert_for(session: Session, model: Any) -> Insert:
    module = postgresql if dialect_of(session) == "postgresql" else sqlite
    return module.insert(model.__table__)


def _dump(value: Any) -> str:
    # Raw payloads may carry dates or other objects JSON lacks: store their text rather than fail the batch.
    return json.dumps(value, default=str)


def _is_json(table: Table, name: str, dialect: Any) -> bool:
    return table.c[name].type.compile(dialect=dialect) in ("JSON", "JSONB")


def _sqlite_rows(
    session: Session, table: Table, columns: list[str], rows: Sequence[dict[str, Any]]
) -> list[tuple]:
    dialect = session.get_bind().dialect
    processors = [
        _dump if _is_json(table, name, dialect) else table.c[name].type._cached_bind_processor(dialect)  # noqa: SLF001
        for name in columns
    ]
    if not any(processors):
        return [tuple(row.get(name) for name in columns) for row in rows]
    out = []
    for row in rows:
        values = []
        for name, process in zip(columns, processors, strict=True):
            value = row.get(name)
            values.append(process(value) if process is not None and value is not None else value)
        out.append(tuple(values))
    return out


def sqlite_insert(
    session: Session, model: Any, rows: Sequence[dict[str, Any]], *, columns: list[str], conflict: str = ""
) -> None:
    """executemany of `INSERT INTO table (columns) VALUES (...) <conflict>` with processed values."""
    table: Table = model.__table__
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks}) {conflict}"  # noqa: S608 - model names
    session.connection().exec_driver_sql(statement, _sqlite_rows(session, table, columns, rows))


def pg_insert(
    session: Session,
    model: Any,
    rows: Sequence[dict[str, Any]],
    *,
    columns: list[str],
    conflict: str = "",
    returning: str = "",
    order_by: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """One `INSERT .. SELECT * FROM unnest(arrays) [ORDER BY key]` for the whole batch: one round trip.

    Each array goes as one literal string (`'{1,2,NULL}'`) built by `str.join` (decision 0102): psycopg
    dumps a list value by value in Python, which cost more than the statement. A column holding a value
    the literal does not know (or an array column) is passed as a list.
    """
    table: Table = model.__table__
    dialect = session.get_bind().dialect
    casts = [table.c[name].type.compile(dialect=dialect) for name in columns]
    arrays: list[Any] = []
    for name, cast in zip(columns, casts, strict=True):
        values = [row.get(name) for row in rows]
        if cast in ("JSON", "JSONB"):
            values = [None if v is None else _dump(v) for v in values]
        arrays.append(_array_param(values) if PG_LITERAL_ARRAYS and not cast.endswith("]") else values)
    names = ", ".join(f'"{c}"' for c in columns)
    sources = ", ".join(f"%s::{cast}[]" for cast in casts)
    order = ""
    if order_by:
        order = "ORDER BY " + ", ".join(_order_term(table, c, dialect) for c in order_by)
    statement = (
        f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({sources}) AS u({names}) "  # noqa: S608
        f"{order} {conflict} {returning}"
    )
    result = session.connection().exec_driver_sql(statement, tuple(arrays))
    return [tuple(row) for row in result] if returning else []


def pg_copy_insert(
    session: Session,
    model: Any,
    rows: Sequence[dict[str, Any]],
    *,
    columns: list[str],
    order_by: Sequence[str],
    conflict: str = "",
    returning: str = "",
) -> list[tuple[Any, ...]]:
    """COPY the batch into a temporary table, then one `INSERT … SELECT … ORDER BY key` from it.

    COPY's rows are formatted by psycopg's C code, where the `unnest` arrays of `pg_insert` are built per
    value in Python (decision 0099). The statement moves the rows out of the staging table (`DELETE …
    RETURNING`), so nothing is left behind for a later batch in the same transaction, and inserts them in key
    order: two transactions inserting overlapping keys then wait in line instead of deadlocking.
    """
    if not rows:
        return []
    table: Table = model.__table__
    names = ", ".join(f'"{c}"' for c in columns)
    stage = f"humas_stage_{table.name}_{zlib.crc32(names.encode()):08x}"
    connection = session.connection()
    # Once per database connection (temporary tables live as long as it): the columns' own types, no
    # constraints; its rows are cleared at each commit.
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS "  # noqa: S608 - model names
        f"AS SELECT {names} FROM {table.name} WITH NO DATA"
    )
    dialect = session.get_bind().dialect
    json_columns = {i for i, name in enumerate(columns) if _is_json(table, name, dialect)}
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:  # noqa: S608 - model names
            for row in rows:
                values = [row.get(name) for name in columns]
                for i in json_columns:
                    if values[i] is not None:
                        values[i] = _dump(values[i])
                copy.write_row(values)
    finally:
        cursor.close()
    order = ", ".join(_order_term(table, c, dialect) for c in order_by)
    statement = (
        f"WITH staged AS (DELETE FROM {stage} RETURNING *) "  # noqa: S608 - model names
        f"INSERT INTO {table.name} ({names}) SELECT {names} FROM staged ORDER BY {order} "
        f"{conflict} {returning}"
    )
    result = connection.exec_driver_sql(statement)
    return [tuple(row) for row in result] if returning else []


def _order_term(table: Table, name: str, dialect: Any) -> str:
    """`ORDER BY` term sorting like `in_key_order` does in Python: None first, text by code point."""
    textual = table.c[name].type.compile(dialect=dialect).startswith(("VARCHAR", "TEXT", "CHAR"))
    return f'"{name}"' + (' COLLATE "C"' if textual else "") + " NULLS FIRST"


def _element(value: Any) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = (
            repr(value)
            if math.isfinite(value)
            else {"nan": "NaN", "inf": "Infinity"}.get(str(value), "-Infinity")
        )
    elif isinstance(value, str):
        text = value
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    else:
        raise TypeError(type(value).__name__)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array_param(values: list[Any]) -> Any:
    """The values as one PostgreSQL array literal, or the list itself when a value has another type."""
    try:
        return "{" + ",".join(map(_element, values)) + "}"
    except TypeError:
        return values


def pg_int_array(values: Sequence[int]) -> str:
    """A PostgreSQL array literal of integers (`'{1,2,3}'`, cast with `::bigint[]`): built by `str.join`,
    where psycopg dumps a list value by value in Python."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


def pg_text_array(values: Sequence[str]) -> str:
    """A PostgreSQL array literal of non-null strings, each quoted (cast with `::varchar[]`)."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def in_key_order(rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> list[dict[str, Any]]:
    """The rows sorted by their key columns (None first).

    NOTE: on PostgreSQL two transactions inserting overlapping unique keys in different orders deadlock
    (each waits on a key the other inserted first: seen between a file import and webhook jobs, on
    near_dup_buckets). Inserting every batch in key order makes them wait in line instead.
    """
    return sorted(rows, key=lambda row: tuple((row.get(k) is not None, row.get(k)) for k in keys))


def insert_ignore(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, skipping those whose key already exists."""
    if not rows:
        return
    if dialect_of(session) == "sqlite":
        sqlite_insert(session, model, rows, columns=list(rows[0]), conflict="ON CONFLICT DO NOTHING")
        return
    columns = list(rows[0])
    keys = [c.name for c in model.__table__.primary_key.columns if c.name in columns] or columns
    if PG_LITERAL_ARRAYS:  # the server sorts into key order
        pg_insert(session, model, rows, columns=columns, conflict="ON CONFLICT DO NOTHING", order_by=keys)
        return
    pg_insert(session, model, in_key_order(rows, keys), columns=columns, conflict="ON CONFLICT DO NOTHING")


def upsert_add(
    session: Session, model: Any, rows: Sequence[dict[str, Any]], *, keys: list[str], add: str
) -> None:
    """Insert rows, or add their `add` column onto the existing row with the same keys."""
    if not rows:
        return
    if dialect_of(session) == "sqlite":
        conflict = f'ON CONFLICT ({", ".join(keys)}) DO UPDATE SET "{add}" = "{add}" + excluded."{add}"'
        sqlite_insert(session, model, rows, columns=list(rows[0]), conflict=conflict)
        return
    table = model.__table__.name
    conflict = f'ON CONFLICT ({", ".join(keys)}) DO UPDATE SET "{add}" = {table}."{add}" + excluded."{add}"'
    if PG_LITERAL_ARRAYS:  # the server sorts into key order
        pg_insert(session, model, rows, columns=list(rows[0]), conflict=conflict, order_by=keys)
        return
    pg_insert(session, model, in_key_order(rows, keys), columns=list(rows[0]), conflict=conflict)
