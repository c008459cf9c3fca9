from __future__ import annotations

import json

import httpx
import pytest
import respx

from humas.connectors import youtube
from humas.connectors.errors import AuthExpired, RateLimited, Unsupported
from humas.connectors.http import HttpClient
from tests.connectors.conftest import load

API = "https://www.googleapis.com/youtube/v3"
CREDS = youtube.YouTubeCredentials(
    channel_id="UCdC0An4ZPNr_YiFiYoVbwaw", api_key="yt-key", access_token="yt-oauth"
)


def client(sleeper):
    return HttpClient(base_url=API, error_for=youtube.error_for, sleep=sleeper)


@respx.mock
def test_full_poll_with_pagination(sleeper):
    playlist = respx.get(f"{API}/playlistItems").respond(200, json=load("youtube", "playlist_items.json"))
    respx.get(f"{API}/videos").respond(200, json=load("youtube", "videos_statistics.json"))
    threads = respx.get(f"{API}/commentThreads")
    threads.side_effect = [
        httpx.Response(200, json=load("youtube", "comment_threads_page1.json")),
        httpx.Response(200, json=load("youtube", "comment_threads_page2.json")),
    ]
    result = youtube.YouTubeSource(CREDS, client=client(sleeper)).fetch(None)
    assert playlist.calls[0].request.url.params["playlistId"] == "UUdC0An4ZPNr_YiFiYoVbwaw"
    assert threads.calls[1].request.url.params["pageToken"].startswith("QURTSl9pMVJQ")
    by_id = {i.external_id: i for i in result.items}
    video = by_id["XYAe15w39LQ"]
    assert video.kind == "post" and video.metrics == {"views": 184328, "likes": 7034, "comments": 410}
    assert by_id["UgyptqgEdhuj_qYPQQh4AaABAg"].parent_external_id == "XYAe15w39LQ"
    reply = by_id["UgxISZhP_62DIrtv2r94AaABAg.9jR2ZQk7Fh39jR3bQx1Y2z"]
    assert reply.kind == "reply" and reply.parent_external_id == "UgxISZhP_62DIrtv2r94AaABAg"
    assert result.cursor["watch"] == ["XYAe15w39LQ"]
    assert result.cursor["comments_since"] == "2022-12-17T05:00:00+00:00"


@respx.mock
def test_rate_limit_then_backoff(sleeper):
    playlist = respx.get(f"{API}/playlistItems")
    playlist.side_effect = [
        httpx.Response(403, json=load("youtube", "error_rate.json")),
        httpx.Response(200, json=load("youtube", "playlist_items.json")),
    ]
    respx.get(f"{API}/videos").respond(200, json=load("youtube", "videos_statistics.json"))
    respx.get(f"{API}/commentThreads").respond(
        200, json={"kind": "youtube#commentThreadListResponse", "items": []}
    )
    result = youtube.YouTubeSource(CREDS, client=client(sleeper)).fetch(None)
    assert sleeper.calls == [60.0] and playlist.call_count == 2 and result.items


@respx.mock
def test_quota_exhausted_waits_for_pacific_midnight(sleeper):
    respx.get(f"{API}/playlistItems").respond(403, json=load("youtube", "error_quota.json"))
    with pytest.raises(RateLimited) as info:
        youtube.YouTubeSource(
            CREDS, client=HttpClient(base_url=API, error_for=youtube.error_for, sleep=sleeper, max_wait_s=10)
        ).fetch(None)
    assert 0 < info.value.retry_after_s <= 86400
    assert sleeper.calls == []


@respx.mock
def test_expired_token(sleeper):
    respx.get(f"{API}/playlistItems").respond(401, json=load("youtube", "error_401.json"))
    with pytest.raises(AuthExpired):
        youtube.YouTubeSource(CREDS, client=client(sleeper)).fetch(None)


@respx.mock
def test_reply_hide_delete_and_no_posts(sleeper):
    insert = respx.post(f"{API}/comments").respond(200, json=load("youtube", "comment_inserted.json"))
    moderate = respx.post(f"{API}/comments/setModerationStatus").respond(204)
    delete = respx.delete(f"{API}/comments").respond(204)
    pub = youtube.YouTubePublisher(CREDS, client=client(sleeper))
    result = pub.reply(
        "UgyptqgEdhuj_qYPQQh4AaABAg",
        "Silakan ajukan lupa EFIN lewat email KPP terdaftar.",
        idempotency_key="k",
    )
    assert json.loads(insert.calls[0].request.content) == {
        "snippet": {
            "parentId": "UgyptqgEdhuj_qYPQQh4AaABAg",
            "textOriginal": "Silakan ajukan lupa EFIN lewat email KPP terdaftar.",
        }
    }
    assert insert.calls[0].request.headers["authorization"] == "Bearer yt-oauth"
    assert result.external_id == "UgyptqgEdhuj_qYPQQh4AaABAg.9kA1b2C3d4E9kA1b2C3d4E"
    pub.hide("UgzSpam")
    pub.unhide("UgzSpam")
    # heldForReview, not rejected: a rejected comment can never be published again (reversible hiding).
    statuses = [c.request.url.params["moderationStatus"] for c in moderate.calls]
    assert statuses == ["heldForReview", "published"]
    assert [c.request.url.params["id"] for c in moderate.calls] == ["UgzSpam", "UgzSpam"]
    pub.delete(result.external_id)
    assert delete.called
    with pytest.raises(Unsupported):
        pub.post("teks", idempotency_key="k")


@respx.mock
def test_reply_timeout_reconciles(sleeper):
    insert = respx.post(f"{API}/comments").mock(side_effect=httpx.ReadTimeout("x"))
    respx.get(f"{API}/comments").respond(200, json=load("youtube", "comments_list_mine.json"))
    result = youtube.YouTubePublisher(CREDS, client=client(sleeper)).reply(
        "UgyptqgEdhuj_qYPQQh4AaABAg",
        "Silakan ajukan lupa EFIN lewat email KPP terdaftar.",
        idempotency_key="k",
    )
    assert insert.call_count == 1 and result.reconciled
