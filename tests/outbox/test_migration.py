"""Migration 0008 moves every channel write and every alert delivery into the one outbox, and back."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from humas.core import migrations
from humas.core.db import make_engine, session_scope
from humas.listening.models import AlertEvent
from humas.org import service as org_service

NOW = "2026-11-30 08:00:00+00"


def _at_0007_with_writes_and_deliveries(url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrations.alembic_config(connection=conn), "0007")
    with session_scope(engine) as session:
        unit_id = org_service.create_root_unit(session, name="Biro Humas").id
    rows = [
        "INSERT INTO channels (id, unit_id, platform, name, account_external_id, credentials_encrypted,"
        " credentials_rotated_at, is_active, interval_s, cursor, status, consecutive_failures, rate_limit,"
        " created_at) VALUES (5, :u, 'x', 'Humas X', '783214', 'token', :now, true, 300, '{}', 'ok', 0, '{}',"
        " :now)",
        "INSERT INTO channel_outbox (id, idempotency_key, channel_id, action, payload, status, external_id,"
        " attempts, last_error, created_at, sent_at) VALUES (7, 'reply-1', 5, 'reply',"
        ' \'{"parent_external_id": "1", "text": "Baik"}\', \'sent\', \'99\', 1, NULL, :now, :now)',
        "INSERT INTO channel_outbox (id, idempotency_key, channel_id, action, payload, status, attempts,"
        " last_error, created_at) VALUES (8, 'post-2', 5, 'post', '{\"text\": \"Info\"}', 'unknown', 2,"
        " 'ReadTimeout', :now)",
        "INSERT INTO alert_rules (id, unit_id, name, kind, cooldown_min, emails, is_active, cursor,"
        " created_at) VALUES (3, :u, 'Bocor', 'keyword', 60, '[]', true, 0, :now)",
        "INSERT INTO alert_events (id, rule_id, unit_id, group_key, kind, occurred_at, subject, text,"
        " payload, count, suppressed, created_at) VALUES (4, 3, :u, 'g', 'keyword', :now, 'Sebutan', 'Ada',"
        " '{}', 1, 0, :now)",
        "INSERT INTO alert_deliveries (event_id, channel, target, status, attempts, last_error,"
        " next_attempt_at, idempotency_key, created_at) VALUES (4, 'webhook', 'https://h.example/x',"
        " 'retrying', 2, 'webhook HTTP 503', :now, 'abc123', :now)",
        "INSERT INTO alert_deliveries (event_id, channel, target, status, attempts, remote_id, sent_at,"
        " idempotency_key, created_at) VALUES (4, 'email', 'a@x.test', 'sent', 1, '<m1@x>', :now, 'k', :now)",
    ]
    with engine.begin() as conn:
        for sql in rows:
            conn.execute(text(sql), {"u": unit_id, "now": NOW})
    return engine


def test_upgrade_moves_everything_and_downgrade_moves_it_back(empty_db_url):
    engine = _at_0007_with_writes_and_deliveries(empty_db_url)
    migrations.upgrade(engine)
    with engine.connect() as conn:
        moved = conn.execute(
            text(
                "SELECT id, idempotency_key, kind, owner_type, owner_id, status, attempts, external_id,"
                " last_error, payload FROM outbox_messages ORDER BY id"
            )
        ).all()
        assert "channel_outbox" not in _tables(conn) and "alert_deliveries" not in _tables(conn)
    assert [tuple(r[:9]) for r in moved] == [
        (7, "reply-1", "channel.reply", "channel", 5, "sent", 1, "99", None),
        (8, "post-2", "channel.post", "channel", 5, "unknown", 2, None, "ReadTimeout"),
        (9, "alert-1-abc123", "alert.webhook", "alert_event", 4, "pending", 2, None, "webhook HTTP 503"),
        (10, "alert-2-k", "alert.email", "alert_event", 4, "sent", 1, "<m1@x>", None),
    ]
    payload = moved[2].payload if isinstance(moved[2].payload, dict) else json.loads(moved[2].payload)
    assert payload == {"delivery_id": "abc123"}  # the receiver still sees the same delivery id
    with session_scope(engine) as session:  # the alert history shows both deliveries with their state
        shown = [(d.medium, d.shown_status, d.last_error) for d in session.get(AlertEvent, 4).deliveries]
        assert shown == [("webhook", "retrying", "webhook HTTP 503"), ("email", "sent", None)]
        session.execute(  # a new row after the moved ones gets the next id on both engines
            text(
                "INSERT INTO outbox_messages (idempotency_key, kind, owner_type, owner_id, target, payload,"
                " status, attempts, created_at) VALUES ('n', 'alert.email', 'alert_event', 4, 'b@x.test',"
                " '{}', 'pending', 0, :now)"
            ),
            {"now": NOW},
        )
        assert session.scalar(text("SELECT MAX(id) FROM outbox_messages")) == 11
        session.execute(text("DELETE FROM outbox_messages WHERE id = 11"))
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config(connection=conn), "0007")
    with engine.connect() as conn:
        writes = conn.execute(
            text("SELECT id, action, status, external_id FROM channel_outbox ORDER BY id")
        ).all()
        alerts = conn.execute(
            text("SELECT channel, status, attempts, idempotency_key FROM alert_deliveries ORDER BY id")
        ).all()
    assert [tuple(r) for r in writes] == [(7, "reply", "sent", "99"), (8, "post", "unknown", None)]
    assert [tuple(r) for r in alerts] == [("webhook", "retrying", 2, "abc123"), ("email", "sent", 1, "k")]
    engine.dispose()


def _tables(conn) -> set[str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    return set(inspect(conn).get_table_names())
