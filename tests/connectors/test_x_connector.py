from __future__ import annotations

import json
import time

import httpx
import pytest
import respx

from humas.connectors import x
from humas.connectors.errors import AuthExpired, RateLimited
from humas.connectors.http import HttpClient
from tests.connectors.conftest import load

API = "https://api.x.com/2"
CREDS = x.XCredentials(
    user_id="783214", username="kemenkeuRI", bearer_token="app-token", user_access_token="user-token"
)


def client(sleeper) -> HttpClient:
    return HttpClient(base_url=API, error_for=x.error_for, rate_limit_parser=x.rate_limit_info, sleep=sleeper)


@respx.mock
def test_full_poll_follows_pagination_and_returns_cursor(sleeper):
    respx.get(f"{API}/users/783214/tweets").respond(200, json=load("x", "user_tweets.json"))
    mentions = respx.get(f"{API}/users/783214/mentions")
    mentions.side_effect = [
        httpx.Response(200, json=load("x", "mentions_page1.json")),
        httpx.Response(200, json=load("x", "mentions_page2.json")),
    ]
    search = respx.get(f"{API}/tweets/search/recent").respond(200, json=load("x", "search_replies.json"))

    result = x.XSource(CREDS, client=client(sleeper)).fetch(None)

    assert mentions.call_count == 2
    assert (
        mentions.calls[1].request.url.params["pagination_token"]
        == "7140dibdnow9c7btw423i3sy3u5zupmkcpofxcsmxj48j"
    )
    assert "conversation_id:1301573587187331999" in search.calls[0].request.url.params["query"]
    kinds = {item.external_id: item.kind for item in result.items}
    assert kinds["1301573587187331999"] == "post"
    assert kinds["1578516295611748353"] == "mention"
    assert kinds["1301580000000000001"] == "reply"
    assert result.cursor["mentions"] == {"since_id": "1578516295611748353"}
    assert result.has_more is False
    reply = next(i for i in result.items if i.kind == "reply")
    assert reply.parent_external_id == "1301573587187331999"
    assert reply.author_handle == "rina_umkm"
    assert reply.url == "https://x.com/rina_umkm/status/1301580000000000001"


@respx.mock
def test_next_poll_sends_since_id(sleeper):
    tweets = respx.get(f"{API}/users/783214/tweets").respond(200, json=load("x", "search_empty.json"))
    respx.get(f"{API}/users/783214/mentions").respond(200, json=load("x", "search_empty.json"))
    result = x.XSource(CREDS, client=client(sleeper)).fetch(
        {"tweets": {"since_id": "1"}, "mentions": {"since_id": "2"}}
    )
    assert tweets.calls[0].request.url.params["since_id"] == "1"
    assert result.items == []
    assert result.cursor["mentions"] == {"since_id": "2"}


@respx.mock
def test_rate_limited_then_backoff_then_success(sleeper):
    reset = str(int(time.time()) + 30)
    route = respx.get(f"{API}/users/783214/mentions")
    route.side_effect = [
        httpx.Response(
            429,
            json=load("x", "error_429.json"),
            headers={"x-rate-limit-reset": reset, "x-rate-limit-remaining": "0"},
        ),
        httpx.Response(200, json=load("x", "mentions_page2.json"), headers={"x-rate-limit-remaining": "74"}),
    ]
    respx.get(f"{API}/users/783214/tweets").respond(200, json=load("x", "search_empty.json"))
    http = client(sleeper)
    result = x.XSource(CREDS, client=http).fetch({"tweets": {"since_id": "5"}})
    assert route.call_count == 2
    assert len(sleeper.calls) == 1 and 25 <= sleeper.calls[0] <= 31
    assert [i.external_id for i in result.items] == ["1301573587187331074"]
    assert http.rate_limit.remaining == 74


@respx.mock
def test_long_rate_limit_is_raised_for_the_scheduler(sleeper):
    reset = str(int(time.time()) + 3600)
    respx.get(f"{API}/users/783214/tweets").respond(
        429, json=load("x", "error_429.json"), headers={"x-rate-limit-reset": reset}
    )
    with pytest.raises(RateLimited) as info:
        x.XSource(CREDS, client=client(sleeper)).fetch(None)
    assert info.value.retry_after_s > 3000
    assert sleeper.calls == []


@respx.mock
def test_expired_token_raises_auth_expired(sleeper):
    respx.get(f"{API}/users/783214/tweets").respond(401, json=load("x", "error_401.json"))
    with pytest.raises(AuthExpired):
        x.XSource(CREDS, client=client(sleeper)).fetch(None)


@respx.mock
def test_post_and_reply(sleeper):
    route = respx.post(f"{API}/tweets").respond(201, json=load("x", "create_tweet.json"))
    publisher = x.XPublisher(CREDS, client=client(sleeper))
    result = publisher.post("Test Tweet", idempotency_key="k1")
    assert result.external_id == "1456012973835788293"
    assert result.url == "https://x.com/kemenkeuRI/status/1456012973835788293"
    assert route.calls[0].request.headers["authorization"] == "Bearer user-token"
    publisher.reply("1301580000000000001", "Dendanya Rp100.000.", idempotency_key="k2")
    import json

    sent = json.loads(route.calls[1].request.content)
    assert sent == {"text": "Dendanya Rp100.000.", "reply": {"in_reply_to_tweet_id": "1301580000000000001"}}


@respx.mock
def test_hide_and_delete(sleeper):
    hide = respx.put(f"{API}/tweets/1301580000000000001/hidden")
    hide.side_effect = [
        httpx.Response(200, json=load("x", "hide_reply.json")),
        httpx.Response(200, json=load("x", "unhide_reply.json")),
    ]
    delete = respx.delete(f"{API}/tweets/1456012973835788293").respond(
        200, json=load("x", "delete_tweet.json")
    )
    publisher = x.XPublisher(CREDS, client=client(sleeper))
    publisher.hide("1301580000000000001")
    publisher.unhide("1301580000000000001")
    publisher.delete("1456012973835788293")
    assert [json.loads(c.request.content) for c in hide.calls] == [{"hidden": True}, {"hidden": False}]
    assert delete.called


@respx.mock
def test_timeout_then_reconcile_does_not_post_twice(sleeper):
    post = respx.post(f"{API}/tweets").mock(side_effect=httpx.ReadTimeout("slow"))
    mine = load("x", "user_tweets.json")
    lookup = respx.get(f"{API}/users/783214/tweets").respond(200, json=mine)
    text = mine["data"][0]["text"]
    result = x.XPublisher(CREDS, client=client(sleeper)).post(text, idempotency_key="k1")
    assert post.call_count == 1
    assert lookup.called
    assert result.reconciled and result.external_id == "1301573587187331999"


@respx.mock
def test_timeout_not_found_sends_again(sleeper):
    post = respx.post(f"{API}/tweets")
    post.side_effect = [httpx.ReadTimeout("slow"), httpx.Response(201, json=load("x", "create_tweet.json"))]
    respx.get(f"{API}/users/783214/tweets").respond(200, json=load("x", "search_empty.json"))
    result = x.XPublisher(CREDS, client=client(sleeper)).post("Test Tweet", idempotency_key="k1")
    assert post.call_count == 2 and not result.reconciled


def test_credentials_repr_hides_tokens():
    assert "user-token" not in repr(CREDS) and "app-token" not in repr(CREDS)
