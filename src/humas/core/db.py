"""Engine, declarative base and the unit of work.

SQLite (default) is opened with WAL, foreign keys on and a busy timeout; PostgreSQL when the URL says so.
Services never commit: the edge (request, CLI command, task) owns the transaction.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from humas.core.settings import get_settings
from humas.core.time import as_utc

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both engines (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


@cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@cache
def _factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def new_session(engine: Engine | None = None) -> Session:
    return _factory(engine or get_engine())()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    session = new_session(engine)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# --- retrying a unit of work that met a busy SQLite file ----------------------------------------------

T = TypeVar("T")
K = TypeVar("K")
log = logging.getLogger(__name__)
LOCK_RETRIES = 6


def is_lock_error(exc: BaseException) -> bool:
    """SQLite's "database is locked" / "busy": another connection held the write lock past the busy timeout,
    or this transaction's read snapshot went stale before its first write (SQLITE_BUSY_SNAPSHOT, which
    SQLite answers at once, without waiting)."""
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return "database is locked" in text or "database is busy" in text


def run_retrying(
    work: Callable[[Session], T], *, engine: Engine | None = None, attempts: int = LOCK_RETRIES
) -> T:
    """`work(session)` in its own unit of work; a lock error rolls it back and runs it again from the start
    (with a growing pause), so a periodic job's batch waits out a bulk write instead of failing."""
    for attempt in range(1, attempts + 1):
        try:
            with session_scope(engine) as session:
                return work(session)
        except OperationalError as exc:
            if not is_lock_error(exc) or attempt == attempts:
                raise
            log.info("database busy, retrying (attempt %s of %s)", attempt + 1, attempts)
            time.sleep(min(0.1 * 2**attempt, 5.0) * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover


def each_in_own_transaction(
    ids: Iterable[K], work: Callable[[Session, K], T], *, what: str, logger: logging.Logger | None = None
) -> dict[K, T | None]:
    """`work(session, id)` for every id, each in its own unit of work: one item's failure is logged (as
    "<what> <id> failed") and rolled back, never stopping the others; id -> result (None where it failed)."""
    done: dict[K, T | None] = {}
    for item in ids:
        try:
            with session_scope() as session:
                done[item] = work(session, item)
        except Exception:  # noqa: BLE001 - one item's failure never stops the others
            (logger or log).exception("%s %s failed", what, item)
            done[item] = None
    return done


# --- follow-up work queued after commit -------------------------------------------------------------

_AFTER_COMMIT_KEY = "humas_after_commit"
_HOOKED_KEY = "humas_after_commit_hooked"


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction commits; dropped on rollback."""
    if not session.info.get(_HOOKED_KEY):
        session.info[_HOOKED_KEY] = True
        event.listen(session, "after_commit", _run_after_commit)
        event.listen(session, "after_rollback", _drop_after_commit)
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # NOTE: a savepoint was released (after_commit fires for it too); the outer one may roll back
    for callback in session.info.pop(_AFTER_COMMIT_KEY, []):
        callback()


def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT_KEY, None)
