"""nlp label corrections per unit

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import humas.core.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table only: the mentions' stored labels are not touched (a correction rewrites its own mention).
    op.create_table(
        "label_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=16), nullable=False),
        sa.Column("model_label", sa.String(length=255), nullable=False),
        sa.Column("previous_label", sa.String(length=255), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("corrected_by_id", sa.Integer(), nullable=True),
        sa.Column("corrected_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrected_by_id"], ["users.id"], name=op.f("fk_label_corrections_corrected_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["mention_id"],
            ["mentions.id"],
            name=op.f("fk_label_corrections_mention_id_mentions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_label_corrections_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_corrections")),
        sa.UniqueConstraint("mention_id", "task", name="uq_label_corrections_mention_id_task"),
    )
    op.create_index(
        "ix_label_corrections_unit_corrected", "label_corrections", ["unit_id", "corrected_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_label_corrections_unit_corrected", table_name="label_corrections")
    op.drop_table("label_corrections")
