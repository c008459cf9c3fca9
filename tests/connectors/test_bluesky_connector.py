from __future__ import annotations

import json
import time

import httpx
import pytest
import respx

from humas.connectors import bluesky
from humas.connectors.errors import AuthExpired, Unsupported
from humas.connectors.http import HttpClient
from tests.connectors.conftest import load

PDS = "https://bsky.social/xrpc"
CREDS = bluesky.BlueskyCredentials(identifier="humas.kotabandung.go.id", app_password="app-pass-1234")


def client(sleeper):
    return HttpClient(
        base_url="https://bsky.social",
        error_for=bluesky.error_for,
        rate_limit_parser=bluesky.rate_limit_info,
        sleep=sleeper,
    )


def session_route():
    return respx.post(f"{PDS}/com.atproto.server.createSession").respond(
        200, json=load("bluesky", "create_session.json")
    )


@respx.mock
def test_full_poll_with_cursor_pagination(sleeper):
    session_route()
    feed = respx.get(f"{PDS}/app.bsky.feed.getAuthorFeed")
    feed.side_effect = [
        httpx.Response(200, json=load("bluesky", "author_feed_page1.json")),
        httpx.Response(200, json=load("bluesky", "author_feed_page2.json")),
    ]
    notes = respx.get(f"{PDS}/app.bsky.notification.listNotifications")
    notes.side_effect = [
        httpx.Response(200, json=load("bluesky", "notifications.json")),
        httpx.Response(200, json={"notifications": []}),
    ]
    result = bluesky.BlueskySource(CREDS, client=client(sleeper)).fetch(None)
    assert notes.call_count == 2
    assert feed.calls[1].request.url.params["cursor"] == "2024-09-01T01:00:01.123Z"
    assert feed.calls[0].request.headers["authorization"].startswith("Bearer eyJ")
    got = [(i.kind, i.author_handle) for i in result.items]
    assert got == [
        ("post", "humas.kotabandung.go.id"),
        ("post", "humas.kotabandung.go.id"),
        ("reply", "warga.bsky.social"),
        ("mention", "warga.bsky.social"),
    ]
    reply = result.items[2]
    assert reply.parent_external_id == result.items[0].external_id
    assert reply.url == "https://bsky.app/profile/warga.bsky.social/post/3l3r3zq4kxs2d"
    assert result.cursor == {
        "feed_since": "2024-09-01T01:00:01.123000+00:00",
        "notifications_since": "2024-09-01T02:20:00.100000+00:00",
    }


@respx.mock
def test_rate_limited_then_backoff(sleeper):
    session_route()
    feed = respx.get(f"{PDS}/app.bsky.feed.getAuthorFeed")
    feed.side_effect = [
        httpx.Response(
            429,
            json=load("bluesky", "error_ratelimit.json"),
            headers={"ratelimit-reset": str(int(time.time()) + 10), "ratelimit-remaining": "0"},
        ),
        httpx.Response(200, json=load("bluesky", "author_feed_page2.json")),
    ]
    respx.get(f"{PDS}/app.bsky.notification.listNotifications").respond(200, json={"notifications": []})
    result = bluesky.BlueskySource(CREDS, client=client(sleeper)).fetch(None)
    assert feed.call_count == 2 and len(sleeper.calls) == 1 and 5 <= sleeper.calls[0] <= 11
    assert len(result.items) == 1


@respx.mock
def test_expired_token_relogs_once_then_auth_expired(sleeper):
    login = respx.post(f"{PDS}/com.atproto.server.createSession")
    login.side_effect = [
        httpx.Response(200, json=load("bluesky", "create_session.json")),
        httpx.Response(401, json=load("bluesky", "error_auth.json")),
    ]
    respx.get(f"{PDS}/app.bsky.feed.getAuthorFeed").respond(400, json=load("bluesky", "error_expired.json"))
    with pytest.raises(AuthExpired):
        bluesky.BlueskySource(CREDS, client=client(sleeper)).fetch(None)
    assert login.call_count == 2


@respx.mock
def test_post_reply_delete(sleeper):
    session_route()
    create = respx.post(f"{PDS}/com.atproto.repo.createRecord").respond(
        200, json=load("bluesky", "create_record.json")
    )
    respx.get(f"{PDS}/app.bsky.feed.getPosts").respond(200, json=load("bluesky", "get_posts.json"))
    delete = respx.post(f"{PDS}/com.atproto.repo.deleteRecord").respond(200, json={})
    pub = bluesky.BlueskyPublisher(CREDS, client=client(sleeper))
    result = pub.post("CFD tetap jalan.", idempotency_key="key-1")
    assert result.url == "https://bsky.app/profile/humas.kotabandung.go.id/post/3kzbpwv2mqy2b"
    sent = json.loads(create.calls[0].request.content)
    assert sent["rkey"] == bluesky.tid_for("key-1") and sent["record"]["text"] == "CFD tetap jalan."
    parent = load("bluesky", "get_posts.json")["posts"][0]
    pub.reply(parent["uri"], "Sudah dibuka kembali.", idempotency_key="key-2")
    reply = json.loads(create.calls[1].request.content)["record"]["reply"]
    assert reply["parent"]["uri"] == parent["uri"]
    assert reply["root"] == parent["record"]["reply"]["root"]
    pub.delete(result.external_id)
    assert json.loads(delete.calls[0].request.content)["rkey"] == "3kzbpwv2mqy2b"
    with pytest.raises(Unsupported):
        pub.hide(result.external_id)


@respx.mock
def test_timeout_then_reconcile_by_record_key(sleeper):
    session_route()
    create = respx.post(f"{PDS}/com.atproto.repo.createRecord").mock(side_effect=httpx.ReadTimeout("x"))
    record = {
        "uri": "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/" + bluesky.tid_for("key-1"),
        "cid": "bafyreib",
        "value": {
            "$type": "app.bsky.feed.post",
            "text": "CFD tetap jalan.",
            "createdAt": "2024-09-01T03:00:00.000Z",
        },
    }
    get = respx.get(f"{PDS}/com.atproto.repo.getRecord").respond(200, json=record)
    result = bluesky.BlueskyPublisher(CREDS, client=client(sleeper)).post(
        "CFD tetap jalan.", idempotency_key="key-1"
    )
    assert create.call_count == 1 and get.calls[0].request.url.params["rkey"] == bluesky.tid_for("key-1")
    assert result.reconciled


def test_tid_is_valid_and_stable():
    tid = bluesky.tid_for("outbox-42")
    assert tid == bluesky.tid_for("outbox-42") != bluesky.tid_for("outbox-43")
    assert len(tid) == 13 and tid[0] in "234567abcdefghij" and set(tid) <= set(bluesky.TID_ALPHABET)
