"""inbox: conversations, items, events, replies, notes, teams, templates, deadline policies, settings,
query feeds, saved views, LAPOR! forwards; in-app notifications

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 03:25:42.459032
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB(astext_type=Text()))
from sqlalchemy.dialects import postgresql

import humas.core.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_settings",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("dm_gap_hours", sa.Integer(), nullable=False),
        sa.Column("auto_hide_abuse", sa.Boolean(), nullable=False),
        sa.Column("auto_hide_threshold", sa.Float(), nullable=False),
        sa.Column("reply_approval", sa.String(length=16), nullable=False),
        sa.Column(
            "reply_approval_roles",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("dm_retention_days", sa.Integer(), nullable=True),
        sa.Column("escalation_telegram_chat_id", sa.String(length=64), nullable=True),
        sa.Column("updated_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_inbox_settings_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_inbox_settings")),
    )
    op.create_table(
        "inbox_sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("clock", sa.String(length=16), nullable=False),
        sa.Column("message_type", sa.String(length=16), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=True),
        sa.Column("next_response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("first_response_days", sa.Integer(), nullable=True),
        sa.Column("resolution_days", sa.Integer(), nullable=True),
        sa.Column("at_risk_share", sa.Float(), nullable=False),
        sa.Column("escalate_to_parent", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_inbox_sla_policies_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_sla_policies")),
    )
    with op.batch_alter_table("inbox_sla_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_sla_policies_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inbox_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("per_person_cap", sa.Integer(), nullable=False),
        sa.Column("round_robin", sa.Boolean(), nullable=False),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["users.id"], name=op.f("fk_inbox_teams_lead_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_inbox_teams_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_teams")),
        sa.UniqueConstraint("unit_id", "name", name="uq_inbox_teams_unit_id_name"),
    )
    with op.batch_alter_table("inbox_teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_teams_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inbox_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("message_type", sa.String(length=16), nullable=True),
        sa.Column("shared_down", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_inbox_templates_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_inbox_templates_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_templates")),
    )
    with op.batch_alter_table("inbox_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_templates_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inbox_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "filters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inbox_views_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_views")),
    )
    with op.batch_alter_table("inbox_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_views_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_notifications_unit_id_units"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("user_id", "key", name="uq_notifications_user_id_key"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_user_read", ["user_id", "read_at", "created_at"], unique=False
        )

    op.create_table(
        "inbox_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("thread_key", sa.String(length=300), nullable=False),
        sa.Column("root_mention_id", sa.Integer(), nullable=True),
        sa.Column("query_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("author_key", sa.String(length=300), nullable=True),
        sa.Column("author_name", sa.String(length=255), nullable=True),
        sa.Column("author_handle", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("snoozed_until", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("message_type", sa.String(length=16), nullable=False),
        sa.Column("suggested_type", sa.String(length=16), nullable=True),
        sa.Column("type_score", sa.Float(), nullable=True),
        sa.Column("type_corrected", sa.Boolean(), nullable=False),
        sa.Column("sentiment", sa.String(length=16), nullable=True),
        sa.Column("abusive", sa.Boolean(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("replying_user_id", sa.Integer(), nullable=True),
        sa.Column("replying_until", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("unanswered_since", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_citizen_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_staff_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("waiting_since", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("erased_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sla_policy_id", sa.Integer(), nullable=True),
        sa.Column("sla_state", sa.String(length=16), nullable=False),
        sa.Column("first_response_due_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_response_risk_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_response_due_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_response_risk_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution_due_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution_risk_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_deadline_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_risk_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_response_met", sa.Boolean(), nullable=True),
        sa.Column("resolution_met", sa.Boolean(), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_inbox_conversations_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_inbox_conversations_channel_id_channels"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["query_id"],
            ["saved_queries.id"],
            name=op.f("fk_inbox_conversations_query_id_saved_queries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["replying_user_id"],
            ["users.id"],
            name=op.f("fk_inbox_conversations_replying_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["root_mention_id"],
            ["mentions.id"],
            name=op.f("fk_inbox_conversations_root_mention_id_mentions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sla_policy_id"],
            ["inbox_sla_policies.id"],
            name=op.f("fk_inbox_conversations_sla_policy_id_inbox_sla_policies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["inbox_teams.id"],
            name=op.f("fk_inbox_conversations_team_id_inbox_teams"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_inbox_conversations_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_conversations")),
    )
    with op.batch_alter_table("inbox_conversations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_conversations_assignee_status", ["assignee_id", "status"], unique=False
        )
        batch_op.create_index("ix_inbox_conversations_author", ["unit_id", "author_key"], unique=False)
        batch_op.create_index(
            "ix_inbox_conversations_sla_escalation", ["sla_state", "escalation_level"], unique=False
        )
        batch_op.create_index(
            "ix_inbox_conversations_unit_status_sla", ["unit_id", "status", "sla_state"], unique=False
        )
        batch_op.create_index(
            "ix_inbox_conversations_status_deadline", ["status", "next_deadline_at"], unique=False
        )
        batch_op.create_index("ix_inbox_conversations_status_risk", ["status", "next_risk_at"], unique=False)
        batch_op.create_index(
            "ix_inbox_conversations_thread", ["unit_id", "platform", "thread_key"], unique=False
        )
        batch_op.create_index(
            "ix_inbox_conversations_unit_status_activity",
            ["unit_id", "status", "last_activity_at"],
            unique=False,
        )

    op.create_table(
        "inbox_query_feeds",
        sa.Column("query_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_inbox_query_feeds_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["query_id"],
            ["saved_queries.id"],
            name=op.f("fk_inbox_query_feeds_query_id_saved_queries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_inbox_query_feeds_unit_id_units")),
        sa.PrimaryKeyConstraint("query_id", name=op.f("pk_inbox_query_feeds")),
    )
    with op.batch_alter_table("inbox_query_feeds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_query_feeds_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inbox_team_members",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("last_assigned_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["inbox_teams.id"],
            name=op.f("fk_inbox_team_members_team_id_inbox_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inbox_team_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_inbox_team_members")),
    )
    op.create_table(
        "inbox_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "data", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_inbox_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["inbox_conversations.id"],
            name=op.f("fk_inbox_events_conversation_id_inbox_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_events")),
    )
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_events_conversation_at", ["conversation_id", "at"], unique=False)

    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("from_staff", sa.Boolean(), nullable=False),
        sa.Column("at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column("hidden_automatically", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["inbox_conversations.id"],
            name=op.f("fk_inbox_items_conversation_id_inbox_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"],
            ["users.id"],
            name=op.f("fk_inbox_items_hidden_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mention_id"],
            ["mentions.id"],
            name=op.f("fk_inbox_items_mention_id_mentions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_items")),
        sa.UniqueConstraint("mention_id", name=op.f("uq_inbox_items_mention_id")),
    )
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_items_conversation_at", ["conversation_id", "at"], unique=False)

    op.create_table(
        "inbox_lapor_forwards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("occurred_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "attachments",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("contact_consent", sa.Boolean(), nullable=False),
        sa.Column("reporter_contact", sa.String(length=300), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("due_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.Column("lapor_status", sa.String(length=32), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["inbox_conversations.id"],
            name=op.f("fk_inbox_lapor_forwards_conversation_id_inbox_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_inbox_lapor_forwards_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_lapor_forwards")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_inbox_lapor_forwards_conversation_id")),
    )
    op.create_table(
        "inbox_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "mentioned_user_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_inbox_notes_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["inbox_conversations.id"],
            name=op.f("fk_inbox_notes_conversation_id_inbox_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_notes")),
    )
    with op.batch_alter_table("inbox_notes", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_notes_conversation", ["conversation_id", "created_at"], unique=False)

    op.create_table(
        "inbox_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("in_reply_to_mention_id", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("needs_approval", sa.Boolean(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", humas.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", humas.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_inbox_replies_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["inbox_conversations.id"],
            name=op.f("fk_inbox_replies_conversation_id_inbox_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["in_reply_to_mention_id"],
            ["mentions.id"],
            name=op.f("fk_inbox_replies_in_reply_to_mention_id_mentions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_inbox_replies_outbox_message_id_outbox_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_inbox_replies_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["inbox_templates.id"],
            name=op.f("fk_inbox_replies_template_id_inbox_templates"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_replies")),
    )
    with op.batch_alter_table("inbox_replies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_replies_conversation", ["conversation_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_inbox_replies_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_replies_status")
        batch_op.drop_index("ix_inbox_replies_conversation")

    op.drop_table("inbox_replies")
    with op.batch_alter_table("inbox_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_notes_conversation")

    op.drop_table("inbox_notes")
    op.drop_table("inbox_lapor_forwards")
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_items_conversation_at")

    op.drop_table("inbox_items")
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_events_conversation_at")

    op.drop_table("inbox_events")
    op.drop_table("inbox_team_members")
    with op.batch_alter_table("inbox_query_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_query_feeds_unit_id"))

    op.drop_table("inbox_query_feeds")
    with op.batch_alter_table("inbox_conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_conversations_unit_status_activity")
        batch_op.drop_index("ix_inbox_conversations_thread")
        batch_op.drop_index("ix_inbox_conversations_status_risk")
        batch_op.drop_index("ix_inbox_conversations_status_deadline")
        batch_op.drop_index("ix_inbox_conversations_sla_escalation")
        batch_op.drop_index("ix_inbox_conversations_unit_status_sla")
        batch_op.drop_index("ix_inbox_conversations_author")
        batch_op.drop_index("ix_inbox_conversations_assignee_status")

    op.drop_table("inbox_conversations")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_read")

    op.drop_table("notifications")
    with op.batch_alter_table("inbox_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_views_user_id"))

    op.drop_table("inbox_views")
    with op.batch_alter_table("inbox_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_templates_unit_id"))

    op.drop_table("inbox_templates")
    with op.batch_alter_table("inbox_teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_teams_unit_id"))

    op.drop_table("inbox_teams")
    with op.batch_alter_table("inbox_sla_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_sla_policies_unit_id"))

    op.drop_table("inbox_sla_policies")
    op.drop_table("inbox_settings")
