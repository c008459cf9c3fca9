"""units: time zone and working calendar (hours, closures)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # NOTE: placeholder reserved in the revision chain; filled by the work it is named for


def downgrade() -> None:
    pass
