"""Follower counts (``Capability.FOLLOWERS``, ``Publisher.followers``) on recorded platform answers."""

from __future__ import annotations

from datetime import date

import pytest
import respx

from humas.connectors import bluesky, facebook, instagram, line, mastodon, meta, telegram, x, youtube
from humas.connectors.errors import AuthExpired, PlatformError
from humas.connectors.http import HttpClient
from humas.connectors.registry import REGISTRY, Capability
from tests.connectors.conftest import load

GRAPH = "https://graph.facebook.com/v24.0"
YT = "https://www.googleapis.com/youtube/v3"
YT_CHANNEL = "UC_x5XG1OV2P6uZZ5FSM9Ttw"


def test_the_platforms_that_give_a_follower_count_say_so_and_the_others_do_not():
    counted = {name for name, spec in REGISTRY.items() if spec.can(Capability.FOLLOWERS)}
    assert counted == {"facebook", "instagram", "x", "youtube", "mastodon", "bluesky", "telegram", "line"}
    for spec in REGISTRY.values():  # the capability and the reader go together
        assert spec.can(Capability.FOLLOWERS) == callable(getattr(spec.publisher, "followers", None))


@respx.mock
def test_facebook_page_followers_count(sleeper):
    creds = facebook.FacebookCredentials(page_id="104010002003", page_access_token="page-token")
    route = respx.get(f"{GRAPH}/104010002003").respond(200, json=load("meta", "fb_page_followers_count.json"))
    count = facebook.FacebookPublisher(creds, client=meta.graph_client(sleep=sleeper)).followers()
    assert count == 15342
    assert route.calls[0].request.url.params["fields"] == "followers_count"
    assert route.calls[0].request.url.params["access_token"] == "page-token"


@respx.mock
def test_instagram_followers_count(sleeper):
    creds = instagram.InstagramCredentials(ig_user_id="17841474524784050", access_token="ig-token")
    route = respx.get(f"{GRAPH}/17841474524784050").respond(
        200, json=load("meta", "ig_user_followers_count.json")
    )
    assert instagram.InstagramPublisher(creds, client=meta.graph_client(sleep=sleeper)).followers() == 267788
    assert route.calls[0].request.url.params["fields"] == "followers_count"


@respx.mock
def test_x_public_metrics_read_with_the_app_token(sleeper):
    creds = x.XCredentials(user_id="783214", bearer_token="app-token", user_access_token="user-token")
    route = respx.get("https://api.x.com/2/users/783214").respond(
        200, json=load("x", "user_public_metrics.json")
    )
    client = HttpClient(base_url=x.BASE_URL, error_for=x.error_for, sleep=sleeper)
    assert x.XPublisher(creds, client=client).followers() == 500
    request = route.calls[0].request
    assert request.url.params["user.fields"] == "public_metrics"
    assert request.headers["Authorization"] == "Bearer app-token"


@respx.mock
def test_x_expired_token_is_an_error_not_a_number(sleeper):
    creds = x.XCredentials(user_id="783214", bearer_token="app-token")
    respx.get("https://api.x.com/2/users/783214").respond(401, json=load("x", "error_401.json"))
    client = HttpClient(base_url=x.BASE_URL, error_for=x.error_for, sleep=sleeper)
    with pytest.raises(AuthExpired):
        x.XPublisher(creds, client=client).followers()


@respx.mock
def test_youtube_subscribers_by_key_hidden_and_unknown(sleeper):
    creds = youtube.YouTubeCredentials(channel_id=YT_CHANNEL, api_key="yt-key", access_token="yt-oauth")
    route = respx.get(f"{YT}/channels")
    route.side_effect = [
        respx.MockResponse(200, json=load("youtube", "channel_statistics.json")),
        respx.MockResponse(200, json=load("youtube", "channel_statistics_hidden.json")),
        respx.MockResponse(200, json=load("youtube", "channel_list_empty.json")),
    ]
    publisher = youtube.YouTubePublisher(creds, client=HttpClient(base_url=YT, error_for=youtube.error_for))
    assert publisher.followers() == 2390000  # a numeric string in the answer
    params = route.calls[0].request.url.params
    assert (params["part"], params["id"], params["key"]) == ("statistics", YT_CHANNEL, "yt-key")
    assert publisher.followers() is None  # hiddenSubscriberCount: no number is made up
    with pytest.raises(PlatformError):
        publisher.followers()


@respx.mock
def test_youtube_without_key_uses_the_oauth_token(sleeper):
    creds = youtube.YouTubeCredentials(channel_id=YT_CHANNEL, access_token="yt-oauth")
    route = respx.get(f"{YT}/channels").respond(200, json=load("youtube", "channel_statistics.json"))
    publisher = youtube.YouTubePublisher(creds, client=HttpClient(base_url=YT, error_for=youtube.error_for))
    assert publisher.followers() == 2390000
    assert route.calls[0].request.headers["Authorization"] == "Bearer yt-oauth"
    assert "key" not in route.calls[0].request.url.params


@respx.mock
def test_mastodon_account_followers_count(sleeper):
    base = "https://mastodon.social"
    creds = mastodon.MastodonCredentials(instance_url=base, account_id="14715", access_token="m-token")
    route = respx.get(f"{base}/api/v1/accounts/14715").respond(200, json=load("mastodon", "account.json"))
    client = HttpClient(base_url=base, error_for=mastodon.error_for, sleep=sleeper)
    assert mastodon.MastodonPublisher(creds, client=client).followers() == 821
    assert route.calls[0].request.headers["Authorization"] == "Bearer m-token"


@respx.mock
def test_bluesky_profile_followers_count_of_the_logged_in_did(sleeper):
    creds = bluesky.BlueskyCredentials(identifier="humas.kotabandung.go.id", app_password="app-pass-1234")
    pds = "https://bsky.social/xrpc"
    respx.post(f"{pds}/com.atproto.server.createSession").respond(
        200, json=load("bluesky", "create_session.json")
    )
    profile = load("bluesky", "get_profile.json")
    route = respx.get(f"{pds}/app.bsky.actor.getProfile").respond(200, json=profile)
    client = HttpClient(base_url="https://bsky.social", error_for=bluesky.error_for, sleep=sleeper)
    assert bluesky.BlueskyPublisher(creds, client=client).followers() == 4210
    assert route.calls[0].request.url.params["actor"] == "did:plc:z72i7hdynmk6r22z27h6tvur"


@respx.mock
def test_telegram_channel_member_count(sleeper):
    token = "123456:ABC-DEF"
    bot = f"https://api.telegram.org/bot{token}"
    creds = telegram.TelegramCredentials(bot_token=token, channel="@infopublikkota")
    route = respx.get(f"{bot}/getChatMemberCount").respond(
        200, json=load("telegram", "get_chat_member_count.json")
    )
    client = HttpClient(base_url=bot, error_for=telegram.error_for, sleep=sleeper)
    assert telegram.TelegramPublisher(creds, client=client).followers() == 12840
    assert route.calls[0].request.url.params["chat_id"] == "@infopublikkota"
    no_channel = telegram.TelegramCredentials(bot_token=token)
    with pytest.raises(ValueError, match="no channel"):
        telegram.TelegramPublisher(no_channel, client=client).followers()


@respx.mock
def test_line_followers_of_yesterday_in_utc_plus_9_and_none_while_unready(sleeper):
    creds = line.LineCredentials(channel_access_token="line-token", channel_secret="line-secret")
    route = respx.get(f"{line.API}/v2/bot/insight/followers")
    route.side_effect = [
        respx.MockResponse(200, json=load("line", "insight_followers.json")),
        respx.MockResponse(200, json=load("line", "insight_followers_unready.json")),
    ]
    publisher = line.LinePublisher(creds, client=HttpClient(base_url=line.API, error_for=line.error_for))
    publisher.today = lambda: date(2026, 12, 1)
    assert publisher.followers() == 7620
    assert route.calls[0].request.url.params["date"] == "20261130"
    assert route.calls[0].request.headers["Authorization"] == "Bearer line-token"
    assert publisher.followers() is None
