"""alert rules: the webhook signing secret is stored encrypted (Fernet under HUMAS_FERNET_KEY)

Existing secrets are encrypted in place; with rows to convert and no usable key the upgrade stops and says so
(nothing changed). The plaintext column is dropped.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 20:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from humas.core import secrets

    op.add_column("alert_rules", sa.Column("webhook_secret_encrypted", sa.Text(), nullable=True))
    bind = op.get_bind()
    select = "SELECT id, webhook_secret FROM alert_rules WHERE webhook_secret IS NOT NULL"
    rows = bind.execute(sa.text(select))
    for rule_id, secret in rows.fetchall():
        bind.execute(
            sa.text("UPDATE alert_rules SET webhook_secret_encrypted = :token WHERE id = :id"),
            {"token": secrets.encrypt({"secret": secret}), "id": rule_id},
        )
    # NOTE: not in batch mode: a batch re-creates alert_rules on SQLite, and dropping the old table with
    # foreign keys on deletes the rows that reference it (ON DELETE CASCADE). SQLite 3.35+ drops columns.
    op.drop_column("alert_rules", "webhook_secret")


def downgrade() -> None:
    from humas.core import secrets

    op.add_column("alert_rules", sa.Column("webhook_secret", sa.String(length=200), nullable=True))
    bind = op.get_bind()
    select = "SELECT id, webhook_secret_encrypted FROM alert_rules WHERE webhook_secret_encrypted IS NOT NULL"
    rows = bind.execute(sa.text(select))
    for rule_id, token in rows.fetchall():
        bind.execute(
            sa.text("UPDATE alert_rules SET webhook_secret = :secret WHERE id = :id"),
            {"secret": str(secrets.decrypt(token).get("secret") or "")[:200], "id": rule_id},
        )
    op.drop_column("alert_rules", "webhook_secret_encrypted")
