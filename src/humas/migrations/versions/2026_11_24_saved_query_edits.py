"""saved queries: updated_at (when the text last changed; the matcher cache of every process notices it)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 19:37:45.361243
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import humas.core.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("saved_queries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", humas.core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # NOTE: not in batch mode: on SQLite a batch re-creates saved_queries, and dropping the old table with
    # foreign keys on deletes every query_matches row (ON DELETE CASCADE). SQLite 3.35+ drops a column itself.
    op.drop_column("saved_queries", "updated_at")
