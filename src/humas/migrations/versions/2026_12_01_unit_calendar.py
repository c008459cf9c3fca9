"""units: time zone and working calendar (hours, closures)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import humas.core.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOTE: a plain ADD COLUMN, not batch mode: on SQLite a batch re-creates `units`, which every other table
    # points at. NULL means "the parent's zone" (the root's NULL means Asia/Jakarta), so nothing to backfill.
    op.add_column("units", sa.Column("time_zone", sa.String(length=64), nullable=True))
    op.create_table(
        "unit_work_hours",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("hours", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_unit_work_hours_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("unit_id", "weekday", name=op.f("pk_unit_work_hours")),
    )
    op.create_table(
        "unit_hours_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("first_on", sa.Date(), nullable=False),
        sa.Column("last_on", sa.Date(), nullable=False),
        sa.Column("weekdays", sa.Integer(), nullable=False),
        sa.Column("hours", sa.String(length=200), nullable=False),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_unit_hours_exceptions_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_hours_exceptions")),
    )
    op.create_index(
        op.f("ix_unit_hours_exceptions_unit_id"), "unit_hours_exceptions", ["unit_id"], unique=False
    )
    op.create_table(
        "unit_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("first_on", sa.Date(), nullable=False),
        sa.Column("last_on", sa.Date(), nullable=False),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_unit_closures_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_closures")),
    )
    op.create_index(op.f("ix_unit_closures_unit_id"), "unit_closures", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_unit_closures_unit_id"), table_name="unit_closures")
    op.drop_table("unit_closures")
    op.drop_index(op.f("ix_unit_hours_exceptions_unit_id"), table_name="unit_hours_exceptions")
    op.drop_table("unit_hours_exceptions")
    op.drop_table("unit_work_hours")
    # NOTE: not in batch mode (see upgrade); SQLite 3.35+ drops a column itself.
    op.drop_column("units", "time_zone")
