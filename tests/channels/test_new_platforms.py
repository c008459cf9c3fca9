"""LINE and TikTok as channels: connected after one real probe, TikTok polled through the pipeline."""

from __future__ import annotations

import httpx
import respx
from sqlalchemy import select

from humas.channels import service as channels_service
from humas.channels.models import Health
from humas.ingest.models import Mention
from tests.channels.factories import make_channel
from tests.connectors.conftest import load
from tests.factories import make_unit, make_user

TIKTOK = "https://business-api.tiktok.com/open_api/v1.3"
TIKTOK_VALUES = {"business_id": "-000Ab1Cd2Ef3Gh4", "access_token": "tt-rahasia-token-7788"}


@respx.mock
def test_add_a_line_channel_names_it_by_the_bot(session):
    info = respx.get("https://api.line.me/v2/bot/info").respond(200, json=load("line", "bot_info.json"))
    admin = make_user(session)
    channel = channels_service.add_channel(
        session,
        unit=admin.unit,
        platform="line",
        name="LINE Humas",
        values={"channel_access_token": "line-rahasia-token-1234", "channel_secret": "line-rahasia-secret"},
        actor=admin,
    )
    assert info.call_count == 1 and channel.account_external_id == "Uf3c0a1b2c3d4e5f60718293a4b5c6d7e"
    assert "line-rahasia" not in channel.credentials_encrypted
    assert channels_service.channel_values(channel)["channel_secret"] == "line-rahasia-secret"


@respx.mock
def test_tiktok_poll_stores_videos_comments_and_replies_once(session):
    unit = make_unit(session)
    channel = make_channel(session, unit=unit, platform="tiktok", values=TIKTOK_VALUES)

    def routes():
        respx.get(f"{TIKTOK}/business/video/list/").respond(200, json=load("tiktok", "video_list.json"))
        comments = respx.get(f"{TIKTOK}/business/comment/list/")
        comments.side_effect = [
            httpx.Response(200, json=load("tiktok", "comment_list_page1.json")),
            httpx.Response(200, json=load("tiktok", "comment_list_page2.json")),
            httpx.Response(200, json=load("tiktok", "comment_list_empty.json")),
        ]

    routes()
    assert channels_service.poll_channel(session, channel=channel).startswith("ok")
    assert channel.status == Health.ok and channel.cursor == {"since": 1764641400}
    stored = {m.external_id: m for m in session.scalars(select(Mention).where(Mention.unit_id == unit.id))}
    assert len(stored) == 6 and {m.platform for m in stored.values()} == {"tiktok"}
    reply = stored["7578012345678901234:7578100000000000005"]
    assert reply.parent_external_id == "7578012345678901234:7578100000000000003"

    routes()  # the same answers again: nothing stored twice
    channels_service.poll_channel(session, channel=channel)
    assert len(session.scalars(select(Mention).where(Mention.unit_id == unit.id)).all()) == 6


@respx.mock
def test_a_revoked_tiktok_token_asks_for_reauthorisation(session):
    channel = make_channel(session, unit=make_unit(session), platform="tiktok", values=TIKTOK_VALUES)
    respx.get(f"{TIKTOK}/business/video/list/").respond(200, json=load("tiktok", "error_40105.json"))
    channels_service.poll_channel(session, channel=channel)
    assert channel.status == Health.needs_reauth
