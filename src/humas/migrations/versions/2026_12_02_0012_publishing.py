"""publishing: posts, per-channel variants, versions, comments, approval chains and records, posting slots,
recurrences, post metrics (docs/decisions/0084-publishing.md)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 03:26:35.559810
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import humas.core.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_chains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("content_kind", sa.String(length=40), nullable=True),
        sa.Column("keep_on_reschedule", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_approval_chains_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_approval_chains_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_chains")),
    )
    with op.batch_alter_table("approval_chains", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_chains_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "posting_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("minute_of_day", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_posting_slots_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_slots")),
        sa.UniqueConstraint(
            "channel_id", "weekday", "minute_of_day", name="uq_posting_slots_channel_id_weekday_minute"
        ),
    )
    op.create_table(
        "approval_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column(
            "user_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["approval_chains.id"],
            name=op.f("fk_approval_steps_chain_id_approval_chains"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_steps")),
        sa.UniqueConstraint("chain_id", "position", name="uq_approval_steps_chain_id_position"),
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("campaign", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("scheduled_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=True),
        sa.Column("approval_round", sa.Integer(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("queued_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recurrence_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["approval_chains.id"],
            name=op.f("fk_posts_chain_id_approval_chains"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_posts_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_posts_submitted_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_posts_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posts_recurrence_id"), ["recurrence_id"], unique=False)
        batch_op.create_index("ix_posts_status_scheduled", ["status", "scheduled_at"], unique=False)
        batch_op.create_index("ix_posts_unit_scheduled", ["unit_id", "scheduled_at"], unique=False)

    op.create_table(
        "post_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("step_position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_approvals_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_post_approvals_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_approvals")),
    )
    with op.batch_alter_table("post_approvals", schema=None) as batch_op:
        batch_op.create_index("ix_post_approvals_post_round", ["post_id", "round"], unique=False)

    op.create_table(
        "post_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_post_comments_author_id_users")),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_comments_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_comments")),
    )
    with op.batch_alter_table("post_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_comments_post_id"), ["post_id"], unique=False)

    op.create_table(
        "post_recurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("template_post_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=500), nullable=False),
        sa.Column("starts_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_occurrence_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_post_recurrences_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["template_post_id"],
            ["posts.id"],
            name=op.f("fk_post_recurrences_template_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_post_recurrences_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_recurrences")),
    )
    with op.batch_alter_table("post_recurrences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_recurrences_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "post_variants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "media",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("published_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("metrics_next_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_post_variants_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_post_variants_outbox_message_id_outbox_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_variants_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_variants")),
        sa.UniqueConstraint("post_id", "channel_id", name="uq_post_variants_post_id_channel_id"),
    )
    with op.batch_alter_table("post_variants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_variants_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_post_variants_metrics_next_at"), ["metrics_next_at"], unique=False
        )

    op.create_table(
        "post_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "variants",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_versions_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["saved_by_id"], ["users.id"], name=op.f("fk_post_versions_saved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_versions")),
        sa.UniqueConstraint("post_id", "number", name="uq_post_versions_post_id_number"),
    )
    op.create_table(
        "post_metrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("comments", sa.Integer(), nullable=True),
        sa.Column("shares", sa.Integer(), nullable=True),
        sa.Column("views", sa.Integer(), nullable=True),
        sa.Column("reach", sa.Integer(), nullable=True),
        sa.Column("impressions", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["post_variants.id"],
            name=op.f("fk_post_metrics_variant_id_post_variants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_metrics")),
        sa.UniqueConstraint("variant_id", "at", name="uq_post_metrics_variant_id_at"),
    )


def downgrade() -> None:
    op.drop_table("post_metrics")
    op.drop_table("post_versions")
    with op.batch_alter_table("post_variants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_variants_metrics_next_at"))
        batch_op.drop_index(batch_op.f("ix_post_variants_channel_id"))

    op.drop_table("post_variants")
    with op.batch_alter_table("post_recurrences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_recurrences_unit_id"))

    op.drop_table("post_recurrences")
    with op.batch_alter_table("post_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_comments_post_id"))

    op.drop_table("post_comments")
    with op.batch_alter_table("post_approvals", schema=None) as batch_op:
        batch_op.drop_index("ix_post_approvals_post_round")

    op.drop_table("post_approvals")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_unit_scheduled")
        batch_op.drop_index("ix_posts_status_scheduled")
        batch_op.drop_index(batch_op.f("ix_posts_recurrence_id"))

    op.drop_table("posts")
    op.drop_table("approval_steps")
    op.drop_table("posting_slots")
    with op.batch_alter_table("approval_chains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_chains_unit_id"))

    op.drop_table("approval_chains")
