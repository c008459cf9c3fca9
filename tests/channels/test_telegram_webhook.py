"""Telegram webhook mode: setWebhook from humas, no polling while it is set, deleteWebhook to go back."""

from __future__ import annotations

import json

import pytest
import respx
from sqlalchemy import select

from humas.channels import service as channels_service
from humas.channels.service.polling import fetch_channel
from humas.connectors import telegram
from humas.connectors.errors import PlatformError
from humas.core.db import session_scope
from humas.core.errors import Invalid, PermissionDenied
from humas.core.settings import get_settings
from humas.org.models import AuditLog
from tests.channels.conftest import BOT, BOT_TOKEN, load
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user

PUBLIC = "https://humas.kotacontoh.go.id"


@pytest.fixture
def public_url(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HUMAS_PUBLIC_URL", PUBLIC + "/")
    get_settings.cache_clear()
    return PUBLIC


@respx.mock
def test_set_webhook_sends_the_documented_body():
    route = respx.post(f"{BOT}/setWebhook").respond(200, json=load("telegram", "set_webhook_response.json"))
    creds = telegram.TelegramCredentials(bot_token=BOT_TOKEN, webhook_secret="rahasia_token-1")
    telegram.set_webhook(creds, f"{PUBLIC}/webhooks/telegram/7")
    assert json.loads(route.calls.last.request.content) == {
        "url": f"{PUBLIC}/webhooks/telegram/7",
        "secret_token": "rahasia_token-1",
        "allowed_updates": ["message", "edited_message", "channel_post", "edited_channel_post"],
        "drop_pending_updates": False,
    }
    respx.post(f"{BOT}/setWebhook").respond(400, json=load("telegram", "set_webhook_error_400.json"))
    with pytest.raises(PlatformError, match="HTTPS URL"):
        telegram.set_webhook(creds, "http://humas.local/webhooks/telegram/7")
    with pytest.raises(ValueError):
        telegram.set_webhook(telegram.TelegramCredentials(bot_token=BOT_TOKEN), f"{PUBLIC}/x")


@respx.mock
def test_webhook_on_then_off(session, public_url):
    admin = make_user(session)
    channel = make_channel(session, unit=admin.unit)
    set_ok = load("telegram", "set_webhook_response.json")
    conflict = load("telegram", "get_updates_conflict_409.json")
    set_route = respx.post(f"{BOT}/setWebhook").respond(200, json=set_ok)
    updates = respx.get(f"{BOT}/getUpdates").respond(409, json=conflict)

    url = channels_service.set_webhook_mode(session, channel=channel, enabled=True, actor=admin)
    assert url == f"{PUBLIC}/webhooks/telegram/{channel.id}"
    sent = json.loads(set_route.calls.last.request.content)
    stored = channels_service.channel_values(channel)
    assert sent["url"] == url and sent["secret_token"] == stored["webhook_secret"]
    assert len(stored["webhook_secret"]) >= 32 and stored["bot_token"] == BOT_TOKEN
    assert channels_service.webhook_switched_on(channel)

    fetched, _rate = fetch_channel(channel)  # webhook mode: no getUpdates (it would answer 409)
    assert fetched.items == [] and not updates.called

    delete_route = respx.post(f"{BOT}/deleteWebhook").respond(
        200, json=load("telegram", "delete_webhook_response.json")
    )
    assert channels_service.set_webhook_mode(session, channel=channel, enabled=False, actor=admin) is None
    assert delete_route.called and not channels_service.webhook_switched_on(channel)
    actions = session.scalars(
        select(AuditLog.action).where(AuditLog.object_id == str(channel.id)).order_by(AuditLog.id)
    ).all()
    assert actions[-2:] == ["channel.webhook_on", "channel.webhook_off"]
    rows = session.scalars(select(AuditLog).where(AuditLog.object_id == str(channel.id)))
    audit_text = " ".join(str(row.after) for row in rows)
    assert stored["webhook_secret"] not in audit_text and BOT_TOKEN not in audit_text


@respx.mock
@pytest.mark.parametrize("address", [None, "http://humas.kotacontoh.go.id"])
def test_webhook_needs_an_https_public_url(session, monkeypatch, address):
    if address:
        monkeypatch.setenv("HUMAS_PUBLIC_URL", address)
    else:
        monkeypatch.delenv("HUMAS_PUBLIC_URL", raising=False)
    get_settings.cache_clear()
    admin = make_user(session)
    channel = make_channel(session, unit=admin.unit)
    before = channel.credentials_encrypted
    with pytest.raises(Invalid) as info:
        channels_service.set_webhook_mode(session, channel=channel, enabled=True, actor=admin)
    assert info.value.field == "public_url" and "HUMAS_PUBLIC_URL" in str(info.value)
    assert channel.credentials_encrypted == before


@respx.mock
def test_refused_token_drafter_and_other_platforms(session, public_url):
    admin = make_user(session)
    channel = make_channel(session, unit=admin.unit)
    respx.post(f"{BOT}/setWebhook").respond(401, json=load("telegram", "error_401.json"))
    with pytest.raises(Invalid) as info:
        channels_service.set_webhook_mode(session, channel=channel, enabled=True, actor=admin)
    assert info.value.field == "bot_token" and not channels_service.webhook_switched_on(channel)

    drafter = make_user(session, unit=admin.unit, roles=("drafter",))
    with pytest.raises(PermissionDenied):
        channels_service.set_webhook_mode(session, channel=channel, enabled=True, actor=drafter)
    mastodon = make_channel(session, unit=admin.unit, platform="mastodon")
    with pytest.raises(Invalid) as info:
        channels_service.set_webhook_mode(session, channel=mastodon, enabled=True, actor=admin)
    assert info.value.field == "platform"


@respx.mock
def test_switch_on_the_channel_page(app_client, public_url):
    with session_scope(app_client.engine) as session:
        unit = make_unit(session, name="Diskominfo Kota")
        user_id = make_user(session, unit=unit).id
        channel_id = make_channel(session, unit=unit, name="Bot <Kota>").id
    app_client.login(user_id)
    page = app_client.get(f"/channels/{channel_id}")
    assert "Diambil dengan polling" in page.text and 'data-testid="channel-poll"' in page.text
    respx.post(f"{BOT}/setWebhook").respond(200, json=load("telegram", "set_webhook_response.json"))
    on = app_client.post(f"/channels/{channel_id}/webhook-mode", {"enabled": "1"})
    assert on.status_code == 200 and "Diterima lewat webhook" in on.text
    assert "Platform kini mengirim Bot &lt;Kota&gt; lewat webhook." in on.text
    assert 'data-testid="channel-poll"' not in on.text and BOT_TOKEN not in on.text
    respx.post(f"{BOT}/deleteWebhook").respond(200, json=load("telegram", "delete_webhook_response.json"))
    off = app_client.post(f"/channels/{channel_id}/webhook-mode", {"enabled": "0"})
    assert "Diambil dengan polling" in off.text and "kembali diambil dengan polling" in off.text
