"""Adding, listing, re-authorising channels: validated by a real (replayed) call, credentials encrypted."""

from __future__ import annotations

import httpx
import pytest
import respx
from sqlalchemy import select

from humas.channels import service as channels_service
from humas.channels.models import Channel, Health
from humas.core.errors import Invalid, NotFound, PermissionDenied
from humas.core.secrets import SecretsUnavailable
from humas.core.settings import get_settings
from humas.org.models import AuditLog
from tests.channels.conftest import BOT, BOT_TOKEN, load
from tests.channels.factories import make_channel
from tests.factories import make_unit, make_user


@respx.mock
def test_add_telegram_channel_checks_the_token_and_encrypts_it(session):
    get_me = respx.get(f"{BOT}/getMe").respond(200, json=load("telegram", "get_me.json"))
    admin = make_user(session)
    channel = channels_service.add_channel(
        session,
        unit=admin.unit,
        platform="telegram",
        name="Bot Humas",
        values={"bot_token": f"  {BOT_TOKEN} ", "channel": "@infopublikkota"},
        actor=admin,
    )
    assert get_me.called
    assert channel.status == Health.never_run and channel.account_external_id == "7012345678"
    assert BOT_TOKEN not in channel.credentials_encrypted
    assert channels_service.channel_values(channel)["bot_token"] == BOT_TOKEN
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "channel.add")).one()
    assert BOT_TOKEN not in repr((audit.before, audit.after, audit.object_label))
    assert audit.after["fields"] == ["bot_token", "channel"]


@respx.mock
def test_refused_token_names_the_field_and_stores_nothing(session):
    respx.get(f"{BOT}/getMe").respond(401, json=load("telegram", "error_401.json"))
    admin = make_user(session)
    with pytest.raises(Invalid) as info:
        channels_service.add_channel(
            session,
            unit=admin.unit,
            platform="telegram",
            name="Bot",
            values={"bot_token": BOT_TOKEN},
            actor=admin,
        )
    assert info.value.field == "bot_token"
    assert session.scalar(select(Channel.id).where(Channel.unit_id == admin.unit_id)) is None


def test_missing_required_field_and_unknown_platform(session):
    admin = make_user(session)
    with pytest.raises(Invalid) as info:
        channels_service.add_channel(
            session,
            unit=admin.unit,
            platform="facebook",
            name="Halaman",
            values={"page_id": "1"},
            actor=admin,
        )
    assert info.value.field == "page_access_token"
    with pytest.raises(Invalid) as info:
        channels_service.add_channel(
            session, unit=admin.unit, platform="myspace", name="X", values={}, actor=admin
        )
    assert info.value.field == "platform"


def test_missing_fernet_key_is_refused_clearly(session, monkeypatch):
    admin = make_user(session)
    monkeypatch.delenv("HUMAS_FERNET_KEY")
    monkeypatch.setattr(get_settings(), "fernet_key", None)
    with pytest.raises(SecretsUnavailable) as info:
        channels_service.add_channel(
            session,
            unit=admin.unit,
            platform="telegram",
            name="Bot",
            values={"bot_token": BOT_TOKEN},
            actor=admin,
        )
    assert "HUMAS_FERNET_KEY" in str(info.value)


def test_only_admins_add_and_only_the_subtree_is_visible(session):
    root = make_unit(session)
    mine, sibling = make_unit(session, parent=root), make_unit(session, parent=root)
    drafter = make_user(session, unit=mine, roles=("drafter",))
    admin = make_user(session, unit=mine)
    with pytest.raises(PermissionDenied):
        channels_service.add_channel(
            session,
            unit=mine,
            platform="telegram",
            name="Bot",
            values={"bot_token": BOT_TOKEN},
            actor=drafter,
        )
    with pytest.raises(NotFound):
        channels_service.add_channel(
            session,
            unit=sibling,
            platform="telegram",
            name="Bot",
            values={"bot_token": BOT_TOKEN},
            actor=admin,
        )
    own, foreign = make_channel(session, unit=mine), make_channel(session, unit=sibling)
    assert channels_service.access_channel(session, drafter, own.id) is own
    with pytest.raises(NotFound):
        channels_service.access_channel(session, admin, foreign.id)
    assert [c.id for c in channels_service.list_channels(session, admin)] == [own.id]


@respx.mock
def test_rotating_credentials_clears_needs_reauth(session):
    new_token = "7012345678:AAH-baru-token-ABC123"
    get_me = respx.get(f"https://api.telegram.org/bot{new_token}/getMe").respond(
        200, json=load("telegram", "get_me.json")
    )
    admin = make_user(session)
    values = {"bot_token": BOT_TOKEN, "webhook_secret": "tg-webhook-secret-77aa"}
    channel = make_channel(
        session, unit=admin.unit, values=values, status=Health.needs_reauth.value, next_poll_at=None
    )
    with pytest.raises(Invalid):
        channels_service.rotate_credentials(session, channel=channel, values={"channel": "@x"}, actor=admin)
    channels_service.rotate_credentials(
        session, channel=channel, values={"bot_token": new_token}, actor=admin
    )
    assert get_me.called
    assert channel.status == Health.never_run and channel.next_poll_at is not None
    values = channels_service.channel_values(channel)
    assert values["bot_token"] == new_token and values["webhook_secret"] == "tg-webhook-secret-77aa"
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "channel.rotate_credentials")).one()
    assert audit.after == {"fields": ["bot_token"]}


@respx.mock
def test_facebook_probe_reads_the_feed(session):
    respx.get(url__regex=r"https://graph\.facebook\.com/v24\.0/104010002003/feed.*").mock(
        side_effect=[
            httpx.Response(200, json=load("meta", "fb_feed_page1.json")),
            httpx.Response(200, json=load("meta", "fb_feed_page2.json")),
        ]
    )
    respx.get(url__regex=r"https://graph\.facebook\.com/v24\.0/.+/comments.*").respond(200, json={"data": []})
    admin = make_user(session)
    channel = channels_service.add_channel(
        session,
        unit=admin.unit,
        platform="facebook",
        name="Halaman Resmi",
        values={"page_id": "104010002003", "page_access_token": "EAAG-token"},
        actor=admin,
    )
    assert channel.account_external_id == "104010002003"


@respx.mock
def test_whatsapp_probe_reads_the_phone_number(session):
    probe = respx.get("https://graph.facebook.com/v24.0/106540352242922").respond(
        200, json={"id": "106540352242922", "display_phone_number": "15550783881"}
    )
    admin = make_user(session)
    channel = channels_service.add_channel(
        session,
        unit=admin.unit,
        platform="whatsapp",
        name="WhatsApp Pengaduan",
        values={"phone_number_id": "106540352242922", "access_token": "EAAW-token", "app_secret": "s"},
        actor=admin,
    )
    assert probe.calls[0].request.headers["authorization"] == "Bearer EAAW-token"
    assert channel.account_external_id == "106540352242922"
    with pytest.raises(Invalid):  # WhatsApp only pushes: there is nothing to poll
        channels_service.request_poll(session, channel=channel, actor=admin)
