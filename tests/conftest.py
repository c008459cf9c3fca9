"""Database fixtures: every database test runs on SQLite and on PostgreSQL.

The schema is built by `alembic upgrade head` once per engine and run; each test runs inside a transaction
that is rolled back (SQLAlchemy's "join a session into an external transaction" recipe, with the pysqlite
savepoint fix on SQLite). PostgreSQL gets a fresh schema per run, dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from humas.core import migrations
from humas.core.db import make_engine

os.environ.setdefault("HUMAS_IMMEDIATE_JOBS", "1")
os.environ.setdefault("HUMAS_SECRET_KEY", "test-secret-key")

PG_URL = os.environ.get("HUMAS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
ENGINES = ["sqlite", "postgresql"]
if os.environ.get("HUMAS_TEST_ENGINES"):
    ENGINES = os.environ["HUMAS_TEST_ENGINES"].split(",")


def _sqlite_savepoint_fix(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN")


def _build_sqlite(tmp: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp / 'test.db'}")
    _sqlite_savepoint_fix(engine)
    migrations.upgrade(engine)
    return engine


def _build_postgresql() -> tuple[Engine, str]:
    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    migrations.upgrade(engine)
    return engine, schema


@contextmanager
def fresh_engine(kind: str, tmp: Path) -> Iterator[Engine]:
    """A migrated database of one kind: a SQLite file in `tmp`, or a PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        eng = _build_sqlite(tmp)
        yield eng
        eng.dispose()
        return
    eng, schema = _build_postgresql()
    yield eng
    eng.dispose()
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One migrated database per engine and run, shared by the rolled-back `session` fixture."""
    with fresh_engine(request.param, tmp_path_factory.mktemp("sqlite")) as eng:
        yield eng


@pytest.fixture(params=ENGINES)
def committing_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh migrated database whose transactions really commit (imports, polls and jobs own theirs)."""
    with fresh_engine(request.param, tmp_path) as eng:
        yield eng


@pytest.fixture(params=ENGINES)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to a fresh, empty database (for commands that create their own schema and commit)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cli.db'}"
        return
    schema = f"c_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch, empty_db_url: str) -> Iterator[str]:
    """Point the app's settings (and cached engine) at a fresh database for CLI and task tests."""
    from humas.core.db import get_engine
    from humas.core.settings import get_settings

    monkeypatch.setenv("HUMAS_DATABASE_URL", empty_db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield empty_db_url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


FERNET_KEY = "n3JxPZ0sCj1c1y0n9Nq3sBvqgY5KpX2c0m4Jt7Wf1aE="


@pytest.fixture
def fernet_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """HUMAS_FERNET_KEY set, as `humas init` writes one (stored credentials and webhook secrets need it)."""
    from humas.core.settings import get_settings

    monkeypatch.setenv("HUMAS_FERNET_KEY", FERNET_KEY)
    get_settings.cache_clear()
    yield FERNET_KEY
    get_settings.cache_clear()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose every change is rolled back after the test (commits become savepoints)."""
    connection = engine.connect()
    transaction = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        if transaction.is_active:
            transaction.rollback()
        connection.close()


# Live server and browser fixtures (real uvicorn, real Chromium) shared by every domain's page tests.
pytest_plugins = ["tests.live"]


@pytest.fixture
def smtp_inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A real SMTP server on localhost (tests/smtp.py) that the outbox's e-mail settings point at."""
    from tests.smtp import smtp_server_for_outbox

    with smtp_server_for_outbox(monkeypatch) as inbox:
        yield inbox
