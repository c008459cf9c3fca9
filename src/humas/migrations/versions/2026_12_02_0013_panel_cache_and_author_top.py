"""dashboard at scale: the per-day top authors, the shared dashboard cache, a partial author index
(docs/decisions/0083-panel-cache-and-scale.md)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import humas.core.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listening_author_top",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("query_id", sa.Integer(), nullable=False),
        sa.Column("day", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("reach", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "query_id", "day", "key", name=op.f("pk_listening_author_top")),
    )
    op.create_table(
        "listening_dashboard_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_listening_dashboard_cache")),
    )
    op.create_index(
        op.f("ix_listening_dashboard_cache_created_at"), "listening_dashboard_cache", ["created_at"]
    )
    op.create_index(
        "ix_listening_facet_rollups_author_key",
        "listening_facet_rollups",
        ["query_id", "key", "day"],
        sqlite_where=sa.text("facet = 'author'"),
        postgresql_where=sa.text("facet = 'author'"),
    )
    # The top authors (facets.AUTHOR_TOP = 15) of the days already rolled up; the facet job keeps them on.
    op.execute(
        "INSERT INTO listening_author_top (unit_id, query_id, day, key, reach) "
        "SELECT unit_id, query_id, day, key, reach FROM ("
        " SELECT unit_id, query_id, day, key, reach, row_number() OVER ("
        "  PARTITION BY unit_id, query_id, day ORDER BY reach DESC, key) AS n"
        " FROM listening_facet_rollups WHERE facet = 'author') AS ranked "
        "WHERE n <= 15"
    )


def downgrade() -> None:
    op.drop_index("ix_listening_facet_rollups_author_key", table_name="listening_facet_rollups")
    op.drop_index(op.f("ix_listening_dashboard_cache_created_at"), table_name="listening_dashboard_cache")
    op.drop_table("listening_dashboard_cache")
    op.drop_table("listening_author_top")
