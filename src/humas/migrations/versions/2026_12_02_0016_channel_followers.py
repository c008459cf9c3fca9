"""channel follower counts read daily from each platform (docs/decisions/0096-follower-counts.md)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import humas.core.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_follower_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("counted_on", sa.Date(), nullable=False),
        sa.Column("followers", sa.BigInteger(), nullable=False),
        sa.Column("read_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_follower_counts_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_follower_counts")),
        sa.UniqueConstraint("channel_id", "counted_on", name="uq_channel_follower_counts_channel_day"),
    )


def downgrade() -> None:
    op.drop_table("channel_follower_counts")
