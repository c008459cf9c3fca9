"""guardrail rule sets per unit, election lists and audited overrides
(docs/decisions/0097-guardrail-enforcement.md)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import humas.core.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, humas.core.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "guardrail_rule_sets",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("severities", _json(), nullable=False),
        sa.Column("words", _json(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_guardrail_rule_sets_unit_id_units"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_guardrail_rule_sets_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_guardrail_rule_sets")),
    )
    op.create_table(
        "guardrail_election_lists",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("candidates", _json(), nullable=False),
        sa.Column("parties", _json(), nullable=False),
        sa.Column("numbers", _json(), nullable=False),
        sa.Column("slogans", _json(), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=True),
        sa.Column("active_to", sa.Date(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_guardrail_election_lists_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_guardrail_election_lists_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_guardrail_election_lists")),
    )
    op.create_table(
        "guardrail_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        _at("at"),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_guardrail_checks_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardrail_checks")),
    )
    with op.batch_alter_table("guardrail_checks", schema=None) as batch_op:
        batch_op.create_index("ix_guardrail_checks_subject", ["subject_type", "subject_id"], unique=False)
        batch_op.create_index("ix_guardrail_checks_unit_id_at", ["unit_id", "at"], unique=False)
    op.create_table(
        "guardrail_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["guardrail_checks.id"],
            name=op.f("fk_guardrail_findings_check_id_guardrail_checks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardrail_findings")),
    )
    with op.batch_alter_table("guardrail_findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guardrail_findings_check_id"), ["check_id"], unique=False)
    op.create_table(
        "guardrail_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        _at("at"),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_guardrail_overrides_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_guardrail_overrides_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardrail_overrides")),
    )
    with op.batch_alter_table("guardrail_overrides", schema=None) as batch_op:
        batch_op.create_index("ix_guardrail_overrides_subject", ["subject_type", "subject_id"], unique=False)
        batch_op.create_index("ix_guardrail_overrides_unit_id_at", ["unit_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_table("guardrail_overrides")
    op.drop_table("guardrail_findings")
    op.drop_table("guardrail_checks")
    op.drop_table("guardrail_election_lists")
    op.drop_table("guardrail_rule_sets")
