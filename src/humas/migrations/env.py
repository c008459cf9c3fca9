"""Alembic environment: the URL comes from HUMAS_DATABASE_URL, or from a connection passed in."""

from __future__ import annotations

from alembic import context

from humas.core import models_registry
from humas.core.db import Base, make_engine
from humas.core.settings import get_settings

models_registry.import_all()
config = context.config
target_metadata = Base.metadata


# Created by hand in migrations (full-text search); autogenerate must neither drop nor re-create them.
HAND_MADE = ("mentions_fts", "ix_mentions_fts", "search_tsv")


def _include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (reflected and compare_to is None and name and name.startswith(HAND_MADE))


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
        version_table_schema=config.attributes.get("schema"),
    )


connection = config.attributes.get("connection")
if connection is not None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or get_settings().database_url)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
