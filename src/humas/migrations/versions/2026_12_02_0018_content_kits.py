"""content kits (narasi tunggal), their receipts, and campaigns (docs/decisions/0098-content-kits.md)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import humas.core.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def _at(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, humas.core.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "kit_signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("private_encrypted", sa.Text(), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kit_signing_keys")),
        sa.UniqueConstraint("public_key", name=op.f("uq_kit_signing_keys_public_key")),
    )
    op.create_table(
        "kit_unit_contacts",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("telegram_chat_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_kit_unit_contacts_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_kit_unit_contacts")),
    )
    op.create_table(
        "kit_trusted_issuers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_kit_trusted_issuers_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_kit_trusted_issuers_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kit_trusted_issuers")),
        sa.UniqueConstraint("unit_id", "fingerprint", name="uq_kit_trusted_issuers_unit_id_fingerprint"),
    )
    with op.batch_alter_table("kit_trusted_issuers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kit_trusted_issuers_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "content_kits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("issuer_unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("key_messages", _json(), nullable=False),
        sa.Column("master_text", sa.Text(), nullable=False),
        sa.Column("variants", _json(), nullable=False),
        sa.Column("media", _json(), nullable=False),
        sa.Column("hashtags", _json(), nullable=False),
        sa.Column("links", _json(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        _at("starts_at"),
        _at("ends_at"),
        sa.Column("target", _json(), nullable=False),
        _at("issued_at", nullable=True),
        sa.Column("query_id", sa.Integer(), nullable=True),
        sa.Column("origin_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("origin_name", sa.String(length=200), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_content_kits_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["issuer_unit_id"], ["units.id"], name=op.f("fk_content_kits_issuer_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["query_id"],
            ["saved_queries.id"],
            name=op.f("fk_content_kits_query_id_saved_queries"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_kits")),
        sa.UniqueConstraint("uid", name=op.f("uq_content_kits_uid")),
    )
    with op.batch_alter_table("content_kits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_kits_issuer_unit_id"), ["issuer_unit_id"], unique=False)

    op.create_table(
        "kit_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        _at("created_at"),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kit_id"],
            ["content_kits.id"],
            name=op.f("fk_kit_receipts_kit_id_content_kits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_kit_receipts_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kit_receipts")),
        sa.UniqueConstraint("kit_id", "unit_id", name="uq_kit_receipts_kit_id_unit_id"),
    )
    with op.batch_alter_table("kit_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kit_receipts_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "kit_posts",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_kit_posts_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["kit_receipts.id"],
            name=op.f("fk_kit_posts_receipt_id_kit_receipts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_kit_posts")),
    )
    with op.batch_alter_table("kit_posts", schema=None) as batch_op:
        batch_op.create_index("ix_kit_posts_receipt_id", ["receipt_id"], unique=False)

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("hashtags", _json(), nullable=False),
        sa.Column("query_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_campaigns_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["query_id"],
            ["saved_queries.id"],
            name=op.f("fk_campaigns_query_id_saved_queries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_campaigns_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("unit_id", "name", name="uq_campaigns_unit_id_name"),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "campaign_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        _at("added_at"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_items_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_items")),
        sa.UniqueConstraint(
            "campaign_id", "kind", "ref_id", name="uq_campaign_items_campaign_id_kind_ref_id"
        ),
    )
    op.create_table(
        "hashtag_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("hashtags", _json(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_hashtag_groups_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_hashtag_groups_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hashtag_groups")),
        sa.UniqueConstraint("unit_id", "name", name="uq_hashtag_groups_unit_id_name"),
    )
    with op.batch_alter_table("hashtag_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hashtag_groups_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_table("hashtag_groups")
    op.drop_table("campaign_items")
    op.drop_table("campaigns")
    op.drop_table("kit_posts")
    op.drop_table("kit_receipts")
    op.drop_table("content_kits")
    op.drop_table("kit_trusted_issuers")
    op.drop_table("kit_unit_contacts")
    op.drop_table("kit_signing_keys")
