"""one outbox for every outgoing thing (channel writes and alert deliveries)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # NOTE: placeholder reserved in the revision chain; filled by the work it is named for


def downgrade() -> None:
    pass
