"""nlp label corrections per unit

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # NOTE: placeholder reserved in the revision chain; filled by the work it is named for


def downgrade() -> None:
    pass
