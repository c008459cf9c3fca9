"""Rotating HUMAS_FERNET_KEY: several keys decrypt, the first encrypts, `humas secrets rotate` re-encrypts."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from typer.testing import CliRunner

from humas.channels import service as channels_service
from humas.cli.main import app
from humas.core import secrets
from humas.core.db import session_scope
from humas.core.secrets import SecretsUnavailable
from humas.core.settings import get_settings
from humas.listening.models import AlertRule
from humas.listening.service import rules as rules_service
from humas.org.models import AuditLog
from tests.channels.conftest import BOT_TOKEN
from tests.channels.factories import make_channel
from tests.conftest import FERNET_KEY
from tests.factories import make_unit, make_user

NEW_KEY = "qkTzJ5m0fV6oZz7p4Ik5N1wq2yUo8yqkF3eG7Hk1bXo="


def use_keys(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("HUMAS_FERNET_KEY", value)
    get_settings.cache_clear()


def test_the_first_key_encrypts_and_every_key_decrypts(monkeypatch):
    old_token = secrets.encrypt({"bot_token": BOT_TOKEN})
    use_keys(monkeypatch, f"{NEW_KEY}, {FERNET_KEY}")
    assert secrets.decrypt(old_token) == {"bot_token": BOT_TOKEN}
    new_token = secrets.encrypt({"bot_token": BOT_TOKEN})
    Fernet(NEW_KEY.encode()).decrypt(new_token.encode())  # made under the first key
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidToken: not under the old key
        Fernet(FERNET_KEY.encode()).decrypt(new_token.encode())
    rotated = secrets.reencrypt(old_token)
    use_keys(monkeypatch, NEW_KEY)
    assert secrets.decrypt(rotated) == {"bot_token": BOT_TOKEN}
    with pytest.raises(SecretsUnavailable, match="didekripsi"):
        secrets.decrypt(old_token)


@pytest.mark.parametrize("value", ["", " , ", f"{NEW_KEY},bukan-kunci"])
def test_a_missing_or_broken_key_is_refused_by_name(monkeypatch, value):
    use_keys(monkeypatch, value)
    with pytest.raises(SecretsUnavailable, match="HUMAS_FERNET_KEY"):
        secrets.encrypt({})


def test_reencrypt_credentials_moves_every_channel_to_the_first_key(session, monkeypatch):
    unit = make_unit(session)
    ids = [make_channel(session, unit=unit).id, make_channel(session, unit=unit).id]
    use_keys(monkeypatch, f"{NEW_KEY},{FERNET_KEY}")
    assert channels_service.reencrypt_credentials(session) == 2
    session.flush()
    use_keys(monkeypatch, NEW_KEY)  # the old key is gone: everything still reads
    for channel_id in ids:
        values = channels_service.channel_values(channels_service.get_channel(session, channel_id))
        assert values["bot_token"] == BOT_TOKEN
    row = session.scalars(select(AuditLog).where(AuditLog.action == "channel.reencrypt_credentials")).one()
    assert row.after == {"channels": 2} and BOT_TOKEN not in str(row.before) + str(row.after)


def test_one_unreadable_channel_stops_the_rotation_and_nothing_changes(app_db, monkeypatch):
    with session_scope(app_db) as session:
        unit = make_unit(session)
        good = make_channel(session, unit=unit)
        use_keys(monkeypatch, Fernet.generate_key().decode())  # a key nobody configured any more
        make_channel(session, unit=unit)
        good_id, before = good.id, good.credentials_encrypted
    use_keys(monkeypatch, f"{NEW_KEY},{FERNET_KEY}")
    result = CliRunner().invoke(app, ["secrets", "rotate"])
    assert result.exit_code == 1
    assert "didekripsi" in result.output and "Traceback" not in result.output
    with session_scope(app_db) as session:
        assert channels_service.get_channel(session, good_id).credentials_encrypted == before


def test_cli_rotate_then_drop_the_old_key(app_db, monkeypatch):
    with session_scope(app_db) as session:
        unit = make_unit(session)
        channel_id = make_channel(session, unit=unit).id
        rule = rules_service.create_rule(
            session,
            unit=unit,
            actor=make_user(session, unit=unit),
            data=rules_service.RuleInput(
                name="Hook", kind="spike", webhook_url="https://hook.example/h", webhook_secret="s3cret-hook"
            ),
        )
        rule_id = rule.id
    use_keys(monkeypatch, f"{NEW_KEY},{FERNET_KEY}")
    runner = CliRunner()
    result = runner.invoke(app, ["secrets", "rotate"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted: 1 channel(s), 1 alert rule(s)" in result.output and BOT_TOKEN not in result.output
    use_keys(monkeypatch, NEW_KEY)
    with session_scope(app_db) as session:
        channel = channels_service.get_channel(session, channel_id)
        assert channels_service.channel_values(channel)["bot_token"] == BOT_TOKEN
        assert rules_service.webhook_secret(session.get(AlertRule, rule_id)) == "s3cret-hook"
    key = runner.invoke(app, ["secrets", "new-key"]).output.strip()
    Fernet(key.encode())  # a valid, fresh key
    assert key not in (NEW_KEY, FERNET_KEY)
