"""TikTok API for Business: comments on the account's own videos, replies, hide and unhide."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from humas.connectors import tiktok
from humas.connectors.errors import AuthExpired, DeliveryUnknown, ErrorPayload, RateLimited, Unsupported
from humas.connectors.http import HttpClient
from humas.connectors.registry import get_platform
from humas.connectors.spec import Capability
from tests.connectors.conftest import load

API = "https://business-api.tiktok.com/open_api/v1.3"
CREDS = tiktok.TikTokCredentials(business_id="-000Ab1Cd2Ef3Gh4", access_token="tt-token")
VIDEO = "7578012345678901234"
QUESTION = f"{VIDEO}:7578100000000000003"


def client(sleeper) -> HttpClient:
    return HttpClient(base_url=API, error_for=tiktok.error_for, sleep=sleeper)


@respx.mock
def test_poll_reads_own_videos_and_their_comments(sleeper):
    videos = respx.get(f"{API}/business/video/list/").respond(200, json=load("tiktok", "video_list.json"))
    comments = respx.get(f"{API}/business/comment/list/")
    comments.side_effect = [
        httpx.Response(200, json=load("tiktok", "comment_list_page1.json")),
        httpx.Response(200, json=load("tiktok", "comment_list_page2.json")),
        httpx.Response(200, json=load("tiktok", "comment_list_empty.json")),
    ]
    result = tiktok.TikTokSource(CREDS, client=client(sleeper)).fetch(None)

    listed = videos.calls[0].request
    assert listed.headers["access-token"] == "tt-token" and "authorization" not in listed.headers
    assert listed.url.params["business_id"] == "-000Ab1Cd2Ef3Gh4"
    assert "item_id" in json.loads(listed.url.params["fields"])
    first, second, third = (c.request.url.params for c in comments.calls)
    assert first["video_id"] == VIDEO and first["include_replies"] == "true" and first["status"] == "ALL"
    assert first["sort_field"] == "create_time" and first["sort_order"] == "desc" and "cursor" not in first
    assert second["cursor"] == "2" and third["video_id"] == "6995316737801538821"

    by_id = {i.external_id: i for i in result.items}
    video = by_id[VIDEO]
    assert video.kind == "post" and video.thread_root_id == VIDEO and video.metrics["likes"] == 243
    assert video.url.startswith("https://www.tiktok.com/@humaskota/video/")
    question = by_id[QUESTION]
    assert question.kind == "comment" and question.thread_root_id == VIDEO
    assert question.in_reply_to_id == VIDEO and question.parent_external_id == VIDEO
    assert question.author_id.startswith("+ABc1D2/") and question.author_handle == "warga_bandung"
    assert question.author_name == "Warga Bandung" and question.metrics == {"likes": 5, "replies": 2}
    assert question.created_at.isoformat() == "2025-12-02T02:00:00+00:00"
    reply = by_id[f"{VIDEO}:7578100000000000005"]
    assert reply.kind == "reply" and reply.in_reply_to_id == QUESTION and reply.thread_root_id == VIDEO
    assert by_id[f"{VIDEO}:7578100000000000002"].raw["status"] == "HIDDEN"  # hidden ones are read too
    assert len(result.items) == 2 + 4 and not result.has_more
    assert result.cursor == {"since": 1764641400}


@respx.mock
def test_next_poll_stops_at_comments_already_seen(sleeper):
    respx.get(f"{API}/business/video/list/").respond(200, json=load("tiktok", "video_list.json"))
    comments = respx.get(f"{API}/business/comment/list/")
    comments.side_effect = [
        httpx.Response(200, json=load("tiktok", "comment_list_page1.json")),
        httpx.Response(200, json=load("tiktok", "comment_list_empty.json")),
    ]
    result = tiktok.TikTokSource(CREDS, client=client(sleeper)).fetch({"since": 1764640000})
    assert comments.call_count == 2  # page 1 reaches a comment older than the cursor: no page 2
    assert result.cursor == {"since": 1764641400}


@respx.mock
def test_reply_to_a_comment_sends_one_request(sleeper):
    create = respx.post(f"{API}/business/comment/reply/create/").respond(
        200, json=load("tiktok", "reply_created.json")
    )
    text = "Bisa di Disdukcapil mana pun, bawa surat kehilangan dari polisi."
    result = tiktok.TikTokPublisher(CREDS, client=client(sleeper)).reply(QUESTION, text, idempotency_key="k")
    assert create.call_count == 1
    assert json.loads(create.calls[0].request.content) == {
        "business_id": "-000Ab1Cd2Ef3Gh4",
        "video_id": VIDEO,
        "comment_id": "7578100000000000003",
        "text": text,
    }
    assert create.calls[0].request.headers["access-token"] == "tt-token"
    assert result.external_id == f"{VIDEO}:7578100000000000009"


@respx.mock
def test_a_timed_out_reply_is_found_among_the_replies(sleeper):
    create = respx.post(f"{API}/business/comment/reply/create/").mock(side_effect=httpx.ReadTimeout("slow"))
    listed = respx.get(f"{API}/business/comment/list/").respond(
        200, json=load("tiktok", "comment_list_with_our_reply.json")
    )
    text = "Bisa di Disdukcapil mana pun, bawa surat kehilangan dari polisi."
    result = tiktok.TikTokPublisher(CREDS, client=client(sleeper)).reply(QUESTION, text, idempotency_key="k")
    assert create.call_count == 1 and result.reconciled
    assert result.external_id == f"{VIDEO}:7578100000000000009"
    assert json.loads(listed.calls[0].request.url.params["comment_ids"]) == ["7578100000000000003"]


@respx.mock
def test_a_timed_out_reply_not_found_is_left_unknown(sleeper):
    create = respx.post(f"{API}/business/comment/reply/create/").mock(side_effect=httpx.ReadTimeout("slow"))
    respx.get(f"{API}/business/comment/list/").respond(200, json=load("tiktok", "comment_list_page2.json"))
    with pytest.raises(DeliveryUnknown):
        tiktok.TikTokPublisher(CREDS, client=client(sleeper)).reply(QUESTION, "Halo", idempotency_key="k")
    assert create.call_count == 1  # three replies shown at most: absence proves nothing, never resent


@respx.mock
def test_hide_and_unhide(sleeper):
    hide = respx.post(f"{API}/business/comment/hide/").respond(200, json=load("tiktok", "hide_success.json"))
    pub = tiktok.TikTokPublisher(CREDS, client=client(sleeper))
    pub.hide(f"{VIDEO}:7578100000000000002")
    pub.unhide(f"{VIDEO}:7578100000000000002")
    assert [json.loads(c.request.content) for c in hide.calls] == [
        {
            "business_id": "-000Ab1Cd2Ef3Gh4",
            "video_id": VIDEO,
            "comment_id": "7578100000000000002",
            "action": a,
        }
        for a in ("HIDE", "UNHIDE")
    ]


def test_what_is_not_supported():
    pub = tiktok.TikTokPublisher(CREDS)
    with pytest.raises(Unsupported, match="one video"):
        pub.post("Video baru", idempotency_key="k")  # text alone: a TikTok post is one video
    with pytest.raises(Unsupported):
        pub.reply(VIDEO, "Komentar pada video", idempotency_key="k")
    with pytest.raises(Unsupported):
        pub.delete(QUESTION)
    with pytest.raises(ValueError):
        pub.hide("no-video-in-this-id:")
    spec = get_platform("tiktok")
    assert spec.can(Capability.POST_VIDEO) and not spec.can(Capability.READ_DMS)
    assert spec.can(Capability.HIDE) and spec.can(Capability.UNHIDE)


@respx.mock
def test_errors_come_in_the_envelope(sleeper):
    route = respx.get(f"{API}/business/video/list/")
    route.side_effect = [
        httpx.Response(200, json=load("tiktok", "error_40105.json")),
        httpx.Response(200, json=load("tiktok", "error_40100.json")),
    ]
    source = tiktok.TikTokSource(CREDS, client=client(sleeper))
    source.http.max_retries = 0
    with pytest.raises(AuthExpired):
        source.fetch(None)
    with pytest.raises(RateLimited):
        source.fetch(None)
    with pytest.raises(ErrorPayload):
        tiktok.parse_body(load("tiktok", "error_40105.json"))


def test_parse_body_reads_every_answer():
    assert [i.kind for i in tiktok.parse_body(load("tiktok", "video_list.json"))] == ["post", "post"]
    assert [i.kind for i in tiktok.parse_body(load("tiktok", "comment_list_page1.json"))] == [
        "comment",
        "reply",
        "comment",
    ]
    (created,) = tiktok.parse_body(load("tiktok", "reply_created.json"))
    assert created.kind == "reply" and created.in_reply_to_id == QUESTION
    assert tiktok.parse_body(load("tiktok", "hide_success.json")) == []


def test_reply_limit_is_150_characters():
    limits = get_platform("tiktok").limits
    assert limits.text_over("a" * 150) == 0 and limits.text_over("a" * 151) == 1
