"""mentions: thread root, in-reply-to, media kind and media reference (and an index to read a thread)

Four nullable columns: rows stored before keep everything and read as "thread not known, no media".

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = ("thread_root_id", "in_reply_to_id", "media_kind", "media_ref")
INDEX = "ix_mentions_platform_thread_root"


def upgrade() -> None:
    # NOTE: batch mode adds columns with plain ALTER TABLE on SQLite (nothing to re-create): re-creating
    # mentions would drop the FTS triggers and, with foreign keys on, cascade-delete query_matches.
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_root_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("in_reply_to_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("media_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("media_ref", sa.Text(), nullable=True))
        batch_op.create_index(INDEX, ["platform", "thread_root_id"], unique=False)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="mentions")
    # NOTE: not in batch mode (see 0005): SQLite 3.35+ drops a column itself without re-creating the table.
    for column in reversed(COLUMNS):
        op.drop_column("mentions", column)
