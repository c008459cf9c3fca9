"""Migration 0006: alert-rule webhook secrets written in plaintext before are encrypted in place."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from humas.core import migrations, secrets
from humas.core.db import make_engine
from humas.core.secrets import SecretsUnavailable
from humas.core.settings import get_settings


def _at_0005_with_a_plaintext_secret(url: str):
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrations.alembic_config(connection=conn), "0005")
    with engine.begin() as conn:
        # Raw SQL: the unit model of head has columns (time_zone, 0007) that 0005 lacks.
        conn.execute(
            text(
                "INSERT INTO units (name, parent_id, parent_key, path, depth, created_at)"
                " VALUES ('Biro Humas', NULL, 0, '', 0, :now)"
            ),
            {"now": "2026-11-24 00:00:00+00"},
        )
        unit_id = conn.scalar(text("SELECT id FROM units"))
        conn.execute(
            text(
                "INSERT INTO alert_rules (unit_id, name, kind, cooldown_min, emails, webhook_url,"
                " webhook_secret, is_active, cursor, created_at) VALUES (:u, 'Hook', 'spike', 60, '[]',"
                " 'https://h.example/x', 'lama-rahasia', true, 0, :now)"
            ),
            {"u": unit_id, "now": "2026-11-24 00:00:00+00"},
        )
    return engine


def test_upgrade_encrypts_and_downgrade_restores(empty_db_url):
    engine = _at_0005_with_a_plaintext_secret(empty_db_url)
    migrations.upgrade(engine)
    with engine.connect() as conn:
        token = conn.scalar(text("SELECT webhook_secret_encrypted FROM alert_rules"))
    assert "lama-rahasia" not in token and secrets.decrypt(token) == {"secret": "lama-rahasia"}
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config(connection=conn), "0005")
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT webhook_secret FROM alert_rules")) == "lama-rahasia"
    engine.dispose()


def test_upgrade_without_a_key_stops_and_changes_nothing(empty_db_url, monkeypatch):
    engine = _at_0005_with_a_plaintext_secret(empty_db_url)
    monkeypatch.delenv("HUMAS_FERNET_KEY", raising=False)
    monkeypatch.setattr(get_settings(), "fernet_key", None)
    with pytest.raises(SecretsUnavailable, match="HUMAS_FERNET_KEY"):
        migrations.upgrade(engine)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0005"
        assert conn.scalar(text("SELECT webhook_secret FROM alert_rules")) == "lama-rahasia"
    engine.dispose()
