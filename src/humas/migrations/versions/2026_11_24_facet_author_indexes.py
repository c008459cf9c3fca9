"""facet rollups: indexes for the top-authors panel (by reach, then by author key and day)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 20:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_facet_rollups_reach", "listening_facet_rollups", ["query_id", "facet", "reach"])
    op.create_index(
        "ix_facet_rollups_key_day", "listening_facet_rollups", ["query_id", "facet", "key", "day"]
    )


def downgrade() -> None:
    op.drop_index("ix_facet_rollups_key_day", table_name="listening_facet_rollups")
    op.drop_index("ix_facet_rollups_reach", table_name="listening_facet_rollups")
