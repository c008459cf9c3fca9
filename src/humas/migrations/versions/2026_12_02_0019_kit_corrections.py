"""content kits: withdrawal, corrections (versions), rotated signing keys, removed trusted issuers
(docs/decisions/0098-content-kits.md, "Withdrawal, corrections and key rotation")

Nullable columns, and two counters that read 1 for rows stored before (every kit so far is its version 1,
every post made from one follows that version).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 12:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import humas.core.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _at(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, humas.core.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("content_kits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(_at("corrected_at"))
        batch_op.add_column(_at("withdrawn_at"))
        batch_op.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_content_kits_withdrawn_by_id_users"), "users", ["withdrawn_by_id"], ["id"]
        )
    with op.batch_alter_table("kit_posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kit_version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("kit_signing_keys", schema=None) as batch_op:
        batch_op.add_column(_at("retired_at"))
    with op.batch_alter_table("kit_trusted_issuers", schema=None) as batch_op:
        batch_op.add_column(_at("removed_at"))
        batch_op.add_column(sa.Column("removed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_kit_trusted_issuers_removed_by_id_users"), "users", ["removed_by_id"], ["id"]
        )
    op.create_table(
        "kit_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),  # fmt: skip
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _at("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_kit_versions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["kit_id"],
            ["content_kits.id"],
            name=op.f("fk_kit_versions_kit_id_content_kits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kit_versions")),
        sa.UniqueConstraint("kit_id", "version", name="uq_kit_versions_kit_id_version"),
    )


def downgrade() -> None:
    op.drop_table("kit_versions")
    with op.batch_alter_table("kit_trusted_issuers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_kit_trusted_issuers_removed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("removed_by_id")
        batch_op.drop_column("removed_at")
    with op.batch_alter_table("kit_signing_keys", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
    with op.batch_alter_table("kit_posts", schema=None) as batch_op:
        batch_op.drop_column("kit_version")
    with op.batch_alter_table("content_kits", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_content_kits_withdrawn_by_id_users"), type_="foreignkey")
        for column in ("withdrawn_by_id", "withdrawn_reason", "withdrawn_at", "corrected_at", "version",
                       "origin_version"):  # fmt: skip
            batch_op.drop_column(column)
