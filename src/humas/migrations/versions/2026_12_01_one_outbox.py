"""one outbox for every outgoing thing (channel writes and alert deliveries)

Every row of ``channel_outbox`` (same id, key, status, result) and of ``alert_deliveries`` (new ids after
them; key ``alert-<old id>-<old key>``, the old key kept as the webhook delivery id; ``retrying`` becomes
``pending`` with its attempts) moves into ``outbox_messages``; then both old tables are dropped
(docs/decisions/0060-one-outbox.md). The downgrade moves them back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import humas.core.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")
WHEN = humas.core.db.UTCDateTime(timezone=True)
STATUS_TO_OUTBOX = {"pending": "pending", "retrying": "pending", "sent": "sent", "failed": "failed"}


def _outbox_table() -> sa.TableClause:
    return sa.table(
        "outbox_messages",
        *(sa.column(name) for name in ("id", "idempotency_key", "kind", "owner_type", "owner_id", "target")),
        sa.column("payload", JSON),
        *(sa.column(name) for name in ("status", "attempts", "last_error", "external_id", "url")),
        sa.column("created_by_id"),
        *(
            sa.column(name, WHEN)
            for name in (
                "next_attempt_at",
                "created_at",
                "first_attempt_at",
                "last_attempt_at",
                "sent_at",
                "claimed_until",
            )
        ),
        sa.column("claimed_by"),
    )


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("owner_type", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("first_attempt_at", WHEN, nullable=True),
        sa.Column("last_attempt_at", WHEN, nullable=True),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_outbox_messages_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_messages_idempotency_key")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_messages_owner", ["owner_type", "owner_id"], unique=False)
        batch_op.create_index("ix_outbox_messages_status_next", ["status", "next_attempt_at"], unique=False)
    bind = op.get_bind()
    rows = _channel_rows(bind)
    next_id = max((r["id"] for r in rows), default=0) + 1
    rows += _alert_rows(bind, first_id=next_id)
    if rows:
        op.bulk_insert(_outbox_table(), rows)
    _reset_sequence(bind, "outbox_messages")
    with op.batch_alter_table("channel_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_outbox_status")
        batch_op.drop_index(batch_op.f("ix_channel_outbox_channel_id"))
    op.drop_table("channel_outbox")
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_event_id"))
    op.drop_table("alert_deliveries")


def _read(bind: sa.Connection, sql: str, **types: Any) -> list[dict[str, Any]]:
    stmt = sa.text(sql).columns(**types) if types else sa.text(sql)
    return [dict(r._mapping) for r in bind.execute(stmt)]


def _channel_rows(bind: sa.Connection) -> list[dict[str, Any]]:
    rows = _read(
        bind,
        "SELECT o.id, o.idempotency_key, o.channel_id, o.action, o.payload, o.status, o.external_id, o.url,"
        " o.attempts, o.last_error, o.created_by_id, o.created_at, o.first_attempt_at, o.last_attempt_at,"
        " o.next_attempt_at, o.sent_at, c.platform, c.name"
        " FROM channel_outbox o JOIN channels c ON c.id = o.channel_id ORDER BY o.id",
        payload=JSON,
        created_at=WHEN,
        first_attempt_at=WHEN,
        last_attempt_at=WHEN,
        next_attempt_at=WHEN,
        sent_at=WHEN,
    )
    out = []
    for r in rows:
        out.append(
            {
                "id": r["id"],
                "idempotency_key": r["idempotency_key"],
                "kind": f"channel.{r['action']}",
                "owner_type": "channel",
                "owner_id": r["channel_id"],
                "target": f"{r['platform']}:{r['name']}"[:500],
                "claimed_by": None,
                "claimed_until": None,
                **{k: r[k] for k in _COMMON if k in r},
            }
        )
    return out


_COMMON = (
    "payload",
    "status",
    "attempts",
    "last_error",
    "external_id",
    "url",
    "created_by_id",
    "next_attempt_at",
    "created_at",
    "first_attempt_at",
    "last_attempt_at",
    "sent_at",
)


def _alert_rows(bind: sa.Connection, *, first_id: int) -> list[dict[str, Any]]:
    rows = _read(
        bind,
        "SELECT id, event_id, channel, target, status, attempts, last_error, next_attempt_at, sent_at,"
        " remote_id, idempotency_key, created_at FROM alert_deliveries ORDER BY id",
        next_attempt_at=WHEN,
        sent_at=WHEN,
        created_at=WHEN,
    )
    out = []
    for offset, r in enumerate(rows):
        out.append(
            {
                "id": first_id + offset,
                "idempotency_key": f"alert-{r['id']}-{r['idempotency_key']}"[:128],
                "kind": f"alert.{r['channel']}",
                "owner_type": "alert_event",
                "owner_id": r["event_id"],
                "target": r["target"],
                "payload": {"delivery_id": r["idempotency_key"]},
                "status": STATUS_TO_OUTBOX.get(r["status"], r["status"]),
                "attempts": r["attempts"],
                "last_error": r["last_error"],
                "external_id": r["remote_id"],
                "url": None,
                "created_by_id": None,
                "next_attempt_at": r["next_attempt_at"],
                "created_at": r["created_at"],
                "first_attempt_at": None,
                "last_attempt_at": None,
                "sent_at": r["sent_at"],
                "claimed_by": None,
                "claimed_until": None,
            }
        )
    return out


def _reset_sequence(bind: sa.Connection, table: str) -> None:
    if bind.dialect.name == "postgresql":  # rows came with their ids: the next one follows them
        bind.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608 - a constant name
                f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )


def downgrade() -> None:
    op.create_table(
        "channel_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("first_attempt_at", WHEN, nullable=True),
        sa.Column("last_attempt_at", WHEN, nullable=True),
        sa.Column("next_attempt_at", WHEN, nullable=True),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_outbox_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_channel_outbox_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_channel_outbox_idempotency_key")),
    )
    with op.batch_alter_table("channel_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_outbox_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index("ix_channel_outbox_status", ["status"], unique=False)
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", WHEN, nullable=True),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("remote_id", sa.String(length=255), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["alert_events.id"],
            name=op.f("fk_alert_deliveries_event_id_alert_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_deliveries_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alert_deliveries_next_attempt_at"), ["next_attempt_at"], unique=False
        )
    _move_back(op.get_bind())
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_status_next")
        batch_op.drop_index("ix_outbox_messages_owner")
    op.drop_table("outbox_messages")


def _move_back(bind: sa.Connection) -> None:
    times = ("next_attempt_at", "created_at", "first_attempt_at", "last_attempt_at", "sent_at")
    rows = _read(
        bind, "SELECT * FROM outbox_messages ORDER BY id", payload=JSON, **dict.fromkeys(times, WHEN)
    )
    channel = [_channel_back(r) for r in rows if r["owner_type"] == "channel"]
    alert = [_alert_back(r) for r in rows if r["owner_type"] == "alert_event"]
    if channel:
        names = ("id", "idempotency_key", "channel_id", "action", *_COMMON)
        op.bulk_insert(sa.table("channel_outbox", *(_column(n) for n in names)), channel)
        _reset_sequence(bind, "channel_outbox")
    if alert:
        alert_names: tuple[str, ...] = (*alert[0].keys(),)
        op.bulk_insert(sa.table("alert_deliveries", *(_column(n) for n in alert_names)), alert)


def _column(name: str) -> sa.ColumnClause[Any]:
    if name == "payload":
        return sa.column(name, JSON)
    return sa.column(name, WHEN) if name.endswith("_at") else sa.column(name)


def _channel_back(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "idempotency_key": r["idempotency_key"],
        "channel_id": r["owner_id"],
        "action": r["kind"].rpartition(".")[2],
        **{k: r[k] for k in _COMMON},
        "status": "pending" if r["status"] == "sending" and not r["attempts"] else r["status"],
    }


def _alert_back(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": r["owner_id"],
        "channel": r["kind"].rpartition(".")[2],
        "target": r["target"],
        "status": _alert_status(r),
        "attempts": r["attempts"],
        "last_error": r["last_error"],
        "remote_id": r["external_id"],
        "next_attempt_at": r["next_attempt_at"],
        "sent_at": r["sent_at"],
        "idempotency_key": str((r["payload"] or {}).get("delivery_id") or r["idempotency_key"])[:64],
        "created_at": r["created_at"],
    }


def _alert_status(row: dict[str, Any]) -> str:
    if row["status"] in ("sent", "failed"):
        return str(row["status"])
    return "retrying" if row["attempts"] else "pending"
