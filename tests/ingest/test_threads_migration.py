"""Migration 0009: thread and media columns on mentions; rows stored before (and what hangs off them) stay."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from humas.core import migrations
from humas.core.db import make_engine

NEW = {"thread_root_id", "in_reply_to_id", "media_kind", "media_ref"}
NOW = "2026-11-30 08:00:00+00"


def _at_0008_with_a_mention(url: str):
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrations.alembic_config(connection=conn), "0008")
        conn.execute(
            text(
                "INSERT INTO units (id, name, parent_key, path, depth, created_at)"
                " VALUES (1, 'Biro Humas', 0, '/1/', 0, :now)"
            ),
            {"now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO mentions (id, unit_id, platform, external_id, kind, text, created_at,"
                " fetched_at, parent_external_id, thread_external_id, metrics, raw, abuse, keyphrases)"
                " VALUES (1, 1, 'telegram', '-100:7', 'comment', 'antrean KTP panjang sekali', :now, :now,"
                " '-100:6', '-100', '{\"likes\": 2}', '{}', '[]', '[]')"
            ),
            {"now": NOW},
        )
        if conn.dialect.name == "sqlite":
            fts = "INSERT INTO mentions_fts(rowid, text) VALUES (1, 'antrean KTP panjang sekali')"
            conn.execute(text(fts))
        conn.execute(
            text(
                "INSERT INTO saved_queries (id, unit_id, name, query, is_active, created_at)"
                " VALUES (1, 1, 'ktp', 'ktp', true, :now)"
            ),
            {"now": NOW},
        )
        conn.execute(text("INSERT INTO query_matches (query_id, mention_id) VALUES (1, 1)"))
    return engine


def _kept(conn) -> None:
    row = conn.execute(
        text("SELECT external_id, text, parent_external_id, thread_external_id FROM mentions")
    ).one()
    assert tuple(row) == ("-100:7", "antrean KTP panjang sekali", "-100:6", "-100")
    assert conn.scalar(text("SELECT count(*) FROM query_matches")) == 1
    if conn.dialect.name == "sqlite":
        found = conn.scalar(text("SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH 'antrean'"))
        assert found == 1


def test_upgrade_adds_empty_columns_and_keeps_rows_then_downgrade(empty_db_url):
    engine = _at_0008_with_a_mention(empty_db_url)
    with engine.begin() as conn:
        command.upgrade(migrations.alembic_config(connection=conn), "0009")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("mentions")}
        assert NEW <= columns
        indexes = {i["name"] for i in inspect(conn).get_indexes("mentions")}
        assert "ix_mentions_platform_thread_root" in indexes
        values = conn.execute(
            text("SELECT thread_root_id, in_reply_to_id, media_kind, media_ref FROM mentions")
        )
        assert tuple(values.one()) == (None, None, None, None)  # nothing invented for old rows
        _kept(conn)
        if conn.dialect.name == "sqlite":  # the full-text triggers survive (no table re-created)
            triggers = conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all()
            assert {"mentions_fts_ad", "mentions_fts_au"} <= set(triggers)
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config(connection=conn), "0008")
    with engine.connect() as conn:
        assert not NEW & {c["name"] for c in inspect(conn).get_columns("mentions")}
        _kept(conn)
    engine.dispose()
