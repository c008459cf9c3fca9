"""Dialect-aware bulk statements (INSERT .. ON CONFLICT) shared by the ingest services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def insert_for(session: Session, model: Any) -> Insert:
    module = postgresql if dialect_of(session) == "postgresql" else sqlite
    return module.insert(model)


def insert_ignore(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, skipping those whose key already exists."""
    if rows:
        session.execute(insert_for(session, model).on_conflict_do_nothing(), list(rows))


def upsert_add(
    session: Session, model: Any, rows: Sequence[dict[str, Any]], *, keys: list[str], add: str
) -> None:
    """Insert rows, or add their `add` column onto the existing row with the same keys."""
    if not rows:
        return
    stmt = insert_for(session, model)
    column = model.__table__.c[add]
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={add: column + stmt.excluded[add]})
    session.execute(stmt, list(rows))
